"""The Telegram channel end to end: the real Application against a Bot API server on 127.0.0.1.

Each test injects update JSON as Telegram sends it and asserts on the Bot API
calls the bot makes. Nothing reaches the internet.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import socket
from typing import AsyncIterator

import aiohttp
import pytest
from telegram.ext import Application

from benchmarks.loopback import BOT, TOKEN, BotApiServer, Call
from bot.channels.tg.app import build_application, start, stop
from bot.channels.tg.buttons import Press, decode, encode
from bot.channels.tg.render import reply_html, size
from bot.engine.assistant import Assistant
from bot.engine.reply import Reply
from bot.settings import Settings
from knowledge.models import Source, Text

pytestmark = pytest.mark.timeout(30)

STAFF_CHAT = -100777
STAFF = 900
USER_RATE = 8


@pytest.fixture
def tg_settings(settings: Settings, server: BotApiServer) -> Settings:
    return dataclasses.replace(settings, token=TOKEN, api_base_url=server.base_url, staff_chat_id=STAFF_CHAT,
                               staff_ids=frozenset({STAFF}), send_rate=0, user_rate=USER_RATE,
                               retrain_delay=3600)


async def start_bot(settings: Settings, assistant: Assistant) -> Application:
    app = build_application(settings, assistant)
    app.bot_data["intake"] = await start(app, poll_timeout=1)
    return app


async def stop_bot(app: Application, server: BotApiServer) -> None:
    server.release()
    await stop(app, app.bot_data["intake"])
    server._closing = False  # the server may serve a restarted bot


@pytest.fixture
async def bot(tg_settings: Settings, assistant: Assistant, server: BotApiServer) -> AsyncIterator[Application]:
    app = await start_bot(tg_settings, assistant)
    yield app
    await stop_bot(app, server)


async def say(server: BotApiServer, chat: int, text: str, contains: str = "", **extra: object) -> Call:
    mark = len(server.calls)
    server.message(chat, text, **extra)  # type: ignore[arg-type]
    return await server.wait_message(chat, since=mark, contains=contains)


def data_of(call: Call, label_part: str) -> str:
    return next(b["callback_data"] for b in call.buttons() if label_part in b["text"])


async def press(server: BotApiServer, call: Call, data: str, user_id: int | None = None) -> tuple[int, Call]:
    """Press a button; returns the mark before it and the answerCallbackQuery call."""
    mark = len(server.calls)
    query_id = server.press(call, data, user_id)
    answered = await server.wait_for(lambda c: c.method == "answerCallbackQuery"
                                     and c.params.get("callback_query_id") == query_id, mark)
    return mark, answered


# ---------------------------------------------------------------- start, menu, commands


async def test_start_welcomes_in_chinese_with_a_topic_menu_and_registers_commands(
        bot: Application, server: BotApiServer) -> None:
    welcome = await say(server, 1001, "/start")
    assert "大连人才政策助手" in welcome.text and welcome.params["parse_mode"] == "HTML"
    data = [b["callback_data"] for b in welcome.buttons()]
    assert "v1|a|housing_purchase" in data and all(d.startswith("v1|a|") for d in data)
    commands = server.sent("setMyCommands")
    assert {c.params.get("language_code") for c in commands} == {None, "zh"}
    zh = next(c for c in commands if c.params.get("language_code") == "zh")
    assert {c["command"] for c in zh.params["commands"]} == {"start", "help", "topics", "eligibility", "lang", "human", "forget"}


async def test_start_speaks_english_to_an_english_client_and_deep_links_open_a_topic(
        bot: Application, server: BotApiServer) -> None:
    welcome = await say(server, 1002, "/start", lang="en")
    assert welcome.text.startswith("Hello!")
    topic = await say(server, 1003, "/start housing")
    assert "v1|f|" in " ".join(b["callback_data"] for b in topic.buttons())  # an answer with 👍/👎
    helped = await say(server, 1002, "/help", lang="en")
    assert "/human" in helped.text


async def test_menu_button_answers_the_topic(bot: Application, server: BotApiServer) -> None:
    welcome = await say(server, 1004, "/topics")
    mark, answered = await press(server, welcome, "v1|a|rental_housing")
    reply = await server.wait_message(1004, since=mark)
    assert "source" in reply.text.lower() or "来源" in reply.text


# ---------------------------------------------------------------- answers, buttons, follow-ups


async def test_doctoral_purchase_question_gets_the_figure_a_source_and_buttons(
        bot: Application, server: BotApiServer) -> None:
    reply = await say(server, 1010, "博士买房有补贴吗")
    assert re.search(r"10\s*万|100,000|100000", reply.text), reply.text
    assert "来源" in reply.text
    labels = [b["text"] for b in reply.buttons()]
    assert "👍" in labels and "👎" in labels and "如何申请" in labels
    assert all(b["callback_data"].startswith("v1|") for b in reply.buttons())


async def test_follow_up_button_is_answered_in_context(bot: Application, server: BotApiServer) -> None:
    reply = await say(server, 1011, "博士买房有补贴吗")
    mark, answered = await press(server, reply, data_of(reply, "如何申请"))
    follow = await server.wait_message(1011, since=mark)
    assert follow.text and follow.text != reply.text
    assert "text" not in answered.params or not answered.params.get("show_alert")


async def test_a_follow_up_question_keeps_the_topic(bot: Application, server: BotApiServer) -> None:
    await say(server, 1012, "博士买房有补贴吗")
    follow = await say(server, 1012, "那硕士呢")
    assert re.search(r"6\s*万|60,000|60000|5\s*万", follow.text), follow.text


async def test_clarify_offers_choices_and_a_choice_is_answered(
        bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    question = next(q for q in CLARIFY_CANDIDATES
                    if assistant.handle(q, f"probe-{q}").outcome == "clarify")
    clarify = await say(server, 1013, question)
    choices = [b for b in clarify.buttons() if b["callback_data"].startswith("v1|a|")]
    assert len(choices) >= 2
    assert any(b["callback_data"] == "v1|h|" for b in clarify.buttons())
    mark, _ = await press(server, clarify, choices[0]["callback_data"])
    chosen = await server.wait_message(1013, since=mark)
    assert any(b["callback_data"].startswith("v1|f|") for b in chosen.buttons())


CLARIFY_CANDIDATES = ("补贴", "补贴怎么领", "人才补贴", "申请补贴", "我想问一下补助", "housing", "subsidy",
                      "allowance", "补助", "人才政策补贴")


async def test_thumbs_down_is_recorded_offers_a_person_and_queues_a_review(
        bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    reply = await say(server, 1014, "博士买房有补贴吗")
    mark, answered = await press(server, reply, data_of(reply, "👎"))
    sorry = await server.wait_message(1014, since=mark)
    assert [b["callback_data"] for b in sorry.buttons()][0].startswith("v1|h|")
    assert any(r.reason == "not helpful" for r in assistant.kb.reviews())
    mark, thanks = await press(server, reply, data_of(reply, "👍"))
    assert "已经评价" in thanks.params.get("text", "")  # the vote is in: the old buttons answer politely
    mark, _ = await press(server, sorry, sorry.buttons()[0]["callback_data"])
    staff_msg = await server.wait_message(STAFF_CHAT, since=mark, contains="转人工 #")
    assert "博士买房有补贴吗" in staff_msg.text
    await server.wait_message(1014, since=mark, contains="已通知工作人员")


async def test_stale_and_forged_buttons_get_their_own_answer(bot: Application, server: BotApiServer) -> None:
    reply = await say(server, 1015, "博士买房有补贴吗")
    for forged in ("v0|a|housing_purchase", "v1|a|no_such_intent", "v1|z|1", "garbage", "v1|f|99999999:0",
                   "v1|a|housing_purchase:'; drop table"):
        mark, answered = await press(server, reply, forged)
        assert "失效" in answered.params.get("text", ""), forged
        assert answered.params.get("show_alert") is True
    await server.quiet(0.2)
    assert not server.sent("sendMessage", 1015, since=mark)


# ---------------------------------------------------------------- hand-off


async def test_hand_off_reaches_staff_and_the_staff_reply_reaches_the_user(
        bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    await say(server, 1020, "博士买房有补贴吗")
    mark = len(server.calls)
    server.message(1020, "/human")
    staff_msg = await server.wait_message(STAFF_CHAT, since=mark, contains="转人工 #")
    assert "博士买房有补贴吗" in staff_msg.text
    await server.wait_message(1020, since=mark, contains="已通知工作人员")
    # a staff member replies to the hand-off message in the staff chat
    mark = len(server.calls)
    server.message(STAFF_CHAT, "博士购房补贴为10万元，分三年发放。<b>", user_id=STAFF,
                   reply_to=staff_msg.params["_message"])
    delivered = await server.wait_message(1020, since=mark, contains="分三年发放")
    assert "&lt;b&gt;" in delivered.text and "工作人员回复" in delivered.text
    await server.wait_message(STAFF_CHAT, since=mark, contains="已转交")
    # a non-staff member cannot propose; staff can, and it enters the review queue
    propose = data_of(staff_msg, "提交审核")
    mark, refused = await press(server, staff_msg, propose, user_id=12345)
    assert refused.params.get("show_alert") is True
    assert not [r for r in assistant.kb.reviews() if r.reason == "proposed answer"]
    mark, accepted = await press(server, staff_msg, propose, user_id=STAFF)
    assert "已提交审核" in accepted.params.get("text", "")
    proposed = [r for r in assistant.kb.reviews() if r.reason == "proposed answer"]
    assert proposed and proposed[0].text == "博士买房有补贴吗" and "分三年发放" in (proposed[0].resolution or "")
    await server.wait_for(lambda c: c.method == "editMessageReplyMarkup", mark)


async def test_a_handoff_outcome_and_a_non_staff_reply(bot: Application, server: BotApiServer) -> None:
    mark = len(server.calls)
    server.message(1021, "转人工")
    staff_msg = await server.wait_message(STAFF_CHAT, since=mark, contains="转人工 #")
    await server.wait_message(1021, since=mark, contains="已通知工作人员")
    mark = len(server.calls)
    server.message(STAFF_CHAT, "not staff", user_id=555, reply_to=staff_msg.params["_message"])
    await server.quiet(0.3)
    assert not server.sent("sendMessage", 1021, since=mark)


async def test_a_hand_off_survives_a_restart(tg_settings: Settings, server: BotApiServer) -> None:
    first = Assistant.open(tg_settings)
    app = await start_bot(tg_settings, first)
    answer = await say(server, 1022, "PhD housing subsidy?", lang="en")
    mark = len(server.calls)
    server.message(1022, "/human", lang="en")
    staff_msg = await server.wait_message(STAFF_CHAT, since=mark, contains="转人工 #")
    await stop_bot(app, server)
    first.close()
    second = Assistant.open(tg_settings)
    app = await start_bot(tg_settings, second)
    try:
        mark = len(server.calls)
        server.message(STAFF_CHAT, "We will call you.", user_id=STAFF, reply_to=staff_msg.params["_message"])
        delivered = await server.wait_message(1022, since=mark, contains="We will call you.")
        assert "Reply from our staff" in delivered.text
        _, thanks = await press(server, answer, data_of(answer, "👍"))  # a button from before the restart
        assert thanks.params.get("text") and not thanks.params.get("show_alert")
    finally:
        await stop_bot(app, server)
        second.close()


# ---------------------------------------------------------------- /forget, /lang


async def test_forget_asks_first_then_deletes(bot: Application, server: BotApiServer, assistant: Assistant) -> None:
    await say(server, 1030, "博士买房有补贴吗")
    user = assistant.kb.pseudonym("telegram", "1030")
    assert assistant.kb.recent_questions(user)
    confirm = await say(server, 1030, "/forget")
    mark, _ = await press(server, confirm, data_of(confirm, "取消"))
    await server.wait_for(lambda c: c.method == "editMessageText" and "取消" in c.text, mark)
    assert assistant.kb.recent_questions(user)
    mark, _ = await press(server, confirm, data_of(confirm, "确认"))
    await server.wait_for(lambda c: c.method == "editMessageText" and "已删除" in c.text, mark)
    assert not assistant.kb.recent_questions(user)


async def test_language_choice_is_remembered(bot: Application, server: BotApiServer) -> None:
    prompt = await say(server, 1031, "/lang")
    mark, _ = await press(server, prompt, "v1|l|en")
    await server.wait_for(lambda c: c.method == "editMessageText" and "English" in c.text, mark)
    helped = await say(server, 1031, "/help")
    assert "Just type your question" in helped.text


# ---------------------------------------------------------------- flood, groups, media, escaping


async def test_flood_control_pauses_one_user_only(bot: Application, server: BotApiServer) -> None:
    mark = len(server.calls)
    for _ in range(USER_RATE + 4):
        server.message(1040, "你好")
    notice = await server.wait_message(1040, since=mark, contains="太快")
    await server.quiet(0.5)
    to_flooder = server.sent("sendMessage", 1040, since=mark)
    assert len(to_flooder) == USER_RATE + 1 and sum("太快" in c.text for c in to_flooder) == 1
    assert notice
    other = await say(server, 1041, "你好")
    assert other.text


async def test_in_groups_only_commands_mentions_and_replies_are_answered(
        bot: Application, server: BotApiServer) -> None:
    group = -500
    mark = len(server.calls)
    server.message(group, "博士买房有补贴吗", user_id=2001)
    await server.quiet(0.4)
    assert not server.sent("sendMessage", group, since=mark)
    answer = await say(server, group, f"@{BOT['username']} 博士买房有补贴吗", user_id=2001)
    assert re.search(r"10\s*万|100,000", answer.text)
    follow = await say(server, group, "那硕士呢", user_id=2001, reply_to=answer.params["_message"])
    assert follow.text
    helped = await say(server, group, "/help", user_id=2002)
    assert "/topics" in helped.text


async def test_an_unknown_command_gets_help_and_an_edited_message_is_not_answered_twice(
        bot: Application, server: BotApiServer) -> None:
    helped = await say(server, 1045, "/whatever")
    assert "/topics" in helped.text
    mark = len(server.calls)
    server.push("edited_message", {"message_id": 1, "date": 0, "edit_date": 1, "text": "博士买房有补贴吗",
                                   "chat": server.chat(1045), "from": server.user(1045)})
    await server.quiet(0.4)
    assert not server.sent("sendMessage", 1045, since=mark)


async def test_stickers_photos_voice_and_files_get_a_polite_text(bot: Application, server: BotApiServer) -> None:
    kinds = {
        "sticker": {"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
                                "is_animated": False, "is_video": False}},
        "photo": {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
        "voice": {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
        "document": {"document": {"file_id": "d", "file_unique_id": "d"}},
    }
    for chat, (kind, extra) in enumerate(kinds.items(), start=1050):
        mark = len(server.calls)
        server.message(chat, "", **extra)
        reply = await server.wait_message(chat, since=mark)
        assert "文字" in reply.text, kind


async def test_hostile_input_is_escaped(bot: Application, server: BotApiServer) -> None:
    mark = len(server.calls)
    server.message(1060, "<script>alert(1)</script>")
    await server.wait_message(1060, since=mark)
    await server.quiet(0.2)
    for call in server.calls[mark:]:
        assert "<script>" not in call.text


def test_long_replies_are_split_below_the_limit_without_breaking_markup() -> None:
    text = ("<b>&amp; 博士 " * 900) + "\n" + ("x" * 5000)
    source = Source(id="s", title=Text("<a>", "<a>"), url='https://example.org/"><script>', kind="news")
    reply = Reply(text=text, lang="zh", intent="x", confidence=1.0, outcome="answer", sources=(source,))
    chunks = reply_html(reply)
    assert len(chunks) > 1 and all(size(c) <= 4096 for c in chunks)
    joined = "".join(chunks)
    assert "<b>" not in joined and "&lt;a&gt;" in joined and "<script>" not in joined
    assert not any(re.search(r"&[a-z]*$", c) for c in chunks)


# ---------------------------------------------------------------- a flaky Bot API


async def test_replies_are_delivered_through_429_and_500(bot: Application, server: BotApiServer) -> None:
    server.fail("sendMessage", 429, retry_after=1)
    first = await say(server, 1070, "你好")
    assert first.text
    server.fail("sendMessage", 500, times=2)
    second = await say(server, 1071, "博士买房有补贴吗")
    assert "来源" in second.text
    assert [c.status for c in server.calls if c.method == "sendMessage"].count(500) == 2


async def test_an_error_is_logged_and_the_bot_keeps_running(bot: Application, server: BotApiServer) -> None:
    server.fail("sendMessage", 400)
    mark = len(server.calls)
    server.message(1080, "你好")
    apology = await server.wait_message(1080, since=mark)
    assert "出了问题" in apology.text
    await server.wait_message(STAFF_CHAT, since=mark, contains="BadRequest")
    again = await say(server, 1081, "你好")
    assert again.text


async def test_the_token_never_reaches_the_log(bot: Application, server: BotApiServer,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    await say(server, 1090, "你好")
    assert TOKEN not in caplog.text


# ---------------------------------------------------------------- webhook mode


async def test_webhook_mode_accepts_only_requests_with_the_secret_token(
        tg_settings: Settings, assistant: Assistant, server: BotApiServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = dataclasses.replace(tg_settings, webhook_url="https://bot.example.test/tg-hook",
                                   webhook_listen=f"127.0.0.1:{port}", webhook_secret="s3cret")
    app = build_application(settings, assistant)
    hook = await start(app)
    try:
        registered = server.sent("setWebhook")[0].params
        assert registered["secret_token"] == "s3cret" and registered["allowed_updates"] == ["message", "callback_query"]
        update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "你好",
                                              "chat": server.chat(1100), "from": server.user(1100)}}
        url = f"http://127.0.0.1:{port}/tg-hook"
        secret = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        # refused from the headers alone (a missing or wrong secret; a body over the cap), before the body
        assert await status_before_body(port, "/tg-hook", 100, "") == 403
        assert await status_before_body(port, "/tg-hook", 100, "wrong") == 403
        assert await status_before_body(port, "/tg-hook", 30 << 20, "") == 403
        assert await status_before_body(port, "/tg-hook", 30 << 20, "s3cret") == 413
        async with aiohttp.ClientSession() as session:
            mark = len(server.calls)
            async with session.post(url, json=update, headers=secret) as ok:
                assert ok.status == 200
        assert (await server.wait_message(1100, since=mark)).text
        assert not server.sent("sendMessage", 1100)[:-1]
    finally:
        await stop(app, hook)


async def status_before_body(port: int, path: str, length: int, secret: str) -> int:
    """Send only the headers of a POST announcing ``length`` bytes; the status the server answers with."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {length}\r\nX-Telegram-Bot-Api-Secret-Token: {secret}\r\n\r\n").encode())
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    return int(status.split()[1])


