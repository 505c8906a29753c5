"""The dialogue on Telegram: hand-off as a state, and the person's script, through the loopback Bot API."""

from __future__ import annotations

import pytest
from telegram.ext import Application

from benchmarks.loopback import BotApiServer
from tests.test_telegram import STAFF, STAFF_CHAT, bot, data_of, press, say, tg_settings  # noqa: F401 (fixtures)

pytestmark = pytest.mark.timeout(30)


async def test_after_human_the_next_message_reaches_staff_with_the_conversation_and_the_reply_comes_back(
        bot: Application, server: BotApiServer) -> None:  # noqa: F811
    await say(server, 1040, "硕士租房补贴多少")
    mark = len(server.calls)
    server.message(1040, "/human")
    ticket = await server.wait_message(STAFF_CHAT, since=mark, contains="转人工 #")
    asked = await server.wait_message(1040, since=mark, contains="请直接描述您的问题")
    assert "取消" in asked.text
    # what the person writes next is not answered as a new question: it goes to staff
    mark = len(server.calls)
    server.message(1040, "我去年毕业，社保交了8个月了一分钱没收到")
    passed = await server.wait_message(STAFF_CHAT, since=mark, contains="一分钱没收到")
    assert "此前的对话" in passed.text and "硕士租房补贴多少" in passed.text
    assert str(ticket.params["_message"]["message_id"]) in str(passed.params.get("reply_parameters")), \
        "posted under the ticket"
    told = await server.wait_message(1040, since=mark, contains="已转给工作人员")
    assert "1500" not in told.text
    # a staff reply to the relayed message reaches the person and ends the hand-off
    mark = len(server.calls)
    server.message(STAFF_CHAT, "已为您查询，本月会补发。", user_id=STAFF, reply_to=passed.params["_message"])
    await server.wait_message(1040, since=mark, contains="本月会补发")
    await server.wait_message(STAFF_CHAT, since=mark, contains="已转交给用户")
    answer = await say(server, 1040, "博士租房补贴每月多少", contains="2500")
    assert "已转给工作人员" not in answer.text


async def test_a_hand_off_can_be_cancelled(bot: Application, server: BotApiServer) -> None:  # noqa: F811
    mark = len(server.calls)
    server.message(1041, "转人工")
    await server.wait_message(STAFF_CHAT, since=mark, contains="转人工 #")
    mark = len(server.calls)
    server.message(1041, "取消")
    await server.wait_message(1041, since=mark, contains="已取消转人工")
    await server.wait_message(STAFF_CHAT, since=mark, contains="用户已取消")
    answer = await say(server, 1041, "硕士租房补贴多少", contains="1500")
    assert "已转给工作人员" not in answer.text


async def test_a_traditional_chinese_question_is_answered_in_traditional_chinese(
        bot: Application, server: BotApiServer) -> None:  # noqa: F811
    answer = await say(server, 1042, "碩士租房補貼每個月多少", contains="1500")
    assert "補貼" in answer.text and "补贴" not in answer.text
    labels = [b["text"] for b in answer.buttons()]
    assert "如何申請" in labels and "聯繫方式" in labels, labels


async def test_the_did_you_mean_button_for_a_person_opens_a_hand_off_also_after_a_cancelled_one(
        bot: Application, server: BotApiServer) -> None:  # noqa: F811
    mark = len(server.calls)
    server.message(1043, "转人工")
    await server.wait_message(STAFF_CHAT, since=mark, contains="转人工 #")
    await say(server, 1043, "取消", contains="已取消转人工")
    clarify = await say(server, 1043, "政策", contains="请点选")
    mark, _ = await press(server, clarify, data_of(clarify, "转人工"))
    await server.wait_message(STAFF_CHAT, since=mark, contains="转人工 #")
    await server.wait_message(1043, since=mark, contains="请直接描述您的问题")
    mark = len(server.calls)
    server.message(1043, "我想咨询我的补贴申请进度")
    await server.wait_message(STAFF_CHAT, since=mark, contains="补贴申请进度")


async def test_the_ticket_names_the_message_that_asked_for_a_person(
        bot: Application, server: BotApiServer) -> None:  # noqa: F811
    await say(server, 1044, "硕士租房补贴多少", contains="1500")
    mark = len(server.calls)
    server.message(1044, "我的住房补贴三个月没到账，我要投诉，转人工")
    ticket = await server.wait_message(STAFF_CHAT, since=mark, contains="转人工 #")
    assert "问题：我的住房补贴三个月没到账" in ticket.text, ticket.text
