"""Handlers for talents: commands, free text, and messages without text.

Each one takes the text and the person from the Update, calls the desk in a
thread (it may read or write SQLite) and sends what comes back, rendered. Free
text is answered on the event loop itself while no reload is due: the answer
path then touches memory only.
"""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.channels.tg import buttons
from bot.channels.tg.audience import without_mention
from bot.channels.tg.context import TalentContext, client_lang, who
from bot.channels.tg.handoff import relay
from bot.channels.tg.outbox import send_reply, send_text
from bot.channels.tg.phrases import say
from bot.channels.tg.render import choices, keyboard


async def start(update: Update, context: TalentContext) -> None:
    """Welcome and topic menu; ``/start housing`` (a deep link) opens that topic."""
    person = who(update)
    intent = context.desk.deep_link(context.args[0]) if context.args else None
    async with context.services.lanes.lane(person.chat_id):
        if intent:
            reply = await asyncio.to_thread(context.desk.choose, intent, None, person, client_lang(update))
            await send_reply(context.bot, person.chat_id, reply)
            return
        lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
        await send_text(context.bot, person.chat_id, say("welcome", lang), keyboard(context.desk.menu(lang)))


async def help_command(update: Update, context: TalentContext) -> None:
    person = who(update)
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    await send_text(context.bot, person.chat_id, say("help", lang))


async def topics(update: Update, context: TalentContext) -> None:
    person = who(update)
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    await send_text(context.bot, person.chat_id, say("topics", lang), keyboard(context.desk.menu(lang)))


async def language(update: Update, context: TalentContext) -> None:
    person = who(update)
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    await send_text(context.bot, person.chat_id, say("lang_prompt", lang),
                    choices([("中文", buttons.LANG, "zh"), ("English", buttons.LANG, "en")]))


async def human(update: Update, context: TalentContext) -> None:
    person = who(update)
    async with context.services.lanes.lane(person.chat_id):
        reply = await asyncio.to_thread(context.desk.request_person, person, client_lang(update))
        await send_reply(context.bot, person.chat_id, reply)
        await relay(context, update, reply)


async def forget(update: Update, context: TalentContext) -> None:
    person = who(update)
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    await send_text(context.bot, person.chat_id, say("forget_confirm", lang),
                    choices([(say("forget_yes", lang), buttons.FORGET, "yes"),
                             (say("forget_no", lang), buttons.FORGET, "no")]))


async def text(update: Update, context: TalentContext) -> None:
    """Free text: the Assistant's answer with its buttons; to staff too while a hand-off is open."""
    message, person = update.effective_message, who(update)
    assert message is not None and message.text is not None
    question = without_mention(message.text, context.bot.username)
    async with context.services.lanes.lane(person.chat_id):
        desk = context.desk
        reply = desk.handle(question, person) if desk.current() else await asyncio.to_thread(desk.handle, question, person)
        await send_reply(context.bot, person.chat_id, reply, None if person.private else message.message_id)
        await relay(context, update, reply)


async def media(update: Update, context: TalentContext) -> None:
    """Stickers, photos, voice, files: the bot reads text only, and says so."""
    person = who(update)
    lang = await asyncio.to_thread(context.desk.language, person, client_lang(update))
    await send_text(context.bot, person.chat_id, say("media", lang))
