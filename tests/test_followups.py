"""The learned follow-up reading (bot/engine/followups.py): pairs generated from the phrases, and the model."""

from __future__ import annotations

from bot.engine.assistant import Assistant
from bot.engine.followups import own_words, pairs, stripped, trained


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
