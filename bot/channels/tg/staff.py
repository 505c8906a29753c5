"""Staff commands in Telegram (/review, /stats, /reload, /export, /broadcast) and
the talents' /subscribe and /unsubscribe.

Who may run a staff command or press a staff button is checked on every call in
handler group -1 (``guards.staff_command`` and ``guards.staff_only``), buttons
included; the handlers here assume staff. Staff buttons carry ``v1|r|...``
(review) and ``v1|b|...`` (broadcast), validated here like ``buttons`` does for
the talents' buttons. The blocking work (SQLite, matplotlib, zip) is in
:class:`StaffDesk` and runs in a thread. A staff member answers a review item by
replying to the bot's item message; the item id is read back from that message,
so the reply works after a restart too. Broadcast drafts live in ``bot_data``
(a restart drops them: the Confirm button then says it is stale).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.channels.tg import buttons, guards, news
from bot.channels.tg.context import TalentContext, client_lang, who
from bot.channels.tg.desk import CHANNEL, Desk, Who
from bot.channels.tg.outbox import send_chunks, send_text
from bot.channels.tg.phrases import STAFF, say
from bot.channels.tg.render import pack, text_html
from bot.engine.refresh import live_stamp
from bot.staff.report import table
from knowledge import notices, review
from knowledge.errors import KnowledgeError
from knowledge.models import Review
from knowledge.seedfiles import write_dir
from knowledge.stats import collect, parse_since

log = logging.getLogger(__name__)

STAFF_COMMANDS = ("review", "stats", "reload", "export", "broadcast")
SHOWN_GROUPS = 5  # review groups shown by /review
SHOWN_CANDIDATES = 3  # assign buttons per item
REVIEW, BROADCAST = "r", "b"  # callback codes (the talents' codes are in buttons.CODES)
VALUES = {REVIEW: re.compile(r"a:[0-9]{1,12}:[a-z][a-z0-9_]{0,39}|i:[0-9]{1,12}"),
          BROADCAST: re.compile(r"[0-9]{1,9}:(yes|no)")}
PATTERN = "^" + re.escape(buttons.VERSION) + r"\|[" + "".join(VALUES) + r"]\|"
ITEM_MARK = re.compile(r"📝 Review #([0-9]{1,12})")
INTENT_PREFIX = re.compile(r"#([a-z][a-z0-9_]{0,39})\s+(.+)", re.DOTALL)


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


# ---------------------------------------------------------------- blocking work, channel-free


@dataclass(frozen=True)
class Sent:
    """What a broadcast did."""

    delivered: int = 0
    removed: int = 0
    failed: int = 0


class StaffDesk:
    """Blocking staff verbs over the desk's knowledge base; call them through ``asyncio.to_thread``."""

    def __init__(self, desk: Desk):
        self.desk, self.kb = desk, desk.kb

    def queue(self) -> tuple[int, list[review.Group]]:
        groups = review.open_groups(self.kb)
        return sum(len(g.items) for g in groups), groups

    def assign(self, review_id: int, intent: str, who: str) -> review.Resolution:
        """Assign the item's group to one of the item's own candidate intents (a forged one is refused)."""
        item = review.item(self.kb, review_id)
        if intent not in {name for name, _ in item.candidates}:
            raise review.ReviewError(f"'{intent}' is not a candidate of review item {review_id}")
        return review.assign(self.kb, review.group_of(self.kb, review_id).ids, intent, who)

    def ignore(self, review_id: int, who: str) -> review.Resolution:
        return review.ignore(self.kb, review.group_of(self.kb, review_id).ids, who)

    def answer(self, review_id: int, text: str, who: str) -> review.Resolution:
        """A staff reply becomes the answer in both languages; ``#intent text`` picks the intent,
        else the item's top candidate."""
        item = review.item(self.kb, review_id)
        chosen = INTENT_PREFIX.fullmatch(text.strip())
        intent, body = (chosen.group(1), chosen.group(2).strip()) if chosen else (_top(item), text.strip())
        if intent is None:
            raise review.ReviewError("this item has no candidate intent: start the reply with #intent_id")
        return review.answer(self.kb, review.group_of(self.kb, review_id).ids, intent, body, body, who)

    def stats(self, since: str) -> tuple[str, bytes]:
        """The numbers as a table and the chart as PNG bytes."""
        from bot.staff.chart import render  # imports matplotlib: only when asked

        numbers = collect(self.kb, parse_since(since))
        with tempfile.TemporaryDirectory(prefix="talentbot-stats-") as work:
            return table(numbers), render(numbers, Path(work) / "stats.png").read_bytes()

    def reload(self) -> tuple[bool, str]:
        changed = self.desk.assistant.refresh()
        return changed, live_stamp(self.kb).content_version

    def export(self) -> bytes:
        """The knowledge base in the seed layout (YAML), zipped."""
        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory(prefix="talentbot-export-") as work:
            written = write_dir(self.kb.dataset(), work, "yaml")
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in written:
                    archive.write(path, path.relative_to(work).as_posix())
        return buffer.getvalue()

    # ---- subscriptions

    def subscribe(self, person: Who, lang: str) -> bool:
        """Opt in to broadcasts; False when already subscribed (the chat and language are updated)."""
        return self.kb.subscribe(self.kb.pseudonym(CHANNEL, person.user), person.chat_id, lang)

    def unsubscribe(self, person: Who) -> bool:
        """Opt out of broadcasts and of every topic (notices not yet delivered included)."""
        user = self.kb.pseudonym(CHANNEL, person.user)
        return self.kb.unsubscribe(user) | bool(notices.forget_follower(self.kb, user))

    def drop_chat(self, chat_id: int) -> bool:
        return self.kb.drop_subscribed_chat(chat_id)

    def subscribers(self) -> list[int]:
        return self.kb.subscribers()


