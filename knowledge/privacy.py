"""What is kept about a person, and for how long: ``forget`` (one person, on request) and
``purge`` (everyone's old records, on a schedule).

``forget`` removes everything derived from the person: their queries, feedback,
sessions, hand-offs, subscription, inbox and outbox rows, their review items,
the training phrases and entry question variants made verbatim from their
questions (a phrase staff rewrote is staff's text and stays), and their
pseudonym and texts inside the change log (replaced by a marker, so the log
still says what changed and when).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable

from .store import KnowledgeBase, now_iso

FORGOTTEN = "[forgotten]"
DELIVERY_DAYS = 2  # inbox and outbox rows that are finished: Telegram itself keeps updates for one day


@dataclass(frozen=True)
class Removed:
    """Rows removed (or rewritten) per kind of record."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def forget(kb: KnowledgeBase, users: Iterable[str]) -> Removed:
    """Remove every record derived from the person known by these pseudonyms (user and session keys)."""
    keys = [u for u in dict.fromkeys(users) if u]
    counts: dict[str, int] = {}
    with kb.lock, kb.db.atomic():
        keys += [r[0] for r in _select(kb, "select distinct session from queries where user in ({})", keys)
                 if r[0] and r[0] not in keys]  # their sessions in every chat (groups have one per member)
        texts = _texts_of(kb, keys)
        query_ids = [r[0] for r in _select(kb, "select id from queries where user in ({}) or session in ({})",
                                           keys, keys)]
        counts["examples"] = _forget_phrases(kb, texts)
        counts["entries"] = _forget_questions(kb, texts)
        counts["changes"] = _redact_changes(kb, keys, texts)
        counts["feedback"] = _delete(kb, "feedback", "user", keys) + _delete(kb, "feedback", "query_id", query_ids)
        counts["reviews"] = _delete(kb, "unanswered", "user", keys) + _delete(kb, "unanswered", "query_id", query_ids)
        counts["queries"] = _delete(kb, "queries", "id", query_ids)
        counts["sessions"] = _delete(kb, "sessions", "id", keys)
        kb.drop_kept_sessions(keys)  # the copies kept in memory too (what the writer held is written above)
        counts["handoffs"] = _delete(kb, "handoffs", "user", keys)
        counts["subscriptions"] = _delete(kb, "subscriptions", "user", keys)
        counts["inbox"] = _delete(kb, "inbox", "user", keys)
        counts["outbox"] = _delete(kb, "outbox", "user", keys)
        if counts["examples"] or counts["entries"]:
            kb.bump_version()
            kb.drop_cached_terms()  # the words of the question variants removed
    return Removed({k: v for k, v in counts.items() if v})


def _select(kb: KnowledgeBase, sql: str, *lists: list) -> list[tuple]:
    marks = [",".join("?" * len(values)) or "null" for values in lists]
    return kb.db.execute(sql.format(*marks), [v for values in lists for v in values]).fetchall()


def _delete(kb: KnowledgeBase, table: str, column: str, values: list) -> int:
    total = 0
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        total += kb.db.execute(f"delete from [{table}] where [{column}] in ({','.join('?' * len(chunk))})",
                               chunk).rowcount
    return total


def _texts_of(kb: KnowledgeBase, keys: list[str]) -> set[str]:
    """Everything the person typed that the database holds."""
    found: set[str] = set()
    for sql in ("select text from queries where user in ({}) or session in ({})",
                "select text from unanswered where user in ({}) or user in ({})",
                "select question from handoffs where user in ({}) or user in ({})"):
        found |= {str(r[0]).strip() for r in _select(kb, sql, keys, keys) if r[0] and str(r[0]).strip()}
    return {t for t in found if not (t.startswith("[") and t.endswith("]"))}  # button labels are not theirs


def _forget_phrases(kb: KnowledgeBase, texts: set[str]) -> int:
    """Training phrases copied verbatim from their questions by a review decision."""
    return _delete(kb, "examples", "id", [r[0] for r in _select(
        kb, "select id from examples where origin = 'review' and text in ({})", sorted(texts))])


