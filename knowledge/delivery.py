"""Delivery records: the inbox of incoming updates and the outbox of replies not yet delivered.

At-least-once answering rests on three rules kept here:

- an incoming update is written to ``inbox`` (status ``new``) before the poll
  that confirms it to the Bot API, so a crash cannot lose it; on start, the
  ``new`` ones are handled again;
- an update becomes ``done`` when its replies were delivered (or ``waiting``
  while a reply sits in the outbox), or ``aside`` when it could not be read
  or handled: logged once and never tried again;
- a reply that could not be sent goes to ``outbox`` and is retried on a
  schedule until it is delivered or its time runs out (``failed``); the query
  log's ``delivery`` column follows it (delivered / retrying / failed).

Channel-free: the payloads are JSON strings the channel writes and reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from .store import KnowledgeBase, now_iso
from .writer import Statement

NEW, DONE, WAITING, ASIDE = "new", "done", "waiting", "aside"
RETRYING, DELIVERED, FAILED = "retrying", "delivered", "failed"
REPLAY_TRIES = 3  # an update replayed this often without finishing is set aside (it may crash the process)


@dataclass(frozen=True)
class Received:
    """One incoming update as the channel stored it: its id, who sent it (pseudonym) and the raw JSON."""

    update_id: int
    user: str | None
    payload: str


@dataclass(frozen=True)
class Outgoing:
    """A reply waiting in the outbox: the chat, the parts still to send (JSON), and what it belongs to."""

    id: int
    chat_id: int
    payload: str
    attempts: int
    created_at: str
    update_id: int | None = None
    query_id: int | None = None
    handoff_id: int | None = None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


# ---------------------------------------------------------------- inbox


def receive(kb: KnowledgeBase, batch: Iterable[Received]) -> list[int]:
    """Store a batch of updates in one transaction; returns the ids not seen before, in order."""
    fresh: list[int] = []
    stamp = now_iso()
    db = kb.db_as_committed  # the inbox does not depend on what the writer holds: no waiting for it
    with kb.lock, db.atomic():
        for item in batch:
            cursor = db.execute(
                "insert or ignore into inbox (update_id, received_at, user, payload, status, attempts) "
                "values (?, ?, ?, ?, 'new', 0)", [item.update_id, stamp, item.user, item.payload])
            if cursor.rowcount:
                fresh.append(item.update_id)
    return fresh


def next_offset(kb: KnowledgeBase, within_hours: float = 24) -> int:
    """The getUpdates offset that confirms every stored update of the last day (0: none stored).

    Telegram keeps unconfirmed updates for a day and may restart its ids after a
    week of silence, so older rows say nothing about the next offset."""
    since = _stamp(datetime.now(timezone.utc) - timedelta(hours=within_hours))
    with kb.lock:
        row = kb.db.execute("select max(update_id) from inbox where received_at >= ?", [since]).fetchone()
    return int(row[0]) + 1 if row and row[0] is not None else 0


def replay(kb: KnowledgeBase, tries: int = REPLAY_TRIES) -> tuple[list[tuple[int, str]], list[int]]:
    """The updates to handle again after a restart (each try counted), and those set aside now
    because they were tried ``tries`` times without finishing."""
    with kb.lock, kb.db.atomic():
        rows = kb.db.execute("select update_id, payload, attempts from inbox where status = 'new' "
                             "order by update_id").fetchall()
        again = [(int(r[0]), str(r[1])) for r in rows if r[2] < tries]
        aside = [int(r[0]) for r in rows if r[2] >= tries]
        _drop_unlinked(kb)
        kb.db.execute("update inbox set attempts = attempts + 1 where status = 'new'")
        for update_id in aside:
            _set_status(kb, update_id, ASIDE, f"not finished after {tries} tries")
    return again, aside


def _drop_unlinked(kb: KnowledgeBase) -> None:
    """Queries an interrupted try logged before it could link them to their update (a kill between the
    two writes): the sender's queries since the update arrived that no update claims. Nothing else runs
    while updates are replayed, so every other query of that time is claimed by a finished update."""
    orphans = [r[0] for r in kb.db.execute(
        "select q.id from inbox i join queries q on q.user = i.user and q.ts >= i.received_at "
        "where i.status = 'new' and i.query_id is null and q.channel = 'telegram' "
        "and q.id not in (select query_id from inbox where query_id is not null)")]
    for query_id in dict.fromkeys(orphans):
        for sql in ("delete from feedback where query_id = ?", "delete from unanswered where query_id = ?",
                    "delete from queries where id = ?"):
            kb.db.execute(sql, [query_id])


def finish(kb: KnowledgeBase, update_id: int, waiting: bool = False, delivered: Iterable[int] = ()) -> None:
    """The update was handled: ``done``, or ``waiting`` while a reply of it is in the outbox; the
    queries whose answers reached the person are marked delivered. One transaction."""
    with kb.lock, kb.db.atomic():
        for query_id in delivered:
            kb.db.execute("update queries set delivery = 'delivered' where id = ?", [query_id])
        kb.db.execute("update inbox set status = ?, done_at = ? where update_id = ? and status in ('new', 'waiting')",
                      [WAITING if waiting else DONE, now_iso(), update_id])


def finish_behind(kb: KnowledgeBase, update_id: int, waiting: bool = False, delivered: Iterable[int] = ()) -> None:
    """:func:`finish`, handed to the background writer (it does not wait for the disk): written after the
    update's query and in order with it, so an update is never done before its answer is stored."""
    statements: list[Statement] = [(DELIVERED_SQL, (query_id,)) for query_id in delivered]
    statements.append((FINISH_SQL, (WAITING if waiting else DONE, now_iso(), update_id)))
    kb.write_behind(statements, soon=True)  # each moment an answered update is not yet done may cost a duplicate


