"""The rules of the dialogue state (bot/engine/session.py), each one a test."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.engine.assistant import Assistant
from bot.engine.session import DialogueState, Facts, Sessions, Topic
from bot.settings import Settings
from intents.entities import extract_entities

ROOT = Path(__file__).resolve().parents[1]


def said(text: str):
    return extract_entities(text)


def test_a_value_stated_now_replaces_the_old_one() -> None:
    state = DialogueState(turn=1).told(said("我是青年才俊"))
    state = state.next_turn().told(said("我是硕士，在高新区上班"))
    effective = state.effective(Facts())
    assert effective.degree == "master" and effective.district == "hightech"
    assert effective.tier is None, "the tier said earlier does not outweigh the degree said now"
    state = state.next_turn().told(said("不对，我是博士"))
    assert state.effective(Facts()).degree == "phd"


def test_facts_about_the_person_persist_and_facts_about_a_topic_end_with_it() -> None:
    state = DialogueState(turn=1).told(said("我是博士"))
    asked = Facts().stated(said("紧缺人才目录有哪些岗位"), 1)  # the catalogue question names a tier, not the person
    state = state.on_topic(Topic("shortage_catalogue", "shortage_catalogue", asked, "紧缺人才目录有哪些岗位", 0.9, 1))
    state = state.next_turn()
    new_topic = Facts()  # a new question about the provident fund starts its own case
    assert state.effective(new_topic).tier is None
    assert state.effective(new_topic).degree == "phd"
    assert state.effective(state.topic.case).tier == "shortage"  # while on the topic, its facts hold


def test_the_answer_shows_the_assumption_it_used(assistant: Assistant) -> None:
    assistant.handle("我是硕士", "a")
    reply = assistant.handle("租房补贴每月多少", "a")
    assert reply.text.startswith("按您说的硕士学历："), reply.text
    assert "1500" in reply.text
    english = assistant.handle("I'm a master's graduate", "b")
    assert english.lang == "en"
    reply = assistant.handle("how much is the rent subsidy per month?", "b")
    assert reply.text.startswith("For a master's degree: "), reply.text


def test_nothing_carries_over_between_sessions_or_people(assistant: Assistant) -> None:
    assistant.handle("我是博士", "alice")
    assistant.handle("博士买房补贴多少", "alice")
    reply = assistant.handle("那硕士呢", "bob")
    assert reply.intent != "housing_purchase" or reply.outcome != "answer"
    reply = assistant.handle("租房补贴每月多少", "bob")
    assert "按您说的" not in reply.text


def test_state_expires_after_the_configured_minutes(settings: Settings, assistant: Assistant) -> None:
    now = [datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)]
    assistant.sessions = Sessions(assistant.kb, settings.context_minutes, clock=lambda: now[0])
    assistant.handle("我是博士", "c")
    assistant.handle("博士买房补贴多少", "c")
    now[0] += timedelta(minutes=settings.context_minutes - 1)
    assert assistant.handle("那硕士呢", "c").intent == "housing_purchase"
    now[0] += timedelta(minutes=settings.context_minutes + 1)
    state = assistant.sessions.load(assistant.session_key("c"))
    assert state.topic is None and not state.person.values
    reply = assistant.handle("租房补贴每月多少", "c")
    assert "按您说的" not in reply.text


def test_an_open_hand_off_outlives_the_context_but_a_cancel_ends_it(settings: Settings,
                                                                      assistant: Assistant) -> None:
    now = [datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)]
    assistant.sessions = Sessions(assistant.kb, settings.context_minutes, clock=lambda: now[0])
    assert assistant.handle("转人工", "d").relay is not None
    now[0] += timedelta(minutes=settings.context_minutes * 2)
    passed = assistant.handle("我的补贴三个月没到账", "d")
    assert (passed.outcome, passed.relay.kind) == ("handoff", "message")
    assert passed.relay.first and ("person", "转人工") in passed.relay.transcript
    cancelled = assistant.handle("取消", "d")
    assert cancelled.relay.kind == "cancel"
    assert assistant.handle("硕士租房补贴多少", "d").intent == "rental_housing"


def test_a_staff_reply_ends_the_hand_off(assistant: Assistant) -> None:
    assistant.handle("/human", "e")
    assistant.handle("人才认定材料交了一个月没人理", "e")
    assistant.close_handoff(assistant.session_key("e"))
    assert assistant.handle("硕士租房补贴多少", "e").outcome == "answer"


@pytest.mark.parametrize("text, script", [("碩士租房補貼每個月多少", "hant"), ("硕士租房补贴每月多少", "hans")])
def test_the_script_of_the_question_is_the_script_of_the_answer(assistant: Assistant, text: str,
                                                               script: str) -> None:
    reply = assistant.handle(text, f"script-{script}")
    assert reply.script == script
    if script == "hant":
        assert "補貼" in reply.text and all("补贴" not in b.label for b in reply.buttons)
        assert any("申請" in b.label for b in reply.buttons), [b.label for b in reply.buttons]


def test_the_script_follows_the_latest_message_that_shows_one(assistant: Assistant) -> None:
    assert assistant.handle("碩士租房補貼每個月多少", "script-switch").script == "hant"
    assert assistant.handle("那博士呢", "script-switch").script == "hant"  # neutral between the scripts: kept
    assert assistant.handle("What about a bachelor's degree?", "script-switch").lang == "en"
    reply = assistant.handle("那博士呢", "script-switch")  # neutral again, but English came last: not Traditional
    assert reply.script == "hans" and "2500" in reply.text


@pytest.mark.parametrize("request_text, question", [
    ("转人工", "硕士租房补贴多少"),
    ("我的住房补贴三个月没到账，我要投诉，转人工", "我的住房补贴三个月没到账，我要投诉，转人工"),
])
def test_the_hand_off_names_the_persons_question(assistant: Assistant, request_text: str, question: str) -> None:
    assistant.handle("硕士租房补贴多少", f"ticket-{len(request_text)}")
    opened = assistant.handle(request_text, f"ticket-{len(request_text)}")
    assert opened.relay is not None and (opened.relay.kind, opened.relay.text) == ("open", question)


def test_a_hand_off_after_a_short_follow_up_names_the_question_it_leans_on(assistant: Assistant) -> None:
    for text in ("博士学费补助多少", "那硕士呢"):
        assistant.handle(text, "ticket-follow-up")
    opened = assistant.handle("转人工", "ticket-follow-up")
    assert opened.relay is not None and opened.relay.text == "博士学费补助多少 → 那硕士呢"


def test_the_console_forgets_between_runs(db_path: Path) -> None:
    def console(text: str) -> str:
        result = subprocess.run([sys.executable, "run_bot.py", "--db", str(db_path), "console"], input=text,
                                capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    first = console("我是博士\n博士买房补贴多少\n")
    assert "10万" in first or "100,000" in first
    second = console("租房补贴每月多少\n")
    assert "按您说的" not in second and "博士学历" not in second


def test_source_labels_of_a_traditional_reply_are_traditional() -> None:
    """The labels a channel adds to the sources ("来源：", "转载", "未注明日期") follow the reply's script, as OpenCC
    writes them."""
    import opencc

    from bot.engine.reply import TRADITIONAL_LABELS, label
    from bot.engine.texts import t

    to_traditional = opencc.OpenCC("s2t")
    for simplified, traditional in TRADITIONAL_LABELS.items():
        assert to_traditional.convert(simplified) == traditional
    for key in ("source", "reprint", "undated"):
        assert label(key, "zh", "hant") == to_traditional.convert(t(key, "zh"))
        assert label(key, "zh", "hans") == t(key, "zh")
        assert label(key, "en", "hant") == t(key, "en")


# ---------------------------------------------------------------- kept in memory, written behind


def test_the_state_kept_in_memory_is_the_state_a_restart_reads_back(settings: Settings) -> None:
    """A turn reads the typed state kept in memory; what the writer wrote behind gives the same state after a
    restart, and the conversation goes on."""
    first = Assistant.open(settings)
    for text in ("我是硕士，在高新区上班", "碩士租房補貼每個月多少", "博士买房补贴多少"):
        first.handle(text, "f")
    key = first.session_key("f")
    kept = first.sessions.load(key)
    assert kept.person.values.degree == "master" and kept.topic is not None and kept.script == "hans"
    first.close()  # a clean stop: everything handed to the writer is written
    again = Assistant.open(settings)
    try:
        assert again.sessions.load(key) == kept
        assert again.handle("那硕士呢", "f").intent == "housing_purchase"
    finally:
        again.close()


@pytest.mark.parametrize("turns", [
    ("我是硕士，在高新区上班", "碩士租房補貼每個月多少", "那博士呢", "去哪办"),
    ("PhD housing subsidy?", "what about renting?", "I'm 28 and graduated in 2023"),
    ("转人工", "我的补贴还没到账", "取消"),
    ("深圳人才补贴多少", "大连呢", "/lang en", "[button] rental_housing"),
])
def test_the_state_kept_in_memory_is_what_its_stored_form_reads_back_as(assistant: Assistant,
                                                                        turns: tuple[str, ...]) -> None:
    """A save keeps the state itself in memory, not a decoding of what it stores: the two must be equal."""
    import json

    for text in turns:
        if text.startswith("/lang "):
            assistant.set_language("k", text.split()[1])
        elif text.startswith("[button] "):
            assistant.choose(text.split()[1], "k")
        else:
            assistant.handle(text, "k")
        key = assistant.session_key("k")
        stored = json.loads(json.dumps(assistant.kb.load_session(key), ensure_ascii=False))
        read_back = DialogueState.from_dict(stored["dialogue"], stored.get("lang"), stored.get("last_lang"))
        assert assistant.sessions.load(key) == read_back


def test_forget_removes_the_state_kept_in_memory_too(assistant: Assistant, settings: Settings) -> None:
    from bot.channels.tg.desk import Desk, Who

    desk, who = Desk(assistant, settings), Who(chat_id=42, user_id=42)
    desk.handle("我是博士", who)
    key = assistant.session_key(who.session, "telegram")
    assert assistant.sessions.load(key).person.values.degree == "phd"
    assert desk.forget(who)["sessions"] == 1  # /forget
    assert assistant.sessions.load(key) == DialogueState() and assistant.kb.load_session(key) == {}
    assert "按您说的" not in desk.handle("租房补贴每月多少", who).text
