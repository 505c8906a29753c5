"""Sending rendered replies: chunks in order, the keyboard on the last one, and nothing lost.

A send that fails for a transient reason (the Bot API down, a time-out, still
rate-limited after the pacer's own retries) is not dropped: the parts not yet
sent go to the outbox (SQLite) and the :class:`Courier` retries them on the
schedule of ``TALENTBOT_RETRY_SCHEDULE`` until they are delivered or
``TALENTBOT_RETRY_HOURS`` pass. While a chat has a reply waiting, later replies
to it queue behind, so the order holds. A time-out is ambiguous (the message
may have arrived): it is sent again, so the bot errs towards a rare duplicate
rather than a loss. ``BadRequest`` and ``Forbidden`` are final and raised.
"""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.channels.tg.ledger import current
from bot.channels.tg.pacing import ONCE
from bot.channels.tg.post import Post
from bot.channels.tg.render import keyboard_data, reply_html, text_html
from bot.engine.reply import Reply
from knowledge.delivery import DELIVERED, FAILED, Outgoing

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | dict[str, Any]
"""A keyboard: a Telegram object, or the Bot API's JSON form of one (see ``render.keyboard_data``)."""
TRANSIENT = (NetworkError, RetryAfter)  # BadRequest is a NetworkError too, but final: checked first
# send_part calls sendMessage through do_api_request on purpose (see there): PTB's advice to use send_message is known
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


@dataclass(frozen=True)
class Sent:
    """A message the Bot API took: its id is all the bot reads of it."""

    message_id: int


async def send_reply(bot: Bot, chat_id: int, reply: Reply, reply_to: int | None = None) -> Sent | None:
    """The Reply, rendered; its query is marked delivered once every part arrived (None: queued)."""
    sent = await send_chunks(bot, chat_id, reply_html(reply), keyboard_data(reply.buttons), reply_to,
                             query_id=reply.query_id)
    ledger = current()
    if sent is not None and ledger is not None and reply.query_id is not None:
        ledger.delivered.append(reply.query_id)
    return sent


async def send_text(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None,
                    heading: str = "", reply_to: int | None = None, *, handoff_id: int | None = None,
                    durable: bool = True) -> Sent | None:
    return await send_chunks(bot, chat_id, text_html(text, heading), markup, reply_to, handoff_id=handoff_id,
                             durable=durable)


async def send_chunks(bot: Bot, chat_id: int, chunks: list[str], markup: Markup | None,
                      reply_to: int | None, *, query_id: int | None = None, handoff_id: int | None = None,
                      durable: bool = True) -> Sent | None:
    """Send now; on a transient failure (inside an update, ``durable``) queue the rest and return None."""
    parts = _parts(chunks, markup, reply_to)
    ledger = current()
    post = ledger.post if ledger is not None and durable else None
    if post is not None and post.backlogged(chat_id):
        await _queue(post, chat_id, parts, "behind an earlier reply", query_id, handoff_id)
        return None
    sent: Sent | None = None
    for number, part in enumerate(parts):
        try:
            sent = await send_part(bot, chat_id, part)
        except BadRequest:
            raise
        except TRANSIENT as exc:
            if post is None:
                raise
            await _queue(post, chat_id, parts[number:], type(exc).__name__, query_id, handoff_id)
            return None
    assert sent is not None
    return sent


async def _queue(post: Post, chat_id: int, parts: list[dict[str, Any]], error: str, query_id: int | None,
                 handoff_id: int | None) -> None:
    ledger = current()
    if ledger is not None:
        ledger.queued += 1
    stored = [{**part, "markup": part["markup"].to_dict()} if isinstance(part.get("markup"), InlineKeyboardMarkup)
              else part for part in parts]
    await asyncio.to_thread(post.queue, ledger, chat_id, stored, error, query_id, handoff_id)
    log.info("a reply is waiting in the outbox (%s)", error)


def _parts(chunks: list[str], markup: Markup | None, reply_to: int | None) -> list[dict[str, Any]]:
    """The parts to send; a keyboard object stays one until a part is stored in the outbox (as JSON)."""
    last = len(chunks) - 1
    return [{"text": chunk, "markup": markup if number == last else None,
             "reply_to": reply_to if number == 0 else None} for number, chunk in enumerate(chunks)]


async def send_part(bot: Bot, chat_id: int, part: dict[str, Any], rate_limit_args: Any = None) -> Sent:
    """One part: sendMessage, in HTML, without link previews. A keyboard in the Bot API's JSON form (an answer's,
    or one read back from the outbox) goes as it is.

    It goes through ``do_api_request``: the same call through PTB's request, rate limiter (the pacer) and error
    mapping as ``send_message``, but the message Telegram sends back is not made into a ``Message`` (with its
    chat, sender and keyboard objects) only for its id to be read. A 404, which ``do_api_request`` names
    ``EndPointNotFound``, is the ``InvalidToken`` that ``send_message`` raises for it."""
    params: dict[str, Any] = {"chat_id": chat_id, "text": part["text"], "parse_mode": "HTML",
                              "link_preview_options": NO_PREVIEW}
    markup = part.get("markup") or None
    if markup is not None:
        params["reply_markup"] = markup if isinstance(markup, dict) else markup.to_dict()
    if part.get("reply_to"):
        params["reply_parameters"] = {"message_id": part["reply_to"], "allow_sending_without_reply": True}
    try:
        result = await bot.do_api_request("sendMessage", api_kwargs=params,  # type: ignore[call-arg]
                                          rate_limit_args=rate_limit_args)
    except EndPointNotFound as exc:
        raise InvalidToken(str(exc)) from exc
    return Sent(int(result["message_id"]))


NO_PREVIEW = {"is_disabled": True}


class Courier:
    """Delivers what waits in the outbox, oldest first; one pass at a time (a JobQueue job starts it).

    A pass stops at the first transient failure: the Bot API is likely down for
    the rest too, and each of them is tried again on its own schedule."""

    def __init__(self, post: Post):
        self.post = post
        self._busy = asyncio.Lock()

    @property
    def busy(self) -> bool:
        return self._busy.locked()

    async def run_once(self, bot: Bot) -> int:
        """One pass; returns the replies delivered."""
        if self._busy.locked():
            return 0
        async with self._busy:
            delivered = 0
            for outgoing in await asyncio.to_thread(self.post.due):
                done = await self._try(bot, outgoing)
                if done is None:
                    break
                delivered += done
            return delivered

    async def _try(self, bot: Bot, outgoing: Outgoing) -> int | None:
        """1 delivered, 0 failed for good, None a transient failure (rescheduled)."""
        parts: list[dict[str, Any]] = json.loads(outgoing.payload)
        try:
            for number, part in enumerate(parts):
                sent = await send_part(bot, outgoing.chat_id, part, ONCE)
                if number < len(parts) - 1:
                    await asyncio.to_thread(self.post.progress, outgoing, parts[number + 1:])
        except (BadRequest, Forbidden, InvalidToken) as exc:
            await asyncio.to_thread(self.post.settle, outgoing, FAILED, type(exc).__name__)
            return 0
        except TelegramError as exc:
            kept = await asyncio.to_thread(self.post.retry, outgoing, type(exc).__name__)
            return None if kept else 0
        if outgoing.handoff_id is not None:
            await asyncio.to_thread(self.post.attach_handoff, outgoing.handoff_id, sent.message_id)
        await asyncio.to_thread(self.post.settle, outgoing, DELIVERED)
        return 1
