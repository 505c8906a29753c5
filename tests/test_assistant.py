"""The Assistant as a talent meets it: answers for their case, follow-ups, honesty, bad input."""

from __future__ import annotations

import pytest

from bot.engine.assistant import Assistant
from bot.engine.reply import MAX_REPLY, plain
from knowledge import changes


def test_doctoral_purchase_question_gets_the_doctoral_figure_with_its_source(assistant: Assistant) -> None:
    reply = assistant.handle("博士买房有补贴吗", "s1")
    assert (reply.outcome, reply.intent) == ("answer", "housing_purchase")
    text = plain(reply)
    assert "10万" in text or "100,000" in text
    assert "来源" in text and "2023" in text
    assert reply.contact, "an answer names the office to contact"
    assert any(b.label == "👎" for b in reply.buttons)


def test_another_citys_benefit_asked_mid_conversation_is_out_of_scope_and_the_topic_stays(assistant: Assistant) -> None:
    assistant.handle("硕士住房补贴每月多少", "trip")
    elsewhere = assistant.handle("那杭州的住房补贴呢", "trip")
    assert (elsewhere.intent, elsewhere.outcome) == ("out_of_scope", "fallback")
    back = assistant.handle("博士呢", "trip")
    assert (back.intent, back.outcome) == ("rental_housing", "answer") and "2500" in back.text


def test_english_question_gets_an_english_answer(assistant: Assistant) -> None:
    reply = assistant.handle("How much rent subsidy does a master's graduate get per month?", "s1")
    assert (reply.lang, reply.intent, reply.outcome) == ("en", "rental_housing", "answer")
    assert "1,500" in reply.text or "1500" in reply.text
    assert "Source" in plain(reply)


