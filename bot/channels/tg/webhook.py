"""Webhook mode: a small tornado server that checks before it reads, and stores before it answers.

python-telegram-bot's own webhook server reads the whole body (up to 100 MB)
before it looks at the secret header, and logs the body at DEBUG. Here the
request is refused from its headers alone: the path, the secret token
(compared in constant time), the content type and a declared length within
:data:`MAX_BODY`; the body is read in a stream that stops at the cap. An
accepted update is written to the inbox before Telegram gets its 200, so a
crash after that loses nothing (Telegram resends anything not answered 200).
A body that is not an update is set aside with its id when it has one, and
answered 200 so Telegram does not send it again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer

from bot.channels.tg.intake import ALLOWED_UPDATES, admit
from bot.channels.tg.post import Post

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # bytes; Telegram's updates are a few kilobytes
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, hook: "Webhook") -> None:
        self.hook = hook
        self.body = bytearray()

    def prepare(self) -> None:
        """Refuse from the headers alone, before a byte of the body is read."""
        secret = self.hook.secret
        given = self.request.headers.get(SECRET_HEADER, "")
        if secret and not hmac.compare_digest(given.encode(), secret.encode()):
            raise tornado.web.HTTPError(403)
        if self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise tornado.web.HTTPError(415)
        length = self.request.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > MAX_BODY:
            raise tornado.web.HTTPError(413)

    def data_received(self, chunk: bytes) -> None:
        self.body += chunk
        if len(self.body) > MAX_BODY:
            raise tornado.web.HTTPError(413)

    async def post(self) -> None:
        try:
            raw = json.loads(bytes(self.body).decode("utf-8"))
        except ValueError:
            log.warning("webhook: a body that is not JSON was ignored")
            self.finish()
            return
        await self.hook.take(raw)
        self.finish()

    def log_exception(self, *args: Any) -> None:
        """Refusals are expected; the request line holds nothing worth a traceback."""


class _Quiet(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: refusals are expected, and request lines are not worth keeping."""


class Webhook:
    """The server; ``start`` listens and registers the URL with Telegram, ``stop`` closes it."""

    def __init__(self, application: Any, post: Post, secret: str, path: str):
        self.application, self.post, self.secret = application, post, secret
        app = _Quiet([(rf"/{path.strip('/')}/?", UpdateHandler, {"hook": self})])
        self.server = HTTPServer(app, max_body_size=64 * MAX_BODY)  # the handler enforces MAX_BODY itself

    async def take(self, raw: Any) -> None:
        fresh, _ = await asyncio.to_thread(self.post.receive, [raw])
        await admit(self.application, self.post, fresh)

    async def start(self, host: str, port: int, url: str) -> None:
        self.server.listen(port, address=host)
        await asyncio.to_thread(self.post.backlogged, 0)
        await admit(self.application, self.post, await asyncio.to_thread(self.post.replay))
        await self.application.bot.set_webhook(url, secret_token=self.secret or None,
                                               allowed_updates=list(ALLOWED_UPDATES))

    async def stop(self) -> None:
        self.server.stop()
        await self.server.close_all_connections()
