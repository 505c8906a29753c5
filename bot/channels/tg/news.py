"""News that finds the person, in Telegram: topics to follow, notices staff confirm, paced sending.

- ``/subscribe`` shows the topics as buttons (``v1|t|<topic>`` follows or unfollows one);
  ``/unsubscribe`` and ``/forget`` remove them (see ``staff.py``).
- ``/notices`` (staff) scans for news (entries staff changed, windows that opened) and shows
  each draft as its followers would read it, with Send and Discard (``v1|m|<id>:yes|no``,
  staff only, gated in group -1). Nothing is sent before Send.
- A JobQueue job sends confirmed notices in batches of ``TALENTBOT_NOTICE_RATE`` ×
  ``TALENTBOT_NOTICE_INTERVAL`` messages, one batch per interval, each batch claimed in SQLite
  first (``knowledge.notices``): a restart resumes where sending stopped and nobody gets a
  notice twice. Each notice has a button that asks about it (``v1|n|<id>``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, JobQueue

from bot.channels.tg import buttons
from bot.channels.tg.context import TalentContext, client_lang, who
from bot.channels.tg.desk import CHANNEL, Desk, Who
from bot.channels.tg.outbox import send_reply, send_text
from bot.channels.tg.phrases import say as channel_say
from bot.channels.tg.render import text_html
from bot.settings import Settings
from bot.staff.notices import NoticeDesk
from bot.staff.notices import say as notice_say
from bot.staff.texts import staff_lang
from knowledge import notices as store
from knowledge.notices import Delivery, Notice

log = logging.getLogger(__name__)

STAFF_CODE = "m"  # staff buttons: confirm or discard a notice
STAFF_VALUE = re.compile(r"([0-9]{1,9}):(yes|no)")
STAFF_PATTERN = "^" + re.escape(f"{buttons.VERSION}|{STAFF_CODE}|")
SEND_JOB, SCAN_JOB = "notices-send", "notices-scan"
SCAN_SECONDS = 60.0
SHOWN_DRAFTS = 5
PICK = {"zh": "选择您关注的主题（再点一次取消）：有更新或开始申报时，我会通知您。",
        "en": "Pick the topics you follow (tap again to stop): I will tell you when they change or open."}
STAFF_TEXTS: dict[str, dict[str, str]] = {
    "none": {"zh": "没有待发送的通知。（工作人员修改了有效条目，或某项申报开始时，会起草通知。）",
             "en": "No notices are waiting. (Notices are drafted when staff change an active entry, or when "
                   "a claim window opens.)"},
    "send": {"zh": "✅ 发给 {n} 人", "en": "✅ Send to {n}"},
    "discard": {"zh": "✖ 放弃", "en": "✖ Discard"},
    "confirmed": {"zh": "✅ 通知 #{id} 已确认：正在发给 {n} 位关注者，限速发送（每秒 {rate:g} 条）。",
                  "en": "✅ Notice #{id} confirmed: sending to {n} followers, paced ({rate:g} a second)."},
    "discarded": {"zh": "通知 #{id} 已放弃，没有发送任何消息。", "en": "Notice #{id} discarded; nothing was sent."},
    "refused": {"zh": "⚠️ 未完成：{reason}", "en": "⚠️ Not done: {reason}"},
    "done": {"zh": "📢 通知 #{id} 发送完成：送达 {sent}，屏蔽机器人 {blocked}，失败 {failed}，"
                   "情况不明 {unknown}（发送被中断）。",
             "en": "📢 Notice #{id} done: {sent} delivered, {blocked} blocked the bot, {failed} failed, "
                   "{unknown} not known (sending was interrupted)."},
    "waiting": {"zh": "📢 有 {n} 条新通知等待审核：/notices", "en": "📢 {n} new notices wait for review: /notices"},
}


def staff_text(key: str, lang: str, **values: object) -> str:
    """A staff text of this module in ``lang`` (zh or en)."""
    return STAFF_TEXTS[key]["en" if lang == "en" else "zh"].format(**values)


def _staff_lang(update: Update, context: TalentContext) -> str:
    user = update.effective_user
    return staff_lang(user.language_code if user else None, context.services.settings.staff_lang)


class Newsroom:
    """The blocking side of news in this channel (call through ``asyncio.to_thread``)."""

    def __init__(self, desk: Desk):
        self.kb, self.desk = desk.kb, desk
        self.notices = NoticeDesk(desk.kb, desk.assistant.composer.label)

    def key(self, person: Who) -> str:
        return self.kb.pseudonym(CHANNEL, person.user)

    def toggle(self, person: Who, topic: str, lang: str) -> frozenset[str]:
        if topic in store.followed(self.kb, self.key(person)):
            store.unfollow(self.kb, self.key(person), topic)
        else:
            store.follow(self.kb, self.key(person), person.chat_id, topic, lang)
        return store.followed(self.kb, self.key(person))

    def menu(self, person: Who, lang: str) -> list[tuple[str, str, bool]]:
        """(topic, label, followed) for every topic one can follow."""
        mine = store.followed(self.kb, self.key(person))
        label = self.desk.assistant.composer.label
        return [(t, label(t, lang), t in mine) for t in self.notices.topics()]

    def claim(self, limit: int) -> tuple[list[Delivery], dict[tuple[int, str], str]]:
        """A batch, with each delivery's text in its reader's language."""
        _, batch = store.claim(self.kb, limit)
        found: dict[int, Notice] = {n: store.notice(self.kb, n) for n in {d.notice_id for d in batch}}
        texts = {(d.notice_id, d.lang): self.notices.text(found[d.notice_id], d.lang) for d in batch}
        return batch, texts

    def blocked(self, chat_id: int) -> None:
        store.drop_chat(self.kb, chat_id)
        self.kb.drop_subscribed_chat(chat_id)


def keyboard(rows: list[tuple[str, str, bool]]) -> InlineKeyboardMarkup:
    made = [InlineKeyboardButton(("✅ " if on else "") + label, callback_data=buttons.encode(buttons.TOPIC, topic))
            for topic, label, on in rows]
    return InlineKeyboardMarkup([made[i:i + 2] for i in range(0, len(made), 2)])


async def topics_markup(context: TalentContext, person: Who, lang: str) -> InlineKeyboardMarkup:
    return keyboard(await asyncio.to_thread(Newsroom(context.desk).menu, person, lang))


def pick_text(lang: str) -> str:
    return PICK.get(lang, PICK["zh"])


# ---------------------------------------------------------------- talents' buttons


async def toggle(update: Update, context: TalentContext, value: str) -> None:
    """Follow or unfollow a topic; the keyboard shows the new choice."""
    query, person = update.callback_query, who(update)
    assert query is not None
    room = Newsroom(context.desk)
    if value not in await asyncio.to_thread(room.notices.topics):
        await query.answer(channel_say("stale", client_lang(update)), show_alert=True)
        return
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    await asyncio.to_thread(room.toggle, person, value, lang)
    await query.answer()
    await query.edit_message_reply_markup(keyboard(await asyncio.to_thread(room.menu, person, lang)))


async def ask(update: Update, context: TalentContext, value: str) -> None:
    """A notice's button: its subject asked as if typed."""
    query, person = update.callback_query, who(update)
    assert query is not None
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    question = await asyncio.to_thread(Newsroom(context.desk).notices.question, int(value), lang)
    if question is None:
        await query.answer(channel_say("stale", lang), show_alert=True)
        return
    await query.answer()
    async with context.services.lanes.lane(person.chat_id):
        reply = await asyncio.to_thread(context.desk.handle, question, person)
        await send_reply(context.bot, person.chat_id, reply)