def _top(item: Review) -> str | None:
    return item.candidates[0][0] if item.candidates else None


def _staff(context: TalentContext) -> StaffDesk:
    return StaffDesk(context.desk)


def _who(update: Update) -> str:
    assert update.effective_user is not None
    return f"{CHANNEL}:{update.effective_user.id}"


# ---------------------------------------------------------------- /review


async def review_queue(update: Update, context: TalentContext) -> None:
    """The open queue: a summary, then one message per group with its buttons."""
    chat = who(update).chat_id
    total, groups = await asyncio.to_thread(_staff(context).queue)
    if not groups:
        await send_text(context.bot, chat, STAFF["review_empty"])
        return
    await send_text(context.bot, chat, STAFF["review_summary"].format(
        items=total, groups=len(groups), shown=min(SHOWN_GROUPS, len(groups))))
    for found in groups[:SHOWN_GROUPS]:
        await send_text(context.bot, chat, _item_body(found), _item_keyboard(found.lead), _item_heading(found))


def _item_heading(found: review.Group) -> str:
    return STAFF["review_item"].format(id=found.lead.id, n=len(found.items), reason=found.lead.reason)


def _item_body(found: review.Group) -> str:
    candidates = ", ".join(f"{name} {score:.2f}" for name, score in found.lead.candidates[:SHOWN_CANDIDATES])
    similar = "\n".join(f"· {r.text}" for r in found.items[1:4])
    return STAFF["review_body"].format(question=found.lead.text, candidates=candidates or "-",
                                       similar=similar or STAFF["no_context"])


def _item_keyboard(item: Review) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(f"→ {name}", callback_data=encode(REVIEW, f"a:{item.id}:{name}"))]
            for name, _ in item.candidates[:SHOWN_CANDIDATES]]
    rows.append([InlineKeyboardButton(STAFF["review_ignore"], callback_data=encode(REVIEW, f"i:{item.id}"))])
    return InlineKeyboardMarkup(rows)


