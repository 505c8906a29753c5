"""Incoming updates, at least once: stored before they are confirmed, done when answered.

Long polling is this module's own loop (python-telegram-bot's Updater confirms a
batch by the next poll whether or not it was kept, and a batch it cannot parse
is fetched again forever). Each getUpdates batch is written to the inbox
(SQLite) before the next call's offset confirms it; each update is then parsed
on its own: one that cannot be parsed is set aside (logged once, with its id)
and the rest go on. The :class:`Processor` marks an update done when its
handling finished and its replies were delivered or are waiting in the outbox;
a handler error sets the update aside. On start, updates stored but never
finished (a crash, a kill) are handled again: a rare duplicate, never a loss.

Only the update types the bot handles are asked for (:data:`ALLOWED_UPDATES`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable
from urllib.parse import urlencode

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, BaseUpdateProcessor
from telegram.request import HTTPXRequest

from bot.channels.tg.ledger import CURRENT, Ledger
from bot.channels.tg.post import Post

log = logging.getLogger(__name__)

ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)  # edited messages are not asked again
BATCH = 100
BACKOFF = (0.5, 30.0)  # seconds after a failed poll: first, most (doubled in between)


class Processor(BaseUpdateProcessor):
    """Handles updates concurrently (as PTB's default processor) and keeps the inbox's books."""

    def __init__(self, max_concurrent_updates: int, post: Post):
        super().__init__(max_concurrent_updates)
        self.post = post

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        user = update.effective_user
        ledger = Ledger(update.update_id, self.post, self.post.kb.pseudonym("telegram", user.id) if user else None)
        token = CURRENT.set(ledger)
        try:
            await coroutine
        finally:
            CURRENT.reset(token)
        if ledger.error:
            await asyncio.to_thread(self.post.finish, ledger)
        else:  # the common case does not block: the writer marks the update done after its query
            self.post.finish_behind(ledger)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


async def admit(application: Application, post: Post, raw: list[tuple[int, dict[str, Any]]]) -> int:
    """Parse stored updates one by one and queue them for handling; set aside what cannot be parsed."""
    admitted = 0
    for update_id, payload in raw:
        try:
            update = Update.de_json(payload, application.bot)
        except Exception as exc:  # any shape Telegram (or a forger) might send: set it aside, go on
            await asyncio.to_thread(post.set_aside, update_id, f"unreadable: {type(exc).__name__}")
            continue
        if update is None:
            await asyncio.to_thread(post.set_aside, update_id, "empty")
            continue
        await application.update_queue.put(update)
        admitted += 1
    return admitted


class Intake:
    """The long-polling loop. ``start`` replays unfinished updates, then polls until ``stop``."""

    def __init__(self, application: Application, post: Post, timeout: float = 10.0, http_timeout: float = 10.0):
        self.application, self.post = application, post
        self.timeout, self.http_timeout = timeout, http_timeout
        self.request = HTTPXRequest(connection_pool_size=1, read_timeout=timeout + http_timeout,
                                    connect_timeout=http_timeout, write_timeout=http_timeout)
        self.offset = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        await self.request.initialize()
        await self.application.bot.delete_webhook()  # polling and a webhook exclude each other
        self.offset = await asyncio.to_thread(self.post.offset)
        await asyncio.to_thread(self.post.backlogged, 0)  # load the chats with replies waiting
        replayed = await admit(self.application, self.post, await asyncio.to_thread(self.post.replay))
        if replayed:
            log.info("handling %d updates again that were not finished before the restart", replayed)
        self._task = asyncio.create_task(self._loop(), name="talentbot:intake")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.request.shutdown()

    async def _loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                batch = await self.poll()
            except InvalidToken:
                log.error("the Bot API rejected the token: polling stopped")
                return
            except RetryAfter as exc:
                await self._pause(float(exc.retry_after if isinstance(exc.retry_after, (int, float))
                                        else exc.retry_after.total_seconds()))
                continue
            except (Conflict, TelegramError) as exc:
                failures += 1
                if failures == 1 or failures % 20 == 0:  # a long outage does not flood the log
                    log.warning("getUpdates failed (%s), %d time(s) in a row; retrying", type(exc).__name__,
                                failures)
                await self._pause(min(BACKOFF[0] * 2 ** (failures - 1), BACKOFF[1]))
                continue
            if failures:
                log.info("getUpdates works again after %d failures", failures)
            failures = 0
            try:
                await self.take(batch)
            except Exception as exc:  # not stored, so not confirmed: the next poll fetches the batch again
                log.error("could not store a batch of updates; fetching it again", exc_info=exc)
                await self._pause(BACKOFF[0])

    async def poll(self) -> list[Any]:
        """One getUpdates call with the offset that confirms everything already stored."""
        query = urlencode({"offset": self.offset, "limit": BATCH, "timeout": self.timeout,
                           "allowed_updates": json.dumps(list(ALLOWED_UPDATES))})
        result = await self.request.post(f"{self.application.bot.base_url}/getUpdates?{query}")
        return result if isinstance(result, list) else []

    async def take(self, batch: list[Any]) -> None:
        """Store the batch (before the next poll confirms it), then queue the new updates."""
        fresh, offset = await asyncio.to_thread(self.post.receive, batch)
        self.offset = max(self.offset, offset)
        await admit(self.application, self.post, fresh)

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except asyncio.TimeoutError:
            pass
