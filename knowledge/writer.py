"""The background writer: what the answer path logs, written off the answer path, in batches.

Logging a query, queueing it for review and saving the dialogue state are
handed to one :class:`Writer` as SQL statements. Its thread has its own
connection and writes what has gathered over 50 ms in one transaction, so a
busy bot commits a few times a second instead of twice per message, and a
message never waits for the disk. ``flush()`` returns when everything handed over is written
(the knowledge base calls it before it reads); ``close()`` flushes and stops, so
nothing handed over is lost on a clean stop (also at interpreter exit).

A database in memory has no second connection: there ``put`` writes at once,
through the function the knowledge base gives for it.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import logging
import sqlite3
import threading
import time
from typing import Callable, Sequence

log = logging.getLogger(__name__)

Params = Sequence[object] | Callable[[], Sequence[object]]
Statement = tuple[str, Params]
"""SQL and its parameters; parameters given as a function are computed by the thread that writes them."""
Task = Callable[[sqlite3.Connection], None]
"""Work for the writer's connection that makes its own transaction (see :meth:`Writer.call`)."""
BATCH_S = 0.05  # how long the thread lets statements gather before it writes them (unless someone waits)
SOON_S = 0.01  # how long statements handed over with ``soon`` wait at most (the thread looks this often)
LINGER_S = 1.0  # how long the thread keeps looking for statements by itself after a write, before it sleeps
BUSY_PATIENCE_S = 60.0  # how long a batch waits for a database another process keeps locked


class Writer:
    """One thread writing statements in the order they were handed over (see the module's docstring)."""

    def __init__(self, path: str | None, inline: Callable[[Sequence[Statement]], None],
                 unordered: frozenset[str] = frozenset()):
        """``unordered``: SQL whose statements do not depend on the others' order (inserts into a log,
        last-wins upserts), so a batch's statements of one such SQL are written by one ``executemany``."""
        self._inline = inline
        self._unordered = unordered
        self._path = path
        self._changed = threading.Condition()
        self._queue: list[Sequence[Statement] | Task] = []
        self._handed = self._written = 0
        self._closed = self._waited_for = self._soon = self._asleep = False
        self._thread: threading.Thread | None = None
        if path is not None:
            self._thread = threading.Thread(target=self._run, name="knowledge-writer", daemon=True)
            self._thread.start()
            atexit.register(self.close)

    def put(self, statements: Sequence[Statement], soon: bool = False) -> None:
        """Hand over statements that are written together, after everything handed over before; ``soon``:
        write them within ``SOON_S`` instead of ``BATCH_S`` (the thread is not woken for them: on a busy
        bot a wake-up per message costs the answering thread more than the write)."""
        if self._thread is None:
            self._inline(statements)
            return
        self._hand_over(statements, soon)

    def _hand_over(self, item: Sequence[Statement] | Task, soon: bool = False) -> None:
        with self._changed:
            if self._closed:
                raise RuntimeError("the knowledge base is closed")
            self._queue.append(item)
            self._handed += 1
            self._soon = self._soon or soon
            if self._asleep:  # an idle thread sleeps until a statement comes; a busy one looks by itself
                self._asleep = False
                self._changed.notify_all()

    def call(self, task: Task) -> None:
        """Run ``task`` on the writer's connection, in order with the statements (a file database only)."""
        if self._thread is None:
            raise RuntimeError("a database in memory has no writer thread")
        self._hand_over(task)

    def flush(self) -> None:
        """Return when everything handed over so far is written (at once when nothing is waiting)."""
        if self._thread is None or self._written == self._handed or threading.current_thread() is self._thread:
            return
        with self._changed:
            target = self._handed
            while self._written < target and self._thread.is_alive():
                self._waited_for = True
                self._changed.notify_all()
                self._changed.wait(1.0)

    def close(self) -> None:
        """Write what is waiting, then stop the thread."""
        if self._thread is None:
            return
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join()
        atexit.unregister(self.close)

    # ---------------------------------------------------------------- the thread

    def _run(self) -> None:
        assert self._path is not None
        conn = sqlite3.connect(self._path, isolation_level=None, timeout=10, check_same_thread=False)
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            while True:
                with self._changed:
                    self._await_work()
                    self._gather()
                    batch, self._queue, self._waited_for, self._soon = self._queue, [], False, False
                if not batch:
                    return
                self._write(conn, batch)
                with self._changed:
                    self._written += len(batch)
                    self._changed.notify_all()
        finally:
            conn.close()

    def _await_work(self) -> None:
        """(Holding the condition.) Return once statements wait or the writer closes: looking every ``SOON_S``
        for ``LINGER_S`` after a write, then asleep until :meth:`put` wakes the thread."""
        lingers = time.monotonic() + LINGER_S
        while not self._queue and not self._closed:
            if time.monotonic() < lingers:
                self._changed.wait(SOON_S)
                continue
            self._asleep = True
            self._changed.wait()
        self._asleep = False

    def _gather(self) -> None:
        """(Holding the condition.) Let statements gather for ``BATCH_S``, looking every ``SOON_S`` whether one
        handed over with ``soon`` came; not at all when someone waits for them (a flush) or the writer closes."""
        ends = time.monotonic() + BATCH_S
        while not (self._closed or self._waited_for or self._soon):
            left = ends - time.monotonic()
            if left <= 0:
                return
            self._changed.wait(min(left, SOON_S))

    def _write(self, conn: sqlite3.Connection, batch: list[Sequence[Statement] | Task]) -> None:
        """The statements between tasks in one transaction each; the tasks in their turn."""
        for is_task, items in itertools.groupby(batch, key=callable):
            if not is_task:
                self._statements(conn, [group for group in items if not callable(group)])
                continue
            for task in items:
                try:
                    if callable(task):
                        task(conn)
                except sqlite3.DatabaseError as error:
                    log.error("a task of the log writer failed (%s): %s", type(error).__name__, error)

    def _statements(self, conn: sqlite3.Connection, batch: list[Sequence[Statement]]) -> None:
        """The batch in one transaction; when a statement fails, each group alone, so one bad row costs only itself."""
        waited = 0.0
        while True:
            try:
                _transaction(conn, [s for group in batch for s in group], self._unordered)
                return
            except sqlite3.OperationalError as error:
                busy = "locked" in str(error) or "busy" in str(error)
                if not busy or waited >= BUSY_PATIENCE_S:
                    break
                log.warning("database busy, the log batch waits: %s", error)
                time.sleep(0.5)
                waited += 10.5  # the connection's own timeout (10 s) plus this pause
            except sqlite3.DatabaseError:
                break
        for group in batch:
            try:
                _transaction(conn, group, self._unordered)
            except sqlite3.DatabaseError as error:
                log.error("a log write failed and was dropped (%s): %s", type(error).__name__, error)