@pytest.mark.parametrize("turns, intent, must_contain", [
    (["博士买房补贴多少", "那硕士呢"], "housing_purchase", ("6万", "60,000", "5万", "50,000")),
    (["硕士租房补贴每月多少", "我是博士，在高新区上班"], "rental_housing", ("2500", "2,500")),
    (["PhD housing purchase subsidy", "what about renting?"], "rental_housing", ("2,500", "2500")),
    (["博士购房补贴多少", "怎么申请"], "application_process", ()),
    (["博士购房补贴多少", "去哪办"], "service_contacts", ()),
    (["领军人才安家费多少", "那青年才俊呢"], "settlement_allowance", ("30万", "300,000")),
    (["高端人才公积金贷款能贷多少", "尖端人才呢"], "provident_fund_loan", ("500万",)),  # "…人才呢" is a tier alone
    (["博士购房券多少钱", "硕士呢"], "housing_purchase", ("5万",)),  # the voucher asked again, for a master's
    (["硕士的学费补助多少", "PhD呢"], "graduate_allowance", ("3万",)),
    (["博士学费补助多少", "不是博士，是硕士"], "graduate_allowance", ("2万",)),
    (["杭州本科生租房补贴多少", "那大连呢"], "rental_housing", ("1000",)),
    (["人才子女入学有什么政策", "托儿所也算吗"], "children_education", ("幼儿园",)),
    (["高端人才安家费多少", "能和住房补贴一起领吗"], "settlement_allowance", ()),
    (["博士租房补贴多少", "要交几个月社保"], "rental_housing", ("6个月",)),
    (["硕士租房补贴每月多少", "那要交几个月社保才能开始发？"], "rental_housing", ("6个月",)),  # when it starts: the benefit's
    (["硕士住房补贴多少", "已经买房了还能领吗"], "rental_housing", ()),  # the learned reading: words point elsewhere
    (["我是硕士，买房有补贴吗", "说错了，我是本科"], "housing_purchase", ("本科毕业生现在买房",)),  # the same entry, for a bachelor
    # where the money goes, when it starts: properties of the benefit; how and by when to apply: the process, about it
    (["本科生住房补贴每个月多少", "补贴打到哪张卡上"], "rental_housing", ("社保卡",)),
    (["博士学费补助多少", "具体怎么申请呢"], "application_process", ()),
    (["博士学费补助多少", "申报截止是哪天"], "application_process", ()),
    (["What is the rent subsidy for a PhD?", "And if I graduated from a Double First-Class university?"],
     "rental_housing", ("2,750",)),  # where the degree is from: a detail of the case, not another benefit
    # a correction names another benefit: the last question again, for it and for the same case
    (["硕士住房补贴每月多少", "不对，我想问的是买房的补贴"], "housing_purchase", ("硕士",)),
    (["What is the housing voucher for a PhD?", "Sorry, I meant the monthly rent subsidy"], "rental_housing",
     ("2,500",)),
    (["本科生住房补贴多少", "不是住房补贴，是买房的补贴"], "housing_purchase", ("本科",)),  # what was not meant does not count
    (["硕士购房补贴多少", "我说的是租房的，不是买房"], "rental_housing", ("1500",)),  # what was not meant, said last
    (["博士学费补助多少", "搞错了，问的是租房补贴不是学费补助"], "rental_housing", ("2500",)),
    # a correction of the case: the same benefit, for the case now stated (a tier in the words does not make
    # the message a question about another benefit)
    (["领军人才安家费多少", "不对，我是青年才俊，不是领军"], "settlement_allowance", ("30万",)),
    (["本科生租房补贴每月多少", "抱歉打错了，是硕士"], "rental_housing", ("1500",)),
    # a fact said not to hold is no longer the case's ("学校不是双一流": the amount without the 10%)
    (["我是双一流高校的博士，租房补贴每月多少", "不好意思说错了，学校不是双一流"], "rental_housing", ("每月2500元",)),
    (["What is the rent subsidy for a PhD from a Double First-Class university?",
      "sorry, my university is not double first-class"], "rental_housing", ("2,500 yuan a month",)),
])
def test_follow_ups_are_read_in_the_context_of_the_previous_turn(assistant: Assistant, turns: list[str],
                                                                 intent: str, must_contain: tuple[str, ...]) -> None:
    for text in turns[:-1]:
        assert assistant.handle(text, "chat").outcome in ("answer", "fallback")  # another city's: out of scope
    reply = assistant.handle(turns[-1], "chat")
    assert reply.intent == intent
    assert reply.outcome == "answer"
    if must_contain:
        assert any(s in reply.text for s in must_contain), reply.text
    if intent in ("application_process", "service_contacts"):
        first = assistant.handle(turns[0], "other-chat")
        assert reply.topic == first.intent


@pytest.mark.parametrize("text", [
    "My wife is a certified leading talent relocating to Dalian. Can our daughter choose her primary school?",
    "我是外籍工程师，拿的工作签证。我孩子能在大连上公立小学吗？",
])
def test_context_before_the_question_does_not_hide_what_is_asked(assistant: Assistant, text: str) -> None:
    """Who the person is comes first, the question last: answered about the question, not "did you mean"
    (both were asked back before the question sentence was read on its own)."""
    reply = assistant.handle(text, "s1")
    assert (reply.outcome, reply.intent) == ("answer", "children_education")


@pytest.mark.parametrize("text", ["人才", "政策！", "Talent?"])
def test_a_lone_general_word_is_asked_about(assistant: Assistant, text: str) -> None:
    reply = assistant.handle(text, "s1")
    assert reply.outcome == "clarify" and len(reply.buttons) >= 2  # a topic or more, and "a person, please"


def test_context_belongs_to_one_session(assistant: Assistant) -> None:
    assistant.handle("博士买房补贴多少", "alice")
    reply = assistant.handle("那硕士呢", "bob")
    assert reply.outcome != "answer" or reply.intent != "housing_purchase"


@pytest.mark.parametrize("text", [
    "今天大连天气怎么样", "深圳博士人才补贴多少", "讲个笑话", "how do I withdraw my housing provident fund to pay rent",
])
def test_out_of_scope_is_answered_honestly_and_queued_for_review(assistant: Assistant, text: str) -> None:
    reply = assistant.handle(text, "s")
    assert reply.outcome == "fallback"
    assert reply.entry_id is None or reply.entry_id.startswith("out_of_scope")
    assert [r.text for r in assistant.kb.reviews()] == [text]


