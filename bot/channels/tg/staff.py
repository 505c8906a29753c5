"""Staff commands in Telegram (/review, /stats, /reload, /export, /broadcast) and
the talents' /subscribe and /unsubscribe.

One table (:data:`STAFF_COMMANDS`, :data:`STAFF_BUTTONS`) registers the staff
commands and buttons and their guards: who may run a staff command or press a
staff button is checked on every call in handler group -1 (``guards``), buttons
included, and the handlers here assume staff. Staff buttons carry ``v1|r|...``
(review), ``v1|b|...`` (broadcast) and the hand-off's ``v1|s|...`` (propose),
validated like ``buttons`` does for the talents' buttons. The work is done by the
shared staff verbs (:class:`bot.staff.desk.StaffDesk`, in a thread), which hold
the review rules the command line uses too. Staff read Chinese, or English when
their Telegram client is English (``TALENTBOT_STAFF_LANG`` otherwise). A staff
member answers a review item by replying to the bot's item message; the item id
is read back from that message, so the reply works after a restart too.
Broadcast drafts live in ``bot_data`` (a restart drops them: the Confirm button
then says it is stale).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Coroutine

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.channels.tg import buttons, guards, handoff, news
from bot.channels.tg.context import TalentContext, client_lang, who
from bot.channels.tg.desk import CHANNEL, Who
from bot.channels.tg.outbox import send_chunks, send_text
from bot.channels.tg.phrases import say, staff_say
from bot.channels.tg.render import pack, text_html
from bot.settings import Settings
from bot.staff.desk import StaffDesk, resolution_text
from bot.staff.texts import say as staff_text
from bot.staff.texts import staff_lang
from bot.staff.training import Outcome
from knowledge import notices, review
from knowledge.errors import KnowledgeError
from knowledge.store import KnowledgeBase

log = logging.getLogger(__name__)

SHOWN_GROUPS = 5  # review groups shown by /review
SHOWN_CANDIDATES = 3  # assign buttons per item
REVIEW, BROADCAST = "r", "b"  # callback codes (the talents' codes are in buttons.CODES)
VALUES = {REVIEW: re.compile(r"a:[0-9]{1,12}:[a-z][a-z0-9_]{0,39}|i:[0-9]{1,12}"),
          BROADCAST: re.compile(r"[0-9]{1,9}:(yes|no)")}
PATTERN = "^" + re.escape(buttons.VERSION) + r"\|[" + "".join(VALUES) + r"]\|"
ITEM_MARK = re.compile(r"📝 (?:Review|待审核) #([0-9]{1,12})")
Handler = Callable[[Update, TalentContext], Coroutine[Any, Any, None]]


def encode(code: str, value: str) -> str:
    data = f"{buttons.VERSION}|{code}|{value}"
    if not VALUES[code].fullmatch(value) or len(data.encode()) > buttons.MAX_BYTES:
        raise ValueError(f"invalid staff button value: {value!r}")
    return data


def decode(data: str | None) -> tuple[str, str] | None:
    """(code, value), or None when the data is stale, forged or malformed."""
    parts = (data or "").split("|")
    if len(parts) != 3 or parts[0] != buttons.VERSION or parts[1] not in VALUES:
        return None
    return (parts[1], parts[2]) if VALUES[parts[1]].fullmatch(parts[2]) else None


# ---------------------------------------------------------------- who and in which language


@dataclass(frozen=True)
class Sent:
    """What a broadcast did."""

    delivered: int = 0
    removed: int = 0
    failed: int = 0


def _staff(context: TalentContext) -> StaffDesk:
    return StaffDesk(context.desk.kb, context.services.settings, context.desk.assistant)


def _who(update: Update) -> str:
    assert update.effective_user is not None
    return f"{CHANNEL}:{update.effective_user.id}"


def _lang(update: Update, context: TalentContext) -> str:
    """The staff member's language: their Telegram client's, else the setting."""
    user = update.effective_user
    return staff_lang(user.language_code if user else None, context.services.settings.staff_lang)


async def tell_training(bot: Bot, settings: Settings, outcome: Outcome) -> None:
    """Tell the staff chat what a background training did (a refused model above all)."""
    if settings.staff_chat_id is None:
        return
    lang = settings.staff_lang
    text = outcome.summary(lang, "retrained") if outcome.accepted else \
        staff_text("retrain_refused", lang, reason=outcome.refusal(lang))
    try:
        await send_text(bot, settings.staff_chat_id, text)
    except TelegramError as exc:
        log.warning("could not tell the staff chat about a training: %s", type(exc).__name__)


# ---------------------------------------------------------------- /review


async def review_queue(update: Update, context: TalentContext) -> None:
    """The open queue: a summary, then one message per group with its buttons."""
    chat, lang = who(update).chat_id, _lang(update, context)
    total, groups = await asyncio.to_thread(_staff(context).queue)
    if not groups:
        await send_text(context.bot, chat, staff_text("review_empty", lang))
        return
    await send_text(context.bot, chat, staff_say("review_summary", lang, items=total, groups=len(groups),
                                                 shown=min(SHOWN_GROUPS, len(groups))))
    for found in groups[:SHOWN_GROUPS]:
        await send_text(context.bot, chat, _item_body(found, lang), _item_keyboard(found.lead, lang),
                        staff_say("review_item", lang, id=found.lead.id, n=len(found.items), reason=found.lead.reason))


def _item_body(found: review.Group, lang: str) -> str:
    candidates = ", ".join(f"{name} {score:.2f}" for name, score in found.lead.candidates[:SHOWN_CANDIDATES])
    similar = "\n".join(f"· {r.text}" for r in found.items[1:4])
    return staff_say("review_body", lang, question=found.lead.text, candidates=candidates or "-",
                     similar=similar or staff_say("no_context", lang))


def _item_keyboard(item: review.Review, lang: str) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(f"→ {name}", callback_data=encode(REVIEW, f"a:{item.id}:{name}"))]
            for name, _ in item.candidates[:SHOWN_CANDIDATES]]
    rows.append([InlineKeyboardButton(staff_say("review_ignore", lang), callback_data=encode(REVIEW, f"i:{item.id}"))])
    return InlineKeyboardMarkup(rows)


async def review_press(update: Update, context: TalentContext, value: str) -> None:
    """Assign to a candidate intent, or ignore: the item's whole group is closed."""
    query, lang = update.callback_query, _lang(update, context)
    assert query is not None
    verb, review_id, intent = (value.split(":") + [""])[:3]
    staff = _staff(context)
    try:
        if verb == "a":
            done = await asyncio.to_thread(staff.assign, int(review_id), intent, _who(update), lang)
        else:
            done = await asyncio.to_thread(staff.ignore, int(review_id), _who(update))
    except KnowledgeError as exc:
        await query.answer(staff_say("review_refused", lang, reason=str(exc)[:150]), show_alert=True)
        return
    said = staff_say("review_done", lang, id=review_id, resolution=resolution_text(done, lang), n=len(done.review_ids))
    await query.answer(said[:200])
    await query.edit_message_text(text_html(said)[0], parse_mode=ParseMode.HTML)


