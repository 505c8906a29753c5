"""Retrieval: the best knowledge-base entry inside an intent for one reading.

Entries whose conditions contradict what the person said (or need something
they did not say) are left out; the rest are ranked by matched conditions
first, then by word overlap with the entry's title and question variants. The
intent's general entry (id ending in ``-general``) wins a tie of weak overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from intents.entities import Entities
from intents.segment import Segmenter
from knowledge.models import Entry


@dataclass(frozen=True)
class _Indexed:
    entry: Entry
    words: frozenset[str]


def _condition_score(entry: Entry, entities: Entities, topic: str | None) -> int | None:
    score = 0
    have = entities.as_dict()
    for key, wanted in entry.conditions.items():
        if key == "topic":
            got: object = topic
        elif key == "foreign":
            got = bool(entities.foreign)
            if not wanted:
                continue
        else:
            got = have.get(key)
        if got != wanted:
            return None
        score += 1
    return score


class Retriever:
    def __init__(self, entries: list[Entry], segmenter: Segmenter, normalize: Callable[[str], str]):
        self._by_intent: dict[str, list[_Indexed]] = {}
        for entry in entries:
            text = " ".join([entry.title.zh, entry.title.en, *entry.questions])
            words = frozenset(segmenter.tokens(normalize(text)))
            self._by_intent.setdefault(entry.intent, []).append(_Indexed(entry, words))
        self.segmenter = segmenter

    def has_intent(self, intent: str) -> bool:
        return intent in self._by_intent

    def best(self, intent: str, entities: Entities, core: str, topic: str | None = None) -> Entry | None:
        candidates = self._by_intent.get(intent, [])
        if not candidates:
            return None
        query = frozenset(self.segmenter.tokens(core))
        best: tuple[float, Entry] | None = None
        for item in candidates:
            matched = _condition_score(item.entry, entities, topic)
            if matched is None:
                continue
            overlap = len(query & item.words) / math.sqrt(max(1, len(query)) * max(1, len(item.words)))
            score = 2.0 * matched + overlap + (0.15 if item.entry.id.endswith("-general") else 0.0)
            if best is None or score > best[0]:
                best = (score, item.entry)
        return best[1] if best else None

    def general(self, intent: str) -> Entry | None:
        for item in self._by_intent.get(intent, []):
            if item.entry.id.endswith("-general"):
                return item.entry
        items = [i for i in self._by_intent.get(intent, []) if i.entry.is_general]
        return items[0].entry if items else None
