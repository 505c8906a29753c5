"""Insight for managers: what people asked over a period and how well it went.

:func:`collect` reads the hourly tallies of the ``queries`` log and the
``feedback`` and ``unanswered`` tables (plain SQL, bound parameters, on a
connection of its own) and returns one :class:`Stats`: queries per day by
outcome, the rates of the outcomes, the helpful ratio of the feedback, the top
intents, the top open review questions and the median latency. Outcome rates are
shares of the *questions* (every query except small talk); small talk is counted
apart so greetings do not flatter the answered rate.

Also here, because they describe the same tables: :data:`CANNED_QUERIES` (for
read-only browsing) and :func:`browse_snapshot` (a copy of the database that is
safe to hand to a browser).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from .changes import backup
from .errors import KnowledgeError
from .review import fold
from .store import KnowledgeBase

OUTCOMES = ("answer", "clarify", "fallback", "handoff")
"""The outcomes of a question, in the order they are shown; their rates sum to 1."""
SMALLTALK = "smalltalk"
UNDELIVERED = "undelivered"
"""A reply the Bot API has not taken (yet): never counted under the outcome it would have had."""
SEEN = f"case when delivery in ('retrying', 'failed') then '{UNDELIVERED}' else outcome end"
COMMITTED = ("answer", "handoff", SMALLTALK)
"""Outcomes for which the assistant settled on an intent (top intents count only these)."""


class StatsError(KnowledgeError):
    """A period the statistics cannot read (e.g. ``--since 7x``)."""


@dataclass(frozen=True)
class Day:
    """The queries of one day (in the statistics' time zone), by outcome (every outcome present, zeros included)."""

    day: str  # YYYY-MM-DD
    outcomes: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())


@dataclass(frozen=True)
class IntentCount:
    intent: str
    count: int


@dataclass(frozen=True)
class OpenQuestion:
    """Open review items that ask the identical (normalised) question."""

    text: str  # the latest wording
    count: int
    last_ts: str
    review_ids: tuple[int, ...]


@dataclass(frozen=True)
class Stats:
    """The numbers of one period, ``since`` (inclusive) to ``until``; timestamps ISO UTC, days in ``zone``."""

    since: str
    until: str
    zone: str
    total: int  # every logged query, small talk included
    outcomes: Mapping[str, int]  # answer, clarify, fallback, handoff, smalltalk (and any other logged)
    rates: Mapping[str, float]  # share of the questions (total minus small talk) per outcome of OUTCOMES
    per_day: tuple[Day, ...]
    helpful: int
    not_helpful: int
    top_intents: tuple[IntentCount, ...]
    top_unanswered: tuple[OpenQuestion, ...]
    open_reviews: int  # open review items logged in the period
    median_latency_ms: float | None

    @property
    def questions(self) -> int:
        """Queries that are not small talk: the base of the outcome rates."""
        return self.total - self.outcomes.get(SMALLTALK, 0)

    @property
    def helpful_ratio(self) -> float | None:
        """👍 / (👍 + 👎) of the feedback given in the period; None without feedback."""
        given = self.helpful + self.not_helpful
        return self.helpful / given if given else None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, derived numbers included."""
        data = asdict(self)
        data["per_day"] = [{"day": d.day, "total": d.total, **dict(d.outcomes)} for d in self.per_day]
        data.update(questions=self.questions, helpful_ratio=self.helpful_ratio)
        return data


# ---------------------------------------------------------------- the period


def parse_since(text: str, now: datetime | None = None, zone: str = "UTC") -> datetime:
    """``7d`` (days before now), ``12h``, ``2w`` or a date ``2026-11-01`` (its midnight in ``zone``)."""
    now = now or datetime.now(timezone.utc)
    value = text.strip().lower()
    relative = re.fullmatch(r"(\d{1,4})\s*([hdw])", value)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - timedelta(**{{"h": "hours", "d": "days", "w": "weeks"}[unit]: amount})
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise StatsError(f"cannot read the period '{text}': use e.g. 7d, 30d, 12h or 2026-11-01") from None
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))


def _iso(moment: datetime) -> str:
    """The format of the ``ts`` columns, so that strings compare like times."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


