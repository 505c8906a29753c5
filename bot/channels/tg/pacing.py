"""Outgoing pace and retries: PTB's AIORateLimiter (overall cap, group pacing,
``RetryAfter``) plus a few retries with back-off for transient network errors
(a 5xx from the Bot API, a time-out). A ``BadRequest`` is never retried.

A call made with ``rate_limit_args=ONCE`` (the outbox courier, which keeps its
own schedule) is paced but tried only once."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Coroutine

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

GROUP_PER_MINUTE = 20  # Telegram's limit for one group
RETRY_AFTER_TRIES = 3
NETWORK_TRIES = 3
BACKOFF = 0.25  # seconds, doubled each try

JSONResult = Any
ONCE = "once"


class Pacer(AIORateLimiter):
    def __init__(self, overall_per_second: float) -> None:
        super().__init__(overall_max_rate=overall_per_second, group_max_rate=GROUP_PER_MINUTE,
                         max_retries=RETRY_AFTER_TRIES)

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, JSONResult]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | str | None) -> JSONResult:
        if rate_limit_args == ONCE:
            return await super().process_request(callback, args, kwargs, endpoint, data, None)
        retries = rate_limit_args if isinstance(rate_limit_args, int) else None
        for attempt in range(NETWORK_TRIES + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, retries)
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt == NETWORK_TRIES:
                    raise
                log.info("%s failed (%s); retry %d", endpoint, type(exc).__name__, attempt + 1)
                await asyncio.sleep(BACKOFF * 2 ** attempt)
        raise AssertionError("unreachable")
