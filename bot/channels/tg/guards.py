"""Handlers of the earlier groups, which may stop an update before the others see it.

- group -2, ``flood`` and ``flood_press``: a user over ``TALENTBOT_USER_RATE``
  messages and button presses a minute (counted together) gets one notice, then
  silence until the window passes (a press is still answered, without text).
  A step of a guided flow (the eligibility check's buttons, back and cancel
  included) counts as a quarter (``flood.GUIDED_STEP``). Staff are not counted.
- group -1, ``staff_only``: staff buttons and replies in the staff chat pass only
  for ``TALENTBOT_STAFF_IDS``; checked on every call, buttons included.
  ``staff_command`` does the same for staff commands (and replies to review
  items), with a polite text. Staff act only in a private chat with the bot or in
  the staff chat: the same person in an ordinary group is refused, so nothing
  of the queue or the knowledge base is shown there. Every refusal is logged
  (pseudonymously).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.channels.tg import buttons
from bot.channels.tg.context import TalentContext, client_lang
from bot.channels.tg.flood import GUIDED_STEP, NOTICE, PASS
from bot.channels.tg.outbox import send_text
from bot.channels.tg.phrases import say
from bot.engine.reply import CHECK, CHECK_STOP

log = logging.getLogger(__name__)
GUIDED = (CHECK, CHECK_STOP)  # the steps of the guided eligibility check: its answers, back, and cancel


async def flood(update: Update, context: TalentContext) -> None:
    verdict, chat = _flood_verdict(update, context), update.effective_chat
    if verdict == PASS or chat is None:
        return
    if verdict == NOTICE:
        await send_text(context.bot, chat.id, say("flood", client_lang(update)))
    raise ApplicationHandlerStop


async def flood_press(update: Update, context: TalentContext) -> None:
    """Button presses count against the same limit as messages (guided steps at a fraction); every press is
    still answered."""
    query = update.callback_query
    pressed = buttons.decode(query.data if query else None)
    verdict = _flood_verdict(update, context, GUIDED_STEP if pressed and pressed.action in GUIDED else 1.0)
    if verdict == PASS or query is None:
        return
    notice = verdict == NOTICE
    await query.answer(say("flood", client_lang(update)) if notice else None, show_alert=notice)
    raise ApplicationHandlerStop


def _flood_verdict(update: Update, context: TalentContext, weight: float = 1.0) -> str:
    """PASS, NOTICE or SILENT for the sender (staff are not counted)."""
    user = update.effective_user
    if user is None or user.id in context.services.settings.staff_ids:
        return PASS
    return context.services.flood.check(user.id, weight)


async def staff_only(update: Update, context: TalentContext) -> None:
    if _is_staff(update, context):
        return
    await _log_refusal(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer(say("staff_only", client_lang(update)), show_alert=True)
    raise ApplicationHandlerStop


async def staff_command(update: Update, context: TalentContext) -> None:
    """A staff command from someone not on the staff list: one polite text, logged, and nothing else runs."""
    if _is_staff(update, context):
        return
    await _log_refusal(update, context)
    if update.effective_chat is not None:
        await send_text(context.bot, update.effective_chat.id, say("staff_command", client_lang(update)))
    raise ApplicationHandlerStop


def _is_staff(update: Update, context: TalentContext) -> bool:
    """A staff member, in a private chat with the bot or in the staff chat."""
    user, chat, settings = update.effective_user, update.effective_chat, context.services.settings
    if user is None or user.id not in settings.staff_ids or chat is None:
        return False
    return chat.type == ChatType.PRIVATE or chat.id == settings.staff_chat_id


async def _log_refusal(update: Update, context: TalentContext) -> None:
    """The button's data or the command word (never free text), and the user's pseudonym."""
    user, message = update.effective_user, update.effective_message
    text = (message.text or "") if message else ""
    what = update.callback_query.data if update.callback_query else text.split()[0] if text.startswith("/") \
        else "a reply"
    key = await asyncio.to_thread(context.desk.kb.pseudonym, "telegram", user.id) if user else "?"
    log.warning("refused a staff action from non-staff user %s: %.64r", key, what)