# ---------------------------------------------------------------- collecting


def collect(kb: KnowledgeBase, since: datetime, now: datetime | None = None, top: int = 10,
            zone: str = "UTC") -> Stats:
    """The statistics of the queries logged from ``since`` up to ``now``; days are those of ``zone``.

    Read on a connection of their own (answers never wait behind them), from the
    hourly tallies of the log (``query_hours``, ``latency_hours``, migration
    010_stats_index) for the whole hours of the period and from the log itself
    for the two partial hours at its ends: the cost grows with the hours of the
    period, not with its queries. The median latency is that of the latencies to
    the tenth of a millisecond the tallies keep.
    """
    now = now or datetime.now(timezone.utc)
    start, end = _iso(since), _iso(now)
    local = ZoneInfo(zone)
    first, last = since.astimezone(local).date(), now.astimezone(local).date()
    with kb.reading() as db:
        tally = _tally(db, since, now)
        helpful, not_helpful = _feedback(db, start, end)
        open_items = _open_items(db, start, end)
        per_day = _per_day(tally, first, last, local) if _whole_hours(local, first, last) \
            else _per_day_from_rows(db, start, end, first, last, local)
    outcomes = _outcomes(tally)
    questions = sum(outcomes.values()) - outcomes.get(SMALLTALK, 0)
    return Stats(
        since=start, until=end, zone=zone, total=sum(outcomes.values()), outcomes=outcomes,
        rates={o: (outcomes.get(o, 0) / questions if questions else 0.0) for o in OUTCOMES},
        per_day=per_day, helpful=helpful, not_helpful=not_helpful, top_intents=_top_intents(tally, top),
        top_unanswered=_group_questions(open_items)[:top], open_reviews=len(open_items),
        median_latency_ms=_median_tenths(tally.tenths),
    )


@dataclass
class _Tally:
    """Queries by (UTC hour, outcome as seen), committed queries by intent, latencies by tenths of a millisecond."""

    hours: dict[tuple[str, str], int]
    intents: dict[str, int]
    tenths: dict[int, int]

    def add(self, db: Any, sql: dict[str, str], params: list[str]) -> None:
        committed = list(COMMITTED)
        for hour, outcome, n in db.execute(sql["hours"], params):
            self.hours[(hour, outcome)] = self.hours.get((hour, outcome), 0) + n
        for intent, n in db.execute(sql["intents"].format(marks=", ".join("?" * len(committed))), params + committed):
            self.intents[intent] = self.intents.get(intent, 0) + n
        for tenths, n in db.execute(sql["tenths"], params):
            self.tenths[tenths] = self.tenths.get(tenths, 0) + n


FROM_TALLIES = {  # whole hours: the tallies, summed by SQLite
    "hours": f"select hour, case when undelivered then '{UNDELIVERED}' else outcome end, sum(n) from query_hours "
             "where hour >= ? and hour < ? group by 1, 2 having sum(n) > 0",
    "intents": "select intent, sum(n) from query_hours where hour >= ? and hour < ? and intent != '' "
               "and outcome in ({marks}) group by 1 having sum(n) > 0",
    "tenths": "select tenths, sum(n) from latency_hours where hour >= ? and hour < ? group by 1 having sum(n) > 0",
}
FROM_ROWS = {  # the partial hours at the ends of the period: the log, through its ts index
    "hours": f"select substr(ts, 1, 13), coalesce({SEEN}, ''), count(*) from queries where ts >= ? and ts {{op}} ? "
             "group by 1, 2",
    "intents": "select intent, count(*) from queries where ts >= ? and ts {op} ? and intent != '' "
               "and outcome in ({{marks}}) group by 1",
    "tenths": "select cast(round(latency_ms * 10) as integer), count(*) from queries "
              "where ts >= ? and ts {op} ? and latency_ms is not null group by 1",
}


