"""Nothing asked is lost: the real Application (and a real ``run_bot.py`` process) against the
Bot API server on 127.0.0.1, with the faults switched on: a kill mid-burst, an outage of
500s and time-outs, a malformed update, a bad token, a flood of button presses, /forget."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import AsyncIterator

import pytest
from telegram.ext import Application

from benchmarks.loopback import TOKEN, BotApiServer
from bot.channels.tg import app as tg_app
from bot.engine.assistant import Assistant
from bot.settings import Settings
from knowledge import KnowledgeBase, delivery
from knowledge.models import QueryRecord
from tests.test_telegram import STAFF, STAFF_CHAT, USER_RATE, data_of, press, say, start_bot, stop_bot

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tg_settings(settings: Settings, server: BotApiServer) -> Settings:
    return dataclasses.replace(settings, token=TOKEN, api_base_url=server.base_url, staff_chat_id=STAFF_CHAT,
                               staff_ids=frozenset({STAFF}), send_rate=0, user_rate=USER_RATE,
                               retry_schedule=(0.05, 0.1), http_timeout=0.5)


@pytest.fixture
async def bot(tg_settings: Settings, assistant: Assistant, server: BotApiServer) -> AsyncIterator[Application]:
    app = await start_bot(tg_settings, assistant)
    yield app
    await stop_bot(app, server)


async def until(condition: object, timeout: float = 30.0) -> None:
    """Wait until ``condition()`` holds (polling; the timeout only bounds a broken run)."""
    for _ in range(int(timeout / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


# ---------------------------------------------------------------- intake


async def test_a_malformed_update_between_two_good_ones_is_set_aside_once(
        bot: Application, server: BotApiServer, assistant: Assistant, caplog: pytest.LogCaptureFixture) -> None:
    mark = len(server.calls)
    server.message(3001, "博士买房有补贴吗")
    bad = server.push("message", {"message_id": 9, "chat": server.chat(3002), "text": "no date"})  # PTB cannot parse
    odd = server.push("brand_new_kind", {"x": 1})  # an update type the bot never asked for
    server.message(3003, "博士买房有补贴吗")
    await server.wait_message(3001, since=mark)
    await server.wait_message(3003, since=mark)
    await until(lambda: not server.updates)  # the whole batch was confirmed: never fetched again
    polls = [c for c in server.calls[mark:] if c.method == "getUpdates"]
    assert all(c.params["allowed_updates"] == ["message", "callback_query"] for c in polls)
    assert [r["update_id"] for r in delivery.aside(assistant.kb)] == [bad["update_id"]]
    assert sum(f"update {bad['update_id']} set aside" in r.getMessage() for r in caplog.records) == 1
    await until(lambda: delivery.inbox_counts(assistant.kb).get("new", 0) == 0)
    assert odd["update_id"] not in {r["update_id"] for r in delivery.aside(assistant.kb)}


# ---------------------------------------------------------------- outage


async def test_replies_survive_an_outage_of_500s_and_time_outs(
        bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    chats = (3101, 3102, 3103)
    server.outages["sendMessage"] = 500  # the Bot API is down
    mark = len(server.calls)
    for chat in chats:
        server.message(chat, "博士买房有补贴吗")
    await until(lambda: delivery.outbox_counts(assistant.kb).get(delivery.RETRYING, 0) == len(chats))
    assert _deliveries(assistant.kb) == {delivery.RETRYING: len(chats)}
    await until(lambda: sum(c.status == 500 for c in server.calls[mark:]) >= 3 * len(chats))
    del server.outages["sendMessage"]
    server.delays["sendMessage"] = 1.0  # now slower than the bot's time-out: sends that may or may not arrive
    slow = len(server.calls)
    await until(lambda: sum(c.method == "sendMessage" for c in server.calls[slow:]) >= 2)
    del server.delays["sendMessage"]  # the Bot API is back
    back = len(server.calls)
    await until(lambda: delivery.outbox_counts(assistant.kb).get(delivery.RETRYING, 0) == 0)
    for chat in chats:
        assert [c for c in server.sent("sendMessage", chat, since=mark) if "来源" in c.text], chat
    assert _deliveries(assistant.kb) == {delivery.DELIVERED: len(chats)}
    assert delivery.inbox_counts(assistant.kb).get("waiting", 0) == 0
    answers = [c for c in server.sent("sendMessage", since=mark) if "来源" in c.text]
    print(json.dumps({"messages": len(chats), "http_500": sum(c.status == 500 for c in server.calls[mark:]),
                      "timed_out_sends": sum(c.method == "sendMessage" for c in server.calls[slow:back]),
                      "delivered": len({c.chat_id for c in answers}), "duplicates": len(answers) - len(chats)}))


def _deliveries(kb: KnowledgeBase) -> dict[str, int]:
    rows = kb.db.execute("select delivery, count(*) from queries where channel = 'telegram' group by 1")
    return {str(r[0]): int(r[1]) for r in rows}


# ---------------------------------------------------------------- a kill mid-burst, a real process


def _spawn(settings: Settings, server: BotApiServer) -> subprocess.Popen[bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TALENTBOT_"))}
    environ.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.base_url,
                    "TALENTBOT_DB": str(settings.db_path), "TALENTBOT_SEND_RATE": "20", "TALENTBOT_USER_RATE": "0",
                    "TALENTBOT_RETRY_SCHEDULE": "0.1", "TALENTBOT_LOG_LEVEL": "WARNING"})
    return subprocess.Popen([sys.executable, "run_bot.py"], cwd=ROOT, env=environ, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


@pytest.mark.timeout(240)
async def test_sigkill_during_a_burst_loses_nothing_and_logs_each_question_once(
        settings: Settings, server: BotApiServer) -> None:
    burst = 60
    first = _spawn(settings, server)
    await until(lambda: server.sent("setMyCommands"), timeout=120)
    chats = range(4000, 4000 + burst)
    for chat in chats:
        server.message(chat, f"博士买房有补贴吗 #{chat}")
    await until(lambda: len(server.sent("sendMessage")) >= burst // 3, timeout=60)
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    before_restart = {c.chat_id for c in server.sent("sendMessage")}
    assert len(before_restart) < burst  # the kill came mid-burst
    second = _spawn(settings, server)
    try:
        await until(lambda: {c.chat_id for c in server.sent("sendMessage")} >= set(chats), timeout=120)
        with KnowledgeBase.open(settings.db_path) as kb:
            await until(lambda: delivery.inbox_counts(kb).get("new", 0) == 0)
            logged = [r[0] for r in kb.db.execute("select text from queries where channel = 'telegram'")]
            replayed = delivery.replayed(kb)
    finally:
        server.release()
        second.send_signal(signal.SIGTERM)
        assert second.wait(60) == 0, second.stderr.read().decode() if second.stderr else ""
    replies = [c.chat_id for c in server.sent("sendMessage")]
    assert sorted(logged) == sorted(f"博士买房有补贴吗 #{chat}" for chat in chats)  # each logged once
    duplicates = len(replies) - burst
    assert 0 <= duplicates <= replayed  # only an update handled again can be answered twice
    print(json.dumps({"messages": burst, "answered_before_kill": len(before_restart), "replayed": replayed,
                      "duplicates": duplicates, "lost": burst - len(set(replies))}))


# ---------------------------------------------------------------- the token never reaches a log


@pytest.mark.parametrize("fault", ["401", "404", "network"])
async def test_the_token_never_reaches_the_log_when_the_bot_cannot_start(
        tg_settings: Settings, assistant: Assistant, server: BotApiServer, caplog: pytest.LogCaptureFixture,
        fault: str) -> None:
    token = "987654:SECRET-token-that-must-not-leak"
    base = {"401": server.base_url, "404": server.base_url.replace("/bot", "/nobot"),
            "network": "http://127.0.0.1:9/bot"}[fault]
    app = tg_app.build_application(dataclasses.replace(tg_settings, token=token, api_base_url=base), assistant)
    loggers = [logging.getLogger(name) for name in ("httpx", "httpcore", "telegram")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)  # httpx's own request lines carry the URL
    caplog.set_level(logging.DEBUG)
    try:
        assert await tg_app.serve(app, tries=1) == 1
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
    assert "cannot start the bot" in caplog.text
    assert "HTTP Request" in caplog.text or fault == "network"
    assert token not in caplog.text and token.split(":")[1] not in caplog.text
    assert not any(token in str(r.args) or r.exc_info for r in caplog.records)


# ---------------------------------------------------------------- access


async def test_staff_commands_and_buttons_only_in_private_or_the_staff_chat(
        bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    group = -600
    for user, chat in ((12345, 12345), (STAFF, group)):  # a talent in private; staff in an ordinary group
        for command in ("/review", "/export", "/broadcast hello"):
            refused = await say(server, chat, command, user_id=user)
            assert "仅供" in refused.text, (user, command)
    assert not server.sent("sendDocument")
    listing = await say(server, STAFF, "/review", user_id=STAFF)  # in private, staff may
    assert "仅供" not in listing.text
    assistant.kb.log_query(QueryRecord("u", "s", "量子猫咪补贴在哪领", "zh", "x", 0.1, "fallback", None, 1.0,
                                       (("housing_purchase", 0.3),), "telegram"), review_reason="fallback")
    item = assistant.kb.reviews()[-1].id
    forged = dataclasses.replace(listing, params={**listing.params, "_message": {
        **listing.params["_message"], "chat": server.chat(group)}})
    _, answered = await press(server, forged, f"v1|r|i:{item}", user_id=STAFF)  # a staff button, in the group
    assert answered.params.get("show_alert") is True
    assert assistant.kb.reviews()[-1].id == item  # still open


async def test_a_hundred_button_presses_are_flood_limited_and_open_one_hand_off(
        bot: Application, server: BotApiServer) -> None:
    answer = await say(server, 3201, "博士买房有补贴吗")
    mark = len(server.calls)
    for _ in range(100):
        server.press(answer, "v1|h|", 3201)
    await until(lambda: len(server.sent("answerCallbackQuery", since=mark)) == 100)
    await server.quiet(0.3)
    handoffs = [c for c in server.sent("sendMessage", STAFF_CHAT, since=mark) if "转人工 #" in c.text]
    assert len(handoffs) == 1
    alerts = [c for c in server.sent("answerCallbackQuery", since=mark) if "太快" in str(c.params.get("text"))]
    assert len(alerts) == 1
    assert len(server.sent("sendMessage", 3201, since=mark)) <= USER_RATE


async def test_after_forget_no_row_holds_the_persons_pseudonym_or_texts(
        bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    chat, question = 3301, "量子猫咪人才补贴在哪领取"
    fallback = await say(server, chat, question)
    await press(server, fallback, data_of(fallback, "👎") if any("👎" in b["text"] for b in fallback.buttons())
                else fallback.buttons()[0]["callback_data"])
    mark = len(server.calls)
    server.message(chat, "/human")
    await server.wait_message(STAFF_CHAT, since=mark, contains=question)
    await server.wait_message(chat, since=mark, contains="已通知工作人员")  # the hand-off's last message to the person
    await say(server, chat, "/subscribe", contains="订阅")
    kb = assistant.kb
    from knowledge import review
    review.assign(kb, [r.id for r in kb.reviews() if r.text == question], "housing_purchase", "staff")
    me = kb.pseudonym("telegram", chat)
    assert _holding(kb, [me, question])
    confirm = await say(server, chat, "/forget", contains="确定要删除")
    mark, _ = await press(server, confirm, data_of(confirm, "确认"))
    done = await server.wait_for(lambda c: c.method == "editMessageText" and "已删除" in c.text, mark)
    assert "提问" in done.text and "训练短语" in done.text
    await server.quiet(0.3)
    assert not _holding(kb, [me, question]), _holding(kb, [me, question])


def _holding(kb: KnowledgeBase, needles: list[str]) -> list[tuple[str, dict]]:
    found = []
    for table in kb.db.table_names():
        for row in kb.db.query(f"select * from [{table}]"):
            text = json.dumps(row, ensure_ascii=False, default=str)
            if any(n in text for n in needles):
                found.append((table, row))
    return found
