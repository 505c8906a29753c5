"""The SQLite knowledge base: content (entries, contacts, examples, terms) and logs.

A library of plain verbs over one SQLite file (or ``:memory:`` for tests) that
returns dataclasses. Every multi-row write is atomic. One lock serialises use of
the connection, so the Telegram process may call it from worker threads.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from .errors import NotFound
from .models import (
    Contact,
    Entry,
    Example,
    Fact,
    Intent,
    QueryRecord,
    Review,
    Source,
    Term,
    Text,
    Window,
)
from .rules import Eligibility, parse_eligibility
from .schema import migrate
from .seedfiles import Dataset, training_examples

CONTENT_TABLES = ("intents", "contacts", "sources", "facts", "entries", "terms", "catalogue", "examples")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class KnowledgeBase:
    """Open with :meth:`open`; close with :meth:`close` (or use as a context manager)."""

    def __init__(self, conn: sqlite3.Connection):
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()
        self._key: bytes | None = None
        migrate(self.db)

    @classmethod
    def open(cls, path: Path | str) -> "KnowledgeBase":
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        kb = cls(conn)
        if str(path) != ":memory:":
            kb.db.execute("PRAGMA journal_mode=WAL")
            kb.db.execute("PRAGMA synchronous=NORMAL")
        return kb

    def close(self) -> None:
        with self.lock:
            self.db.conn.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ content

    def is_empty(self) -> bool:
        with self.lock:
            return self.db.table("entries").count == 0 and self.db.table("examples").count == 0

    def replace_content(self, data: Dataset) -> None:
        """Replace all content tables with ``data`` in one transaction (logs are kept)."""
        with self.lock, self.db.atomic():
            for table in CONTENT_TABLES:
                self.db.execute(f"DELETE FROM [{table}]")
            self._insert_content(data)
            self.bump_version()

    def bump_version(self) -> int:
        """Increase ``meta.content_version`` so running assistants reload; call inside the write."""
        with self.lock:
            rows = list(self.db.query("select value from meta where key = 'content_version'"))
            version = int(rows[0]["value"]) + 1 if rows else 1
            self.db.table("meta").upsert({"key": "content_version", "value": str(version)}, pk="key")
            return version

    def _insert_content(self, data: Dataset) -> None:
        stamp = now_iso()
        self.db.table("intents").insert_all(
            {"id": i.id, "kind": i.kind, "label_zh": i.label.zh, "label_en": i.label.en} for i in data.intents)
        self.db.table("contacts").insert_all(contact_row(c) for c in data.contacts)
        self.db.table("sources").insert_all(source_row(s) for s in data.sources)
        self.db.table("facts").insert_all(fact_row(f) for f in data.facts)
        self.db.table("entries").insert_all(entry_row(e, stamp) for e in data.entries)
        self.db.table("terms").insert_all({"term": t.term, "kind": t.kind, "canonical": t.canonical} for t in data.terms)
        self.insert_catalogue(data.catalogue)
        self.db.table("examples").insert_all(
            {"text": e.text, "intent": e.intent, "origin": e.origin, "created_at": stamp} for e in data.examples)

    def dataset(self) -> Dataset:
        return Dataset(intents=self.intents(), contacts=self.contacts(), sources=self.sources(),
                       facts=self.facts(), entries=self.entries(active_only=False), terms=self.terms(),
                       catalogue=self.catalogue(), examples=self.examples())

    def sources(self) -> list[Source]:
        """The source register: one row per document."""
        with self.lock:
            rows = list(self.db.query("select * from sources order by rowid"))
        return [source_of(r) for r in rows]

    def facts(self) -> list[Fact]:
        """The facts sheet: every fact an entry may cite."""
        with self.lock:
            rows = list(self.db.query("select * from facts order by rowid"))
        return [fact_of(r) for r in rows]

    def intents(self) -> list[Intent]:
        with self.lock:
            rows = list(self.db.query("select * from intents order by rowid"))
        return [Intent(r["id"], r["kind"], Text(r["label_zh"] or "", r["label_en"] or "")) for r in rows]

    def entries(self, intent: str | None = None, active_only: bool = True) -> list[Entry]:
        sql, params = "select * from entries where 1=1", []
        if intent is not None:
            sql += " and intent = ?"
            params.append(intent)
        if active_only:
            sql += " and status = 'active'"
        with self.lock:
            rows = list(self.db.query(sql + " order by rowid", params))
        return [entry_of(r) for r in rows]

    def entry(self, entry_id: str) -> Entry:
        with self.lock:
            rows = list(self.db.query("select * from entries where id = ?", [entry_id]))
        if not rows:
            raise NotFound(f"no entry '{entry_id}'")
        return entry_of(rows[0])

    def contacts(self) -> list[Contact]:
        with self.lock:
            rows = list(self.db.query("select * from contacts order by rowid"))
        return [contact_of(r) for r in rows]

    def terms(self) -> list[Term]:
        with self.lock:
            rows = list(self.db.query("select * from terms order by rowid"))
        return [Term(r["term"], r["kind"], r["canonical"]) for r in rows]

    def catalogue(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = list(self.db.query("select * from catalogue order by id"))
        return [catalogue_of(r) for r in rows]

    def insert_catalogue(self, items: list[dict[str, Any]]) -> None:
        """Add catalogue rows (call inside the writing transaction)."""
        self.db.table("catalogue").insert_all(catalogue_row(c) for c in items)

    def replace_catalogue(self, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Replace the whole catalogue with ``items`` (call inside the writing transaction); (before, after)."""
        before = self.catalogue()
        self.db.execute("delete from catalogue")
        self.insert_catalogue(items)
        return before, self.catalogue()

    def examples(self) -> list[Example]:
        with self.lock:
            rows = list(self.db.query("select text, intent, origin from examples order by id"))
        return [Example(r["text"], r["intent"], r["origin"] or "seed") for r in rows]

    def training_examples(self) -> list[Example]:
        """The examples and the active entries' question variants (origin ``entry``): what the classifier learns."""
        return training_examples(self.examples(), self.entries())

    def add_example(self, text: str, intent: str, origin: str = "review") -> bool:
        """Add one training phrase; False when it is already there."""
        with self.lock, self.db.atomic():
            exists = list(self.db.query("select 1 from examples where text = ? and intent = ?", [text, intent]))
            if exists:
                return False
            self.db.table("examples").insert({"text": text, "intent": intent, "origin": origin, "created_at": now_iso()})
            return True

    # ------------------------------------------------------------ logs

    def pseudonym(self, channel: str, raw_id: object) -> str:
        """A stable pseudonymous id: HMAC of the raw id with a per-database secret."""
        key = self._secret()
        digest = hmac.new(key, f"{channel}:{raw_id}".encode(), hashlib.sha256).hexdigest()
        return digest[:20]

    def _secret(self) -> bytes:
        if self._key is not None:
            return self._key
        self._key = self._load_secret()
        return self._key

    def _load_secret(self) -> bytes:
        with self.lock:
            rows = list(self.db.query("select value from meta where key = 'pseudonym_key'"))
            if rows:
                return bytes.fromhex(rows[0]["value"])
            with self.db.atomic():
                self.db.execute("insert or ignore into meta (key, value) values ('pseudonym_key', ?)",
                                [secrets.token_bytes(32).hex()])
            rows = list(self.db.query("select value from meta where key = 'pseudonym_key'"))
            return bytes.fromhex(rows[0]["value"])

    def log_query(self, record: QueryRecord, review_reason: str | None = None) -> int:
        """Log one question; with ``review_reason`` it also enters the review queue.

        Plain bound SQL: this runs for every message, and sqlite-utils' insert
        inspects the table on each call.
        """
        stamp = now_iso()
        candidates = _json([list(c) for c in record.candidates])
        with self.lock, self.db.atomic():
            cursor = self.db.execute(
                "insert into queries (ts, user, session, channel, text, lang, intent, confidence, outcome, "
                "entry_id, latency_ms, candidates) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [stamp, record.user, record.session, record.channel, record.text, record.lang, record.intent,
                 round(record.confidence, 4), record.outcome, record.entry_id, round(record.latency_ms, 3),
                 candidates])
            query_id = int(cursor.lastrowid or 0)
            if review_reason:
                self._enqueue(query_id, stamp, record.user, record.text, review_reason, candidates)
        return query_id

    def _enqueue(self, query_id: int | None, stamp: str, user: str, text: str, reason: str, cands: str) -> int:
        cursor = self.db.execute(
            "insert into unanswered (query_id, ts, user, text, reason, candidates, status) "
            "values (?, ?, ?, ?, ?, ?, 'open')", [query_id, stamp, user, text, reason, cands])
        return int(cursor.lastrowid or 0)

    def enqueue_review(self, query_id: int, reason: str) -> int:
        """Put an already logged query into the review queue (a 👎, a hand-off)."""
        with self.lock, self.db.atomic():
            rows = list(self.db.query("select * from queries where id = ?", [query_id]))
            if not rows:
                raise NotFound(f"no query {query_id}")
            q = rows[0]
            return self._enqueue(query_id, now_iso(), q["user"], q["text"], reason, q["candidates"])

    def reviews(self, status: str | None = "open", limit: int = 1000) -> list[Review]:
        """Review items, oldest first; ``limit=-1`` reads them all."""
        sql, params = "select * from unanswered", []
        if status:
            sql += " where status = ?"
            params.append(status)
        with self.lock:
            rows = list(self.db.query(sql + " order by id limit ?", params + [limit]))
        return [review_of(r) for r in rows]

    def record_feedback(self, query_id: int, user: str, helpful: bool) -> None:
        with self.lock, self.db.atomic():
            self.db.execute("delete from feedback where query_id = ? and user = ?", [query_id, user])
            self.db.table("feedback").insert({"query_id": query_id, "ts": now_iso(), "user": user, "helpful": int(helpful)})

    def feedback_given(self, query_id: int, user: str) -> bool:
        with self.lock:
            return self.db.execute("select 1 from feedback where query_id = ? and user = ?",
                                   [query_id, user]).fetchone() is not None

    def query_row(self, query_id: int) -> dict[str, Any]:
        with self.lock:
            rows = list(self.db.query("select * from queries where id = ?", [query_id]))
        if not rows:
            raise NotFound(f"no query {query_id}")
        return rows[0]

    def iter_queries(self, since: str | None = None) -> Iterator[dict[str, Any]]:
        with self.lock:
            rows = list(self.db.query("select * from queries where ts >= ? order by id", [since or ""]))
        yield from rows

    # ------------------------------------------------------------ sessions and users

    def load_session(self, session: str, max_age_minutes: float | None = None) -> dict[str, Any]:
        with self.lock:
            rows = list(self.db.query("select state, updated_at from sessions where id = ?", [session]))
        if not rows:
            return {}
        state: dict[str, Any] = json.loads(rows[0]["state"])
        if max_age_minutes is not None and "context" in state:
            age = datetime.now(timezone.utc) - datetime.fromisoformat(rows[0]["updated_at"])
            if age > timedelta(minutes=max_age_minutes):
                state.pop("context")
        return state

    def save_session(self, session: str, state: dict[str, Any]) -> None:
        with self.lock, self.db.atomic():
            self.db.execute("insert into sessions (id, state, updated_at) values (?, ?, ?) on conflict(id) do "
                            "update set state = excluded.state, updated_at = excluded.updated_at",
                            [session, _json(state), now_iso()])

    def forget_user(self, user: str) -> int:
        """Delete everything stored about one pseudonymous user; returns rows removed."""
        removed = 0
        with self.lock, self.db.atomic():
            for table, column in (("queries", "user"), ("unanswered", "user"), ("feedback", "user"),
                                  ("sessions", "id"), ("subscriptions", "user")):
                removed += self.db.execute(f"delete from [{table}] where [{column}] = ?", [user]).rowcount
        return removed

    # ------------------------------------------------------------ broadcast subscriptions

    def subscribe(self, user: str, chat_id: int, lang: str) -> bool:
        """Opt a user in to broadcasts; False when already subscribed (chat and language updated)."""
        with self.lock, self.db.atomic():
            known = bool(list(self.db.query("select 1 from subscriptions where user = ?", [user])))
            self.db.execute("insert into subscriptions (user, chat_id, lang, ts) values (?, ?, ?, ?) on conflict"
                            "(user) do update set chat_id = excluded.chat_id, lang = excluded.lang",
                            [user, chat_id, lang, now_iso()])
        return not known

    def unsubscribe(self, user: str) -> bool:
        with self.lock, self.db.atomic():
            return self.db.execute("delete from subscriptions where user = ?", [user]).rowcount > 0

    def drop_subscribed_chat(self, chat_id: int) -> bool:
        with self.lock, self.db.atomic():
            return self.db.execute("delete from subscriptions where chat_id = ?", [chat_id]).rowcount > 0

    def subscribers(self) -> list[int]:
        with self.lock:
            rows = list(self.db.query("select chat_id from subscriptions order by ts, rowid"))
        return [int(r["chat_id"]) for r in rows]

    # ------------------------------------------------------------ models

    def save_model(self, examples_hash: str, versions: dict[str, str], report: dict[str, Any], blob: bytes) -> None:
        with self.lock, self.db.atomic():  # insert first: a new id, so running assistants see a new stamp
            new_id = self.db.table("models").insert({"created_at": now_iso(), "examples_hash": examples_hash,
                                                     "versions": _json(versions), "report": _json(report),
                                                     "blob": blob}).last_pk
            self.db.execute("delete from models where id != ?", [new_id])

    def live_stamp(self) -> tuple[str, int | None]:
        """The content version and the id of the stored model: two primary-key look-ups in one statement."""
        with self.lock:
            row = self.db.execute("select (select value from meta where key = 'content_version'), "
                                  "(select max(id) from models)").fetchone()
        return str(row[0] or "0"), row[1]

    def model_report(self) -> dict[str, Any]:
        """The report stored with the live model (``{}`` when there is none)."""
        with self.lock:
            rows = list(self.db.query("select report from models order by id desc limit 1"))
        return json.loads(rows[0]["report"] or "{}") if rows else {}

    def set_note(self, key: str, value: dict[str, Any]) -> None:
        """Keep a small JSON note in ``meta`` (e.g. the last training attempt)."""
        with self.lock, self.db.atomic():
            self.db.execute("insert into meta (key, value) values (?, ?) on conflict(key) do update set "
                            "value = excluded.value", [f"note:{key}", _json(value)])

    def note(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute("select value from meta where key = ?", [f"note:{key}"]).fetchone()
        return json.loads(row[0]) if row else None

    def load_model(self) -> tuple[str, dict[str, str], bytes] | None:
        with self.lock:
            rows = list(self.db.query("select examples_hash, versions, blob from models order by id desc limit 1"))
        if not rows:
            return None
        return rows[0]["examples_hash"], json.loads(rows[0]["versions"]), rows[0]["blob"]

    # ---- hand-offs (Telegram)
    # A hand-off links the staff-chat message that carries a user's question to
    # the user's chat, so that a staff member's reply reaches the user even after
    # a restart. The user is stored by pseudonym; the chat id only because the
    # reply must be delivered there.

    def open_handoff(self, staff_chat_id: int, user_chat_id: int, user: str, lang: str, question: str,
                     query_id: int | None, session: str = "") -> int:
        """Record a new hand-off (its staff message is attached with :meth:`attach_handoff_message`)."""
        with self.lock, self.db.atomic():
            table = self.db.table("handoffs").insert({
                "staff_chat_id": staff_chat_id, "user_chat_id": user_chat_id, "user": user, "lang": lang,
                "question": question, "query_id": query_id, "status": "open", "created_at": now_iso(),
                "session": session,
            })
            return int(str(table.last_pk))

    def attach_handoff_message(self, handoff_id: int, staff_message_id: int) -> None:
        with self.lock, self.db.atomic():
            self.db.table("handoffs").update(handoff_id, {"staff_message_id": staff_message_id})

    def handoff(self, handoff_id: int) -> "Handoff":
        with self.lock:
            rows = list(self.db.query("select * from handoffs where id = ?", [handoff_id]))
        if not rows:
            raise NotFound(f"no hand-off {handoff_id}")
        return handoff_of(rows[0])

    def handoff_by_message(self, staff_chat_id: int, staff_message_id: int) -> "Handoff | None":
        """The hand-off whose staff-chat message this is, or None."""
        with self.lock:
            rows = list(self.db.query("select * from handoffs where staff_chat_id = ? and staff_message_id = ?",
                                      [staff_chat_id, staff_message_id]))
        return handoff_of(rows[0]) if rows else None

    def record_handoff_reply(self, handoff_id: int, text: str, staff: str) -> None:
        """Keep the latest staff reply (it becomes the proposed answer if staff ask for it)."""
        with self.lock, self.db.atomic():
            self.db.table("handoffs").update(handoff_id, {"status": "answered", "reply": text, "replied_by": staff,
                                                    "replied_at": now_iso()})

    def cancel_handoff(self, handoff_id: int) -> None:
        """The person cancelled the request: the hand-off no longer waits for staff."""
        with self.lock, self.db.atomic():
            self.db.execute("update handoffs set status = 'cancelled' where id = ? and status = 'open'", [handoff_id])

    def propose_from_handoff(self, handoff_id: int, staff: str, reason: str = "proposed answer") -> int:
        """Put the hand-off's question, with the staff reply as resolution, into the review queue."""
        with self.lock, self.db.atomic():
            item = self.handoff(handoff_id)
            if not item.reply:
                raise NotFound(f"hand-off {handoff_id} has no staff reply yet")
            if item.review_id:
                return item.review_id
            stamp = now_iso()
            cands = "[]"
            if item.query_id is not None:
                rows = list(self.db.query("select candidates from queries where id = ?", [item.query_id]))
                cands = rows[0]["candidates"] if rows else "[]"
            review_id = self._enqueue(item.query_id, stamp, item.user, item.question, reason, cands)
            self.db.table("unanswered").update(review_id, {"resolution": item.reply})
            self.db.table("handoffs").update(handoff_id, {"status": "proposed", "review_id": review_id})
            return review_id

    def recent_questions(self, user: str, limit: int = 5) -> list[dict[str, Any]]:
        """The user's latest logged questions, oldest first (context for staff)."""
        with self.lock:
            rows = list(self.db.query(
                "select id, ts, text, intent, outcome from queries where user = ? order by id desc limit ?",
                [user, limit]))
        return rows[::-1]

    def open_handoff_of(self, user: str, within_hours: float = 24) -> "Handoff | None":
        """The user's hand-off still waiting for a staff reply (opened within ``within_hours``), if any."""
        since = (datetime.now(timezone.utc) - timedelta(hours=within_hours)).isoformat(timespec="milliseconds")
        with self.lock:
            rows = list(self.db.query("select * from handoffs where user = ? and status = 'open' and created_at >= ? "
                                      "order by id desc limit 1", [user, since]))
        return handoff_of(rows[0]) if rows else None

    def forget_handoffs(self, user: str) -> int:
        with self.lock, self.db.atomic():
            return int(self.db.execute("delete from handoffs where user = ?", [user]).rowcount)


@dataclass(frozen=True)
class Handoff:
    """One hand-off of a user's question to the staff chat (see the hand-off verbs above)."""

    id: int
    staff_chat_id: int
    staff_message_id: int | None
    user_chat_id: int
    user: str
    lang: str
    question: str
    query_id: int | None
    status: str
    reply: str | None
    review_id: int | None
    session: str = ""  # the pseudonymous session key (migration 006_dialogue)


def handoff_of(r: dict[str, Any]) -> Handoff:
    return Handoff(id=r["id"], staff_chat_id=r["staff_chat_id"], staff_message_id=r["staff_message_id"],
                   user_chat_id=r["user_chat_id"], user=r["user"], lang=r["lang"] or "zh",
                   question=r["question"] or "", query_id=r["query_id"], status=r["status"], reply=r["reply"],
                   review_id=r["review_id"], session=r.get("session") or "")


# ---------------------------------------------------------------- row mapping


def entry_row(e: Entry, stamp: str) -> dict[str, Any]:
    return {
        "id": e.id, "intent": e.intent, "title_zh": e.title.zh, "title_en": e.title.en,
        "questions": _json(list(e.questions)), "answer_zh": e.answer.zh, "answer_en": e.answer.en,
        "conditions": _json(dict(e.conditions)), "facts": _json(list(e.facts)), "sources": _json(list(e.sources)),
        "contact": e.contact, "followups": _json(list(e.followups)), "effective": e.effective,
        "reviewed": e.reviewed, "status": e.status, "updated_at": stamp,
        "eligibility": _json(dict(e.eligibility.raw)) if e.eligibility is not None else None,
        "window": _json(e.window.as_dict()) if e.window else None,
    }


def entry_of(r: dict[str, Any]) -> Entry:
    window = json.loads(r.get("window") or "null")
    return Entry(
        id=r["id"], intent=r["intent"], title=Text(r["title_zh"] or "", r["title_en"] or ""),
        answer=Text(r["answer_zh"] or "", r["answer_en"] or ""), conditions=json.loads(r["conditions"] or "{}"),
        questions=tuple(json.loads(r["questions"] or "[]")), facts=tuple(json.loads(r.get("facts") or "[]")),
        sources=tuple(json.loads(r["sources"] or "[]")), contact=r["contact"],
        followups=tuple(json.loads(r["followups"] or "[]")), effective=r["effective"], reviewed=r["reviewed"],
        status=r["status"],
        window=Window(window.get("opens"), window.get("closes"), bool(window.get("yearly"))) if window else None,
        eligibility=eligibility_of(r.get("eligibility")),
    )


def eligibility_of(stored: str | None) -> Eligibility | None:
    """The stored rule, read with the validation of an import (it was validated when written)."""
    return parse_eligibility(json.loads(stored)) if stored else None


def source_row(s: Source) -> dict[str, Any]:
    return {"id": s.id, "title_zh": s.title.zh, "title_en": s.title.en, "office_zh": s.office.zh,
            "office_en": s.office.en, "number": s.number, "url": s.url, "date": s.date, "kind": s.kind,
            "facts": _json(list(s.facts)), "note": s.note}


def source_of(r: dict[str, Any]) -> Source:
    return Source(id=r["id"], title=Text(r["title_zh"] or "", r["title_en"] or ""),
                  office=Text(r["office_zh"] or "", r["office_en"] or ""), number=r["number"], url=r["url"],
                  date=r["date"], kind=r["kind"], facts=tuple(json.loads(r["facts"] or "[]")), note=r["note"])


def fact_row(f: Fact) -> dict[str, Any]:
    return {"id": f.id, "title": f.title, "statement": f.statement, "date": f.date, "confidence": f.confidence,
            "status": f.status, "superseded_by": _json(list(f.superseded_by)), "note": f.note,
            "unused_reason": f.unused_reason}


def fact_of(r: dict[str, Any]) -> Fact:
    return Fact(id=r["id"], title=r["title"] or "", statement=r["statement"] or "", date=r["date"],
                confidence=r["confidence"], status=r["status"] or "current",
                superseded_by=tuple(json.loads(r["superseded_by"] or "[]")), note=r["note"],
                unused_reason=r["unused_reason"])


CATALOGUE_COLUMNS = ("occupation", "occupation_en", "aliases", "industry", "level", "stars", "edition", "source",
                     "notes")


def catalogue_row(item: dict[str, Any]) -> dict[str, Any]:
    row = {k: item.get(k) for k in CATALOGUE_COLUMNS}
    row["aliases"] = _json(list(item.get("aliases") or []))
    return row


def catalogue_of(r: dict[str, Any]) -> dict[str, Any]:
    item = {k: r.get(k) for k in CATALOGUE_COLUMNS}
    item["aliases"] = list(json.loads(r.get("aliases") or "[]"))
    return item


def contact_row(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id, "name_zh": c.name.zh, "name_en": c.name.en, "topics": _json(list(c.topics)),
        "phone": c.phone, "address_zh": c.address.zh, "address_en": c.address.en, "hours_zh": c.hours.zh,
        "hours_en": c.hours.en, "url": c.url, "note_zh": c.note.zh, "note_en": c.note.en, "fact": c.fact,
        "aliases": _json(list(c.aliases)),
    }


def contact_of(r: dict[str, Any]) -> Contact:
    return Contact(
        id=r["id"], name=Text(r["name_zh"] or "", r["name_en"] or ""), topics=tuple(json.loads(r["topics"] or "[]")),
        phone=r["phone"], address=Text(r["address_zh"] or "", r["address_en"] or ""),
        hours=Text(r["hours_zh"] or "", r["hours_en"] or ""), url=r["url"],
        note=Text(r["note_zh"] or "", r["note_en"] or ""), fact=r["fact"],
        aliases=tuple(json.loads(r.get("aliases") or "[]")),
    )


def review_of(r: dict[str, Any]) -> Review:
    cands = tuple((str(c[0]), float(c[1])) for c in json.loads(r["candidates"] or "[]"))
    return Review(id=r["id"], query_id=r["query_id"], ts=r["ts"], text=r["text"], reason=r["reason"],
                  candidates=cands, status=r["status"], resolution=r["resolution"],
                  resolved_by=r["resolved_by"], resolved_at=r["resolved_at"])
