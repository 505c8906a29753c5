"""Insight for managers: the numbers of ``stats`` from real logged queries, its chart, and ``browse``.

Every query here goes through a real Assistant into a real SQLite log; the
expected numbers are counted from the replies the assistant gave.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cli.stats import DATABASE_NAME, metadata, prepare_browse
from bot.engine.assistant import Assistant
from knowledge.stats import (
    CANNED_QUERIES,
    StatsError,
    browse_snapshot,
    collect,
    parse_since,
)
from tests.test_cli import ROOT, run

QUESTIONS = [  # question, the outcome the seeded assistant gives
    ("博士买房有补贴吗", "answer"), ("what is the 5+22 policy", "answer"), ("硕士租房补贴每月多少", "answer"),
    ("人才", "clarify"), ("今天天气怎么样", "fallback"), ("今天天气怎么样？", "fallback"),
    ("  今天 天气 怎么样!", "fallback"), ("股票怎么买", "fallback"), ("转人工", "handoff"), ("你好", "smalltalk"),
]
NOW = datetime.now(timezone.utc)


def ask_all(assistant: Assistant) -> list[tuple[int, str]]:
    """Ask every question in its own session; the (query id, outcome) of each reply."""
    replies = [assistant.handle(text, session=f"s{i}", user=f"u{i}") for i, (text, _) in enumerate(QUESTIONS)]
    logged = [(r.query_id, r.outcome) for r in replies if r.query_id is not None]
    assert len(logged) == len(QUESTIONS)  # every question is logged
    assistant.kb.flush()  # the background writer has written them (backdate reads through a connection of its own)
    return logged


def backdate(db: Path, query_id: int, days: int) -> None:
    """Move one logged query (and its review item) ``days`` into the past, as if asked then."""
    stamp = (NOW - timedelta(days=days)).isoformat(timespec="milliseconds")
    with sqlite3.connect(db) as conn:
        conn.execute("update queries set ts = ? where id = ?", [stamp, query_id])
        conn.execute("update unanswered set ts = ? where query_id = ?", [stamp, query_id])


def test_the_questions_get_the_outcomes_the_tests_count_on(assistant: Assistant) -> None:
    assert [o for _, o in ask_all(assistant)] == [o for _, o in QUESTIONS]


def test_stats_counts_each_outcome_and_rates_the_questions_without_small_talk(assistant: Assistant) -> None:
    outcomes = Counter(o for _, o in ask_all(assistant))
    stats = collect(assistant.kb, parse_since("7d"))
    assert stats.total == len(QUESTIONS) and stats.questions == len(QUESTIONS) - 1
    assert {k: v for k, v in stats.outcomes.items() if v} == dict(outcomes)
    assert stats.rates == pytest.approx({"answer": 3 / 9, "clarify": 1 / 9, "fallback": 4 / 9, "handoff": 1 / 9})
    intents = {i.intent: i.count for i in stats.top_intents}
    assert sum(intents.values()) == 5 and {"housing_purchase", "human_agent", "greeting"} <= set(intents)
    assert "out_of_scope" not in intents  # fallbacks and clarifications are not counted as asked intents
    assert stats.median_latency_ms is not None and stats.median_latency_ms > 0


def test_helpful_ratio_comes_from_the_feedback_given(assistant: Assistant) -> None:
    answered = [qid for qid, outcome in ask_all(assistant) if outcome == "answer"]
    for n, qid in enumerate(answered):
        assistant.feedback(qid, f"rater{n}", helpful=True)
    assistant.feedback(answered[0], "grumpy", helpful=False)
    stats = collect(assistant.kb, parse_since("1d"))
    assert (stats.helpful, stats.not_helpful) == (3, 1)
    assert stats.helpful_ratio == 0.75
    assert collect(assistant.kb, NOW + timedelta(hours=1), now=NOW + timedelta(hours=2)).helpful_ratio is None


def test_top_unanswered_groups_the_same_question_however_it_is_typed(assistant: Assistant) -> None:
    ask_all(assistant)
    stats = collect(assistant.kb, parse_since("7d"))
    first = stats.top_unanswered[0]
    assert first.count == 3 and "天气" in first.text and len(first.review_ids) == 3
    counts = {q.text.strip(): q.count for q in stats.top_unanswered}
    assert counts["股票怎么买"] == 1 and counts["转人工"] == 1  # hand-offs are open review items too
    assert stats.open_reviews == 5


def test_closed_review_items_are_no_longer_top_unanswered(assistant: Assistant) -> None:
    ask_all(assistant)
    with assistant.kb.db.conn:
        assistant.kb.db.execute("update unanswered set status = 'ignored' where text like '%天气%'")
    texts = [q.text for q in collect(assistant.kb, parse_since("7d")).top_unanswered]
    assert texts and not any("天气" in t for t in texts)


def test_the_period_keeps_older_queries_out_and_shows_every_day(assistant: Assistant, db_path: Path) -> None:
    logged = ask_all(assistant)
    backdate(db_path, logged[0][0], days=10)  # an answer, long ago
    backdate(db_path, logged[4][0], days=2)  # a fallback, two days ago
    week = collect(assistant.kb, parse_since("7d"))
    assert week.total == len(QUESTIONS) - 1 and week.outcomes["answer"] == 2
    assert [d.day for d in week.per_day][-3:] == [(NOW - timedelta(days=n)).date().isoformat() for n in (2, 1, 0)]
    assert [d.total for d in week.per_day][-3:] == [1, 0, len(QUESTIONS) - 2]
    assert len(week.per_day) == 8  # seven days back and today, quiet days included
    assert collect(assistant.kb, parse_since("30d")).total == len(QUESTIONS)


def test_days_are_dalians_days(assistant: Assistant, db_path: Path) -> None:
    """Late evening in UTC is the next morning in Dalian: the query counts on Dalian's day."""
    reply = assistant.handle("博士买房有补贴吗", "late")
    assistant.kb.flush()  # the query is written (the update below goes through a connection of its own)
    with sqlite3.connect(db_path) as conn:
        conn.execute("update queries set ts = ? where id = ?", ["2026-11-29T17:30:00.000+00:00", reply.query_id])
    since, until = datetime(2026, 11, 28, tzinfo=timezone.utc), datetime(2026, 12, 1, tzinfo=timezone.utc)
    days = {zone: {d.day: d.total for d in collect(assistant.kb, since, now=until, zone=zone).per_day if d.total}
            for zone in ("Asia/Shanghai", "UTC")}
    assert days == {"Asia/Shanghai": {"2026-11-30": 1}, "UTC": {"2026-11-29": 1}}
    assert parse_since("2026-11-30", zone="Asia/Shanghai") == datetime(2026, 11, 29, 16, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, expected", [
    ("7d", NOW - timedelta(days=7)), ("30d", NOW - timedelta(days=30)), ("12h", NOW - timedelta(hours=12)),
    ("2w", NOW - timedelta(weeks=2)), ("2026-11-01", datetime(2026, 11, 1, tzinfo=timezone.utc)),
])
def test_periods_people_type(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["7x", "seven days", "2026-13-01", ""])
def test_unreadable_periods_are_refused(text: str) -> None:
    with pytest.raises(StatsError):
        parse_since(text, now=NOW)


