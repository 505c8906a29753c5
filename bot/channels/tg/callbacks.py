"""Inline-button presses. Every callback query is answered, a stale or forged one
with its own polite text; the data is decoded and validated by ``buttons``."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ParseMode

from bot.channels.tg import buttons, check, handoff, news
from bot.channels.tg.context import TalentContext, client_lang, who
from bot.channels.tg.outbox import send_reply, send_text
from bot.channels.tg.phrases import records, say
from bot.channels.tg.render import choices, text_html
from bot.engine.reply import ASK, CHECK, CHECK_STOP, FEEDBACK, HUMAN
from bot.engine.texts import t


async def press(update: Update, context: TalentContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = buttons.decode(query.data)
    if pressed is None or pressed.action not in ROUTES:
        await stale(update, context)
        return
    await ROUTES[pressed.action](update, context, pressed.value)


async def stale(update: Update, context: TalentContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(say("stale", client_lang(update)), show_alert=True)


async def ask(update: Update, context: TalentContext, value: str) -> None:
    """A follow-up, a "did you mean" choice or a menu topic: answer it as if typed."""
    intent, _, topic = value.partition(":")
    if not context.desk.known(intent) or (topic and not context.desk.known(topic)):
        await stale(update, context)
        return
    person = who(update)
    await _answer(update)
    async with context.services.lanes.lane(person.chat_id):
        reply = await asyncio.to_thread(context.desk.choose, intent, topic or None, person, client_lang(update))
        await send_reply(context.bot, person.chat_id, reply)


async def feedback(update: Update, context: TalentContext, value: str) -> None:
    """👍 thanks; 👎 apologises and offers a person."""
    query_id, _, helpful = value.partition(":")
    person = who(update)
    said = await asyncio.to_thread(context.desk.feedback, int(query_id), helpful == "1", person)
    if said is None:
        await stale(update, context)
        return
    if helpful == "1" or said in ALREADY_RATED:  # a vote, or an old button pressed again: one polite line
        await _answer(update, said)
        return
    await _answer(update)
    lang = _lang_of(said)
    await send_text(context.bot, person.chat_id, said, choices([(say("human_button", lang), HUMAN, query_id)]))


async def human(update: Update, context: TalentContext, value: str) -> None:
    """"Talk to a person" (after a 👎, about that question): the hand-off opens as if asked for.

    Pressed again while the person's hand-off still waits for staff, the press is only answered (a short
    notice on the button, no message): repeated presses open one hand-off and send nothing more.
    """
    person = who(update)
    async with context.services.lanes.lane(person.chat_id):
        if await asyncio.to_thread(context.desk.waiting_for_staff, person):
            await _answer(update, say("handoff_pending", client_lang(update)))
            return
        await _answer(update)
        reply = await asyncio.to_thread(context.desk.request_person, person, client_lang(update))
        await send_reply(context.bot, person.chat_id, reply)
        await handoff.relay(context, update, reply, int(value) if value else None)


async def language(update: Update, context: TalentContext, value: str) -> None:
    await asyncio.to_thread(context.desk.set_language, who(update), value)
    await _answer(update)
    await _edit(update, say("lang_set", value))


async def forget(update: Update, context: TalentContext, value: str) -> None:
    person = who(update)
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    await _answer(update)
    if value != "yes":
        await _edit(update, say("forget_cancelled", lang))
        return
    removed = await asyncio.to_thread(context.desk.forget, person)
    await _edit(update, say("forgotten", lang).format(what=records(removed, lang)) if removed
                else say("forgotten_nothing", lang))


async def _answer(update: Update, text: str | None = None) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(text)


async def _edit(update: Update, text: str) -> None:
    assert update.callback_query is not None
    await update.callback_query.edit_message_text(text_html(text)[0], parse_mode=ParseMode.HTML)


def _lang_of(text: str) -> str:
    """The language the Assistant used for its 👎 text (it follows the asked question's language)."""
    return "zh" if text == t("feedback_sorry", "zh") else "en"


ALREADY_RATED = frozenset(t("feedback_already", lang) for lang in ("zh", "en"))
ROUTES = {ASK: ask, FEEDBACK: feedback, HUMAN: human, buttons.LANG: language, buttons.FORGET: forget,
          CHECK: check.press, CHECK_STOP: check.stop, buttons.TOPIC: news.toggle, buttons.NOTICE: news.ask}