@pytest.mark.parametrize("text, outcome", [
    ("你好", "smalltalk"), ("谢谢", "smalltalk"), ("bye", "smalltalk"), ("你能做什么", "smalltalk"),
    ("转人工", "handoff"),
    # a complaint goes to a person even when it names a benefit (intents.md); the number to complain to is contacts
    ("人才认定材料交了两个月没人理，我要投诉", "handoff"), ("I want to file a complaint about my certification", "handoff"),
    ("投诉电话是多少", "answer"),
])
def test_small_talk_and_hand_off(assistant: Assistant, text: str, outcome: str) -> None:
    reply = assistant.handle(text, "s")
    assert reply.outcome == outcome and reply.text


BAD_INPUTS = [
    "", "   \n\t ", "博士" * 5000, "\x00\x01\x02\x1b[31m", "🙏🙏🙏😀", "<b>bold</b><script>alert(1)</script>",
    "'; DROP TABLE entries; --", "SELECT * FROM queries WHERE 1=1", "\ud800", "a" * 10_000, "????!!!!", "0",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_gets_a_polite_reply_and_is_logged(assistant: Assistant, text: str) -> None:
    before = assistant.kb.db["queries"].count
    reply = assistant.handle(text, "s")
    assert reply.text and len(plain(reply)) <= MAX_REPLY
    assert reply.outcome in ("answer", "clarify", "fallback", "smalltalk", "handoff")
    assert assistant.kb.db["queries"].count == before + 1
    assert assistant.kb.db["entries"].count > 0  # nothing was dropped


def test_feedback_is_recorded_and_a_thumbs_down_enters_the_review_queue(assistant: Assistant) -> None:
    reply = assistant.handle("硕士租房补贴每月多少", "s")
    assert reply.query_id is not None
    assistant.feedback(reply.query_id, "s", helpful=True)
    assert assistant.kb.reviews() == []
    assert "已经评价" in assistant.feedback(reply.query_id, "s", helpful=False)  # the vote is in: an old button
    assert assistant.kb.reviews() == []
    other = assistant.handle("博士买房有补贴吗", "s")
    assert other.query_id is not None
    assistant.feedback(other.query_id, "s", helpful=False)
    assert [r.reason for r in assistant.kb.reviews()] == ["not helpful"]


def test_a_button_press_answers_the_chosen_topic_for_the_previous_case(assistant: Assistant) -> None:
    assistant.handle("博士买房补贴多少", "s")
    reply = assistant.choose("rental_housing", "s")
    assert reply.intent == "rental_housing" and ("2500" in reply.text or "2,500" in reply.text)


def test_language_preference_is_remembered(assistant: Assistant) -> None:
    assistant.set_language("s", "en")
    reply = assistant.handle("博士买房有补贴吗", "s")
    assert reply.lang == "en" and "subsid" in reply.text.lower() or "voucher" in reply.text.lower()


def test_forget_removes_the_users_records(assistant: Assistant) -> None:
    assistant.handle("博士买房有补贴吗", "s", user="42", channel="telegram")
    assert assistant.forget("42", "s", channel="telegram") >= 2
    assert assistant.kb.db["queries"].count == 0


def test_a_reload_answers_with_the_edited_entry_and_its_new_sources(assistant: Assistant) -> None:
    """What the answer path keeps per entry (its index, its sources) is rebuilt by a reload: the edit is served."""
    first = assistant.handle("博士买房有补贴吗", "before")
    assert first.entry_id is not None and first.sources
    entry = assistant.kb.entry(first.entry_id)
    other = next(s for s in assistant.composer.register.sources.values()
                 if s.kind == "official" and s not in first.sources)
    edited = entry.answer.zh + "（已按新文件更新）"
    assert changes.update_entry(assistant.kb, entry.id, {"answer.zh": edited, "sources": [other.id]}, "test")
    assert assistant.refresh()
    again = assistant.handle("博士买房有补贴吗", "after")
    assert (again.entry_id, again.text, again.sources) == (entry.id, edited, (other,))
