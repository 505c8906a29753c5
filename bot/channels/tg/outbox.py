"""Sending rendered replies: chunks in order, the keyboard on the last one."""

from __future__ import annotations

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode

from bot.channels.tg.render import keyboard, reply_html, text_html
from bot.engine.reply import Reply


async def send_reply(bot: Bot, chat_id: int, reply: Reply, reply_to: int | None = None) -> Message:
    return await send_chunks(bot, chat_id, reply_html(reply), keyboard(reply.buttons), reply_to)


async def send_text(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None,
                    heading: str = "", reply_to: int | None = None) -> Message:
    return await send_chunks(bot, chat_id, text_html(text, heading), markup, reply_to)


async def send_chunks(bot: Bot, chat_id: int, chunks: list[str], markup: InlineKeyboardMarkup | None,
                      reply_to: int | None) -> Message:
    sent: Message | None = None
    for number, chunk in enumerate(chunks, start=1):
        sent = await bot.send_message(
            chat_id, chunk, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
            reply_markup=markup if number == len(chunks) else None,
            reply_parameters=_quote(reply_to) if number == 1 else None,
        )
    assert sent is not None
    return sent


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _quote(message_id: int | None) -> ReplyParameters | None:
    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None
