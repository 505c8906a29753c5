"""Load benchmark of the Telegram channel: the talent bot beside a bare echo bot.

Both bots run in this process against the loopback Bot API server of the tests
(``benchmarks/loopback.py``), which runs in a child process together with the load:
``--chats`` simulated chats each send ``--messages`` questions, one after the
other (a person waits for the answer before asking again). Latency is measured
by the server, from the moment an update is available to ``getUpdates`` until
the bot's ``sendMessage`` for that chat arrives. The overall send cap is off
(``TALENTBOT_SEND_RATE=0``), as for a self-hosted Bot API server.

The two bots run in turn, ``--rounds`` times each (the machine may be shared):
the figures are those of each bot's median run. Beside the throughput, the CPU
time this process (the bot, all its threads; the server runs in the child) spent
per message, and ``cpu_ratio``, the echo bot's median over the assistant's: it
moves less than the throughput when other work on the machine comes and goes
between rounds. Run: ``python
benchmarks/telegram_bench.py`` or ``python run_bot.py bench --telegram``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

from benchmarks.loopback import TOKEN, BotApiServer, Call  # noqa: E402
from bot.channels.tg.app import (  # noqa: E402
    CONCURRENT_UPDATES,
    CONNECTIONS,
    build_application,
    start,
    stop,
)
from bot.cli.bench import QUESTIONS  # noqa: E402
from bot.engine.heap import settle_heap  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.staff.training import open_assistant  # noqa: E402

ASKED = tuple(text for _, text in QUESTIONS if text not in ("转人工",))


# ---------------------------------------------------------------- the load (child process)


def _serve(port_out: Any, results: Any, go: Any, chats: int, messages: int, delay_ms: float) -> None:
    asyncio.run(_drive(port_out, results, go, chats, messages, delay_ms))


async def _drive(port_out: Any, results: Any, go: Any, chats: int, messages: int, delay_ms: float) -> None:
    server = BotApiServer(record=False)
    waiting: dict[int, asyncio.Future[float]] = {}
    loop = asyncio.get_running_loop()

    def on_call(call: Call) -> None:
        if call.method == "sendMessage":
            future = waiting.pop(int(call.chat_id), None)
            if future is not None and not future.done():
                future.set_result(time.perf_counter())

    server.on_call = on_call
    if delay_ms:
        server.delays["sendMessage"] = delay_ms / 1000
    await server.start()
    port_out.send(server.port)
    while True:
        command = await loop.run_in_executor(None, go.recv)
        if command == "stop":
            break
        latencies: list[float] = []

        async def chat(chat_id: int, latencies: list[float] = latencies) -> None:
            for number in range(messages):
                future: asyncio.Future[float] = loop.create_future()
                waiting[chat_id] = future
                pushed = time.perf_counter()
                server.message(chat_id, ASKED[(chat_id + number) % len(ASKED)])
                done = await asyncio.wait_for(future, 120)
                latencies.append((done - pushed) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(chat(10_000 + c) for c in range(chats)))
        elapsed = time.perf_counter() - started
        results.send({"messages": len(latencies), "seconds": elapsed, "latencies": latencies})
    server.release()
    await server.stop()


# ---------------------------------------------------------------- the bots (this process)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "")


def echo_bot(base_url: str) -> Application:
    """A bare python-telegram-bot echo bot with the same concurrency and pool as the talent bot."""
    app = (ApplicationBuilder().token(TOKEN).base_url(base_url).connection_pool_size(CONNECTIONS)
           .pool_timeout(10.0).concurrent_updates(CONCURRENT_UPDATES).build())
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return app


async def _measure(app: Application, go: Any, results: Any) -> dict[str, Any]:
    if app.updater is None:  # the assistant: its own intake (stores each batch before confirming it)
        intake = await start(app)
    else:
        await app.initialize()
        await app.updater.start_polling(poll_interval=0, timeout=10)
        await app.start()
    try:
        cpu = time.process_time()
        go.send("run")
        raw = await asyncio.get_running_loop().run_in_executor(None, results.recv)
        cpu = time.process_time() - cpu
    finally:
        if app.updater is None:
            await stop(app, intake)
        else:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
    lat = sorted(raw["latencies"])
    return {"messages": raw["messages"], "seconds": round(raw["seconds"], 3),
            "messages_per_s": round(raw["messages"] / raw["seconds"], 1),
            "cpu_ms_per_message": round(cpu * 1000 / raw["messages"], 2),
            "latency_ms": {"median": round(statistics.median(lat), 2),
                           "p99": round(lat[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))], 2)}}


def _medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median throughput, with every run's messages per second."""
    ordered = sorted(runs, key=lambda r: r["messages_per_s"])
    return {**ordered[len(ordered) // 2], "runs_messages_per_s": [r["messages_per_s"] for r in runs],
            "runs_cpu_ms_per_message": [r["cpu_ms_per_message"] for r in runs]}


async def _bench(chats: int, messages: int, delay_ms: float, db: Path, rounds: int = 3) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    port_in, port_out = ctx.Pipe(duplex=False)
    results_in, results_out = ctx.Pipe(duplex=False)
    go_in, go_out = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_serve, args=(port_out, results_out, go_in, chats, messages, delay_ms), daemon=True)
    child.start()
    port = port_in.recv()
    base_url = f"http://127.0.0.1:{port}/bot"
    settings = dataclasses.replace(load_settings({}, env_file=None).with_db(db), token=TOKEN, api_base_url=base_url,
                                   send_rate=0)
    assistant = open_assistant(settings)
    settle_heap()  # as the bot does at start; here before the first round, so that the echo bot runs on it too
    echoes, talents = [], []
    try:
        for _ in range(rounds):  # in turn, so that both see the same load of a shared machine
            echoes.append(await _measure(echo_bot(base_url), go_out, results_in))
            talents.append(await _measure(build_application(settings, assistant), go_out, results_in))
    finally:
        go_out.send("stop")
        child.join(10)
        assistant.close()
    echo, talent = _medians(echoes), _medians(talents)
    ratios = sorted(t["messages_per_s"] / e["messages_per_s"] for e, t in zip(echoes, talents))
    return {"chats": chats, "messages_per_chat": messages, "bot_api_delay_ms": delay_ms, "rounds": rounds,
            "echo_bot": echo, "talent_bot": talent,
            "throughput_ratio": round(talent["messages_per_s"] / echo["messages_per_s"], 3),
            "round_ratios": [round(r, 3) for r in ratios],
            "cpu_ratio": round(statistics.median(e["cpu_ms_per_message"] for e in echoes)
                               / statistics.median(t["cpu_ms_per_message"] for t in talents), 3)}


def run_telegram_bench(chats: int = 200, messages: int = 5, delay_ms: float = 0.0, rounds: int = 3) -> dict[str, Any]:
    """Benchmark on a scratch copy of the seed knowledge base; returns the numbers (medians of ``rounds``)."""
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_bench(chats, messages, delay_ms, Path(tmp) / "bench.sqlite", rounds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--delay-ms", type=float, default=0.0,
                        help="added to every sendMessage answer (a simulated distance to Telegram)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each bot, in turn")
    args = parser.parse_args(argv)
    print(json.dumps(run_telegram_bench(args.chats, args.messages, args.delay_ms, args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
