"""The answer path's writes: handed to a background writer, ids given at once, nothing lost on a clean stop,
dialogue states in memory and on disk, and statistics from hourly tallies equal to counting the log."""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.models import QueryRecord
from knowledge.stats import COMMITTED, collect


def record(text: str = "博士买房有补贴吗", outcome: str = "answer", latency: float = 1.0, user: str = "u") -> QueryRecord:
    return QueryRecord(user=user, session="s", text=text, lang="zh", intent="housing_purchase", confidence=0.9,
                       outcome=outcome, entry_id=None, latency_ms=latency)


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"select count(*) from [{table}]").fetchone()[0])


def test_every_logged_query_is_written_by_a_clean_stop(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    kb = KnowledgeBase.open(path)
    ids = [kb.log_query(record(f"question {n}"), "fallback" if n % 10 == 0 else None) for n in range(500)]
    kb.close()
    assert len(set(ids)) == 500 and ids == sorted(ids)
    assert count(path, "queries") == 500 and count(path, "unanswered") == 50


def test_reads_see_what_was_logged_just_before(tmp_path: Path) -> None:
    with KnowledgeBase.open(tmp_path / "kb.sqlite") as kb:
        query_id = kb.log_query(record(), "fallback")
        assert kb.query_row(query_id)["text"] == "博士买房有补贴吗"
        assert [r.query_id for r in kb.reviews()] == [query_id]


def test_two_processes_logging_to_one_file_never_share_an_id(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    first, second = KnowledgeBase.open(path), KnowledgeBase.open(path)
    ids = [kb.log_query(record()) for _ in range(300) for kb in (first, second)]
    first.close()
    second.close()
    assert len(set(ids)) == len(ids) == count(path, "queries")


def test_ids_are_not_reused_after_the_newest_rows_are_deleted(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase.open(path) as kb:
        old = kb.log_query(record(user="gone"))
        kb.forget_user("gone")
    with KnowledgeBase.open(path) as kb:
        assert kb.log_query(record()) > old


def test_dialogue_state_is_kept_in_memory_and_written_behind(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase.open(path) as kb:
        kb.save_session("s1", {"lang": "en", "context": {"intent": "housing_purchase"}})
        state = kb.load_session("s1", max_age_minutes=30)
        state["lang"] = "zh"  # the caller's copy: the kept state does not change with it
        assert kb.load_session("s1")["lang"] == "en"
    with KnowledgeBase.open(path) as kb:
        assert kb.load_session("s1", max_age_minutes=30) == {"lang": "en", "context": {"intent": "housing_purchase"}}
        kb.forget_user("s1")
        assert kb.load_session("s1") == {}


def test_a_batch_of_many_rows_is_written_whole_and_the_last_state_of_a_session_wins(tmp_path: Path) -> None:
    """The writer writes a batch's rows several at a time: every row arrives, in order, and of the states saved
    for one session in one batch the last is the one stored."""
    path = tmp_path / "kb.sqlite"
    kb = KnowledgeBase.open(path)
    kb.writer.flush()
    ids = []
    for n in range(203):  # more rows than one statement writes, and a remainder of each size
        ids.append(kb.log_query(record(f"question {n}"), "fallback" if n % 3 == 0 else None))
        kb.save_session(f"s{n % 4}", {"turn": n})
    kb.close()
    with sqlite3.connect(path) as conn:
        texts = [row[0] for row in conn.execute("select text from queries order by id")]
        states = dict(conn.execute("select id, state from sessions"))
        reviews = [row[0] for row in conn.execute("select query_id from unanswered order by query_id")]
    assert texts == [f"question {n}" for n in range(203)]
    assert reviews == [ids[n] for n in range(0, 203, 3)]
    assert {key: json.loads(value)["turn"] for key, value in states.items()} == {"s0": 200, "s1": 201, "s2": 202,
                                                                                 "s3": 199}


def test_a_database_in_memory_writes_at_once() -> None:
    with KnowledgeBase.open(":memory:") as kb:
        query_id = kb.log_query(record())
        assert kb.query_row(query_id)["outcome"] == "answer"


# ---------------------------------------------------------------- statistics from the hourly tallies

NOW = datetime(2026, 11, 29, 10, 17, 41, 250_000, tzinfo=timezone.utc)


def random_log(path: Path, rows: int, seed: int) -> None:
    """Queries over the last ten days, then some moved in time, re-decided and deleted (as tests and staff do)."""
    rng = random.Random(seed)
    outcomes = ("answer", "clarify", "fallback", "smalltalk", "handoff", None)
    with sqlite3.connect(path) as conn:
        for _ in range(rows):
            ts = (NOW - timedelta(seconds=rng.uniform(0, 10 * 86400))).isoformat(timespec="milliseconds")
            conn.execute("insert into queries (ts, user, text, intent, outcome, latency_ms) values (?, ?, ?, ?, ?, ?)",
                         [ts, "u", "q", rng.choice(("housing_purchase", "greeting", None)), rng.choice(outcomes),
                          rng.choice((None, round(rng.uniform(0.1, 5), 3)))])
        ids = [r[0] for r in conn.execute("select id from queries")]
        for query_id in rng.sample(ids, rows // 5):
            moved = (NOW - timedelta(seconds=rng.uniform(0, 10 * 86400))).isoformat(timespec="milliseconds")
            conn.execute("update queries set ts = ?, outcome = ? where id = ?", [moved, rng.choice(outcomes), query_id])
        conn.execute("delete from queries where id in (%s)" % ",".join(map(str, rng.sample(ids, rows // 10))))


def counted_from_rows(path: Path, since: datetime) -> tuple[Counter[str], Counter[str], float | None]:
    start, end = since.isoformat(timespec="milliseconds"), NOW.isoformat(timespec="milliseconds")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("select outcome, intent, cast(round(latency_ms * 10) as integer) from queries "
                            "where ts >= ? and ts <= ?", [start, end]).fetchall()
    outcomes = Counter(o or "unknown" for o, _, _ in rows)
    intents = Counter(i for o, i, _ in rows if i and o in COMMITTED)
    tenths = [t for _, _, t in rows if t is not None]  # latencies to the tenth of a millisecond, as tallied
    return outcomes, intents, round(statistics.median(tenths) * 2 / 20, 1) if tenths else None


@pytest.mark.parametrize("since", [NOW - timedelta(days=7), NOW - timedelta(minutes=20), NOW - timedelta(hours=1),
                                   datetime(2026, 11, 25, tzinfo=timezone.utc), NOW - timedelta(days=30)])
def test_statistics_from_the_tallies_equal_counting_the_log(tmp_path: Path, since: datetime) -> None:
    path = tmp_path / "kb.sqlite"
    KnowledgeBase.open(path).close()
    random_log(path, 600, seed=int(since.timestamp()))
    outcomes, intents, median = counted_from_rows(path, since)
    with KnowledgeBase.open(path) as kb:
        stats = collect(kb, since, now=NOW, top=10)
    assert {k: v for k, v in stats.outcomes.items() if v} == dict(outcomes)
    assert {i.intent: i.count for i in stats.top_intents} == dict(intents)
    assert sum(day.total for day in stats.per_day) == stats.total == sum(outcomes.values())
    assert stats.median_latency_ms == median


def test_statistics_count_undelivered_replies_apart_and_follow_delivery(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    KnowledgeBase.open(path).close()
    random_log(path, 200, seed=7)
    with sqlite3.connect(path) as conn:
        ids = [r[0] for r in conn.execute("select id from queries order by id")]
        conn.execute("update queries set delivery = 'retrying' where id in (%s)" % ",".join(map(str, ids[::3])))
        conn.execute("update queries set delivery = 'delivered' where id in (%s)" % ",".join(map(str, ids[::3][:10])))
        conn.execute("update queries set delivery = 'failed' where id in (%s)" % ",".join(map(str, ids[::5])))
        rows = conn.execute("select case when delivery in ('retrying', 'failed') then 'undelivered' else outcome end "
                            "from queries where ts >= ? and ts <= ?", [(NOW - timedelta(days=7)).isoformat(
                                timespec="milliseconds"), NOW.isoformat(timespec="milliseconds")]).fetchall()
    with KnowledgeBase.open(path) as kb:
        stats = collect(kb, NOW - timedelta(days=7), now=NOW)
    assert {k: v for k, v in stats.outcomes.items() if v} == dict(Counter(o or "unknown" for (o,) in rows))


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Kolkata"])
def test_days_of_a_time_zone_from_the_tallies_equal_counting_the_log(tmp_path: Path, zone: str) -> None:
    from zoneinfo import ZoneInfo

    path = tmp_path / "kb.sqlite"
    KnowledgeBase.open(path).close()
    random_log(path, 400, seed=11)
    since = NOW - timedelta(days=6)
    with sqlite3.connect(path) as conn:
        stamps = [r[0] for r in conn.execute("select ts from queries where ts >= ? and ts <= ?", [
            since.isoformat(timespec="milliseconds"), NOW.isoformat(timespec="milliseconds")])]
    days = Counter(datetime.fromisoformat(ts).astimezone(ZoneInfo(zone)).date().isoformat() for ts in stamps)
    with KnowledgeBase.open(path) as kb:
        stats = collect(kb, since, now=NOW, zone=zone)
    assert {d.day: d.total for d in stats.per_day if d.total} == dict(days)


def test_a_database_of_the_previous_version_is_upgraded_with_its_log(tmp_path: Path) -> None:
    import sqlite_utils

    from knowledge.schema import MIGRATIONS

    path = tmp_path / "old.sqlite"
    db = sqlite_utils.Database(sqlite3.connect(path))
    db.table("migrations").create({"id": int, "name": str, "applied_at": str}, pk="id")
    previous = [m for m in MIGRATIONS if m[0] < "010"]
    for number, (name, step) in enumerate(previous, start=1):
        with db.atomic():
            step(db)
            db.table("migrations").insert({"id": number, "name": name, "applied_at": "x"})
    db.conn.commit()
    db.conn.close()
    random_log(path, 300, seed=3)
    with sqlite3.connect(path) as conn:
        conn.execute("update queries set delivery = 'failed' where id % 7 = 0")
        top = conn.execute("select max(id) from queries").fetchone()[0]
    since = NOW - timedelta(days=7)
    outcomes, intents, median = counted_from_rows(path, since)
    with KnowledgeBase.open(path) as kb:
        sql = kb.db.execute("select sql from sqlite_master where name = 'queries'").fetchone()[0]
        assert "autoincrement" in sql.lower() and "delivery" in sql
        indexes = {r[0] for r in kb.db.execute("select name from sqlite_master where type = 'index' "
                                               "and tbl_name = 'queries'")}
        assert {"idx_queries_ts", "idx_queries_user"} <= indexes
        stats = collect(kb, since, now=NOW)
        assert kb.log_query(record()) > top
    undelivered = stats.outcomes.get("undelivered", 0)
    assert undelivered > 0 and stats.total == sum(outcomes.values())
    assert {i.intent: i.count for i in stats.top_intents} == dict(intents) and stats.median_latency_ms == median


def test_forget_reaches_what_the_writer_holds_and_the_states_in_memory(tmp_path: Path) -> None:
    from knowledge import privacy

    path = tmp_path / "kb.sqlite"
    with KnowledgeBase.open(path) as kb:
        kb.log_query(record("我的护照号码", user="gone"), "fallback")
        kb.save_session("gone", {"lang": "zh"})
        removed = privacy.forget(kb, ["gone"])
        assert removed.counts["queries"] == 1 and removed.counts["reviews"] == 1
        assert kb.load_session("gone") == {}
    assert count(path, "queries") == count(path, "unanswered") == count(path, "sessions") == 0
    with sqlite3.connect(path) as conn:
        tallies = conn.execute("select * from query_hours where n > 0").fetchall()
        columns = [r[1] for r in conn.execute("pragma table_info(query_hours)")]
    assert tallies == [] and columns == ["hour", "outcome", "intent", "undelivered", "n"]  # counts only


def test_every_open_review_item_is_listed_past_a_thousand(tmp_path: Path) -> None:
    from knowledge import review

    with KnowledgeBase.open(tmp_path / "kb.sqlite") as kb:
        for n in range(1205):
            kb.log_query(record(f"第{n}个没有答案的问题 q{n}", outcome="fallback"), "fallback")
        assert len(review.open_items(kb)) == 1205
        assert sum(len(g.items) for g in review.open_groups(kb)) == 1205
        assert collect(kb, datetime.now(timezone.utc) - timedelta(days=1)).open_reviews == 1205