def _rows(op: str) -> dict[str, str]:
    return {name: sql.format(op=op) for name, sql in FROM_ROWS.items()}


def _tally(db: Any, since: datetime, now: datetime) -> _Tally:
    """Whole hours from the tallies, the partial hours at both ends from the log."""
    tally = _Tally({}, {}, {})
    first = since.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    if first < since:
        first += timedelta(hours=1)
    last = now.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    if first >= last:  # less than one whole hour: the log alone
        tally.add(db, _rows("<="), [_iso(since), _iso(now)])
        return tally
    tally.add(db, FROM_TALLIES, [first.strftime("%Y-%m-%dT%H"), last.strftime("%Y-%m-%dT%H")])
    tally.add(db, _rows("<"), [_iso(since), _iso(first)])
    tally.add(db, _rows("<="), [_iso(last), _iso(now)])
    return tally


def _outcomes(tally: _Tally) -> dict[str, int]:
    counts = {o: 0 for o in (*OUTCOMES, SMALLTALK)}
    for (_, outcome), n in tally.hours.items():
        counts[outcome or "unknown"] = counts.get(outcome or "unknown", 0) + n
    return counts


def _feedback(db: Any, start: str, end: str) -> tuple[int, int]:
    good, bad = db.execute("select coalesce(sum(helpful = 1), 0), coalesce(sum(helpful = 0), 0) "
                           "from feedback where ts >= ? and ts <= ?", [start, end]).fetchone()
    return int(good), int(bad)


def _whole_hours(zone: ZoneInfo, first: date, last: date) -> bool:
    """Every UTC hour of the period lies within one day of ``zone`` (its offsets are whole hours)."""
    days = {first, last, *(first + timedelta(days=d) for d in range(0, (last - first).days, 30))}
    moments = [datetime(d.year, d.month, d.day, h, tzinfo=zone) for d in days for h in (0, 12)]
    return all(int(offset.total_seconds()) % 3600 == 0
               for offset in (m.utcoffset() for m in moments) if offset is not None)


def _per_day(tally: _Tally, first: date, last: date, zone: ZoneInfo) -> tuple[Day, ...]:
    """Every day of the period in ``zone``, also those without queries (a chart must show the gaps)."""
    counts: dict[str, dict[str, int]] = {}
    days: dict[str, str] = {}
    for (hour, outcome), n in tally.hours.items():
        day = days.get(hour)
        if day is None:
            day = days[hour] = datetime.fromisoformat(hour + ":00").replace(tzinfo=timezone.utc) \
                .astimezone(zone).date().isoformat()
        those = counts.setdefault(day, {})
        those[outcome or "unknown"] = those.get(outcome or "unknown", 0) + n
    return _days(counts, first, last)


def _per_day_from_rows(db: Any, start: str, end: str, first: date, last: date, zone: ZoneInfo) -> tuple[Day, ...]:
    """The same from the log by minute, for a zone whose days do not begin on a whole UTC hour."""
    counts: dict[str, dict[str, int]] = {}
    for minute, outcome, n in db.execute(f"select substr(ts, 1, 16), {SEEN}, count(*) from queries "
                                         "where ts >= ? and ts <= ? group by 1, 2", [start, end]):
        day = datetime.fromisoformat(minute).replace(tzinfo=timezone.utc).astimezone(zone).date().isoformat()
        those = counts.setdefault(day, {})
        those[outcome or "unknown"] = those.get(outcome or "unknown", 0) + n
    return _days(counts, first, last)


def _days(counts: dict[str, dict[str, int]], first: date, last: date) -> tuple[Day, ...]:
    days = []
    for offset in range((last - first).days + 1):
        day = (first + timedelta(days=offset)).isoformat()
        found = counts.get(day, {})
        days.append(Day(day, {**{o: found.get(o, 0) for o in (*OUTCOMES, SMALLTALK)}, **found}))
    return tuple(days)


def _top_intents(tally: _Tally, top: int) -> tuple[IntentCount, ...]:
    ranked = sorted(tally.intents.items(), key=lambda item: (-item[1], item[0]))[:top]
    return tuple(IntentCount(intent, n) for intent, n in ranked)


