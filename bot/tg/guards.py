"""Handlers of the earlier groups, which may stop an update before the others see it.

- group -2, ``flood``: a user over ``TALENTBOT_USER_RATE`` messages a minute
  gets one notice, then silence until the window passes.
- group -1, ``staff_only``: staff buttons and replies in the staff chat pass only
  for ``TALENTBOT_STAFF_IDS``; checked on every call, buttons included.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from .context import TalentContext, client_lang
from .flood import NOTICE, PASS
from .outbox import send_text
from .phrases import say


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
    user = update.effective_user
    if user is not None and user.id in context.services.settings.staff_ids:
        return
    if update.callback_query is not None:
        await update.callback_query.answer(say("staff_only", client_lang(update)), show_alert=True)
    raise ApplicationHandlerStop
