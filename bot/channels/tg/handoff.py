"""Hand-off to staff, both ways, and the staff's "propose as answer" button.

The Assistant keeps the hand-off as a state of the dialogue and says, with each
Reply's ``Relay``, what goes to staff; this module delivers it. A request for a
person opens a ticket in the staff chat with the person's latest question and
the conversation so far; while it is open, what the person writes is posted as
a reply to the ticket (the first message with the conversation again), until a
staff member replies (the reply is delivered and the state ends) or the person
cancels. The staff message id is stored with the user's chat id (SQLite, so a
restart loses nothing). Staff are authorised in an earlier handler group
(see ``guards``). State diagram: ``handoff.mmd``.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.channels.tg import buttons
from bot.channels.tg.context import TalentContext, who
from bot.channels.tg.outbox import send_text
from bot.channels.tg.phrases import STAFF, say
from bot.channels.tg.render import choices
from bot.engine.reply import Relay, Reply

log = logging.getLogger(__name__)
TICKET_HEADING = re.compile(r"💬 (?:Hand-off|转人工) #(\d+) ")


async def relay(context: TalentContext, update: Update, reply: Reply, query_id: int | None = None) -> None:
    """Deliver what the Reply passes on to staff, if anything."""
    passed = reply.relay
    if passed is None:
        return
    if passed.kind == "open":
        await hand_off(context, update, reply.lang, query_id, passed)
    elif passed.kind == "message":
        await _pass_on(context, update, reply.lang, passed)
    elif passed.kind == "cancel" and passed.ticket is not None:
        await asyncio.to_thread(context.desk.kb.cancel_handoff, passed.ticket)  # a new request may open another
        await _to_ticket(context, passed.ticket, STAFF["handoff_cancelled"].format(id=passed.ticket))


async def hand_off(context: TalentContext, update: Update, lang: str, query_id: int | None = None,
                   passed: Relay | None = None) -> None:
    """Forward the person's question (``query_id``, else the latest) to the staff chat; tell them staff know."""
    person, staff_chat = who(update), context.services.settings.staff_chat_id
    if staff_chat is None:
        await _unavailable(context, update, lang)
        return
    ticket = await asyncio.to_thread(context.desk.open_handoff, person, lang, query_id, passed)
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
        await _unavailable(context, update, lang)
        return
    if sent is not None:  # else it waits in the outbox, which attaches it once delivered
        await asyncio.to_thread(context.desk.attach, ticket.id, sent.message_id)
    await send_text(context.bot, person.chat_id, say("handoff_sent", lang))


async def _pass_on(context: TalentContext, update: Update, lang: str, passed: Relay) -> None:
    """A message written while the hand-off is open: posted under the ticket in the staff chat."""
    if passed.ticket is None or context.services.settings.staff_chat_id is None:
        await _unavailable(context, update, lang)
        return
    name = update.effective_user.full_name if update.effective_user else "?"
    body = passed.text
    if passed.first:
        conversation = "\n".join(f"{'👤' if s == 'person' else '🤖'} {said}" for s, said in passed.transcript)
        body += "\n\n" + STAFF["conversation"] + "\n" + (conversation or STAFF["no_context"])
    heading = STAFF["handoff_message"].format(id=passed.ticket, name=name)
    if not await _to_ticket(context, passed.ticket, body, heading):
        await _unavailable(context, update, lang)


async def _to_ticket(context: TalentContext, ticket_id: int, text: str, heading: str = "") -> bool:
    """Post ``text`` in the staff chat as a reply to the ticket's message; False when it could not be posted."""
    staff_chat = context.services.settings.staff_chat_id
    if staff_chat is None:
        return False
    ticket = await asyncio.to_thread(context.desk.kb.handoff, ticket_id)
    try:
        await send_text(context.bot, staff_chat, text, heading=heading, reply_to=ticket.staff_message_id)
    except TelegramError as exc:
        log.warning("message for hand-off #%s not posted to the staff chat: %s", ticket_id, type(exc).__name__)
        return False
    return True


async def _unavailable(context: TalentContext, update: Update, lang: str) -> None:
    """Staff cannot be reached: say so, and end the hand-off so that the person is not left waiting."""
    person = who(update)
    await asyncio.to_thread(context.desk.end_handoff, person)
    await send_text(context.bot, person.chat_id, say("handoff_unavailable", lang))


async def staff_reply(update: Update, context: TalentContext) -> None:
    """A staff member replied to a hand-off message: deliver the reply to the user."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    replied = message.reply_to_message
    ticket = await asyncio.to_thread(context.desk.handoff_for, replied.message_id)
    named = TICKET_HEADING.search(replied.text or "")
    if ticket is None and named and replied.from_user and replied.from_user.id == context.bot.id:
        # a reply to a message the person wrote while the hand-off was open (posted under its ticket)
        ticket = await asyncio.to_thread(context.desk.kb.handoff, int(named.group(1)))
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