DELIVERED_SQL = "update queries set delivery = 'delivered' where id = ?"
FINISH_SQL = "update inbox set status = ?, done_at = ? where update_id = ? and status in ('new', 'waiting')"
EARLIER = "select query_id from inbox where update_id = ? and query_id is not null and query_id != ?"
LINK_SQL = (*(f"delete from {table} where {column} in ({EARLIER})" for table, column in (
    ("feedback", "query_id"), ("unanswered", "query_id"), ("queries", "id"))),
    "update inbox set query_id = ? where update_id = ?")


def link_query_behind(kb: KnowledgeBase, update_id: int, query_id: int, again: bool = True) -> None:
    """:func:`link_query`, handed to the background writer after the query's own row. ``again=False``: the
    update is handled for the first time (it came in fresh since the start), so no earlier try can have
    logged a query to delete, and only the link is written."""
    earlier = [(sql, (update_id, query_id)) for sql in LINK_SQL[:-1]] if again else []
    kb.write_behind([*earlier, (LINK_SQL[-1], (query_id, update_id))])


def set_aside(kb: KnowledgeBase, update_id: int, error: str) -> bool:
    """Mark an update that could not be read or handled; False when it was already set aside."""
    with kb.lock, kb.db.atomic():
        row = kb.db.execute("select status from inbox where update_id = ?", [update_id]).fetchone()
        if row is not None and row[0] == ASIDE:
            return False
        if row is None:
            kb.db.execute("insert into inbox (update_id, received_at, status, attempts) values (?, ?, 'new', 1)",
                          [update_id, now_iso()])
        _set_status(kb, update_id, ASIDE, error)
    return True


def _set_status(kb: KnowledgeBase, update_id: int, status: str, error: str | None) -> None:
    kb.db.execute("update inbox set status = ?, error = ?, done_at = ? where update_id = ?",
                  [status, (error or "")[:500], now_iso(), update_id])


def link_query(kb: KnowledgeBase, update_id: int, query_id: int) -> int | None:
    """Record that ``query_id`` answers the update. When an earlier try of the same update (before a
    crash) logged a query too, that row and what hangs on it are deleted, so each question is logged
    once; returns the id of the row removed."""
    with kb.lock, kb.db.atomic():
        row = kb.db.execute("select query_id from inbox where update_id = ?", [update_id]).fetchone()
        if row is None:
            return None
        kb.db.execute("update inbox set query_id = ? where update_id = ?", [query_id, update_id])
        earlier = row[0]
        if earlier is None or earlier == query_id:
            return None
        for sql in ("delete from feedback where query_id = ?", "delete from unanswered where query_id = ?",
                    "delete from queries where id = ?"):
            kb.db.execute(sql, [earlier])
        return int(earlier)


def inbox_counts(kb: KnowledgeBase) -> dict[str, int]:
    with kb.lock:
        rows = kb.db.execute("select status, count(*) from inbox group by status").fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def replayed(kb: KnowledgeBase) -> int:
    """Updates handled more than once (after a restart): the possible duplicates."""
    with kb.lock:
        return int(kb.db.execute("select count(*) from inbox where attempts > 0").fetchone()[0])


def aside(kb: KnowledgeBase) -> list[dict[str, Any]]:
    with kb.lock:
        return list(kb.db.query("select update_id, error, done_at from inbox where status = 'aside' "
                                "order by update_id"))


