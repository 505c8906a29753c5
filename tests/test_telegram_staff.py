"""Staff commands in Telegram and the talents' broadcast subscription, end to end:
the real Application against the Bot API server on 127.0.0.1 (see test_telegram)."""

from __future__ import annotations

import dataclasses
import io
import logging
import threading
import zipfile
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from benchmarks.loopback import TOKEN, BotApiServer, Call
from bot.channels.tg.staff import STAFF_BUTTONS, STAFF_COMMANDS, StaffButton, StaffCommand
from bot.engine.assistant import Assistant
from bot.settings import Settings
from bot.staff.training import Outcome
from knowledge import review
from knowledge.models import QueryRecord
from tests.test_telegram import (
    STAFF,
    STAFF_CHAT,
    data_of,
    press,
    say,
    start_bot,
    stop_bot,
)

pytestmark = pytest.mark.timeout(30)

OUTSIDER = 12345


@pytest.fixture
async def bot(settings: Settings, assistant: Assistant, server: BotApiServer) -> AsyncIterator[Application]:
    configured = dataclasses.replace(settings, token=TOKEN, api_base_url=server.base_url, staff_chat_id=STAFF_CHAT,
                                     staff_ids=frozenset({STAFF}), send_rate=0, retrain_delay=3600)
    app = await start_bot(configured, assistant)
    yield app
    await stop_bot(app, server)

CANDIDATES = (("housing_purchase", 0.31), ("rental_housing", 0.22))


def queue(assistant: Assistant, *texts: str) -> list[int]:
    """Log fallback questions as the assistant would; returns their review ids."""
    kb = assistant.kb
    before = {r.id for r in kb.reviews()}
    for text in texts:
        kb.log_query(QueryRecord("u-test", "s-test", text, "zh", "housing_purchase", 0.31, "fallback", None, 1.0,
                                 CANDIDATES, "telegram"), review_reason="fallback")
    return [r.id for r in kb.reviews() if r.id not in before]


async def items(server: BotApiServer, chat: int, count: int) -> list[Call]:
    """Send /review and wait for the summary and ``count`` item messages."""
    mark = len(server.calls)
    server.message(chat, "/review", user_id=STAFF)
    await server.wait_message(chat, since=mark, contains="条待审核")
    for _ in range(100):
        found = [c for c in server.sent("sendMessage", chat, since=mark) if "📝 待审核 #" in c.text]
        if len(found) >= count:
            return found
        await server.quiet(0.05)
    raise AssertionError("the review items did not arrive")


