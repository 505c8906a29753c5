"""The SQLite knowledge base: content (entries, contacts, examples, terms) and logs.

A library of plain verbs over one SQLite file (or ``:memory:`` for tests) that
returns dataclasses. Every multi-row write is atomic. One lock serialises use of
the connection, so the Telegram process may call it from worker threads.

The answer path does not wait for the disk: ``log_query`` and ``save_session``
hand their writes to the background :class:`~knowledge.writer.Writer` (query ids
come from a block reserved in the database, so a reply carries its id before
the row is written), and dialogue states are kept in memory as well. Every
other verb reads and writes through :attr:`KnowledgeBase.db`, which first waits
until the writer has written what it was handed, so reads see every logged query.
Long reads for staff (statistics) use a connection of their own (:meth:`reading`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
import sqlite3
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

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
from .writer import Statement, Writer, values

CONTENT_TABLES = ("intents", "contacts", "sources", "facts", "entries", "terms", "catalogue", "examples")
QUERY_ID_BLOCK = 256  # query ids a process reserves at a time
SESSIONS_KEPT = 20_000  # dialogue states kept in memory (the least recently used are read again from disk)
SESSION_UPSERT = ("insert into sessions (id, state, updated_at) values (?, ?, ?) on conflict(id) do "
                  "update set state = excluded.state, updated_at = excluded.updated_at")
QUERY_INSERT = ("insert into queries (id, ts, user, session, channel, text, lang, intent, confidence, outcome, "
                "entry_id, latency_ms, candidates) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
REVIEW_INSERT = ("insert into unanswered (query_id, ts, user, text, reason, candidates, status) "
                 "values (?, ?, ?, ?, ?, ?, 'open')")
UNORDERED = frozenset({SESSION_UPSERT, QUERY_INSERT, REVIEW_INSERT})
"""Statements the writer may gather into one ``executemany`` each: they do not depend on one another."""


TERM_SEPARATOR = "\x1f"  # between the terms of a text kept in term_cache


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Database(sqlite_utils.Database):
    """sqlite-utils' database whose outermost transaction takes the write lock when it begins (BEGIN IMMEDIATE).

    The background writer commits on a connection of its own. A deferred transaction that reads first (as
    sqlite-utils' insert does, for the table's columns) and writes after the writer committed cannot take
    the write lock in WAL mode and fails at once with "database is locked"; one that starts with the write
    lock waits for the writer instead (up to the connection's timeout).
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator["sqlite_utils.Database"]:
        if self.conn.in_transaction:
            with super().atomic() as db:  # a savepoint inside the running transaction
                yield db
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.rollback()
            raise


class KnowledgeBase:
    """Open with :meth:`open`; close with :meth:`close` (or use as a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | str | None = None):
        """``path``: the file behind ``conn``, for the background writer's own connection (none: write inline)."""
        self._db = _Database(conn)
        self.lock = threading.RLock()
        self._key: bytes | None = None
        self._ids = threading.Lock()
        self._next_id, self._last_id = 1, 0
        self._spare: tuple[int, int] | None = None
        self._reserving = False
        self._sessions: dict[str, _KeptSession] = {}  # dialogue states in memory, by session
        self._stored_sessions: set[str] = set()  # the sessions with a state on disk (see _kept_session)
        self._pseudonyms: dict[str, str] = {}
        self._stamp: tuple[tuple[int, int], tuple[str, int | None]] | None = None
        self._glance: sqlite3.Connection | None = None  # small reads of the answer path (see _glancing)
        self._glance_lock = threading.Lock()
        if path is not None and str(path) != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        migrate(self._db)
        self._stored_sessions.update(row[0] for row in self._db.execute("select id from sessions"))
        self._path = None if path is None or str(path) == ":memory:" else str(path)
        self.writer = Writer(self._path, self._write_inline, UNORDERED)

    @property
    def db(self) -> sqlite_utils.Database:
        """The database, once what was handed to the background writer is written (outside transactions)."""
        if not self._db.conn.in_transaction:
            self.writer.flush()
        return self._db

    @property
    def db_as_committed(self) -> sqlite_utils.Database:
        """The database without waiting for the background writer: for writes that do not depend on what it
        was handed (the inbox of incoming updates)."""
        return self._db

    @classmethod
    def open(cls, path: Path | str) -> "KnowledgeBase":
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        return cls(conn, path)

    def close(self) -> None:
        self.writer.close()
        with self._glance_lock:
            if self._glance is not None:
                self._glance.close()
                self._glance = None
        with self.lock:
            self._db.conn.close()

    @contextlib.contextmanager
    def _glancing(self) -> Iterator[sqlite3.Connection]:
        """A connection for the answer path's small reads (the reload stamp, a dialogue state not in memory):
        its own, so they never wait for :attr:`lock`, which a staff command or the inbox may hold while it
        waits for the writer. It sees what is committed. A database in memory lends its one connection."""
        if self._path is None:
            with self.lock:
                yield self._db.conn
            return
        with self._glance_lock:
            if self._glance is None:
                self._glance = sqlite3.connect(self._path, isolation_level=None, timeout=10, check_same_thread=False)
            yield self._glance

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own for a long read (statistics), so that answers never wait behind it.

        What the background writer was handed is written first. A database in
        memory has one connection: it is lent under the lock.
        """
        self.writer.flush()
        if self._path is None:
            with self.lock:
                yield self._db.conn
            return
        conn = sqlite3.connect(Path(self._path).resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)
        try:
            yield conn
        finally:
            conn.close()

    def flush(self) -> None:
        """Wait until every logged query and saved dialogue state is written."""
        self.writer.flush()

    def write_behind(self, statements: Sequence[Statement], soon: bool = False) -> None:
        """Hand statements to the background writer: written together, after everything logged before them
        (a database in memory writes them at once); ``soon``: without waiting for more to gather."""
        self.writer.put(statements, soon)

    def _write_inline(self, statements: Sequence[Statement]) -> None:
        with self.lock, self._db.atomic():
            for sql, params in statements:
                self._db.execute(sql, list(values(params)))

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
        """A stable pseudonymous id: HMAC of the raw id with a per-database secret (remembered a while)."""
        name = f"{channel}:{raw_id}"
        known = self._pseudonyms.get(name)
        if known is None:
            known = hmac.new(self._secret(), name.encode(), hashlib.sha256).hexdigest()[:20]
            if len(self._pseudonyms) >= SESSIONS_KEPT:
                self._pseudonyms.clear()
            self._pseudonyms[name] = known
        return known

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
        """Log one question; with ``review_reason`` it also enters the review queue. Returns its id at once:
        the background writer writes the row (plain bound SQL, no table inspection)."""
        stamp, query_id = now_iso(), self._query_id()

        def row() -> tuple[object, ...]:  # encoded by the writer's thread, off the answer path
            return (query_id, stamp, record.user, record.session, record.channel, record.text, record.lang,
                    record.intent, round(record.confidence, 4), record.outcome, record.entry_id,
                    round(record.latency_ms, 3), _json([list(c) for c in record.candidates]))

        def review() -> tuple[object, ...]:
            return query_id, stamp, record.user, record.text, review_reason, _json([list(c) for c in record.candidates])

        statements: list[Statement] = [(QUERY_INSERT, row)]
        if review_reason:
            statements.append((REVIEW_INSERT, review))
        self.writer.put(statements)
        return query_id

    def _query_id(self) -> int:
        """The next id of this process's block. When a block is taken into use, the writer's thread
        reserves the next one, so the answer path reserves only for its very first query."""
        with self._ids:
            if self._next_id > self._last_id:
                block, self._spare = self._spare, None
                if block is None:
                    with self.lock:
                        block = reserve_query_ids(self._db.conn, QUERY_ID_BLOCK)
                self._next_id, self._last_id = block
                if self._path is not None and not self._reserving:
                    self._reserving = True
                    self.writer.call(self._reserve_spare)
            self._next_id += 1
            return self._next_id - 1

    def _reserve_spare(self, conn: sqlite3.Connection) -> None:
        """(In the writer's thread.) The block after the one in use. It takes no lock: a thread holding
        ``_ids`` may be waiting for ``lock``, whose holder may be waiting for this thread (a flush)."""
        try:
            self._spare = reserve_query_ids(conn, QUERY_ID_BLOCK)
        finally:
            self._reserving = False

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
        """The dialogue state (a copy of its top level): from memory, else from disk (a state is saved to both)."""
        kept = self._kept_session(session)
        if kept is None:
            return {}
        state = dict(kept.record)
        if max_age_minutes is not None and "context" in state:
            age = datetime.now(timezone.utc) - datetime.fromisoformat(kept.updated_at)
            if age > timedelta(minutes=max_age_minutes):
                state.pop("context")
        return state

    def session_view(self, session: str, decode: Callable[[dict[str, Any]], Any]) -> Any:
        """The state of a session as ``decode`` reads it, decoded once: the result is kept in memory with the
        state until the state is saved again (the answer path reads typed state, not JSON); None when no state
        is stored. ``decode`` gets a copy of the state's top level and must return a value it never changes."""
        kept = self._kept_session(session)
        if kept is None:
            return None
        if kept.view is None:
            kept.view = decode(dict(kept.record))
        return kept.view

    def save_session(self, session: str, state: dict[str, Any], view: Any = None) -> None:
        """Keep the state in memory now (with ``view``, its decoding as :meth:`session_view` would give it, if
        the caller has it); the background writer encodes it and writes it behind."""
        record, stamp = dict(state), now_iso()
        self._keep(session, _KeptSession(record, stamp, view))
        self._stored_sessions.add(session)
        self.writer.put([(SESSION_UPSERT, lambda: (session, _json(record), stamp))])

    def _kept_session(self, session: str) -> "_KeptSession | None":
        """The state in memory; else, for a session with a stored state (read back after a restart, or dropped
        from memory as least recently saved), the one on disk. A new chat reads nothing: its first message does
        not wait for the disk (nor for the interpreter lock the writer's thread holds meanwhile). This process
        is the only one answering chats, so the ids read at open and those it saved are all there are; a state
        deleted by age may still be listed, which costs one read that finds nothing."""
        kept = self._sessions.get(session)
        if kept is not None:
            return kept
        if session not in self._stored_sessions:
            return None
        with self._glancing() as conn:
            row = conn.execute("select state, updated_at from sessions where id = ?", [session]).fetchone()
        if row is None:
            return None
        return self._keep(session, _KeptSession(json.loads(row[0]), row[1]), saved=False)

    def _keep(self, session: str, kept: "_KeptSession", saved: bool = True) -> "_KeptSession":
        """Keep a state in memory, the most recently saved last (the least recently saved is dropped first);
        a state read from disk does not replace one saved meanwhile."""
        if saved:
            self._sessions.pop(session, None)
            self._sessions[session] = kept
        else:
            kept = self._sessions.setdefault(session, kept)
        if len(self._sessions) > SESSIONS_KEPT:
            try:
                del self._sessions[next(iter(self._sessions))]
            except (KeyError, RuntimeError, StopIteration):  # another thread changed it meanwhile
                pass
        return kept

    def drop_kept_sessions(self, sessions: Iterable[str] = (), before: str | None = None) -> None:
        """Forget the dialogue states kept in memory of these sessions, and those saved before ``before``
        (ISO UTC): call with the rows' deletion (``/forget``, retention), so none is written again."""
        for session in sessions:
            self._sessions.pop(session, None)
            self._stored_sessions.discard(session)
        if before is not None:
            for session, kept in list(self._sessions.items()):
                if kept.updated_at < before:
                    self._sessions.pop(session, None)

    def forget_user(self, user: str) -> int:
        """Delete everything stored about one pseudonymous user; returns rows removed."""
        removed = 0
        with self.lock, self.db.atomic():
            for table, column in (("queries", "user"), ("unanswered", "user"), ("feedback", "user"),
                                  ("sessions", "id"), ("subscriptions", "user")):
                removed += self.db.execute(f"delete from [{table}] where [{column}] = ?", [user]).rowcount
            self.drop_kept_sessions([user])
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
        """The content version and the id of the stored model: two primary-key look-ups in one statement,
        made only when the database changed since the last call (``PRAGMA data_version`` for other
        connections' commits, ``total_changes`` for this one's). On the answer path: waits neither for the
        writer nor for :attr:`lock`."""
        with self._glancing() as conn:
            seen = (conn.execute("pragma data_version").fetchone()[0], conn.total_changes)
            if self._stamp is None or self._stamp[0] != seen:
                row = conn.execute("select (select value from meta where key = 'content_version'), "
                                   "(select max(id) from models)").fetchone()
                self._stamp = (seen, (str(row[0] or "0"), row[1]))
            return self._stamp[1]

    def own_changes(self) -> int:
        """Rows changed through this knowledge base's own connection so far (no statement: a look at a counter),
        so that a caller can tell whether this process wrote since it last looked."""
        return self._db.conn.total_changes

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

    # ---- the retrieval index's terms, kept between starts (bot.engine.term_cache)

    def cached_terms(self, key: str) -> tuple[str, dict[str, list[str]], dict[str, str]] | None:
        """The digest, the terms of each text (each term one shared string) and the words of each question
        variant kept under ``key`` by :meth:`cache_terms`, or None. Read row by row: a text's terms are one
        string until split, and no string lives longer than its row."""
        texts: dict[str, list[str]] = {}
        variants: dict[str, str] = {}
        digest = None
        with self.lock:
            for kind, text, value in self.db.execute("select kind, text, value from term_cache where key = ?", [key]):
                if kind == "text":
                    texts[text] = [sys.intern(term) for term in value.split(TERM_SEPARATOR)] if value else []
                elif kind == "variant":
                    variants[text] = value
                elif kind == "digest":
                    digest = value
            self.db.execute("pragma shrink_memory")  # SQLite's cache of those pages: read once, at start-up
        return (digest, texts, variants) if digest is not None else None

    def cache_terms(self, key: str, digest: str, texts: dict[str, list[str]], variants: dict[str, str]) -> None:
        """Keep the terms of ``texts`` and the words of ``variants`` under ``key``, in place of what was kept."""
        if any(TERM_SEPARATOR in term for terms in texts.values() for term in terms):
            raise ValueError("a term holds the separator")  # (normalised text has no control characters)
        rows = [("digest", "", digest), *(("text", text, TERM_SEPARATOR.join(terms)) for text, terms in texts.items()),
                *(("variant", variant, words) for variant, words in variants.items())]
        with self.lock, self.db.atomic():
            self.db.execute("delete from term_cache")
            self.db.conn.executemany("insert into term_cache (key, kind, text, value) values (?, ?, ?, ?)",
                                     [(key, *row) for row in rows])

    def drop_cached_terms(self) -> None:
        """Forget the kept terms (they hold the words of entry texts); the next start reads the entries again."""
        with self.lock, self.db.atomic():
            self.db.execute("delete from term_cache")

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


class _KeptSession:
    """A dialogue state kept in memory: the stored dictionary, when it was saved, and a decoding of it."""

    __slots__ = ("record", "updated_at", "view")

    def __init__(self, record: dict[str, Any], updated_at: str, view: Any = None):
        self.record, self.updated_at, self.view = record, updated_at, view


def reserve_query_ids(conn: sqlite3.Connection, count: int) -> tuple[int, int]:
    """Raise the query log's AUTOINCREMENT counter by ``count``: the ids ``(first, last)`` below it are the
    caller's alone (no other process reserves them, and SQLite never gives them to a plain insert)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        top = conn.execute("select max(coalesce((select seq from sqlite_sequence where name = 'queries'), 0), "
                           "coalesce((select max(id) from queries), 0))").fetchone()[0]
        if conn.execute("update sqlite_sequence set seq = ? where name = 'queries'", [top + count]).rowcount == 0:
            conn.execute("insert into sqlite_sequence (name, seq) values ('queries', ?)", [top + count])
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return top + 1, top + count


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