# ---------------------------------------------------------------- the command line


def test_stats_command_prints_json_for_machines_and_a_table_for_people(assistant: Assistant, db_path: Path) -> None:
    logged = ask_all(assistant)
    assistant.feedback(logged[0][0], "rater", helpful=True)
    done = run(["stats", "--since", "7d", "--json"], db_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["total"] == len(QUESTIONS) and data["outcomes"]["fallback"] == 4 and data["helpful_ratio"] == 1.0
    assert data["top_unanswered"][0]["count"] == 3 and sum(d["total"] for d in data["per_day"]) == len(QUESTIONS)
    table = run(["stats"], db_path)
    assert table.returncode == 0, table.stderr
    assert "未能回答" in table.stdout and "44%" in table.stdout and "有帮助：100%" in table.stdout
    assert "3x" in table.stdout and "天气" in table.stdout


def test_stats_with_a_bad_period_is_a_clean_error(db_path: Path) -> None:
    done = run(["stats", "--since", "last tuesday"], db_path)
    assert done.returncode == 2 and done.stderr.startswith("错误：cannot read the period")


def test_plot_writes_a_png_of_readable_size(assistant: Assistant, db_path: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    ask_all(assistant)
    chart = tmp_path / "charts" / "week.png"
    done = run(["stats", "--plot", str(chart)], db_path)
    assert done.returncode == 0, done.stderr
    assert f"图表: {chart}" in done.stdout
    header = chart.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert (width, height) == (1300, 800)
    assert chart.stat().st_size > 20_000  # bars, labels and text, not an empty canvas


def test_starting_the_assistant_does_not_import_matplotlib_or_datasette() -> None:
    code = "import sys, bot.cli.main, bot.engine.assistant; print(sorted({'matplotlib', 'datasette'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


# ---------------------------------------------------------------- browse


def work(tmp_path: Path) -> Path:
    """A working directory apart from the live database (which the fixtures keep in ``tmp_path``)."""
    path = tmp_path / "browse"
    path.mkdir()
    return path


def test_the_snapshot_never_overwrites_a_file(assistant: Assistant, db_path: Path) -> None:
    with pytest.raises(StatsError):
        browse_snapshot(assistant.kb, db_path)
    assert assistant.handle("博士买房有补贴吗", "after").outcome == "answer"


def test_browse_serves_an_immutable_snapshot_on_localhost(assistant: Assistant, db_path: Path,
                                                         tmp_path: Path) -> None:
    ask_all(assistant)
    plan = prepare_browse(assistant.kb, work(tmp_path), port=8123)
    argv = list(plan.argv)
    assert argv[:4] == [sys.executable, "-m", "datasette", "serve"]
    assert argv[argv.index("--immutable") + 1] == str(plan.snapshot)
    assert argv[argv.index("--host") + 1] == "127.0.0.1" and argv[argv.index("--port") + 1] == "8123"
    assert json.loads(plan.metadata.read_text(encoding="utf-8")) == metadata()
    assert plan.snapshot.stem == DATABASE_NAME and plan.snapshot.parent != db_path.parent


def test_snapshot_has_the_logs_but_not_the_pseudonym_secret(assistant: Assistant, tmp_path: Path) -> None:
    ask_all(assistant)
    snapshot = prepare_browse(assistant.kb, work(tmp_path), port=8001).snapshot
    with sqlite3.connect(snapshot) as conn:
        assert conn.execute("select count(*) from queries").fetchone()[0] == len(QUESTIONS)
        assert conn.execute("select count(*) from meta where key = 'pseudonym_key'").fetchone()[0] == 0
    assert assistant.kb.pseudonym("console", "x")  # the live database keeps its key


def test_canned_queries_run_on_a_real_database(assistant: Assistant, tmp_path: Path) -> None:
    ask_all(assistant)
    snapshot = prepare_browse(assistant.kb, work(tmp_path), port=8001).snapshot
    with sqlite3.connect(snapshot) as conn:
        results = {name: conn.execute(q["sql"]).fetchall() for name, q in CANNED_QUERIES.items()}
    assert len(results["review_queue"]) == 5
    assert results["unanswered_this_week"][0][1] == 3  # the three ways of typing the weather question
    by_intent = {row[0]: row[1] for row in results["intents_by_volume"]}
    assert by_intent["out_of_scope"] == 4 and sum(by_intent.values()) == len(QUESTIONS)


def test_datasette_runs_the_canned_queries_read_only(assistant: Assistant, tmp_path: Path) -> None:
    datasette_app = pytest.importorskip("datasette.app")
    ask_all(assistant)
    snapshot = prepare_browse(assistant.kb, work(tmp_path), port=8001).snapshot

    async def fetch() -> dict[str, dict]:
        ds = datasette_app.Datasette(immutables=[str(snapshot)], metadata=metadata())
        found = {}
        for name in CANNED_QUERIES:
            response = await ds.client.get(f"/{DATABASE_NAME}/{name}.json?_shape=objects")
            assert response.status_code == 200, response.text
            found[name] = response.json()
        refused = await ds.client.get(f"/{DATABASE_NAME}.json?sql=delete+from+queries")
        assert refused.status_code == 400
        return found

    found = asyncio.run(fetch())
    assert len(found["review_queue"]["rows"]) == 5
    assert found["intents_by_volume"]["rows"][0]["queries"] >= 1


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_browse_stops_datasette_and_removes_the_snapshot_on_a_signal(db_path: Path, tmp_path: Path,
                                                                     stop: signal.Signals) -> None:
    pytest.importorskip("datasette")
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TALENTBOT_"))}
    environ["TMPDIR"] = str(scratch)
    browse = subprocess.Popen([sys.executable, "run_bot.py", "--db", str(db_path), "browse", "--port", str(port)],
                              cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(240):
            if _listening(port) or browse.poll() is not None:
                break
            time.sleep(0.5)
        assert _listening(port) and list(scratch.iterdir())  # serving a snapshot from the temporary folder
        browse.send_signal(stop)
        assert browse.wait(timeout=60) == 0
    finally:
        if browse.poll() is None:
            browse.kill()
    assert not _listening(port) and not list(scratch.iterdir())