# ---------------------------------------------------------------- outbox and the delivery column


def set_delivery(kb: KnowledgeBase, query_id: int, state: str) -> None:
    with kb.lock, kb.db.atomic():
        kb.db.execute("update queries set delivery = ? where id = ?", [state, query_id])


def queue(kb: KnowledgeBase, chat_id: int, payload: str, *, user: str | None = None, update_id: int | None = None,
          query_id: int | None = None, handoff_id: int | None = None, error: str = "",
          retry_in: float = 0.0) -> int:
    """Put a reply that could not be sent into the outbox (its query: ``retrying``)."""
    stamp = datetime.now(timezone.utc)
    with kb.lock, kb.db.atomic():
        cursor = kb.db.execute(
            "insert into outbox (created_at, update_id, query_id, handoff_id, user, chat_id, payload, status, "
            "attempts, next_at, error) values (?, ?, ?, ?, ?, ?, ?, 'retrying', 1, ?, ?)",
            [_stamp(stamp), update_id, query_id, handoff_id, user, chat_id, payload,
             _stamp(stamp + timedelta(seconds=retry_in)), error[:500]])
        if query_id is not None:
            kb.db.execute("update queries set delivery = 'retrying' where id = ?", [query_id])
        return int(cursor.lastrowid or 0)


def due(kb: KnowledgeBase, now: datetime | None = None, limit: int = 200) -> list[Outgoing]:
    """Replies whose next try is due, oldest first."""
    moment = _stamp(now or datetime.now(timezone.utc))
    with kb.lock:
        rows = list(kb.db.query("select * from outbox where status = 'retrying' and next_at <= ? order by id limit ?",
                                [moment, limit]))
    return [_outgoing(r) for r in rows]


def pending_chats(kb: KnowledgeBase) -> set[int]:
    """Chats with a reply waiting: later replies to them queue behind it, to keep the order."""
    with kb.lock:
        return {int(r[0]) for r in kb.db.execute("select distinct chat_id from outbox where status = 'retrying'")}


def progress(kb: KnowledgeBase, outgoing_id: int, payload: str) -> None:
    """Some parts were delivered: keep only the rest (a crash then resends no part twice)."""
    with kb.lock, kb.db.atomic():
        kb.db.execute("update outbox set payload = ? where id = ?", [payload, outgoing_id])


def retry_later(kb: KnowledgeBase, outgoing_id: int, delay: float, error: str) -> None:
    moment = _stamp(datetime.now(timezone.utc) + timedelta(seconds=delay))
    with kb.lock, kb.db.atomic():
        kb.db.execute("update outbox set attempts = attempts + 1, next_at = ?, error = ? where id = ?",
                      [moment, error[:500], outgoing_id])


def settle(kb: KnowledgeBase, outgoing: Outgoing, state: str, error: str = "") -> None:
    """The reply was delivered, or it failed for good: the outbox row, its query and its update follow."""
    with kb.lock, kb.db.atomic():
        kb.db.execute("update outbox set status = ?, error = ?, done_at = ? where id = ?",
                      [state, error[:500], now_iso(), outgoing.id])
        if outgoing.query_id is not None:
            kb.db.execute("update queries set delivery = ? where id = ?", [state, outgoing.query_id])
        if outgoing.update_id is not None and not _pending(kb, outgoing.update_id):
            kb.db.execute("update inbox set status = 'done', done_at = ? where update_id = ? and status = 'waiting'",
                          [now_iso(), outgoing.update_id])


def _pending(kb: KnowledgeBase, update_id: int) -> bool:
    return kb.db.execute("select 1 from outbox where update_id = ? and status = 'retrying' limit 1",
                         [update_id]).fetchone() is not None


def outbox_counts(kb: KnowledgeBase) -> dict[str, int]:
    with kb.lock:
        rows = kb.db.execute("select status, count(*) from outbox group by status").fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def _outgoing(r: dict[str, Any]) -> Outgoing:
    return Outgoing(id=r["id"], chat_id=r["chat_id"], payload=r["payload"], attempts=r["attempts"] or 0,
                    created_at=r["created_at"], update_id=r["update_id"], query_id=r["query_id"],
                    handoff_id=r["handoff_id"])


def age_seconds(outgoing: Outgoing, now: datetime | None = None) -> float:
    created = datetime.fromisoformat(outgoing.created_at)
    return ((now or datetime.now(timezone.utc)) - created).total_seconds()


def dumps(value: Any) -> str:
    """JSON for payloads: compact, non-ASCII kept."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
