"""News that finds the person: topic subscriptions, notices and their deliveries.

People follow topics (policy intents). ``scan`` drafts a notice when staff
change an active entry of a topic (read from the change log) or when a claim
window of a topic opens; nothing is sent until staff ``confirm`` a draft, which
writes one delivery row per follower. The sender ``claim``s a batch of
deliveries at a time (marking them ``sending``) and ``settle``s each one.
Delivery rows are keyed by notice and person, so nobody is given a notice
twice; after a restart, ``recover`` marks rows left ``sending`` as ``unknown``
(perhaps delivered) and they are never sent again, while ``pending`` rows are
sent where sending stopped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable

from .errors import NotFound
from .models import Text
from .store import KnowledgeBase, now_iso

PROCESS_INTENTS = ("application_process", "service_contacts")  # their entries name their topic
QUIET_FIELDS = frozenset({"updated_at", "reviewed"})  # a change of only these is no news
WINDOW_DAYS = 7  # a window that opened at most this many days ago is still news
SETTLED = ("sent", "blocked", "failed")


class NoticeError(NotFound):
    """A notice that does not exist, or is not in the state the verb needs."""


@dataclass(frozen=True)
class Notice:
    id: int
    kind: str  # change | window
    topic: str
    entry_id: str | None
    title: Text
    status: str  # draft | confirmed | done | discarded
    opens: str | None = None
    closes: str | None = None
    created_at: str = ""
    confirmed_by: str | None = None


@dataclass(frozen=True)
class Delivery:
    notice_id: int
    user: str
    chat_id: int
    lang: str


def notice_of(r: dict[str, Any]) -> Notice:
    return Notice(id=r["id"], kind=r["kind"], topic=r["topic"], entry_id=r["entry_id"],
                  title=Text(r["title_zh"] or "", r["title_en"] or ""), status=r["status"], opens=r["opens"],
                  closes=r["closes"], created_at=r["created_at"] or "", confirmed_by=r["confirmed_by"])


# ---------------------------------------------------------------- following topics


def follow(kb: KnowledgeBase, user: str, chat_id: int, topic: str, lang: str) -> bool:
    """Follow a topic; False when already followed (the chat and language are updated)."""
    with kb.lock, kb.db.atomic():
        known = bool(list(kb.db.query("select 1 from topic_subscriptions where user = ? and topic = ?",
                                      [user, topic])))
        kb.db.execute("insert into topic_subscriptions (user, topic, chat_id, lang, ts) values (?, ?, ?, ?, ?) "
                      "on conflict(user, topic) do update set chat_id = excluded.chat_id, lang = excluded.lang",
                      [user, topic, chat_id, lang, now_iso()])
    return not known


def unfollow(kb: KnowledgeBase, user: str, topic: str) -> bool:
    with kb.lock, kb.db.atomic():
        return kb.db.execute("delete from topic_subscriptions where user = ? and topic = ?",
                             [user, topic]).rowcount > 0


def followed(kb: KnowledgeBase, user: str) -> frozenset[str]:
    with kb.lock:
        rows = list(kb.db.query("select topic from topic_subscriptions where user = ?", [user]))
    return frozenset(r["topic"] for r in rows)


def followers(kb: KnowledgeBase, topic: str) -> int:
    with kb.lock:
        return int(kb.db.execute("select count(*) from topic_subscriptions where topic = ?", [topic]).fetchone()[0])


def forget_follower(kb: KnowledgeBase, user: str) -> int:
    """Remove a person's topics and every delivery row that names them; returns rows removed."""
    with kb.lock, kb.db.atomic():
        removed = kb.db.execute("delete from topic_subscriptions where user = ?", [user]).rowcount
        return int(removed + kb.db.execute("delete from deliveries where user = ?", [user]).rowcount)


def drop_chat(kb: KnowledgeBase, chat_id: int) -> int:
    """A chat that blocked the bot follows nothing any more."""
    with kb.lock, kb.db.atomic():
        return int(kb.db.execute("delete from topic_subscriptions where chat_id = ?", [chat_id]).rowcount)


# ---------------------------------------------------------------- drafting