async def test_a_slow_bot_api_does_not_serialise_chats(bot: Application, server: BotApiServer) -> None:
    server.delays["sendMessage"] = 0.5
    mark = len(server.calls)
    chats = range(1110, 1116)
    for chat in chats:
        server.message(chat, "你好")
    started = asyncio.get_running_loop().time()
    for chat in chats:
        await server.wait_message(chat, since=mark)
    assert asyncio.get_running_loop().time() - started < 0.5 * len(chats)


# ---------------------------------------------------------------- callback data, as a table


@pytest.mark.parametrize("data, expected", [
    ("v1|a|housing_purchase", Press("ask", "housing_purchase")),
    ("v1|a|application_process:rental_housing", Press("ask", "application_process:rental_housing")),
    ("v1|f|12:0", Press("feedback", "12:0")),
    ("v1|h|", Press("human", "")),
    ("v1|l|en", Press("lang", "en")),
    ("v1|x|yes", Press("forget", "yes")),
    ("v1|s|7", Press("propose", "7")),
    ("v0|a|housing_purchase", None),
    ("v1|a|Housing", None),
    ("v1|f|12:2", None),
    ("v1|l|fr", None),
    ("v1|a|a|b", None),
    ("v1|a|" + "x" * 80, None),
    ("", None),
    (None, None),
])
def test_callback_data_is_versioned_and_validated(data: str | None, expected: Press | None) -> None:
    assert decode(data) == expected
    if expected is not None:
        assert encode(expected.action, expected.value) == data