def _forget_questions(kb: KnowledgeBase, texts: set[str]) -> int:
    """Their questions as question variants (and titles) of entries made or linked in review."""
    changed = 0
    for row in list(kb.db.query("select id, questions, title_zh, title_en from entries")):
        questions = json.loads(row["questions"] or "[]")
        kept = [q for q in questions if q.strip() not in texts]
        titles = {k: row[k] for k in ("title_zh", "title_en")}
        renamed = {k: (kept[0] if kept else row["id"])[:80] for k, v in titles.items()
                   if v and any(v == t[:80] for t in texts)}
        if kept != questions or renamed:
            kb.db.execute("update entries set questions = ?, updated_at = ? where id = ?",
                          [json.dumps(kept, ensure_ascii=False), now_iso(), row["id"]])
            for column, title in renamed.items():
                kb.db.execute(f"update entries set [{column}] = ? where id = ?", [title, row["id"]])
            changed += 1
    return changed


def _redact_changes(kb: KnowledgeBase, keys: list[str], texts: set[str]) -> int:
    """Replace the person's pseudonym and texts inside the change log's rows before and after."""
    needles = keys + sorted(texts, key=len, reverse=True)
    needles += [json.dumps(t, ensure_ascii=False)[1:-1] for t in texts if json.dumps(t, ensure_ascii=False)[1:-1] != t]
    changed = 0
    for needle in needles:
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = kb.db.execute("select id, before, after, note from changes where before like ? escape '\\' "
                             "or after like ? escape '\\' or note like ? escape '\\'",
                             [pattern, pattern, pattern]).fetchall()
        for change_id, before, after, note in rows:
            kb.db.execute("update changes set before = ?, after = ?, note = ? where id = ?",
                          [_replace(before, needle), _replace(after, needle), _replace(note, needle), change_id])
            changed += 1
    return changed


def _replace(value: str | None, needle: str) -> str | None:
    return value.replace(needle, FORGOTTEN) if value else value


# ---------------------------------------------------------------- retention


def purge(kb: KnowledgeBase, days: float, now: datetime | None = None) -> Removed:
    """Delete queries, sessions, hand-offs and resolved reviews older than ``days`` (0: keep them),
    and finished inbox and outbox rows older than two days."""
    moment = now or datetime.now(timezone.utc)
    counts: dict[str, int] = {}
    with kb.lock, kb.db.atomic():
        finished = _iso(moment - timedelta(days=DELIVERY_DAYS))
        counts["inbox"] = kb.db.execute("delete from inbox where status != 'new' and coalesce(done_at, received_at) < ?",
                                        [finished]).rowcount
        counts["outbox"] = kb.db.execute("delete from outbox where status != 'retrying' and done_at < ?",
                                         [finished]).rowcount
        if days > 0:
            cutoff = _iso(moment - timedelta(days=days))
            counts.update(_purge_logs(kb, cutoff))
            kb.drop_kept_sessions(before=cutoff)
    return Removed({k: v for k, v in counts.items() if v})


def _purge_logs(kb: KnowledgeBase, cutoff: str) -> dict[str, int]:
    old = [r[0] for r in kb.db.execute("select id from queries where ts < ? and id not in "
                                       "(select query_id from unanswered where status = 'open' and query_id "
                                       "is not null)", [cutoff])]
    return {
        "reviews": kb.db.execute("delete from unanswered where status != 'open' and coalesce(resolved_at, ts) < ?",
                                 [cutoff]).rowcount,
        "review changes": kb.db.execute("delete from changes where table_name = 'unanswered' and ts < ?",
                                        [cutoff]).rowcount,
        "feedback": _delete(kb, "feedback", "query_id", old) + kb.db.execute(
            "delete from feedback where ts < ?", [cutoff]).rowcount,
        "queries": _delete(kb, "queries", "id", old),
        "sessions": kb.db.execute("delete from sessions where updated_at < ?", [cutoff]).rowcount,
        "handoffs": kb.db.execute("delete from handoffs where coalesce(replied_at, created_at) < ?",
                                  [cutoff]).rowcount,
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