def scan(kb: KnowledgeBase, topics: Iterable[str], today: date) -> list[Notice]:
    """Draft the notices of entry changes since the last scan and of windows that opened; returns
    the new drafts. ``topics`` are the topics one can follow (the policy intents)."""
    wanted = frozenset(topics)
    with kb.lock, kb.db.atomic():
        ids = _scan_changes(kb, wanted) + _scan_windows(kb, wanted, today)
        return [notice(kb, i) for i in ids]


def _topic(entry: dict[str, Any]) -> str:
    conditions = json.loads(entry.get("conditions") or "{}")
    return str(conditions.get("topic") or entry["intent"]) if entry["intent"] in PROCESS_INTENTS \
        else str(entry["intent"])


def _name(entry: dict[str, Any]) -> tuple[str, str]:
    """The benefit's name when its rule gives one, else the entry's title."""
    rule = json.loads(entry.get("eligibility") or "{}")
    benefit = rule.get("benefit") or {}
    return (benefit.get("zh") or entry.get("title_zh") or "", benefit.get("en") or entry.get("title_en") or "")


def _scan_changes(kb: KnowledgeBase, topics: frozenset[str]) -> list[int]:
    mark = int(list(kb.db.query("select value from meta where key = 'notices_scanned_change'"))[0]["value"])
    rows = list(kb.db.query("select id, row_id, before, after from changes where id > ? and table_name = 'entries' "
                            "order by id", [mark]))
    made: list[int] = []
    for row in rows:
        before, after = json.loads(row["before"] or "null") or {}, json.loads(row["after"] or "null")
        if not after or after.get("status") != "active" or _topic(after) not in topics:
            continue
        if before and all(before.get(k) == v for k, v in after.items() if k not in QUIET_FIELDS):
            continue
        zh, en = _name(after)
        made.append(_draft(kb, f"change:{row['row_id']}:{row['id']}", "change", _topic(after), row["row_id"],
                           zh, en, change_id=row["id"], replaces=row["row_id"]))
    if rows:
        kb.db.table("meta").upsert({"key": "notices_scanned_change", "value": str(rows[-1]["id"])}, pk="key")
    return [i for i in made if i]


def _scan_windows(kb: KnowledgeBase, topics: frozenset[str], today: date) -> list[int]:
    if "window" not in kb.db.table("entries").columns_dict:
        return []
    made: list[int] = []
    for entry in kb.db.query("select * from entries where status = 'active' and window is not null order by rowid"):
        window = json.loads(entry["window"] or "{}")
        opens, closes = window.get("opens"), window.get("closes")
        if not opens or _topic(entry) not in topics:
            continue
        if not today - timedelta(days=WINDOW_DAYS) <= date.fromisoformat(opens) <= today:
            continue
        if closes and date.fromisoformat(closes) < today:
            continue
        zh, en = _name(entry)
        made.append(_draft(kb, f"window:{_topic(entry)}:{opens}:{closes or ''}", "window", _topic(entry),
                           entry["id"], zh, en, opens=opens, closes=closes))
    return [i for i in made if i]


def _draft(kb: KnowledgeBase, key: str, kind: str, topic: str, entry_id: str, zh: str, en: str,
           opens: str | None = None, closes: str | None = None, change_id: int | None = None,
           replaces: str | None = None) -> int:
    """A new draft (0 when its key exists); a newer change of an entry replaces that entry's open draft."""
    if list(kb.db.query("select 1 from notices where key = ?", [key])):
        return 0
    if replaces is not None:
        kb.db.execute("update notices set status = 'discarded', finished_at = ? where entry_id = ? and "
                      "kind = 'change' and status = 'draft'", [now_iso(), replaces])
    row = {"key": key, "kind": kind, "topic": topic, "entry_id": entry_id, "title_zh": zh, "title_en": en,
           "opens": opens, "closes": closes, "change_id": change_id, "status": "draft", "created_at": now_iso()}
    return int(kb.db.table("notices").insert(row).last_pk or 0)


def drafts(kb: KnowledgeBase) -> list[Notice]:
    with kb.lock:
        return [notice_of(r) for r in kb.db.query("select * from notices where status = 'draft' order by id")]


def notice(kb: KnowledgeBase, notice_id: int) -> Notice:
    with kb.lock:
        rows = list(kb.db.query("select * from notices where id = ?", [notice_id]))
    if not rows:
        raise NoticeError(f"no notice {notice_id}")
    return notice_of(rows[0])


