"""Hand-off to staff, both ways, and the staff's "propose as answer" button.

A talent's question goes to the staff chat with its recent context; the staff
message id is stored with the user's chat id (SQLite, so a restart loses
nothing), and a staff reply to that message is delivered to the user. Staff
are authorised in an earlier handler group (see ``guards``).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.channels.tg import buttons
from bot.channels.tg.context import TalentContext, who
from bot.channels.tg.outbox import send_text
from bot.channels.tg.phrases import STAFF, say
from bot.channels.tg.render import choices

log = logging.getLogger(__name__)


async def hand_off(context: TalentContext, update: Update, lang: str, query_id: int | None = None) -> None:
    """Forward the person's question (``query_id``, else the latest) to the staff chat; tell them staff know."""
    person, staff_chat = who(update), context.services.settings.staff_chat_id
    if staff_chat is None:
        await send_text(context.bot, person.chat_id, say("handoff_unavailable", lang))
        return
    ticket = await asyncio.to_thread(context.desk.open_handoff, person, lang, query_id)
    if ticket is None:
        await send_text(context.bot, person.chat_id, say("handoff_pending", lang))
        return
    name = update.effective_user.full_name if update.effective_user else "?"
    body = STAFF["handoff_body"].format(question=ticket.question or "-",
                                        context="\n".join(ticket.context) or STAFF["no_context"])
    try:
        sent = await send_text(context.bot, staff_chat, body,
                               choices([(STAFF["propose"], buttons.PROPOSE, str(ticket.id))]),
                               heading=STAFF["handoff"].format(id=ticket.id, lang=lang, name=name),
                               handoff_id=ticket.id)
    except TelegramError as exc:
        log.warning("hand-off #%s not posted to the staff chat: %s", ticket.id, type(exc).__name__)
        await send_text(context.bot, person.chat_id, say("handoff_unavailable", lang))
        return
    if sent is not None:  # else it waits in the outbox, which attaches it once delivered
        await asyncio.to_thread(context.desk.attach, ticket.id, sent.message_id)
    await send_text(context.bot, person.chat_id, say("handoff_sent", lang))


async def staff_reply(update: Update, context: TalentContext) -> None:
    """A staff member replied to a hand-off message: deliver the reply to the user."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    ticket = await asyncio.to_thread(context.desk.handoff_for, message.reply_to_message.message_id)
    if ticket is None:
        if message.reply_to_message.from_user and message.reply_to_message.from_user.id == context.bot.id:
            await message.reply_text(STAFF["unknown"])
        return
    content = message.text or message.caption or ""
    try:
        if message.text:
            await send_text(context.bot, ticket.user_chat_id, message.text, heading=say("staff_reply", ticket.lang))
        else:
            await send_text(context.bot, ticket.user_chat_id, say("staff_reply", ticket.lang))
            await message.copy(ticket.user_chat_id)
    except (Forbidden, BadRequest) as exc:
        await message.reply_text(STAFF["not_delivered"].format(id=ticket.id, reason=type(exc).__name__))
        return
    staff_id = message.from_user.id if message.from_user else 0
    await asyncio.to_thread(context.desk.record_reply, ticket.id, content, staff_id)
    await message.reply_text(STAFF["delivered"].format(id=ticket.id))


async def propose(update: Update, context: TalentContext, value: str) -> None:
    """Staff pressed "propose as KB answer": the question and the staff reply enter the review queue."""
    query = update.callback_query
    assert query is not None
    review = await asyncio.to_thread(context.desk.propose, int(value), query.from_user.id)
    if review is None:
        await query.answer(STAFF["no_reply_yet"], show_alert=True)
        return
    await query.answer(STAFF["proposed"].format(review=review))
    await query.edit_message_reply_markup(None)