async def review_reply(update: Update, context: TalentContext) -> None:
    """A staff reply to an item message: the text becomes the answer of the item's group."""
    message, lang = update.effective_message, _lang(update, context)
    assert message is not None and message.text is not None and message.reply_to_message is not None
    review_id = _item_id(message.reply_to_message)
    assert review_id is not None  # the handler's filter found it
    try:
        done = await asyncio.to_thread(_staff(context).answer, review_id, message.text, _who(update), lang)
    except KnowledgeError as exc:
        await message.reply_text(staff_say("review_refused", lang, reason=str(exc)[:300]))
        return
    await message.reply_text(staff_say("review_answered", lang, id=review_id, entry=done.entry_id,
                                       n=len(done.review_ids)))


def _item_id(message: Message) -> int | None:
    found = ITEM_MARK.search((message.text or "").split("\n", 1)[0])
    return int(found.group(1)) if found else None


class _RepliesToItem(filters.MessageFilter):
    """A reply to one of the bot's own review-item messages."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id
                    and _item_id(replied) is not None)


REPLIES_TO_ITEM = _RepliesToItem(name="REPLIES_TO_ITEM")


# ---------------------------------------------------------------- /stats, /reload, /export


async def stats(update: Update, context: TalentContext) -> None:
    """The numbers (``/stats 30d``: another period) and the chart as a photo."""
    chat, since, lang = who(update).chat_id, (context.args or ["7d"])[0], _lang(update, context)
    try:
        numbers, chart = await asyncio.to_thread(_staff(context).stats, since, lang)
    except KnowledgeError as exc:
        await send_text(context.bot, chat, staff_say("stats_refused", lang, reason=str(exc)))
        return
    await send_chunks(context.bot, chat, pack([("<pre>", numbers, "</pre>")]), None, None)
    await context.bot.send_photo(chat, chart, caption=staff_say("stats_caption", lang, since=since),
                                 filename="stats.png")


async def reload(update: Update, context: TalentContext) -> None:
    lang = _lang(update, context)
    changed, version, stale = await asyncio.to_thread(_staff(context).reload)
    said = staff_say("reloaded" if changed else "reload_unchanged", lang, version=version)
    if stale and context.services.retrainer is not None:
        context.services.retrainer.request()
        said += "\n" + staff_say("retraining", lang)
    await send_text(context.bot, who(update).chat_id, said)


async def export(update: Update, context: TalentContext) -> None:
    archive = await asyncio.to_thread(_staff(context).export)
    await context.bot.send_document(who(update).chat_id, archive, filename=f"talentbot-kb-{date.today()}.zip",
                                    caption=staff_say("exported", _lang(update, context)))


# ---------------------------------------------------------------- /subscribe, /unsubscribe, /broadcast


def _subscriber(context: TalentContext, person: Who) -> str:
    return context.desk.kb.pseudonym(CHANNEL, person.user)


def _unsubscribe(kb: KnowledgeBase, user: str) -> bool:
    """Opt out of broadcasts and of every topic (notices not yet delivered included)."""
    return kb.unsubscribe(user) | bool(notices.forget_follower(kb, user))


async def subscribe(update: Update, context: TalentContext) -> None:
    person, kb = who(update), context.desk.kb
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    new = await asyncio.to_thread(lambda: kb.subscribe(_subscriber(context, person), person.chat_id, lang))
    said = say("subscribed" if new else "already_subscribed", lang) + "\n\n" + news.pick_text(lang)
    await send_text(context.bot, person.chat_id, said, await news.topics_markup(context, person, lang))


async def unsubscribe(update: Update, context: TalentContext) -> None:
    person, kb = who(update), context.desk.kb
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    removed = await asyncio.to_thread(lambda: _unsubscribe(kb, _subscriber(context, person)))
    await send_text(context.bot, person.chat_id, say("unsubscribed" if removed else "not_subscribed", lang))


async def forgotten(update: Update, context: TalentContext) -> None:
    """After /forget is confirmed (group 0 deleted the rest): the subscription goes too."""
    person, kb = who(update), context.desk.kb
    await asyncio.to_thread(lambda: _unsubscribe(kb, _subscriber(context, person)))


async def broadcast(update: Update, context: TalentContext) -> None:
    """``/broadcast TEXT``: a preview with Confirm / Cancel; nothing is sent yet."""
    message, chat, lang = update.effective_message, who(update).chat_id, _lang(update, context)
    assert message is not None and message.text is not None
    parts = message.text.split(None, 1)
    if len(parts) < 2 or not parts[1].strip():
        await send_text(context.bot, chat, staff_say("broadcast_usage", lang))
        return
    drafts = context.bot_data.setdefault("broadcasts", {})
    number = next(context.bot_data.setdefault("broadcast_ids", itertools.count(1)))
    drafts[number] = parts[1].strip()
    count = len(await asyncio.to_thread(context.desk.kb.subscribers))
    keys = InlineKeyboardMarkup([[
        InlineKeyboardButton(staff_say("broadcast_confirm", lang), callback_data=encode(BROADCAST, f"{number}:yes")),
        InlineKeyboardButton(staff_say("broadcast_cancel", lang), callback_data=encode(BROADCAST, f"{number}:no"))]])
    await send_text(context.bot, chat, drafts[number], keys, staff_say("broadcast_preview", lang, n=count))


async def broadcast_press(update: Update, context: TalentContext, value: str) -> None:
    query, lang = update.callback_query, _lang(update, context)
    assert query is not None
    number, _, choice = value.partition(":")
    text = context.bot_data.setdefault("broadcasts", {}).pop(int(number), None)
    if text is None:
        await query.answer(staff_say("broadcast_stale", lang), show_alert=True)
        return
    await query.answer()
    if choice != "yes":
        await query.edit_message_text(text_html(staff_say("broadcast_cancelled", lang))[0], parse_mode=ParseMode.HTML)
        return
    await query.edit_message_reply_markup(None)
    log.info("broadcast #%s confirmed by staff", number)
    sent = await deliver(context, text)
    await send_text(context.bot, who(update).chat_id, staff_say(
        "broadcast_report", lang, delivered=sent.delivered, removed=sent.removed, failed=sent.failed))


async def deliver(context: TalentContext, text: str) -> Sent:
    """Send to every subscriber in turn (the rate limiter paces); a blocked bot unsubscribes the chat."""
    kb = context.desk.kb
    delivered = removed = failed = 0
    for chat_id in await asyncio.to_thread(kb.subscribers):
        try:
            await send_text(context.bot, chat_id, text)
            delivered += 1
        except Forbidden:
            removed += int(await asyncio.to_thread(kb.drop_subscribed_chat, chat_id))
        except TelegramError as exc:
            log.warning("broadcast not delivered to one subscriber: %s", type(exc).__name__)
            failed += 1
    return Sent(delivered, removed, failed)


# ---------------------------------------------------------------- the table: registration and guards


async def press(update: Update, context: TalentContext) -> None:
    """A review or broadcast button (staff already checked in group -1); malformed data gets the stale answer."""
    query = update.callback_query
    assert query is not None
    pressed = decode(query.data)
    if pressed is None:
        await query.answer(say("stale", client_lang(update)), show_alert=True)
        return
    code, value = pressed
    await (review_press if code == REVIEW else broadcast_press)(update, context, value)


async def propose_press(update: Update, context: TalentContext) -> None:
    """The hand-off's "propose as answer" button (staff already checked in group -1)."""
    query = update.callback_query
    assert query is not None
    pressed = buttons.decode(query.data)
    if pressed is None or pressed.action != buttons.PROPOSE:
        await query.answer(say("stale", client_lang(update)), show_alert=True)
        return
    await handoff.propose(update, context, pressed.value)


