"""The database schema as named, ordered migrations.

Each migration runs once, inside a transaction, and is recorded in the
``migrations`` table; ``meta.schema_version`` is the number applied. A new
schema change is a new function appended to ``MIGRATIONS``, never an edit of an
old one.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def _m001_initial(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("intents").create({"id": str, "kind": str, "label_zh": str, "label_en": str}, pk="id")
    db.table("entries").create(
        {
            "id": str, "intent": str, "title_zh": str, "title_en": str, "questions": str,
            "answer_zh": str, "answer_en": str, "conditions": str, "sources": str,
            "contact": str, "followups": str, "effective": str, "reviewed": str,
            "status": str, "updated_at": str,
        },
        pk="id",
        not_null={"intent", "answer_zh", "answer_en", "status"},
    )
    db.table("entries").create_index(["intent", "status"])
    db.table("contacts").create(
        {
            "id": str, "name_zh": str, "name_en": str, "topics": str, "phone": str,
            "address_zh": str, "address_en": str, "hours_zh": str, "hours_en": str,
            "url": str, "note_zh": str, "note_en": str, "fact": str,
        },
        pk="id",
    )
    db.table("catalogue").create(
        {"id": int, "occupation": str, "industry": str, "level": str, "notes": str, "source": str},
        pk="id",
    )
    db.table("examples").create(
        {"id": int, "text": str, "intent": str, "origin": str, "created_at": str},
        pk="id",
        not_null={"text", "intent"},
    )
    db.table("examples").create_index(["text", "intent"], unique=True)
    db.table("terms").create({"term": str, "kind": str, "canonical": str}, pk="term")
    db.table("queries").create(
        {
            "id": int, "ts": str, "user": str, "session": str, "channel": str, "text": str,
            "lang": str, "intent": str, "confidence": float, "outcome": str, "entry_id": str,
            "latency_ms": float, "candidates": str,
        },
        pk="id",
    )
    db.table("queries").create_index(["ts"])
    db.table("unanswered").create(
        {
            "id": int, "query_id": int, "ts": str, "user": str, "text": str, "reason": str,
            "candidates": str, "status": str, "resolution": str, "resolved_by": str,
            "resolved_at": str,
        },
        pk="id",
    )
    db.table("unanswered").create_index(["status"])
    db.table("feedback").create({"id": int, "query_id": int, "ts": str, "user": str, "helpful": int}, pk="id")
    db.table("sessions").create({"id": str, "state": str, "updated_at": str}, pk="id")
    db.table("models").create(
        {"id": int, "created_at": str, "examples_hash": str, "versions": str, "report": str, "blob": bytes},
        pk="id",
    )


def _m002_telegram(db: sqlite_utils.Database) -> None:
    """Hand-offs to staff: which staff-chat message belongs to which user chat (survives restarts)."""
    db.table("handoffs").create(
        {
            "id": int, "staff_chat_id": int, "staff_message_id": int, "user_chat_id": int, "user": str,
            "query_id": int, "lang": str, "question": str, "status": str, "reply": str, "replied_by": str,
            "created_at": str, "replied_at": str, "review_id": int,
        },
        pk="id",
        not_null={"staff_chat_id", "user_chat_id", "status"},
    )
    db.table("handoffs").create_index(["staff_chat_id", "staff_message_id"], unique=True)
    db.table("handoffs").create_index(["user"])


def _m003_staff(db: sqlite_utils.Database) -> None:
    """Staff work: the change log of the content tables, broadcast subscriptions, a content version."""
    db.table("changes").create(
        {
            "id": int, "ts": str, "who": str, "table_name": str, "row_id": str, "action": str,
            "before": str, "after": str, "note": str, "reverts": int,
        },
        pk="id",
    )
    db.table("changes").create_index(["table_name", "row_id"])
    db.table("subscriptions").create({"user": str, "chat_id": int, "lang": str, "ts": str}, pk="user")
    db.table("meta").upsert({"key": "content_version", "value": "1"}, pk="key")


def _m006_dialogue(db: sqlite_utils.Database) -> None:
    """Hand-off as a dialogue state: each hand-off knows its session (pseudonym), so a staff reply ends it."""
    db.table("handoffs").add_column("session", str)


def _m008_eligibility(db: sqlite_utils.Database) -> None:
    """Entries gain ``eligibility``: the rule of the eligibility check as JSON (``knowledge.rules``)."""
    db.table("entries").add_column("eligibility", str)


def _m009_topic_subscriptions(db: sqlite_utils.Database) -> None:
    """News by topic: who follows which topic, the notices staff confirm, and one delivery row per
    notice and person (its primary key is why nobody gets a notice twice; its status is why a
    restart resumes where sending stopped). The change log is read from its current end on."""
    db.table("topic_subscriptions").create(
        {"user": str, "topic": str, "chat_id": int, "lang": str, "ts": str}, pk=("user", "topic"))
    db.table("topic_subscriptions").create_index(["topic"])
    db.table("notices").create(
        {"id": int, "key": str, "kind": str, "topic": str, "entry_id": str, "title_zh": str, "title_en": str,
         "opens": str, "closes": str, "change_id": int, "status": str, "created_at": str, "confirmed_by": str,
         "confirmed_at": str, "finished_at": str},
        pk="id", not_null={"key", "kind", "topic", "status"})
    db.table("notices").create_index(["key"], unique=True)
    db.table("deliveries").create(
        {"notice_id": int, "user": str, "chat_id": int, "lang": str, "status": str, "tick": int, "sent_at": str},
        pk=("notice_id", "user"), not_null={"status"})
    db.table("deliveries").create_index(["status", "notice_id"])
    last = db.execute("select max(id) from changes").fetchone()[0]
    db.table("meta").upsert({"key": "notices_scanned_change", "value": str(last or 0)}, pk="key")


def _m004_sources(db: sqlite_utils.Database) -> None:
    """Sources as data: the source register and the facts sheet as tables; entries cite fact ids.

    Entries gain ``facts`` (JSON list of fact ids) and ``window`` (JSON
    ``{opens, closes, yearly}``); their ``sources`` column becomes a JSON list
    of source ids (explicit citations; usually empty, the register derives the
    sources from the facts). Each older ``{fact, title, url, date}`` item
    becomes its fact id (a staff answer's ``staff`` item, the ``staff`` source).
    Contacts gain ``aliases``; the catalogue gains the columns of the published list.
    """
    db.table("sources").create(
        {"id": str, "title_zh": str, "title_en": str, "office_zh": str, "office_en": str, "number": str,
         "url": str, "date": str, "kind": str, "facts": str, "note": str},
        pk="id",
    )
    db.table("facts").create(
        {"id": str, "title": str, "statement": str, "date": str, "confidence": str, "status": str,
         "superseded_by": str, "note": str, "unused_reason": str},
        pk="id",
    )
    db.table("entries").add_column("facts", str)
    db.table("entries").add_column("window", str)
    for row in list(db.query("select id, sources from entries")):
        facts: list[str] = []
        sources: list[str] = []
        for item in json.loads(row["sources"] or "[]"):
            fact = str(item.get("fact") or "") if isinstance(item, dict) else str(item)
            if fact == "staff":
                sources.append(fact)
            elif fact and fact not in facts:
                facts.append(fact)
        db.execute("update entries set facts = ?, sources = ? where id = ?",
                   [json.dumps(facts), json.dumps(sources), row["id"]])
    db.table("contacts").add_column("aliases", str)
    for column, kind in (("occupation_en", str), ("aliases", str), ("stars", int), ("edition", str)):
        db.table("catalogue").add_column(column, kind)


def _m005_delivery(db: sqlite_utils.Database) -> None:
    """Nothing asked is lost: updates stored before the poll that confirms them (``inbox``), replies
    kept until delivered (``outbox``), the delivery state of each logged answer, look-ups by person."""
    db.table("inbox").create(
        {"update_id": int, "received_at": str, "user": str, "payload": str, "status": str, "attempts": int,
         "error": str, "query_id": int, "done_at": str},
        pk="update_id", not_null={"status"}, defaults={"attempts": 0},
    )
    db.table("inbox").create_index(["status"])
    db.table("inbox").create_index(["user"])
    db.table("outbox").create(
        {"id": int, "created_at": str, "update_id": int, "query_id": int, "handoff_id": int, "user": str,
         "chat_id": int, "payload": str, "status": str, "attempts": int, "next_at": str, "error": str,
         "done_at": str},
        pk="id", not_null={"chat_id", "status"}, defaults={"attempts": 0},
    )
    db.table("outbox").create_index(["status", "next_at"])
    db.table("outbox").create_index(["user"])
    db.table("queries").add_column("delivery", str)
    db.table("queries").create_index(["user"])
    db.table("unanswered").create_index(["user"])
    db.table("feedback").create_index(["user"])


HOUR = "substr({row}.ts, 1, 13)"
TENTHS = "cast(round({row}.latency_ms * 10) as integer)"
UNSEEN = "coalesce({row}.delivery in ('retrying', 'failed'), 0)"
TALLY_IN = (
    f"insert into query_hours (hour, outcome, intent, undelivered, n) select {HOUR}, coalesce({{row}}.outcome, ''), "
    f"coalesce({{row}}.intent, ''), {UNSEEN}, 1 where {{row}}.ts is not null "
    "on conflict (hour, outcome, intent, undelivered) do update set n = n + 1; "
    f"insert into latency_hours (hour, tenths, n) select {HOUR}, {TENTHS}, 1 "
    "where {row}.ts is not null and {row}.latency_ms is not null on conflict (hour, tenths) do update set n = n + 1;")
TALLY_OUT = (
    f"update query_hours set n = n - 1 where {{row}}.ts is not null and hour = {HOUR} "
    f"and outcome = coalesce({{row}}.outcome, '') and intent = coalesce({{row}}.intent, '') "
    f"and undelivered = {UNSEEN}; "
    f"update latency_hours set n = n - 1 where {{row}}.ts is not null and {{row}}.latency_ms is not null "
    f"and hour = {HOUR} and tenths = {TENTHS};")
TALLIED_CHANGED = " or ".join([f"old.{column} is not new.{column}" for column in ("ts", "outcome", "intent", "latency_ms")]
                             + [f"{UNSEEN.format(row='old')} != {UNSEEN.format(row='new')}"])
"""An update that moves a query to other tallies (a reply marked delivered moves nothing)."""


def _m010_stats_index(db: sqlite_utils.Database) -> None:
    """Statistics whose cost grows with the hours of the period, not with the rows of the log.

    ``query_hours`` counts the queries of each UTC hour by outcome, intent and
    whether the reply is undelivered (``delivery`` retrying or failed), and
    ``latency_hours`` their latencies in tenths of a millisecond: counts only, no
    person, no text. Triggers keep both equal to the log through every insert,
    delete (forget, retention) and update (a change of ``delivery`` only when it
    moves a reply into or out of undelivered). Open review items and feedback get
    an index on their time.
    """
    db.execute("create table query_hours (hour text not null, outcome text not null, intent text not null, "
               "undelivered integer not null, n integer not null, primary key (hour, outcome, intent, undelivered)) "
               "without rowid")
    db.execute("create table latency_hours (hour text not null, tenths integer not null, n integer not null, "
               "primary key (hour, tenths)) without rowid")
    db.execute("insert into query_hours select substr(ts, 1, 13), coalesce(outcome, ''), coalesce(intent, ''), "
               "coalesce(delivery in ('retrying', 'failed'), 0), count(*) from queries where ts is not null "
               "group by 1, 2, 3, 4")
    db.execute("insert into latency_hours select substr(ts, 1, 13), cast(round(latency_ms * 10) as integer), count(*) "
               "from queries where ts is not null and latency_ms is not null group by 1, 2")
    db.execute(f"create trigger queries_tally_insert after insert on queries begin {TALLY_IN.format(row='new')} end")
    db.execute(f"create trigger queries_tally_delete after delete on queries begin {TALLY_OUT.format(row='old')} end")
    db.execute(f"create trigger queries_tally_update after update on queries when {TALLIED_CHANGED} "
               f"begin {TALLY_OUT.format(row='old')} {TALLY_IN.format(row='new')} end")
    db.table("unanswered").create_index(["status", "ts"])
    db.table("feedback").create_index(["ts"])


def _m011_query_ids(db: sqlite_utils.Database) -> None:
    """Query ids are never reused (AUTOINCREMENT), and a process can reserve a block of them by raising
    the counter in ``sqlite_sequence``: a reply carries its query id before the background writer writes the row."""
    table = "queries"
    sql = db.execute("select sql from sqlite_master where type = 'table' and name = ?", [table]).fetchone()[0]
    if "autoincrement" in sql.lower():
        return
    rebuilt, found = re.subn(r"^(\s*CREATE\s+TABLE\s+)(\[queries\]|\"queries\"|queries)", r"\1[queries_rebuilt]", sql,
                             count=1, flags=re.IGNORECASE)
    rebuilt, keyed = re.subn(r"(\[id\]|\"id\"|\bid\b)\s+INTEGER\s+PRIMARY\s+KEY", r"\1 INTEGER PRIMARY KEY AUTOINCREMENT",
                             rebuilt, count=1, flags=re.IGNORECASE)
    if not (found and keyed):
        raise RuntimeError(f"cannot read the definition of {table}: {sql}")
    extras = [r[0] for r in db.execute("select sql from sqlite_master where tbl_name = ? and type in ('index', 'trigger') "
                                       "and sql is not null order by type, name", [table]).fetchall()]
    db.execute(rebuilt)
    db.execute(f"insert into [queries_rebuilt] select * from [{table}]")
    db.execute(f"drop table [{table}]")
    db.execute(f"alter table [queries_rebuilt] rename to [{table}]")
    for statement in extras:
        db.execute(statement)


def _m012_term_cache(db: sqlite_utils.Database) -> None:
    """What the assistant's retrieval index read each entry text as, kept between starts (derived data: any
    row may be dropped, and is rebuilt at the next start). Rows of one reading ``key`` (the domain terms, the
    correction table and the code that segments): per field ``text`` its terms, per question ``variant`` its
    words, and the ``digest`` of which texts they are."""
    db.execute("create table term_cache (key text not null, kind text not null, text text not null, "
               "value text not null, primary key (key, kind, text)) without rowid")


MIGRATIONS: tuple[tuple[str, Migration], ...] = (
    ("001_initial", _m001_initial),
    ("002_telegram", _m002_telegram),
    ("003_staff", _m003_staff),
    ("004_sources", _m004_sources),
    ("005_delivery", _m005_delivery),
    ("006_dialogue", _m006_dialogue),
    ("008_eligibility", _m008_eligibility),
    ("009_topic_subscriptions", _m009_topic_subscriptions),
    ("010_stats_index", _m010_stats_index),
    ("011_query_ids", _m011_query_ids),
    ("012_term_cache", _m012_term_cache),
)

SCHEMA_VERSION = len(MIGRATIONS)


def applied(db: sqlite_utils.Database) -> list[str]:
    if "migrations" not in db.table_names():
        return []
    return [row["name"] for row in db.query("select name from migrations order by id")]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet applied, in order; return their names."""
    if "migrations" not in db.table_names():
        db.table("migrations").create({"id": int, "name": str, "applied_at": str}, pk="id")
    done = set(applied(db))
    ran: list[str] = []
    for number, (name, step) in enumerate(MIGRATIONS, start=1):
        if name in done:
            continue
        with db.atomic():
            step(db)
            db.table("migrations").insert({"name": name, "applied_at": _now()})  # by name: order may grow in the middle
            db.table("meta").upsert({"key": "schema_version", "value": str(number)}, pk="key")
        ran.append(name)
    return ran


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
