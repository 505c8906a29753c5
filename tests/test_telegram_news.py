"""News that finds the person, through the loopback Bot API server: following topics with
buttons, a staff change previewed and confirmed, and a notice to a thousand followers paced in
batches, surviving a restart midway, reaching nobody twice."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from typing import Callable

import pytest
from telegram.ext import Application

from benchmarks.loopback import TOKEN, BotApiServer
from bot.channels.tg.news import batch_size
from bot.engine.assistant import Assistant
from bot.settings import Settings
from knowledge import KnowledgeBase, changes
from knowledge import notices as store
from tests.test_telegram import STAFF, STAFF_CHAT, data_of, press, say, start_bot, stop_bot

pytestmark = pytest.mark.timeout(120)

FOLLOWERS = 1000
FIRST_CHAT = 200_000


@pytest.fixture
def news_settings(settings: Settings, server: BotApiServer) -> Settings:
    """Fast pacing for the test: batches of 20 every 10 ms (production: 25 a second)."""
    return dataclasses.replace(settings, token=TOKEN, api_base_url=server.base_url, staff_chat_id=STAFF_CHAT,
                               staff_ids=frozenset({STAFF}), send_rate=0, notice_rate=2000, notice_interval=0.01)


@pytest.fixture
async def bot(news_settings: Settings, assistant: Assistant, server: BotApiServer) -> AsyncIterator[Application]:
    app = await start_bot(news_settings, assistant)
    yield app
    await stop_bot(app, server)


async def until(check: Callable[[], bool], rounds: int = 2000) -> None:
    for _ in range(rounds):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition was not reached")


def _entry(kb: KnowledgeBase) -> str:
    return next(e.id for e in kb.entries("rental_housing") if not e.conditions)


async def test_following_topics_with_buttons_and_leaving(bot: Application, server: BotApiServer,
                                                         assistant: Assistant) -> None:
    menu = await say(server, 5001, "/subscribe")
    assert "已订阅" in menu.text and "选择您关注的主题" in menu.text
    mark, _ = await press(server, menu, data_of(menu, "租房"))
    edited = await server.wait_for(lambda c: c.method == "editMessageReplyMarkup" and c.chat_id == 5001, mark)
    assert any(b["text"].startswith("✅") and "租房" in b["text"] for b in edited.buttons())
    user = assistant.kb.pseudonym("telegram", "5001")
    assert store.followed(assistant.kb, user) == {"rental_housing"}
    _, forged = await press(server, menu, "v1|t|no_such_topic")
    assert forged.params.get("show_alert")
    assert "已退订" in (await say(server, 5001, "/unsubscribe")).text
    assert store.followed(assistant.kb, user) == frozenset()


async def test_a_notice_to_a_thousand_followers_is_paced_survives_a_restart_and_reaches_nobody_twice(
        news_settings: Settings, server: BotApiServer) -> None:
    first = Assistant.open(news_settings)
    kb = first.kb
    for n in range(FOLLOWERS):
        chat = FIRST_CHAT + n
        store.follow(kb, kb.pseudonym("telegram", str(chat)), chat, "rental_housing", "en" if n % 3 else "zh")
    app = await start_bot(news_settings, first)
    entry = _entry(kb)
    changes.update_entry(kb, entry, {"answer.zh": "住房补贴规则更新。"}, "staff")
    preview = await say(server, STAFF, "/notices", contains="通知 #", user_id=STAFF)
    assert f"发给 {FOLLOWERS} 位关注者" in preview.text and "您关注的「" in preview.text and "News on" in preview.text
    await server.quiet(0.2)
    followers = set(range(FIRST_CHAT, FIRST_CHAT + FOLLOWERS))
    notices = lambda: [c for c in server.sent("sendMessage") if c.chat_id in followers and "📢" in c.text]  # noqa: E731
    assert not notices()  # nothing is sent before staff confirm
    _, refused = await press(server, preview, data_of(preview, "发给"), user_id=12345)
    assert refused.params.get("show_alert") and not notices()
    mark, _ = await press(server, preview, data_of(preview, "发给"), user_id=STAFF)
    await server.wait_for(lambda c: c.method == "editMessageText" and "已确认" in c.text, mark)
    await until(lambda: len(notices()) >= 300)
    await stop_bot(app, server)  # a restart midway
    first.close()
    assert len(notices()) < FOLLOWERS - 5  # midway indeed
    (number,) = {d["notice_id"] for d in _rows(news_settings)}
    _interrupt(news_settings, number, 5)  # as if a crash had left five rows in the middle of sending
    second = Assistant.open(news_settings)
    app = await start_bot(news_settings, second)
    try:
        report = await server.wait_message(STAFF_CHAT, contains=f"通知 #{number} 发送完成", timeout=60)
        sample = next(c for c in notices() if "News on" in c.text)  # its button asks about the news
        mark, _ = await press(server, sample, data_of(sample, "Ask about it"))
        answer = await server.wait_message(sample.chat_id, since=mark)
        assert "v1|f|" in " ".join(b["callback_data"] for b in answer.buttons())
    finally:
        await stop_bot(app, server)
        second.close()
    got = Counter(c.chat_id for c in notices())
    assert max(got.values()) == 1  # nobody twice
    assert len(got) == FOLLOWERS - 5 and "送达 995" in report.text and "情况不明 5" in report.text
    per_tick = Counter(r["tick"] for r in _rows(news_settings) if r["status"] == "sent")
    assert max(per_tick.values()) <= batch_size(news_settings) == 20  # paced: one batch per interval
    assert batch_size(Settings()) == 25  # production: 25 a second, under Telegram's 30


def _rows(settings: Settings) -> list[dict[str, object]]:
    with KnowledgeBase.open(settings.db_path) as kb:
        return [{"notice_id": d.notice_id, "tick": t, "status": s}
                for d, t, s in _deliveries(kb)]


def _deliveries(kb: KnowledgeBase) -> list[tuple[store.Delivery, int, str]]:
    rows = kb.db.query("select notice_id, user, chat_id, lang, tick, status from deliveries")
    return [(store.Delivery(r["notice_id"], r["user"], r["chat_id"], r["lang"]), r["tick"], r["status"]) for r in rows]


def _interrupt(settings: Settings, notice_id: int, count: int) -> None:
    with KnowledgeBase.open(settings.db_path) as kb:
        pending = [d for d, _, status in _deliveries(kb) if status == "pending"][:count]
        kb.db.conn.executemany("update deliveries set status = 'sending' where notice_id = ? and user = ?",
                               [(d.notice_id, d.user) for d in pending])
        kb.db.conn.commit()