def confirm(kb: KnowledgeBase, notice_id: int, who: str) -> int:
    """Staff confirm a draft: one delivery row per follower of its topic now; returns how many."""
    with kb.lock, kb.db.atomic():
        found = notice(kb, notice_id)
        if found.status != "draft":
            raise NoticeError(f"notice {notice_id} is {found.status}, not a draft")
        kb.db.execute("insert or ignore into deliveries (notice_id, user, chat_id, lang, status) "
                      "select ?, user, chat_id, lang, 'pending' from topic_subscriptions where topic = ? order by ts",
                      [notice_id, found.topic])
        kb.db.execute("update notices set status = 'confirmed', confirmed_by = ?, confirmed_at = ? where id = ?",
                      [who, now_iso(), notice_id])
        _finish(kb, [notice_id])  # nobody follows the topic: nothing to send
        return int(kb.db.execute("select count(*) from deliveries where notice_id = ?", [notice_id]).fetchone()[0])


def discard(kb: KnowledgeBase, notice_id: int, who: str) -> None:
    with kb.lock, kb.db.atomic():
        if notice(kb, notice_id).status != "draft":
            raise NoticeError(f"notice {notice_id} is not a draft")
        kb.db.execute("update notices set status = 'discarded', confirmed_by = ?, finished_at = ? where id = ?",
                      [who, now_iso(), notice_id])


# ---------------------------------------------------------------- delivering


def recover(kb: KnowledgeBase) -> int:
    """At start-up: rows a stopped sender left ``sending`` may have been delivered; never send them again."""
    with kb.lock, kb.db.atomic():
        rows = list(kb.db.query("select distinct notice_id from deliveries where status = 'sending'"))
        changed = kb.db.execute("update deliveries set status = 'unknown' where status = 'sending'").rowcount
        _finish(kb, [r["notice_id"] for r in rows])
        return int(changed)


def claim(kb: KnowledgeBase, limit: int) -> tuple[int, list[Delivery]]:
    """The next batch of pending deliveries of confirmed notices, marked ``sending`` under a new tick."""
    with kb.lock, kb.db.atomic():
        tick = int(kb.db.execute("select coalesce(max(tick), 0) + 1 from deliveries").fetchone()[0])
        rows = list(kb.db.query(
            "select d.notice_id, d.user, d.chat_id, d.lang from deliveries d join notices n on n.id = d.notice_id "
            "where d.status = 'pending' and n.status = 'confirmed' order by d.notice_id, d.rowid limit ?", [limit]))
        kb.db.conn.executemany("update deliveries set status = 'sending', tick = ? where notice_id = ? and user = ?",
                          [(tick, r["notice_id"], r["user"]) for r in rows])
    return tick, [Delivery(r["notice_id"], r["user"], r["chat_id"], r["lang"] or "zh") for r in rows]


def settle(kb: KnowledgeBase, outcomes: list[tuple[Delivery, str]]) -> list[int]:
    """Record each delivery's outcome (sent, blocked, failed); returns the notices now finished."""
    stamp = now_iso()
    with kb.lock, kb.db.atomic():
        kb.db.conn.executemany("update deliveries set status = ?, sent_at = ? where notice_id = ? and user = ?",
                          [(status, stamp, d.notice_id, d.user) for d, status in outcomes])
        return _finish(kb, sorted({d.notice_id for d, _ in outcomes}))


def _finish(kb: KnowledgeBase, notice_ids: list[int]) -> list[int]:
    """Mark confirmed notices with nothing left to send as done; returns those."""
    finished = []
    for notice_id in notice_ids:
        left = kb.db.execute("select count(*) from deliveries where notice_id = ? and status in "
                             "('pending', 'sending')", [notice_id]).fetchone()[0]
        done = kb.db.execute("update notices set status = 'done', finished_at = ? where id = ? and "
                             "status = 'confirmed'", [now_iso(), notice_id]).rowcount if not left else 0
        if done:
            finished.append(notice_id)
    return finished


def counts(kb: KnowledgeBase, notice_id: int) -> dict[str, int]:
    """Deliveries of a notice by status (pending, sending, sent, blocked, failed, unknown)."""
    with kb.lock:
        rows = kb.db.execute("select status, count(*) from deliveries where notice_id = ? group by status",
                             [notice_id]).fetchall()
    return {str(status): int(n) for status, n in rows}