async def review_press(update: Update, context: TalentContext, value: str) -> None:
    """Assign to a candidate intent, or ignore: the item's whole group is closed."""
    query = update.callback_query
    assert query is not None
    verb, review_id, intent = (value.split(":") + [""])[:3]
    staff = _staff(context)
    try:
        if verb == "a":
            done = await asyncio.to_thread(staff.assign, int(review_id), intent, _who(update))
        else:
            done = await asyncio.to_thread(staff.ignore, int(review_id), _who(update))
    except KnowledgeError as exc:
        await query.answer(STAFF["review_refused"].format(reason=str(exc)[:150]), show_alert=True)
        return
    said = STAFF["review_done"].format(id=review_id, resolution=done.resolution, n=len(done.review_ids))
    await query.answer(said)
    await query.edit_message_text(text_html(said)[0], parse_mode=ParseMode.HTML)


async def review_reply(update: Update, context: TalentContext) -> None:
    """A staff reply to an item message: the text becomes the answer of the item's group."""
    message = update.effective_message
    assert message is not None and message.text is not None and message.reply_to_message is not None
    review_id = _item_id(message.reply_to_message)
    assert review_id is not None  # the handler's filter found it
    try:
        done = await asyncio.to_thread(_staff(context).answer, review_id, message.text, _who(update))
    except KnowledgeError as exc:
        await message.reply_text(STAFF["review_refused"].format(reason=str(exc)[:300]))
        return
    await message.reply_text(STAFF["review_answered"].format(id=review_id, entry=done.entry_id,
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
    chat, since = who(update).chat_id, (context.args or ["7d"])[0]
    try:
        numbers, chart = await asyncio.to_thread(_staff(context).stats, since)
    except KnowledgeError as exc:
        await send_text(context.bot, chat, STAFF["stats_refused"].format(reason=str(exc)))
        return
    await send_chunks(context.bot, chat, pack([("<pre>", numbers, "</pre>")]), None, None)
    await context.bot.send_photo(chat, chart, caption=STAFF["stats_caption"].format(since=since),
                                 filename="stats.png")


async def reload(update: Update, context: TalentContext) -> None:
    changed, version = await asyncio.to_thread(_staff(context).reload)
    await send_text(context.bot, who(update).chat_id,
                    STAFF["reloaded" if changed else "reload_unchanged"].format(version=version))


async def export(update: Update, context: TalentContext) -> None:
    archive = await asyncio.to_thread(_staff(context).export)
    await context.bot.send_document(who(update).chat_id, archive, filename=f"talentbot-kb-{date.today()}.zip",
                                    caption=STAFF["exported"])


# ---------------------------------------------------------------- /subscribe, /unsubscribe, /broadcast


async def subscribe(update: Update, context: TalentContext) -> None:
    person = who(update)
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    new = await asyncio.to_thread(_staff(context).subscribe, person, lang)
    said = say("subscribed" if new else "already_subscribed", lang) + "\n\n" + news.pick_text(lang)
    await send_text(context.bot, person.chat_id, said, await news.topics_markup(context, person, lang))


async def unsubscribe(update: Update, context: TalentContext) -> None:
    person = who(update)
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    removed = await asyncio.to_thread(_staff(context).unsubscribe, person)
    await send_text(context.bot, person.chat_id, say("unsubscribed" if removed else "not_subscribed", lang))


async def forgotten(update: Update, context: TalentContext) -> None:
    """After /forget is confirmed (group 0 deleted the rest): the subscription goes too."""
    await asyncio.to_thread(_staff(context).unsubscribe, who(update))


async def broadcast(update: Update, context: TalentContext) -> None:
    """``/broadcast TEXT``: a preview with Confirm / Cancel; nothing is sent yet."""
    message, chat = update.effective_message, who(update).chat_id
    assert message is not None and message.text is not None
    parts = message.text.split(None, 1)
    if len(parts) < 2 or not parts[1].strip():
        await send_text(context.bot, chat, STAFF["broadcast_usage"])
        return
    drafts = context.bot_data.setdefault("broadcasts", {})
    number = next(context.bot_data.setdefault("broadcast_ids", itertools.count(1)))
    drafts[number] = parts[1].strip()
    count = len(await asyncio.to_thread(_staff(context).subscribers))
    keys = InlineKeyboardMarkup([[
        InlineKeyboardButton(STAFF["broadcast_confirm"], callback_data=encode(BROADCAST, f"{number}:yes")),
        InlineKeyboardButton(STAFF["broadcast_cancel"], callback_data=encode(BROADCAST, f"{number}:no"))]])
    await send_text(context.bot, chat, drafts[number], keys, STAFF["broadcast_preview"].format(n=count))


async def broadcast_press(update: Update, context: TalentContext, value: str) -> None:
    query = update.callback_query
    assert query is not None
    number, _, choice = value.partition(":")
    text = context.bot_data.setdefault("broadcasts", {}).pop(int(number), None)
    if text is None:
        await query.answer(STAFF["broadcast_stale"], show_alert=True)
        return
    await query.answer()
    if choice != "yes":
        await query.edit_message_text(text_html(STAFF["broadcast_cancelled"])[0], parse_mode=ParseMode.HTML)
        return
    await query.edit_message_reply_markup(None)
    log.info("broadcast #%s confirmed by staff", number)
    sent = await deliver(context, text)
    await send_text(context.bot, who(update).chat_id, STAFF["broadcast_report"].format(
        delivered=sent.delivered, removed=sent.removed, failed=sent.failed))


async def deliver(context: TalentContext, text: str) -> Sent:
    """Send to every subscriber in turn (the rate limiter paces); a blocked bot unsubscribes the chat."""
    staff = _staff(context)
    delivered = removed = failed = 0
    for chat_id in await asyncio.to_thread(staff.subscribers):
        try:
            await send_text(context.bot, chat_id, text)
            delivered += 1
        except Forbidden:
            removed += int(await asyncio.to_thread(staff.drop_chat, chat_id))
        except TelegramError as exc:
            log.warning("broadcast not delivered to one subscriber: %s", type(exc).__name__)
            failed += 1
    return Sent(delivered, removed, failed)


# ---------------------------------------------------------------- buttons and registration


async def press(update: Update, context: TalentContext) -> None:
    """A staff button (staff already checked in group -1); malformed data gets the stale answer."""
    query = update.callback_query
    assert query is not None
    pressed = decode(query.data)
    if pressed is None:
        await query.answer(say("stale", client_lang(update)), show_alert=True)
        return
    code, value = pressed
    await (review_press if code == REVIEW else broadcast_press)(update, context, value)


def add_handlers(application: Application, addressed: filters.BaseFilter) -> None:
    """Staff commands and buttons (gated in group -1) and /subscribe, /unsubscribe.

    Call before the catch-all handlers of group 0 (free text, unknown commands, buttons)."""
    new = filters.UpdateType.MESSAGE
    item_reply = new & filters.TEXT & ~filters.COMMAND & REPLIES_TO_ITEM
    application.add_handler(CommandHandler(list(STAFF_COMMANDS), guards.staff_command, filters=addressed), group=-1)
    application.add_handler(MessageHandler(item_reply, guards.staff_command), group=-1)
    application.add_handler(CallbackQueryHandler(guards.staff_only, pattern=PATTERN), group=-1)
    for name, callback in (("review", review_queue), ("stats", stats), ("reload", reload), ("export", export),
                           ("broadcast", broadcast)):
        application.add_handler(CommandHandler(name, callback, filters=addressed))
    private = addressed & filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("subscribe", subscribe, filters=private))
    application.add_handler(CommandHandler("unsubscribe", unsubscribe, filters=private))
    application.add_handler(MessageHandler(item_reply, review_reply))
    application.add_handler(CallbackQueryHandler(press, pattern=PATTERN))
    forget_yes = "^" + re.escape(buttons.encode(buttons.FORGET, "yes")) + "$"
    application.add_handler(CallbackQueryHandler(forgotten, pattern=forget_yes), group=1)