@dataclass(frozen=True)
class StaffCommand:
    """A command only staff may run: its name, its handler, and what a test may send to try it."""

    name: str
    run: Handler
    sample: str


@dataclass(frozen=True)
class StaffButton:
    """Buttons only staff may press: the pattern of their data, the handler, and one valid datum."""

    name: str
    pattern: str
    run: Handler
    sample: str


STAFF_COMMANDS: tuple[StaffCommand, ...] = (
    StaffCommand("review", review_queue, "/review"),
    StaffCommand("stats", stats, "/stats 7d"),
    StaffCommand("reload", reload, "/reload"),
    StaffCommand("export", export, "/export"),
    StaffCommand("broadcast", broadcast, "/broadcast 大家好"),
    StaffCommand("notices", news.review, "/notices"),
)
STAFF_BUTTONS: tuple[StaffButton, ...] = (
    StaffButton("review", PATTERN, press, "v1|r|i:1"),
    StaffButton("broadcast", PATTERN, press, "v1|b|1:yes"),
    StaffButton("propose", buttons.pattern(buttons.PROPOSE), propose_press, buttons.encode(buttons.PROPOSE, "1")),
    StaffButton("notices", news.STAFF_PATTERN, news.decide, f"{buttons.VERSION}|{news.STAFF_CODE}|1:yes"),
)
"""Every staff command and button: registered, and guarded in group -1, from these two tables only."""