# ---------------------------------------------------------------- staff: preview and confirm


async def review(update: Update, context: TalentContext) -> None:
    """``/notices``: each waiting draft as followers would read it, with Send and Discard."""
    chat, lang = who(update).chat_id, _staff_lang(update, context)
    room = Newsroom(context.desk)
    drafts = await asyncio.to_thread(room.notices.drafts)
    if not drafts:
        await send_text(context.bot, chat, staff_text("none", lang))
        return
    for draft in drafts[:SHOWN_DRAFTS]:
        number = draft.notice.id
        keys = InlineKeyboardMarkup([[
            InlineKeyboardButton(staff_text("send", lang, n=draft.followers),
                                 callback_data=f"{buttons.VERSION}|{STAFF_CODE}|{number}:yes"),
            InlineKeyboardButton(staff_text("discard", lang), callback_data=f"{buttons.VERSION}|{STAFF_CODE}|{number}:no")]])
        await send_text(context.bot, chat, room.notices.preview(draft, lang), keys)


async def decide(update: Update, context: TalentContext) -> None:
    """Send (confirm) or discard a draft; staff were checked in group -1."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    found = STAFF_VALUE.fullmatch((query.data or "").split("|", 2)[-1])
    if found is None:
        await query.answer(channel_say("stale", client_lang(update)), show_alert=True)
        return
    number, choice = int(found.group(1)), found.group(2)
    lang = _staff_lang(update, context)
    notices, staff = Newsroom(context.desk).notices, f"{CHANNEL}:{update.effective_user.id}"
    try:
        if choice == "yes":
            reach = await asyncio.to_thread(notices.confirm, number, staff)
            said = staff_text("confirmed", lang, id=number, n=reach, rate=context.services.settings.notice_rate)
        else:
            await asyncio.to_thread(notices.discard, number, staff)
            said = staff_text("discarded", lang, id=number)
    except store.NoticeError as exc:
        await query.answer(staff_text("refused", lang, reason=str(exc)[:150]), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(text_html(said)[0], parse_mode=ParseMode.HTML)


# ---------------------------------------------------------------- sending, paced


def batch_size(settings: Settings) -> int:
    """Messages per batch: the rate over one interval (at least one)."""
    return max(1, math.floor(settings.notice_rate * settings.notice_interval))


async def send_batch(context: TalentContext) -> None:
    """One batch of confirmed notices, then the next batch one interval later (never two at once)."""
    settings = context.services.settings
    try:
        room = Newsroom(context.desk)
        batch, texts = await asyncio.to_thread(room.claim, batch_size(settings))
        if batch:
            outcomes = await asyncio.gather(*(_deliver(context, room, d, texts[(d.notice_id, d.lang)])
                                              for d in batch))
            for number in await asyncio.to_thread(store.settle, room.kb, list(zip(batch, outcomes))):
                await _report(context, number)
    except Exception:  # the sender must keep running: log, and try again in the next batch
        log.exception("sending notices failed; retrying in the next batch")
    finally:
        jobs = cast("JobQueue[TalentContext] | None", context.job_queue)
        assert jobs is not None
        jobs.run_once(send_batch, settings.notice_interval, name=SEND_JOB)


async def _deliver(context: TalentContext, room: Newsroom, delivery: Delivery, text: str) -> str:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(
        notice_say("ask", delivery.lang), callback_data=buttons.encode(buttons.NOTICE, str(delivery.notice_id)))]])
    try:
        await send_text(context.bot, delivery.chat_id, text, markup)
        return "sent"
    except Forbidden:
        await asyncio.to_thread(room.blocked, delivery.chat_id)
        return "blocked"
    except RetryAfter:
        return "pending"  # not delivered: send it in a later batch
    except (TimedOut, NetworkError):
        return "unknown"  # perhaps delivered: never sent again
    except (BadRequest, TelegramError):
        return "failed"


async def _report(context: TalentContext, number: int) -> None:
    counts = await asyncio.to_thread(store.counts, context.desk.kb, number)
    said = staff_text("done", context.services.settings.staff_lang, id=number,
                      **{k: counts.get(k, 0) for k in ("sent", "blocked", "failed", "unknown")})
    log.info(said)
    staff_chat = context.services.settings.staff_chat_id
    if staff_chat is not None:
        await send_text(context.bot, staff_chat, said)


async def scan(context: TalentContext) -> None:
    """Draft notices for what changed; tell the staff chat when there are new ones."""
    fresh = await asyncio.to_thread(Newsroom(context.desk).notices.scan)
    staff_chat = context.services.settings.staff_chat_id
    if fresh and staff_chat is not None:
        await send_text(context.bot, staff_chat, staff_text("waiting", context.services.settings.staff_lang, n=len(fresh)))


async def start(application: Application) -> None:
    """At start-up: rows an interrupted sender left behind are settled, and the jobs begin."""
    services = application.bot_data["services"]
    jobs = cast("JobQueue[TalentContext] | None", application.job_queue)
    if jobs is None:
        log.warning("no JobQueue (install python-telegram-bot[job-queue]): notices are not sent")
        return
    interrupted = await asyncio.to_thread(store.recover, services.desk.kb)
    if interrupted:
        log.warning("%d notice deliveries were interrupted by a stop; they are not sent again", interrupted)
    jobs.run_once(send_batch, services.settings.notice_interval, name=SEND_JOB)
    jobs.run_repeating(scan, SCAN_SECONDS, first=SCAN_SECONDS, name=SCAN_JOB)
