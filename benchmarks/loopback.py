"""A Bot API server on 127.0.0.1 for the tests and the benchmark (aiohttp).

It speaks enough of the Bot API for python-telegram-bot: getMe, getUpdates
(long polling), sendMessage, editMessageText, editMessageReplyMarkup,
answerCallbackQuery, setMyCommands, deleteWebhook, copyMessage, forwardMessage,
sendChatAction, sendDocument, sendPhoto. Every call is recorded; updates are
injected as Telegram would send them; faults can be switched on per method
(HTTP 429 with retry_after, 500, slow answers, an outage until lifted). Nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

TOKEN = "123456:TEST-token-for-the-loopback-server"
BOT = {"id": 4242, "is_bot": True, "first_name": "Talent Bot", "username": "talent_test_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
STRING_KEYS = {"text", "caption", "parse_mode", "callback_query_id", "language_code", "url", "secret_token",
               "action", "emoji", "scope_type", "description", "short_description", "name"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    status: int
    retry_after: int = 0


@dataclass
class BotApiServer:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    delays: dict[str, float] = field(default_factory=dict)
    outages: dict[str, int] = field(default_factory=dict)  # method -> HTTP status it answers until removed
    port: int = 0
    record: bool = True
    on_call: Callable[[Call], None] | None = None

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._arrived = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._callback_ids = itertools.count(1)

    # ---- life cycle

    async def start(self) -> "BotApiServer":
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=2048)  # many connections open at once
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()

    def release(self) -> None:
        """Answer pending and future long polls at once (before stopping the bot)."""
        self._closing = True
        self._arrived.set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # ---- faults

    def fail(self, method: str, status: int, times: int = 1, retry_after: int = 0) -> None:
        self.faults[method].extend(Fault(status, retry_after) for _ in range(times))

    # ---- injecting updates

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._ids), kind: payload}
        self.updates.append(update)
        self._arrived.set()
        return update

    def user(self, user_id: int, lang: str = "zh-hans", name: str = "Li") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": lang}

    def chat(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": "Li"} if chat_id > 0 else \
            {"id": chat_id, "type": "supergroup", "title": "Group"}

    def message(self, chat_id: int, text: str = "", user_id: int | None = None, lang: str = "zh-hans",
                reply_to: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        """Inject a message as Telegram would (commands and @mentions get their entities)."""
        payload: dict[str, Any] = {
            "message_id": next(self._message_ids[chat_id]), "date": int(time.time()), "chat": self.chat(chat_id),
            "from": self.user(user_id or chat_id, lang), **extra}
        if text:
            payload["text"] = text
            entities = _entities(text)
            if entities:
                payload["entities"] = entities
        if reply_to is not None:
            payload["reply_to_message"] = reply_to
        return self.push("message", payload)["message"]

    def press(self, call: Call, data: str, user_id: int | None = None, lang: str = "zh-hans") -> str:
        """Press a button on a message the bot sent (or forge one: any data)."""
        message = dict(call.params.get("_message") or {})
        query_id = str(next(self._callback_ids))
        self.push("callback_query", {"id": query_id, "from": self.user(user_id or int(call.chat_id), lang),
                                     "chat_instance": "ci", "data": data, "message": message})
        return query_id

    # ---- reading what the bot did

    def sent(self, method: str = "sendMessage", chat_id: int | None = None, since: int = 0) -> list[Call]:
        return [c for c in self.calls[since:] if c.method == method and c.status == 200
                and (chat_id is None or c.chat_id == chat_id)]

    async def wait_for(self, predicate: Callable[[Call], bool], since: int = 0, timeout: float = 10.0) -> Call:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for call in self.calls[since:]:
                if call.status == 200 and predicate(call):
                    return call
            await asyncio.sleep(0.01)
        seen = [(c.method, c.text[:40]) for c in self.calls[since:]]
        raise AssertionError(f"no matching call in {timeout}s; calls: {seen}")

    async def wait_message(self, chat_id: int, since: int = 0, contains: str = "", timeout: float = 10.0) -> Call:
        return await self.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == chat_id
                                   and contains in c.text, since, timeout)

    async def quiet(self, seconds: float = 0.3) -> None:
        """Let the bot work for a moment (to assert that it sent nothing)."""
        await asyncio.sleep(seconds)

    # ---- the Bot API

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        params = await _params(request)
        call = Call(method, params, time.monotonic())
        if self.record:
            self.calls.append(call)
        delay = self.delays.get(method)
        if delay:
            await asyncio.sleep(delay)
        if method in self.outages or self.faults.get(method):
            fault = Fault(self.outages[method]) if method in self.outages else self.faults[method].popleft()
            call.status = fault.status
            extra = {"parameters": {"retry_after": fault.retry_after}} if fault.retry_after else {}
            return _error(fault.status, "Too Many Requests: retry later" if fault.status == 429
                          else "Internal Server Error", **extra)
        if method == "getUpdates":
            return _ok(await self._get_updates(params))
        result = self._result(method, params)
        call.params["_message"] = result if isinstance(result, dict) and "message_id" in result else None
        if self.on_call is not None:
            self.on_call(call)
        return _ok(result)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and timeout and not self._closing:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout)
            except asyncio.TimeoutError:
                pass
        return self.updates[:limit]

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT
        if method in ("sendMessage", "sendDocument", "sendPhoto", "forwardMessage"):
            chat_id = int(params["chat_id"])
            message = {"message_id": next(self._message_ids[chat_id]), "date": int(time.time()),
                       "chat": self.chat(chat_id), "from": BOT, "text": params.get("text", "")}
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "copyMessage":
            return {"message_id": next(self._message_ids[int(params["chat_id"])])}
        if method in ("editMessageText", "editMessageReplyMarkup"):
            chat_id = int(params.get("chat_id") or 0)
            return {"message_id": int(params.get("message_id") or 0), "date": int(time.time()),
                    "chat": self.chat(chat_id), "from": BOT, "text": params.get("text", "")}
        return True


def _entities(text: str) -> list[dict[str, Any]]:
    found = []
    if text.startswith("/"):
        length = len(text.split()[0])
        found.append({"type": "bot_command", "offset": 0, "length": _utf16(text[:length])})
    username = str(BOT["username"])
    at = text.find("@" + username)
    if at >= 0 and not text.startswith("/"):
        found.append({"type": "mention", "offset": _utf16(text[:at]), "length": len(username) + 1})
    return found


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    form = await request.post() if request.can_read_body else {}
    raw = {**request.query, **{k: v for k, v in form.items() if isinstance(v, str)}}
    params: dict[str, Any] = {}
    files = {k: v.file.read() for k, v in form.items() if isinstance(v, web.FileField)}
    if files:
        params["_files"] = files  # uploads (sendPhoto, sendDocument): field name → bytes
    for key, value in raw.items():
        if key in STRING_KEYS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description, **extra},
                             status=status)
