"""The database schema as named, ordered migrations.

Each migration runs once, inside a transaction, and is recorded in the
``migrations`` table; ``meta.schema_version`` is the number applied. A new
schema change is a new function appended to ``MIGRATIONS``, never an edit of an
old one.
"""

from __future__ import annotations

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


MIGRATIONS: tuple[tuple[str, Migration], ...] = (
    ("001_initial", _m001_initial),
    ("002_telegram", _m002_telegram),
    ("003_staff", _m003_staff),
    ("005_delivery", _m005_delivery),
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
            db.table("migrations").insert({"id": number, "name": name, "applied_at": _now()})
            db.table("meta").upsert({"key": "schema_version", "value": str(number)}, pk="key")
        ran.append(name)
    return ran


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
