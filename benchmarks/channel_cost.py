"""Where the Telegram bot's CPU goes, without a network: both bots against a Bot API kept in this process.

``benchmarks/telegram_bench.py`` measures the bots through the loopback server, where HTTP (httpx, httpcore,
the sockets) costs each bot about as much as everything else and moves with the machine's load. Here the two
request classes the bots use answer from memory instead (what the loopback server would send back, made in
this process for both bots alike), so what is left is the bots' own work: PTB's Application, the channel
(intake and its inbox, guards, lanes, rendering, the outbox's send path) and the answer. The load is the
bench's: ``--chats`` chats each ask ``--messages`` questions, one after the other.

Three bots, in turn, ``--rounds`` times each: the bare echo bot, the talent bot, and the talent bot with
each question's answer computed once and then reused (``Desk.handle`` remembered per text: no answer path,
no query logged). The last one is the channel alone; the talent bot minus it is the answer's share (its
computation and the background writer's SQLite work). Reported: CPU milliseconds per message of the whole
process, of the event loop's thread, and of the other threads (the writer), medians of the rounds.

Run: ``python -m benchmarks.channel_cost``. Nothing here is used by the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlencode

from telegram.ext import Application
from telegram.request import HTTPXRequest, RequestData

from benchmarks.loopback import BOT, TOKEN
from benchmarks.telegram_bench import ASKED, echo_bot
from bot.channels.tg.app import build_application, start, stop
from bot.channels.tg.desk import Desk, Who
from bot.channels.tg.wire import JsonRequest
from bot.engine.heap import settle_heap
from bot.engine.reply import Reply
from bot.settings import load_settings
from bot.staff.training import open_assistant


class MemoryApi:
    """The Bot API's answers for the bench's load: chats that ask again once answered."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)  # update ids go on across rounds (the inbox keeps the earlier ones)
        self.load(0, 0)

    def load(self, chats: int, messages: int) -> None:
        self.pending: collections.deque[dict[str, Any]] = collections.deque()
        self.arrived = asyncio.Event()
        self.finished = asyncio.Event()
        self.left = {10_000 + c: messages for c in range(chats)}
        self.asked: collections.Counter[int] = collections.Counter()
        self.message_ids: dict[int, itertools.count[int]] = collections.defaultdict(lambda: itertools.count(1))
        self.total, self.replies = chats * messages, 0
        for chat in list(self.left):
            self.ask(chat)

    def ask(self, chat: int) -> None:
        if self.left.get(chat, 0) <= 0:
            return
        self.left[chat] -= 1
        text = ASKED[(chat + self.asked[chat]) % len(ASKED)]
        self.asked[chat] += 1
        person = {"id": chat, "is_bot": False, "first_name": "Li", "language_code": "zh-hans"}
        self.pending.append({"update_id": next(self.ids), "message": {
            "message_id": next(self.message_ids[chat]), "date": int(time.time()), "text": text,
            "chat": {"id": chat, "type": "private", "first_name": "Li"}, "from": person}})
        self.arrived.set()

    async def answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT
        if method == "getUpdates":
            while not self.pending:
                self.arrived.clear()
                try:
                    await asyncio.wait_for(self.arrived.wait(), 0.5)
                except asyncio.TimeoutError:
                    return []
            return [self.pending.popleft() for _ in range(min(100, len(self.pending)))]
        if method != "sendMessage":
            return True
        chat = int(params["chat_id"])
        sent = {"message_id": next(self.message_ids[chat]), "date": int(time.time()), "from": BOT,
                "chat": {"id": chat, "type": "private", "first_name": "Li"}, "text": params.get("text", "")}
        if params.get("reply_markup"):
            sent["reply_markup"] = params["reply_markup"]
        self.replies += 1
        asyncio.get_running_loop().call_soon(self.ask, chat)
        if self.replies >= self.total:
            self.finished.set()
        return sent


@contextlib.contextmanager
def in_memory(api: MemoryApi, remembered: bool) -> Iterator[None]:
    """The bots' requests answered by ``api``; with ``remembered``, each text's first answer reused."""
    saved = JsonRequest.do_request, HTTPXRequest.do_request, Desk.handle
    answers: dict[str, Reply] = {}

    async def as_json(self: JsonRequest, url: str, method: str, request_data: RequestData | None = None,
                      *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        body = json.dumps(request_data.parameters if request_data else {}, ensure_ascii=False,
                          separators=(",", ":")).encode()  # what JsonRequest sends
        return await _reply(api, url, json.loads(body))

    async def as_form(self: HTTPXRequest, url: str, method: str, request_data: RequestData | None = None,
                      *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        params = dict(request_data.json_parameters) if request_data else {}
        urlencode(params)  # what HTTPXRequest sends
        return await _reply(api, url, {**params, **dict(parse_qsl(url.partition("?")[2]))})

    def remember(self: Desk, text: str, who: Who) -> Reply:
        if text not in answers:
            answers[text] = saved[2](self, text, who)
        return answers[text]

    JsonRequest.do_request = as_json  # type: ignore[method-assign]
    HTTPXRequest.do_request = as_form  # type: ignore[method-assign]
    if remembered:
        Desk.handle = remember  # type: ignore[method-assign]
    try:
        yield
    finally:
        JsonRequest.do_request, HTTPXRequest.do_request, Desk.handle = saved  # type: ignore[method-assign]


async def _reply(api: MemoryApi, url: str, params: dict[str, Any]) -> tuple[int, bytes]:
    method = url.rsplit("/", 1)[1].partition("?")[0]
    return 200, json.dumps({"ok": True, "result": await api.answer(method, params)}).encode()


async def _round(app: Application, api: MemoryApi, chats: int, messages: int) -> dict[str, float]:
    echo = app.updater is not None
    if echo:
        assert app.updater is not None
        await app.initialize()
        await app.updater.start_polling(poll_interval=0, timeout=10)
        await app.start()
    else:
        intake = await start(app)
    api.load(chats, messages)
    process, loop_thread = time.process_time(), time.thread_time()
    await api.finished.wait()
    process, loop_thread = time.process_time() - process, time.thread_time() - loop_thread
    if echo:
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    else:
        await stop(app, intake)
    per = 1000 / api.total
    return {"process": process * per, "event_loop": loop_thread * per, "other_threads": (process - loop_thread) * per}


async def _measure(db: Path, chats: int, messages: int, rounds: int) -> dict[str, Any]:
    settings = dataclasses.replace(load_settings({}, env_file=None).with_db(db), token=TOKEN,
                                   api_base_url="http://127.0.0.1:9/bot", send_rate=0)
    assistant = open_assistant(settings)
    settle_heap()
    api = MemoryApi()
    bots = {"echo_bot": lambda: echo_bot(settings.api_base_url),
            "talent_bot": lambda: build_application(settings, assistant),
            "channel_alone": lambda: build_application(settings, assistant)}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in bots}
    try:
        for number in range(rounds + 1):  # the first round warms up and is not counted
            for name, make in bots.items():
                with in_memory(api, remembered=name == "channel_alone"):
                    measured = await _round(make(), api, chats, messages)
                if number:
                    runs[name].append(measured)
    finally:
        assistant.close()
    medians = {name: {key: round(statistics.median(r[key] for r in done), 3) for key in done[0]}
               for name, done in runs.items()}
    return {"chats": chats, "messages_per_chat": messages, "rounds": rounds, "cpu_ms_per_message": medians}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "job skipped" while the loop is saturated
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(_measure(Path(tmp) / "bench.sqlite", args.chats, args.messages, args.rounds))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