def add_handlers(application: Application, addressed: filters.BaseFilter) -> None:
    """Staff commands and buttons (gated in group -1) and /subscribe, /unsubscribe.

    Call before the catch-all handlers of group 0 (free text, unknown commands, buttons)."""
    new = filters.UpdateType.MESSAGE
    item_reply = new & filters.TEXT & ~filters.COMMAND & REPLIES_TO_ITEM
    application.add_handler(CommandHandler([c.name for c in STAFF_COMMANDS], guards.staff_command,
                                           filters=addressed), group=-1)
    application.add_handler(MessageHandler(item_reply, guards.staff_command), group=-1)
    for pattern in dict.fromkeys(b.pattern for b in STAFF_BUTTONS):
        application.add_handler(CallbackQueryHandler(guards.staff_only, pattern=pattern), group=-1)
    for command in STAFF_COMMANDS:
        application.add_handler(CommandHandler(command.name, command.run, filters=addressed))
    for pattern, run in dict.fromkeys((b.pattern, b.run) for b in STAFF_BUTTONS):
        application.add_handler(CallbackQueryHandler(run, pattern=pattern))
    private = addressed & filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("subscribe", subscribe, filters=private))
    application.add_handler(CommandHandler("unsubscribe", unsubscribe, filters=private))
    application.add_handler(MessageHandler(item_reply, review_reply))
    forget_yes = "^" + re.escape(buttons.encode(buttons.FORGET, "yes")) + "$"
    application.add_handler(CallbackQueryHandler(forgotten, pattern=forget_yes), group=1)
