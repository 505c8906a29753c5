"""The retrieval index's terms kept between starts (``bot.engine.term_cache``): the same index, fresh or kept."""

from __future__ import annotations

from pathlib import Path

from bot.engine import term_cache
from bot.engine.assistant import Assistant
from bot.engine.retrieve import Retriever
from bot.settings import load_settings
from intents.normalize import Normalizer
from intents.segment import Segmenter
from knowledge import KnowledgeBase, privacy
from knowledge.changes import update_entry


def _index(retriever: Retriever) -> tuple[object, ...]:
    return (sorted((i, sorted((t, x.posting(t)) for t in x.postings)) for i, x in retriever._by_intent.items()),
            sorted((k, sorted(v)) for k, v in retriever._variants.items()), retriever.read())


def _open(db_path: Path) -> Assistant:
    return Assistant.open(load_settings({}, env_file=None).with_db(db_path))


def test_a_start_reads_the_kept_terms_and_builds_the_same_index(db_path: Path) -> None:
    first = _open(db_path)
    try:
        understanding = first.understanding
        reading = term_cache.key(understanding.segmenter, understanding.normalizer)
        kept = term_cache.load(first.kb, reading)
        assert kept is not None and kept[1] == term_cache.digest(reading, first.retriever.read())
        entries, contacts = first.kb.entries(), first.kb.contacts()
        fresh = Retriever(entries, understanding.segmenter, understanding.normalizer, contacts)
        lent = Retriever(entries, understanding.segmenter, understanding.normalizer, contacts, stored=kept[0])
        assert _index(lent) == _index(fresh) == _index(first.retriever)
        asked = [first.handle(q, "s1").text for q in ("博士买房有补贴吗", "那硕士呢", "what is the 5+22 policy")]
    finally:
        first.close()
    again = _open(db_path)
    try:
        assert [again.handle(q, "s2").text for q in ("博士买房有补贴吗", "那硕士呢", "what is the 5+22 policy")] == asked
    finally:
        again.close()


def test_a_changed_text_is_read_again_and_kept(db_path: Path) -> None:
    assistant = _open(db_path)
    try:
        entry = assistant.kb.entries()[0]
        update_entry(assistant.kb, entry.id, {"answer.zh": entry.answer.zh + "人才驿站"}, "staff")
        assert assistant.refresh()
        understanding = assistant.understanding
        reading = term_cache.key(understanding.segmenter, understanding.normalizer)
        kept = term_cache.load(assistant.kb, reading)
        assert kept is not None and kept[0] == assistant.retriever.read()
        assert any("人才驿站" in text for text in kept[0][0])
    finally:
        assistant.close()


def test_other_terms_or_corrections_are_another_key() -> None:
    key = term_cache.key(Segmenter(["安家费"]), Normalizer({"补帖": "补贴"}))
    assert key == term_cache.key(Segmenter(["安家费"]), Normalizer({"补帖": "补贴"}))
    assert key != term_cache.key(Segmenter(["安家费", "人才驿站"]), Normalizer({"补帖": "补贴"}))
    assert key != term_cache.key(Segmenter(["安家费"]), Normalizer({"补帖": "补贴", "落护": "落户"}))


def test_forget_drops_the_kept_terms(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        kb.cache_terms("k", "d", {"量子猫咪人才补贴在哪领取": ["量子", "猫咪"]}, {"量子猫咪人才补贴在哪领取": "量子 猫咪"})
        assert kb.cached_terms("k") == ("d", {"量子猫咪人才补贴在哪领取": ["量子", "猫咪"]},
                                        {"量子猫咪人才补贴在哪领取": "量子 猫咪"})
        kb.drop_cached_terms()
        assert kb.cached_terms("k") is None
        kb.cache_terms("k", "d", {"a": []}, {})
        privacy.forget(kb, ["nobody"])  # removes no question: what is kept stays
        assert kb.cached_terms("k") == ("d", {"a": []}, {})
