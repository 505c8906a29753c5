"""Generated data for the benchmarks: a knowledge base N times the seed, and a long query log.

Nothing here is shipped data: both are built in a temporary directory when
``run_bot.py bench`` runs.

- :func:`scaled_copy` copies a seeded database and repeats every entry ``factor``
  times (same intent, conditions, questions and answer, new ids ending as the
  original's: :func:`copy_id`), so retrieval
  and loading see ``factor`` times the entries while the right answer stays the
  same one: replies at every size can be compared with those of the seed. The
  stored model is kept (the examples and terms are those of the seed).
- :func:`fill_log` writes a query log of ``rows`` rows spread evenly over the
  last ``days`` days, through the same table (and triggers) the assistant writes.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from knowledge import KnowledgeBase

OUTCOMES = ("answer", "clarify", "fallback", "smalltalk", "handoff")
SHARES = (0.62, 0.12, 0.12, 0.11, 0.03)


def scaled_copy(seeded: Path, factor: int, target: Path) -> Path:
    """A copy of ``seeded`` whose every entry appears ``factor`` times (the copies after the originals)."""
    shutil.copy(seeded, target)
    with KnowledgeBase.open(target) as kb:
        model, report = kb.load_model(), kb.model_report()
        data = kb.dataset()
        copies = [dataclasses.replace(e, id=copy_id(e.id, n)) for n in range(1, factor) for e in data.entries]
        kb.replace_content(dataclasses.replace(data, entries=[*data.entries, *copies]))
        if model is not None:
            kb.save_model(model[0], model[1], report, model[2])
    return target


def copy_id(entry_id: str, number: int) -> str:
    """The id of an entry's copy: numbered in front, so that what the ranking reads of an id (an intent's
    ``-general`` entry, the kind of answer) stays that of the original."""
    return f"c{number}~{entry_id}"


def fill_log(db: Path, rows: int, days: int, open_days: int = 14, seed: int = 7, now: datetime | None = None) -> int:
    """Append ``rows`` generated queries over the last ``days`` days; each fallback also enters the review
    queue, open when it is from the last ``open_days`` days and resolved before (staff work through it)."""
    now = now or datetime.now(timezone.utc)
    rng = random.Random(seed)
    intents = _intents(db)
    start, opened = now - timedelta(days=days), (now - timedelta(days=open_days)).isoformat()
    conn = sqlite3.connect(str(db))
    try:
        with conn:
            first = int(conn.execute("select coalesce(max(id), 0) from queries").fetchone()[0]) + 1
            queries: list[tuple[object, ...]] = []
            reviews: list[tuple[object, ...]] = []
            for number in range(rows):
                moment = start + timedelta(seconds=days * 86400.0 * (number + rng.random()) / rows)
                ts = moment.isoformat(timespec="milliseconds")
                outcome = rng.choices(OUTCOMES, SHARES)[0]
                intent = "out_of_scope" if outcome == "fallback" else rng.choice(intents)
                text, user = f"generated question {number % 997}", f"u{rng.randrange(50_000):05d}"
                candidates = json.dumps([[intent, 0.5]])
                queries.append((first + number, ts, user, f"s{rng.randrange(80_000):05d}", "telegram", text, "zh", intent,
                                round(rng.random(), 4), outcome, None, round(rng.lognormvariate(-0.9, 0.5), 3),
                                candidates))
                if outcome == "fallback":
                    reviews.append((first + number, ts, user, text, candidates, "open" if ts >= opened else "resolved"))
                if len(queries) == 20_000:
                    _write(conn, queries, reviews)
                    queries, reviews = [], []
            _write(conn, queries, reviews)
    finally:
        conn.close()
    return rows


def _intents(db: Path) -> list[str]:
    with KnowledgeBase.open(db) as kb:
        return [i.id for i in kb.intents()] or ["housing_purchase"]


def _write(conn: sqlite3.Connection, queries: list[tuple[object, ...]], reviews: list[tuple[object, ...]]) -> None:
    conn.executemany("insert into queries (id, ts, user, session, channel, text, lang, intent, confidence, outcome, "
                     "entry_id, latency_ms, candidates) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", queries)
    conn.executemany("insert into unanswered (query_id, ts, user, text, reason, candidates, status) "
                     "values (?, ?, ?, ?, 'fallback', ?, ?)", reviews)