async def test_review_assign_button_resolves_the_whole_group(
        bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    lead, twin, other = queue(assistant, "人才购房补贴怎么领取呀", "人才购房补贴怎么领取", "外国专家证在哪里办理")
    shown = await items(server, STAFF, 2)
    first = next(c for c in shown if f"待审核 #{lead}" in c.text)
    assert "同类 2 条" in first.text and "housing_purchase" in first.text and "候选意图" in first.text
    labels = [b["text"] for b in first.buttons()]
    assert labels == ["→ housing_purchase", "→ rental_housing", "🚫 忽略"]
    mark, answered = await press(server, first, data_of(first, "housing_purchase"), user_id=STAFF)
    assert "已归入意图 housing_purchase" in answered.params["text"] and not answered.params.get("show_alert")
    await server.wait_for(lambda c: c.method == "editMessageText" and "已归入意图" in c.text, mark)
    closed = {r.id: r for r in assistant.kb.reviews(status=None)}
    assert closed[lead].resolved_by == closed[twin].resolved_by == f"telegram:{STAFF}"
    assert closed[lead].status == closed[twin].status == "resolved" and closed[other].status == "open"
    assert "人才购房补贴怎么领取" in {e.text for e in assistant.kb.examples() if e.intent == "housing_purchase"}
    mark, again = await press(server, first, data_of(first, "housing_purchase"), user_id=STAFF)
    assert again.params.get("show_alert") and "already resolved" in again.params["text"]


async def test_review_ignore_and_an_answer_by_reply(
        bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    ignored, answered = queue(assistant, "这个机器人是谁开发的", "博士后进站有没有生活补助")
    shown = await items(server, STAFF, 2)
    by_id = {i: next(c for c in shown if f"待审核 #{i}" in c.text) for i in (ignored, answered)}
    await press(server, by_id[ignored], data_of(by_id[ignored], "忽略"), user_id=STAFF)
    assert review.item(assistant.kb, ignored).status == "ignored"
    # a non-staff reply to an item is refused; a staff reply becomes the answer in both languages
    refusal = await say(server, STAFF, "我来回答", contains="仅供", user_id=OUTSIDER,
                        reply_to=by_id[answered].params["_message"])
    assert refusal and review.item(assistant.kb, answered).status == "open"
    done = await say(server, STAFF, "#rental_housing 博士后每月补助3000元。<b>", contains="已解答",
                     user_id=STAFF, reply_to=by_id[answered].params["_message"])
    entry_id = str(review.item(assistant.kb, answered).resolution).split(":", 1)[1]
    entry = assistant.kb.entry(entry_id)
    assert entry.intent == "rental_housing" and entry_id in done.text
    assert entry.answer.zh == entry.answer.en == "博士后每月补助3000元。<b>"
    assert entry.contact  # an answer from the review queue says whom to ask


async def test_stats_sends_the_numbers_and_the_chart(bot: Application, server: BotApiServer) -> None:
    await say(server, 3100, "博士买房有补贴吗")
    mark = len(server.calls)
    server.message(STAFF, "/stats 30d", user_id=STAFF)
    photo = await server.wait_for(lambda c: c.method == "sendPhoto" and c.chat_id == STAFF, mark, timeout=20)
    assert photo.params["_files"]["photo"].startswith(b"\x89PNG")
    numbers = server.sent("sendMessage", STAFF, since=mark)[0]
    assert numbers.text.startswith("<pre>") and "已回答" in numbers.text and "响应时间中位数" in numbers.text
    assert "Asia/Shanghai" in numbers.text and "模型：" in numbers.text


async def test_reload_and_export(bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    unchanged = await say(server, STAFF, "/reload", user_id=STAFF)
    assert "没有变化" in unchanged.text
    review.ignore(assistant.kb, queue(assistant, "随便问问"), "test")  # bumps the content version
    reloaded = await say(server, STAFF, "/reload", user_id=STAFF)
    assert "已重新加载" in reloaded.text
    mark = len(server.calls)
    server.message(STAFF, "/export", user_id=STAFF)
    sent = await server.wait_for(lambda c: c.method == "sendDocument" and c.chat_id == STAFF, mark)
    archive = zipfile.ZipFile(io.BytesIO(sent.params["_files"]["document"]))
    assert {"entries/housing_purchase.yaml", "intents.yaml", "sources.yaml", "facts.yaml"} <= set(archive.namelist())
    assert "housing_purchase" in archive.read("entries/housing_purchase.yaml").decode()


@pytest.mark.parametrize("command", STAFF_COMMANDS, ids=lambda c: c.name)
async def test_non_staff_are_refused_every_staff_command_of_the_table(
        bot: Application, server: BotApiServer, command: StaffCommand, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.channels.tg.guards")
    refusal = await say(server, OUTSIDER, command.sample, contains="仅供")
    assert refusal
    await server.quiet(0.2)
    assert [c.method for c in server.calls if c.chat_id == OUTSIDER] == ["sendMessage"]
    assert "refused a staff action" in caplog.text and str(OUTSIDER) not in caplog.text


@pytest.mark.parametrize("button", STAFF_BUTTONS, ids=lambda b: b.name)
async def test_non_staff_are_refused_every_staff_button_of_the_table(
        bot: Application, server: BotApiServer, button: StaffButton, assistant: Assistant) -> None:
    menu = await say(server, OUTSIDER, "/topics")
    before = (assistant.kb.reviews(status=None), assistant.kb.db.table("changes").count)
    mark, refused = await press(server, menu, button.sample, user_id=OUTSIDER)
    assert refused.params.get("show_alert") and "仅限工作人员" in refused.params["text"]
    await server.quiet(0.2)
    assert not server.sent("sendMessage", since=mark) and not server.sent("editMessageText", since=mark)
    assert (assistant.kb.reviews(status=None), assistant.kb.db.table("changes").count) == before


async def test_forged_staff_buttons_are_refused(bot: Application, server: BotApiServer,
                                                assistant: Assistant) -> None:
    (item,) = queue(assistant, "创业孵化器入驻条件是什么")
    menu = await say(server, OUTSIDER, "/topics")
    for forged in (f"v1|r|a:{item}:housing_purchase", f"v1|r|i:{item}", "v1|b|1:yes", "v1|r|zzz"):
        _, refused = await press(server, menu, forged, user_id=OUTSIDER)
        assert refused.params.get("show_alert") and "仅限工作人员" in refused.params["text"], forged
    assert review.item(assistant.kb, item).status == "open"
    # staff, too, cannot assign to an intent that is not one of the item's candidates, nor send bad data
    _, refused = await press(server, menu, f"v1|r|a:{item}:hukou_registration", user_id=STAFF)
    assert refused.params.get("show_alert") and "不是待审核项" in refused.params["text"]
    _, stale = await press(server, menu, "v1|r|a:x", user_id=STAFF)
    assert stale.params.get("show_alert") and "失效" in stale.params["text"]
    assert review.item(assistant.kb, item).status == "open"


async def test_broadcast_preview_confirm_and_delivery(
        bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    blocked, reader, leaver = 3001, 3002, 3003
    for chat in (blocked, reader, leaver):
        assert "已订阅" in (await say(server, chat, "/subscribe")).text
    assert "已经订阅" in (await say(server, reader, "/subscribe")).text
    assert "已退订" in (await say(server, leaver, "/unsubscribe")).text
    preview = await say(server, STAFF, "/broadcast 2026年人才政策更新：<新>", contains="群发预览", user_id=STAFF)
    assert "发给 2 位订阅者" in preview.text and "&lt;新&gt;" in preview.text
    cancel = await say(server, STAFF, "/broadcast 不发", contains="群发预览", user_id=STAFF)
    await press(server, cancel, data_of(cancel, "取消"), user_id=STAFF)
    server.fail("sendMessage", 403)  # the first subscriber has blocked the bot
    mark, _ = await press(server, preview, data_of(preview, "发送"), user_id=STAFF)
    report = await server.wait_message(STAFF, since=mark, contains="群发完成")
    assert "送达 1，移除 1" in report.text and "失败 0" in report.text
    got = [c.chat_id for c in server.sent("sendMessage", since=mark) if "人才政策更新" in c.text]
    assert got == [reader] and not [c for c in server.calls if "不发" in c.text and c.chat_id != STAFF]
    _, again = await press(server, preview, data_of(preview, "发送"), user_id=STAFF)
    assert again.params.get("show_alert") and "已经发送" in again.params["text"]
    # /forget removes the subscription too
    confirm = await say(server, reader, "/forget")
    mark, _ = await press(server, confirm, data_of(confirm, "确认"))
    await server.wait_for(lambda c: c.method == "editMessageText" and "已删除" in c.text, mark)
    await server.quiet(0.2)
    assert not list(assistant.kb.db.query("select * from subscriptions"))


async def test_staff_with_an_english_client_read_english(bot: Application, server: BotApiServer,
                                                         assistant: Assistant) -> None:
    queue(assistant, "人才驿站在哪里")
    mark = len(server.calls)
    server.message(STAFF, "/review", user_id=STAFF, lang="en")
    await server.wait_message(STAFF, since=mark, contains="open review items")
    item = await server.wait_message(STAFF, since=mark, contains="📝 Review #")
    assert [b["text"] for b in item.buttons()][-1] == "🚫 Ignore"
    reloaded = await say(server, STAFF, "/reload", user_id=STAFF, lang="en")
    assert "content version" in reloaded.text


async def test_the_staff_chat_hears_of_a_background_training(bot: Application, server: BotApiServer,
                                                             assistant: Assistant) -> None:
    services = bot.bot_data["services"]
    assert services.retrainer is not None and assistant.on_stale == services.retrainer.request
    refused = Outcome(False, 0.51, 0.5, 0.9, 3300, 0.0, False, "report")
    mark = len(server.calls)
    threading.Thread(target=services.retrainer.notify, args=(refused,)).start()  # as the retrainer's thread does
    told = await server.wait_message(STAFF_CHAT, since=mark, contains="未通过检查")
    assert "0.510" in told.text and "0.900" in told.text
    accepted = Outcome(True, 0.91, 0.9, 0.9, 3300, 2.0, False, "report")
    threading.Thread(target=services.retrainer.notify, args=(accepted,)).start()
    told = await server.wait_message(STAFF_CHAT, since=mark, contains="已在后台重新训练并启用")
    assert "0.910" in told.text