def _transaction(conn: sqlite3.Connection, statements: Sequence[Statement], unordered: frozenset[str]) -> None:
    """The statements in one transaction, in their order, except that between two statements of other SQL
    those of the same ``unordered`` SQL go together (in their order) in one ``executemany``."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        gathered: dict[str, list[Params]] = {}
        for sql, params in statements:
            if sql in unordered:
                gathered.setdefault(sql, []).append(params)
                continue
            _write_gathered(conn, gathered)
            conn.execute(sql, values(params))
        _write_gathered(conn, gathered)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _write_gathered(conn: sqlite3.Connection, gathered: dict[str, list[Params]]) -> None:
    """Each group as few multi-row statements (see :func:`_rows_sql`): SQLite writes a whole statement without
    the interpreter lock, and this thread asks for the lock back once per statement, not once per row (an
    answering thread that lets go of the lock for a moment, in a numpy call, is not kept waiting by the
    writer's rows)."""
    for sql, group in gathered.items():
        done = 0
        while done < len(group):
            rows = next(size for size in ROWS_AT_ONCE if size <= len(group) - done)
            chunk = group[done:done + rows]
            conn.execute(_rows_sql(sql, rows), [value for params in chunk for value in values(params)])
            done += rows
    gathered.clear()


ROWS_AT_ONCE = (64, 16, 4, 1)
"""The numbers of rows a statement may write at once (few distinct statements for SQLite's cache; 64 rows of
the widest statement bind 832 values, under every SQLite's limit of 999)."""


@functools.lru_cache(maxsize=64)
def _rows_sql(sql: str, rows: int) -> str:
    """``sql`` (an insert of one ``values (...)`` row, perhaps with an upsert clause after it) for ``rows`` rows.
    SQLite inserts them in their order, so a later row's upsert updates an earlier one's: last wins."""
    if rows == 1:
        return sql
    start = sql.lower().index("values (") + len("values ")
    end = sql.index(")", start) + 1
    return sql[:start] + ", ".join([sql[start:end]] * rows) + sql[end:]


def values(params: Params) -> Sequence[object]:
    return params() if callable(params) else params
