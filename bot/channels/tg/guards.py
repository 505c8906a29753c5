"""Handlers of the earlier groups, which may stop an update before the others see it.

- group -2, ``flood``: a user over ``TALENTBOT_USER_RATE`` messages a minute
  gets one notice, then silence until the window passes.
- group -1, ``staff_only``: staff buttons and replies in the staff chat pass only
  for ``TALENTBOT_STAFF_IDS``; checked on every call, buttons included.
  ``staff_command`` does the same for staff commands (and replies to review
  items), with a polite text. Every refusal is logged (pseudonymously).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.channels.tg.context import TalentContext, client_lang
from bot.channels.tg.flood import NOTICE, PASS
from bot.channels.tg.outbox import send_text
from bot.channels.tg.phrases import say

log = logging.getLogger(__name__)


async def flood(update: Update, context: TalentContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    verdict = context.services.flood.check(user.id)
    if verdict == PASS:
        return
    if verdict == NOTICE:
        await send_text(context.bot, chat.id, say("flood", client_lang(update)))
    raise ApplicationHandlerStop


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
    user = update.effective_user
    return user is not None and user.id in context.services.settings.staff_ids


async def _log_refusal(update: Update, context: TalentContext) -> None:
    """The button's data or the command word (never free text), and the user's pseudonym."""
    user, message = update.effective_user, update.effective_message
    text = (message.text or "") if message else ""
    what = update.callback_query.data if update.callback_query else text.split()[0] if text.startswith("/") \
        else "a reply"
    key = await asyncio.to_thread(context.desk.kb.pseudonym, "telegram", user.id) if user else "?"
    log.warning("refused a staff action from non-staff user %s: %.64r", key, what)
