"""The review queue as verbs: what is open, which items are alike, and the staff decisions.

A decision (``assign``, ``link``, ``answer``, ``ignore``) closes one or more open
items at once, usually a group of similar questions found by :func:`group`.
Assigning, linking and answering turn each question into a training phrase
(origin ``review``); ``answer`` also creates a new entry. Every decision is one
transaction that writes a row per changed row to the ``changes`` table (who,
when, table, row id, action, row before and after as JSON) and bumps
``meta.content_version``, so a running assistant knows to reload.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Sequence

from .changes import add_phrase, log_change
from .errors import KnowledgeError, NotFound
from .models import STAFF_SOURCE_ID, Review, Text
from .seedfiles import SeedRow, parse_entry
from .store import KnowledgeBase, entry_row, now_iso, review_of

SIMILAR = 0.6  # character-bigram Jaccard at or above which two questions are "the same question"
MAX_PHRASE = 1000  # longest question kept as a training phrase (the limit of examples files)
STAFF_SOURCE = "staff answer (review queue)"  # the built-in source ``staff`` (knowledge.provenance)


class ReviewError(KnowledgeError):
    """A review item is not open, or a question cannot become a training phrase."""


@dataclass(frozen=True)
class Group:
    """Open items that ask the same thing; the first is shown, one decision closes all."""

    items: tuple[Review, ...]

    @property
    def lead(self) -> Review:
        return self.items[0]

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(item.id for item in self.items)


@dataclass(frozen=True)
class EntryMatch:
    """An existing entry that resembles a question, for the reviewer to link to."""

    entry_id: str
    intent: str
    title: Text
    score: float


@dataclass(frozen=True)
class Resolution:
    """What one decision did."""

    action: str  # assigned | linked | answered | ignored
    resolution: str
    review_ids: tuple[int, ...]
    examples_added: int
    entry_id: str | None
    content_version: int


# ---------------------------------------------------------------- similarity


def fold(text: str) -> str:
    """Text reduced for comparison: NFKC, case-folded, without spaces and punctuation."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def bigrams(text: str) -> frozenset[str]:
    folded = fold(text)
    if len(folded) < 2:
        return frozenset(folded)
    return frozenset(folded[i:i + 2] for i in range(len(folded) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard of the character bigrams of the folded texts (1.0 for equal folded texts)."""
    return _jaccard((fold(a), bigrams(a)), (fold(b), bigrams(b)))


def _jaccard(x: tuple[str, frozenset[str]], y: tuple[str, frozenset[str]]) -> float:
    if x[0] == y[0]:
        return 1.0
    union = x[1] | y[1]
    return len(x[1] & y[1]) / len(union) if union else 0.0


def group(items: Sequence[Review], threshold: float = SIMILAR) -> list[Group]:
    """Single-link groups in queue order: an item joins the first group holding a similar item.

    Near-linear (prefix filtering): the bigrams of each text are ordered rarest
    first, and two texts can reach ``threshold`` only if their first
    ``n - ceil(threshold * n) + 1`` bigrams share one; only such pairs are compared.
    """
    keys = [(fold(r.text), bigrams(r.text)) for r in items]
    counts = Counter(token for _, grams in keys for token in grams)
    # one global order, rarest first (a stable sort keeps ties in first-seen order)
    rank = {token: n for n, token in enumerate(sorted(counts, key=counts.__getitem__))}
    exact: dict[str, int] = {}  # folded text -> its group (equal texts are similar whatever their length)
    index: dict[str, list[int]] = defaultdict(list)  # bigram -> earlier items with it in their prefix
    home: list[int] = []  # the group of each item
    groups: list[list[Review]] = []
    for number, (review, key) in enumerate(zip(items, keys)):
        prefix = sorted(key[1], key=rank.__getitem__)[:_prefix_length(len(key[1]), threshold)]
        seen = {other for token in prefix for other in index[token]}
        found = [home[o] for o in seen if _sizes_fit(key[1], keys[o][1], threshold)
                 and _jaccard(key, keys[o]) >= threshold]
        if key[0] in exact:
            found.append(exact[key[0]])
        target = min(found) if found else len(groups)
        if target == len(groups):
            groups.append([])
        groups[target].append(review)
        home.append(target)
        exact.setdefault(key[0], target)
        for token in prefix:
            index[token].append(number)
    return [Group(tuple(g)) for g in groups]


def _prefix_length(size: int, threshold: float) -> int:
    return size - math.ceil(threshold * size - 1e-9) + 1 if size else 0


def _sizes_fit(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """Jaccard can reach the threshold only when the smaller set is at least that share of the larger."""
    small, large = sorted((len(a), len(b)))
    return small >= threshold * large - 1e-9


# ---------------------------------------------------------------- reading the queue


def open_items(kb: KnowledgeBase) -> list[Review]:
    """Every open item, oldest first (no cap: grouping stays near-linear)."""
    return kb.reviews("open", limit=-1)


def open_groups(kb: KnowledgeBase) -> list[Group]:
    return group(open_items(kb))


def item(kb: KnowledgeBase, review_id: int) -> Review:
    with kb.lock:
        rows = list(kb.db.query("select * from unanswered where id = ?", [review_id]))
    if not rows:
        raise NotFound(f"no review item {review_id}")
    return review_of(rows[0])


def group_of(kb: KnowledgeBase, review_id: int) -> Group:
    """The open group that holds ``review_id`` (the item alone when it is closed)."""
    for found in open_groups(kb):
        if review_id in found.ids:
            return found
    return Group((item(kb, review_id),))


def similar_entries(kb: KnowledgeBase, text: str, limit: int = 3) -> list[EntryMatch]:
    """Active entries whose title or question variants look most like ``text``."""
    scored = []
    for entry in kb.entries():
        score = max(similarity(text, t) for t in (entry.title.zh, entry.title.en, *entry.questions) if t)
        if score > 0:
            scored.append(EntryMatch(entry.id, entry.intent, entry.title, round(score, 3)))
    return sorted(scored, key=lambda m: -m.score)[:limit]


# ---------------------------------------------------------------- decisions


def assign(kb: KnowledgeBase, review_ids: Iterable[int], intent: str, who: str) -> Resolution:
    """Each question becomes a training phrase of ``intent``; the items are resolved."""
    _require_intent(kb, intent)
    return _decide(kb, review_ids, who, "assigned", f"assigned:{intent}", intent)


def link(kb: KnowledgeBase, review_ids: Iterable[int], entry_id: str, who: str) -> Resolution:
    """Each question becomes a question variant of the entry and a training phrase of its intent."""
    entry = kb.entry(entry_id)
    if entry.status != "active":
        raise ReviewError(f"entry '{entry_id}' is {entry.status}: link to an active entry")
    return _decide(kb, review_ids, who, "linked", f"linked:{entry_id}", entry.intent, entry_id)


def answer(kb: KnowledgeBase, review_ids: Iterable[int], intent: str, answer_zh: str, answer_en: str,
           who: str, contact: str | None = None) -> Resolution:
    """A new active entry of ``intent`` answers the questions (source: staff, today).

    Its contact is ``contact``, else the intent's own (:func:`contact_for`); an
    answer nobody can be asked about is refused.
    """
    _require_intent(kb, intent)
    contact = contact or contact_for(kb, intent)
    if contact is None:
        raise ReviewError(f"no contact for intent '{intent}': give one (review answer ... --contact ID)")
    if contact not in {c.id for c in kb.contacts()}:
        raise NotFound(f"no contact '{contact}'")
    ids = list(dict.fromkeys(review_ids))
    if not ids:
        raise ReviewError("no review item given")
    with kb.lock, kb.db.atomic():
        rows = _open_rows(kb, ids)
        entry_id = _new_entry_id(kb, intent)
        questions = list(dict.fromkeys(r["text"].strip() for r in rows))
        _insert_entry(kb, entry_id, intent, questions, answer_zh, answer_en, who, contact)
        done = _decide(kb, ids, who, "answered", f"answered:{entry_id}", intent)
    return dataclasses.replace(done, entry_id=entry_id)


def contact_for(kb: KnowledgeBase, intent: str) -> str | None:
    """Whom to ask about ``intent``: the contact of its general entry, else of any of its entries,
    else the first contact whose topics name it; None when there is none."""
    entries = [e for e in kb.entries(intent) if e.contact]
    general = [e for e in entries if e.is_general]
    for entry in general + entries:
        return entry.contact
    return next((c.id for c in kb.contacts() if intent in c.topics), None)


def ignore(kb: KnowledgeBase, review_ids: Iterable[int], who: str) -> Resolution:
    """Close the items without learning anything from them."""
    return _decide(kb, review_ids, who, "ignored", "ignored", None)


def _decide(kb: KnowledgeBase, review_ids: Iterable[int], who: str, action: str, resolution: str,
            intent: str | None, entry_id: str | None = None) -> Resolution:
    """Close the items and learn from them, all in one transaction, logged and versioned."""
    ids = list(dict.fromkeys(review_ids))
    if not ids:
        raise ReviewError("no review item given")
    stamp = now_iso()
    added = 0
    with kb.lock, kb.db.atomic():
        rows = _open_rows(kb, ids)
        for row in rows:
            if intent is not None:
                added += _add_phrase(kb, row["text"], intent, who, stamp, row["id"])
            if entry_id is not None:
                _add_question(kb, entry_id, row["text"], who, stamp, row["id"])
            _close(kb, row, "ignored" if action == "ignored" else "resolved", resolution, who, stamp)
        version = kb.bump_version()
    return Resolution(action, resolution, tuple(ids), added, entry_id, version)


def _require_intent(kb: KnowledgeBase, intent: str) -> None:
    known = {i.id for i in kb.intents()}
    if intent not in known:
        raise NotFound(f"no intent '{intent}' (known: {', '.join(sorted(known))})")


def _open_rows(kb: KnowledgeBase, ids: list[int]) -> list[dict[str, Any]]:
    rows = []
    for review_id in ids:
        found = list(kb.db.query("select * from unanswered where id = ?", [review_id]))
        if not found:
            raise NotFound(f"no review item {review_id}")
        if found[0]["status"] != "open":
            raise ReviewError(f"review item {review_id} is already {found[0]['status']}")
        rows.append(found[0])
    return rows


def _close(kb: KnowledgeBase, row: dict[str, Any], status: str, resolution: str, who: str, stamp: str) -> None:
    after = dict(row, status=status, resolution=resolution, resolved_by=who, resolved_at=stamp)
    kb.db.table("unanswered").update(row["id"], {k: after[k] for k in ("status", "resolution", "resolved_by",
                                                                  "resolved_at")})
    log_change(kb, who, stamp, "unanswered", row["id"], "update", row, after, f"review {row['id']}: {resolution}")


def _add_phrase(kb: KnowledgeBase, text: str, intent: str, who: str, stamp: str, review_id: int) -> int:
    """Add ``text`` as a training phrase of ``intent``; 0 when it is already one."""
    text = text.strip()
    if len(text) > MAX_PHRASE:
        raise ReviewError(f"review item {review_id} is longer than {MAX_PHRASE} characters: "
                          "too long for a training phrase (ignore it instead)")
    return int(add_phrase(kb, text, intent, who, f"review {review_id}", "review", stamp))


def _add_question(kb: KnowledgeBase, entry_id: str, text: str, who: str, stamp: str, review_id: int) -> None:
    """Add ``text`` to the entry's question variants, so retrieval picks that entry for it."""
    before = list(kb.db.query("select * from entries where id = ?", [entry_id]))[0]
    questions = json.loads(before["questions"] or "[]")
    if text.strip() in questions:
        return
    after = dict(before, questions=json.dumps([*questions, text.strip()], ensure_ascii=False), updated_at=stamp)
    kb.db.table("entries").update(entry_id, {"questions": after["questions"], "updated_at": stamp})
    log_change(kb, who, stamp, "entries", entry_id, "update", before, after, f"review {review_id}: linked")


def _new_entry_id(kb: KnowledgeBase, intent: str) -> str:
    number = 1
    while list(kb.db.query("select 1 from entries where id = ?", [f"{intent}-review-{number}"])):
        number += 1
    return f"{intent}-review-{number}"


def _insert_entry(kb: KnowledgeBase, entry_id: str, intent: str, questions: list[str], answer_zh: str,
                  answer_en: str, who: str, contact: str) -> None:
    """Validate the new entry as an import would, then insert and log it."""
    today = date.today().isoformat()
    title = questions[0][:80]
    mapping = {"id": entry_id, "intent": intent, "title": {"zh": title, "en": title}, "questions": questions,
               "answer": {"zh": answer_zh, "en": answer_en}, "reviewed": today, "status": "active", "contact": contact,
               "sources": [STAFF_SOURCE_ID]}
    entry = parse_entry(SeedRow("review answer", 1, None, mapping))
    stamp = now_iso()
    row = entry_row(entry, stamp)
    kb.db.table("entries").insert(row)
    log_change(kb, who, stamp, "entries", entry_id, "insert", None, row, "answer from the review queue")