def _median_tenths(tenths: dict[int, int]) -> float | None:
    """The median latency in milliseconds, to the tenth the tallies keep (None without latencies)."""
    total = sum(tenths.values())
    if not total:
        return None
    wanted, seen, middle = ((total - 1) // 2, total // 2), 0, list[int]()
    for value, n in sorted(tenths.items()):
        while len(middle) < 2 and seen + n > wanted[len(middle)]:
            middle.append(value)
        seen += n
    return round(sum(middle) / 20, 1)


def _open_items(db: Any, start: str, end: str) -> list[dict[str, Any]]:
    rows = db.execute("select id, ts, text from unanswered where status = 'open' and ts >= ? and ts <= ? order by id",
                      [start, end])
    return [{"id": r[0], "ts": r[1], "text": r[2]} for r in rows]


def _group_questions(items: list[dict[str, Any]]) -> tuple[OpenQuestion, ...]:
    """Items grouped by normalised text (NFKC, case, spaces, punctuation), most asked first."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(fold(item["text"] or "") or item["text"] or "", []).append(item)
    found = [OpenQuestion(text=g[-1]["text"], count=len(g), last_ts=g[-1]["ts"],
                          review_ids=tuple(i["id"] for i in g)) for g in groups.values()]
    latest_first = sorted(found, key=lambda q: q.last_ts, reverse=True)
    return tuple(sorted(latest_first, key=lambda q: -q.count))


# ---------------------------------------------------------------- browsing

FOLDED_CHARS = " \u3000?？!！.。,，、;；:：'\"“”‘’"
"""Characters dropped when the canned SQL compares questions (SQL's stand-in for :func:`fold`)."""


def _folded_sql(column: str) -> str:
    """An SQL expression: ``column`` lower-cased without spaces and common punctuation."""
    expression = f"lower({column})"
    for char in FOLDED_CHARS:
        literal = char.replace("'", "''")
        expression = f"replace({expression}, '{literal}', '')"
    return expression


CANNED_QUERIES: dict[str, dict[str, str]] = {
    "review_queue": {
        "title": "Open review queue",
        "description": "Questions the assistant could not answer (fallback, not helpful, hand-off), oldest first.",
        "sql": "select id, ts, reason, text, candidates from unanswered where status = 'open' order by id",
    },
    "unanswered_this_week": {
        "title": "Unanswered this week",
        "description": "Open review questions of the last 7 days, identical questions counted together.",
        "sql": "select max(text) as text, count(*) as times, max(ts) as last_asked, "
               "group_concat(id) as review_ids from unanswered where status = 'open' "
               "and ts >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days') "
               f"group by {_folded_sql('text')} order by times desc, last_asked desc",
    },
    "intents_by_volume": {
        "title": "Intents by volume",
        "description": "How often each intent was asked, with its outcomes and average confidence.",
        "sql": "select intent, count(*) as queries, sum(outcome = 'answer') as answered, "
               "sum(outcome = 'clarify') as clarified, sum(outcome = 'fallback') as fallbacks, "
               "sum(outcome = 'handoff') as handoffs, round(avg(confidence), 3) as avg_confidence "
               "from queries group by intent order by queries desc",
    },
}
"""Queries offered by ``browse``: name -> title, description, SQL (no parameters)."""


def browse_snapshot(kb: KnowledgeBase, path: Path | str) -> Path:
    """A consistent copy of the database for a browser, without the pseudonym secret.

    The copy, not the live file, is served: the bot may keep writing, and the
    key that turns user ids into pseudonyms must not be on show.
    """
    if Path(path).exists():  # never overwrite a file, least of all the live database
        raise StatsError(f"{path} exists already")
    target = backup(kb, path)
    conn = sqlite3.connect(str(target))  # a plain file now, not a knowledge base with migrations
    try:
        conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, as immutable mode wants
        with conn:
            conn.execute("delete from meta where key = ?", ["pseudonym_key"])
    finally:
        conn.close()
    return target
