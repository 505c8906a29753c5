"""The learned follow-up reading (bot/engine/followups.py): pairs generated from the phrases, and the model."""

from __future__ import annotations

from bot.engine.assistant import Assistant
from bot.engine.followups import own_words, pairs, stripped, trained
from bot.settings import load_settings


def test_a_phrase_without_its_intents_own_words_is_a_follow_up() -> None:
    assert stripped("住房补贴换工作后还发吗", {"住", "房", "补", "贴"}, list) == "换工作后还发吗"
    assert stripped("今天天气怎么样", {"住", "房"}, list) is None  # none of the words: a question of its own
    assert stripped("住房补贴", {"住", "房", "补", "贴"}, list) is None  # nothing left


def test_the_model_tells_a_follow_up_from_a_question_of_its_own(assistant: Assistant) -> None:
    understanding = assistant.understanding
    tokens = understanding.segmenter.tokens
    phrases = [(understanding.normalizer(e.text), e.intent) for e in assistant.kb.training_examples()]
    words = own_words(phrases, tokens)
    assert "租房补贴" in words["rental_housing"] and "安家费" in words["settlement_allowance"]
    texts, labels = pairs(phrases, assistant.policy_intents, tokens)
    assert labels.count(0) == len(phrases) and 0 < labels.count(1) < len(phrases)
    model = trained(phrases, assistant.policy_intents, tokens)
    assert model is trained(phrases, assistant.policy_intents, tokens)  # once per process
    for follow_up in ("已经买房了还能领吗", "换工作了还发吗", "托儿所也算吗"):
        for own in ("落户大连需要什么条件", "人才公积金贷款能贷多少", "创业有什么扶持"):
            assert model(follow_up) > model(own), (follow_up, own)


def test_the_served_probability_equals_the_pipelines(assistant: Assistant) -> None:
    """The stored arrays (read with numpy alone) give scikit-learn's ``predict_proba``, to 1e-5."""
    from intents.classifier import CompiledModel
    from intents.pipeline import fit_followups

    understanding = assistant.understanding
    tokens = understanding.segmenter.tokens
    phrases = [(understanding.normalizer(e.text), e.intent) for e in assistant.kb.training_examples()]
    pipeline = fit_followups(*pairs(phrases, assistant.policy_intents, tokens))
    served = understanding.classifier.model.followups
    assert served is not None  # trained and stored with the intent classifier
    stored, _ = CompiledModel.from_bytes(understanding.classifier.to_bytes())
    assert stored.followups is not None and stored.followups.grams == served.grams
    probe = ["换工作了还发吗", "落户大连需要什么条件", "what about my wife", "Housing SUBSIDY for a PhD?",
             "博士 housing 补贴 能领吗", "Ωж☃ qqqzzz", "", "  a  b\tc ", "还能领吗还能领吗还能领吗", "🙏",
             *(text for text, _ in phrases[::50])]
    expected = pipeline.predict_proba(probe)[:, 1]
    for text, probability in zip(probe, expected):
        assert abs(served(text) - probability) < 1e-5, text
        assert abs(stored.followups(text) - probability) < 1e-5, text


def test_a_model_stored_without_the_follow_up_reading_answers_by_the_rules_and_is_stale(db_path) -> None:
    """An older stored model (no follow-up arrays) still answers, without the learned reading, and is
    retrained by the guard (the Understanding is stale)."""
    import dataclasses

    from bot.engine.understanding import Understanding
    from intents.classifier import CompiledModel
    from knowledge import KnowledgeBase

    with KnowledgeBase.open(db_path) as kb:
        fingerprint, made_with, blob = kb.load_model()  # type: ignore[misc]
        model, words = CompiledModel.from_bytes(blob)
        older = dataclasses.replace(model, followups=None).to_bytes(words)
        assert b"followup" not in older
        kb.save_model(fingerprint, made_with, {"cv_accuracy": 0.9}, older)
        understanding = Understanding.from_kb(kb)
        assert understanding.classifier.model.followups is None and understanding.stale
        assistant = Assistant(kb, load_settings({}, env_file=None).with_db(db_path), understanding)
        assert assistant._learned() is None
        assert assistant.handle("博士买房有补贴吗", "s").intent == "housing_purchase"
        assert assistant.handle("换工作了还发吗", "s").text
