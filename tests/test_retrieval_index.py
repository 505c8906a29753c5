"""The retrieval index's layout changes which entries are scored, never the ranking: the best entry is the
first of the full ranking, and a knowledge base of repeated entries answers with the entries of the seed."""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks.scale import copy_id
from bot.engine.retrieve import Retriever
from intents.entities import Entities, extract_entities
from intents.normalize import Normalizer
from intents.segment import Segmenter
from knowledge import Dataset
from knowledge.models import Entry

QUESTIONS = ("博士买房有补贴吗", "硕士租房补贴每月多少", "我是本科，在高新区上班", "领军人才安家费多少", "怎么申请",
             "人才公积金贷款能贷多少", "申请需要什么材料", "人才服务中心电话", "work permit for foreigners", "")


def _retriever(seed: Dataset, entries: list[Entry]) -> Retriever:
    normalizer = Normalizer({t.term.casefold(): t.canonical for t in seed.terms
                             if t.kind in ("typo", "synonym") and t.canonical})
    segmenter = Segmenter(t.term.casefold() for t in seed.terms if t.kind == "word")
    return Retriever(entries, segmenter, normalizer, seed.contacts)


@pytest.fixture(scope="module")
def asked(seed: Dataset) -> list[tuple[str, Entities, str, str | None]]:
    """(intent, entities, core, topic): every intent with the questions above and its entries' own first
    questions, with and without a topic."""
    out = []
    topics = sorted({str(e.conditions["topic"]) for e in seed.entries if "topic" in e.conditions})
    for intent in sorted({e.intent for e in seed.entries}):
        own = [e.questions[0] for e in seed.entries if e.intent == intent and e.questions]
        for text in (*QUESTIONS, *own):
            core = text.casefold()
            out.append((intent, extract_entities(core), core, None))
        out.append((intent, Entities(), "", topics[0] if topics else None))
    return out


def test_the_best_entry_is_the_first_of_the_full_ranking(seed: Dataset, asked) -> None:
    # copies read alike, one copy is told apart by its conditions: both kinds of layout at once
    entries = [*seed.entries, *(dataclasses.replace(e, id=f"{e.id}~{n}") for n in (1, 2) for e in seed.entries)]
    entries.append(dataclasses.replace(seed.entries[0], id="told-apart", conditions={"degree": "phd"}))
    retriever = _retriever(seed, entries)
    for intent, entities, core, topic in asked:
        ranked = retriever.ranked(intent, entities, core, topic)
        best = retriever.best(intent, entities, core, topic)
        assert (best.id if best else None) == (ranked[0][1].id if ranked else None), (intent, core)


def test_repeated_entries_answer_as_the_seed(seed: Dataset, asked) -> None:
    """As the scale benchmark repeats them (``benchmarks.scale``): the best entry is the seed's."""
    once = _retriever(seed, list(seed.entries))
    repeated = _retriever(seed, [*seed.entries, *(dataclasses.replace(e, id=copy_id(e.id, n))
                                                  for n in range(1, 20) for e in seed.entries)])
    for intent, entities, core, topic in asked:
        first, again = once.best(intent, entities, core, topic), repeated.best(intent, entities, core, topic)
        assert (first.id if first else None) == (again.id if again else None), (intent, core)


def test_a_reload_segments_only_the_texts_that_changed(seed: Dataset, asked, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _retriever(seed, list(seed.entries))
    segmented: list[str] = []
    plain = before.segmenter.tokens
    monkeypatch.setattr(before.segmenter, "tokens", lambda text: segmented.append(text) or plain(text))
    same = Retriever(list(seed.entries), before.segmenter, before.normalize, seed.contacts, previous=before)
    assert segmented == []
    edited = dataclasses.replace(seed.entries[0], questions=("人才驿站在哪里",))
    changed = Retriever([edited, *seed.entries[1:]], before.segmenter, before.normalize, seed.contacts, previous=same)
    assert set(segmented) == {"人才驿站在哪里"}  # as a field and as a question variant; nothing else
    fresh = _retriever(seed, [edited, *seed.entries[1:]])
    for intent, entities, core, topic in asked:
        assert [(s, e.id) for s, e in changed.ranked(intent, entities, core, topic)] == \
            [(s, e.id) for s, e in fresh.ranked(intent, entities, core, topic)]
