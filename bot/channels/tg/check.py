"""The eligibility check in Telegram: ``/eligibility``, its answer buttons, Back and Cancel.

The check's state travels in the buttons (``v1|e|<answers>``, see
``bot.engine.checkup``): each press edits the question message into the next
question, so the chat stays short, and a press after a restart still works.
The result arrives as a new message, with a button to check again. State
diagram: ``check.mmd``.
"""

from __future__ import annotations

import asyncio
import contextlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.channels.tg import buttons
from bot.channels.tg.context import TalentContext, client_lang, who
from bot.channels.tg.outbox import send_text
from bot.channels.tg.phrases import say as channel_say
from bot.channels.tg.render import text_html
from bot.engine.checkup import Prompt
from bot.engine.questions import say
from bot.engine.reply import Button

WIDE = 8  # more options than this are laid out three to a row


def keyboard(prompt: Prompt) -> InlineKeyboardMarkup:
    """The options two (or three) to a row, then Back and Cancel on a row of their own."""
    options = prompt.buttons[:len(prompt.options)]
    navigation = prompt.buttons[len(prompt.options):]
    width = 3 if len(options) > WIDE else 2
    rows = [[_button(b) for b in options[i:i + width]] for i in range(0, len(options), width)]
    rows.append([_button(b) for b in navigation])
    return InlineKeyboardMarkup([row for row in rows if row])


def _button(item: Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(item.label, callback_data=buttons.encode(item.action, item.value))


async def start(update: Update, context: TalentContext) -> None:
    """``/eligibility``: the first question not already answered in the conversation."""
    person = who(update)
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    prompt = await asyncio.to_thread(context.desk.begin_check, person, lang)
    await send_text(context.bot, person.chat_id, prompt.text, keyboard(prompt))


async def press(update: Update, context: TalentContext, value: str) -> None:
    """An answer, Back, or the check's start button: the next question in place, or the result."""
    query, person = update.callback_query, who(update)
    assert query is not None
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    if not value:  # "check what I can get" under an answer, or "check again" under a result
        await query.answer()
        prompt = await asyncio.to_thread(context.desk.begin_check, person, lang)
        await send_text(context.bot, person.chat_id, prompt.text, keyboard(prompt))
        return
    found = await asyncio.to_thread(context.desk.checkup.press, value, lang)
    if found is None:
        await query.answer(channel_say("stale", lang), show_alert=True)
        return
    await query.answer()
    if found.assessment is None:
        with contextlib.suppress(BadRequest):  # "message is not modified": a double press
            await query.edit_message_text(text_html(found.text)[0], parse_mode=ParseMode.HTML,
                                          reply_markup=keyboard(found))
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
    await send_text(context.bot, person.chat_id, found.text, keyboard(found))


async def stop(update: Update, context: TalentContext, value: str) -> None:
    query, person = update.callback_query, who(update)
    assert query is not None
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text_html(say("cancelled", lang))[0], parse_mode=ParseMode.HTML)
