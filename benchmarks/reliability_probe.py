"""Reliability probe: a real ``run_bot.py`` process against the loopback Bot API server.

``python -m benchmarks.reliability_probe [kill:300] [outage:50]``

- ``kill:N``: N questions from N chats; the process is killed (SIGKILL) once a
  third were answered, then started again; counts answers, duplicates, losses
  and the questions logged.
- ``outage:N``: N questions during 10 s of faults (5 s of HTTP 500, then 5 s of
  answers slower than the bot's 1 s time-out); counts the same.

Prints one JSON line per scenario. The README's reliability table comes from it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from benchmarks.loopback import TOKEN, BotApiServer
from bot.engine.assistant import Assistant
from bot.settings import load_settings
from knowledge import KnowledgeBase, delivery

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "博士买房有补贴吗 #{chat}"


def _spawn(server: BotApiServer, db: Path, extra: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TALENTBOT_"))}
    env.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.base_url, "TALENTBOT_DB": str(db),
                "TALENTBOT_USER_RATE": "0", "TALENTBOT_LOG_LEVEL": "WARNING", **extra})
    return subprocess.Popen([sys.executable, "run_bot.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


async def _until(condition: Callable[[], object], timeout: float = 300) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the bot did not get there in time")


def _logged(db: Path) -> dict[str, Any]:
    with KnowledgeBase.open(db) as kb:
        texts = [r[0] for r in kb.db.execute("select text from queries where channel = 'telegram'")]
        states = dict(kb.db.execute("select delivery, count(*) from queries where channel = 'telegram' "
                                    "group by 1").fetchall())
        return {"logged": len(texts), "logged_twice": len(texts) - len(set(texts)), "replayed": delivery.replayed(kb),
                "delivery": states}


def _counts(server: BotApiServer, n: int, since: int = 0) -> dict[str, int]:
    replies = [c.chat_id for c in server.sent("sendMessage", since=since)]
    return {"delivered": len(set(replies)), "duplicates": len(replies) - len(set(replies)),
            "lost": n - len(set(replies))}


async def kill(db: Path, n: int) -> dict[str, Any]:
    server = await BotApiServer().start()
    bot = _spawn(server, db, {"TALENTBOT_SEND_RATE": "30"})
    await _until(lambda: server.sent("setMyCommands"))
    for chat in range(10_000, 10_000 + n):
        server.message(chat, QUESTION.format(chat=chat))
    await _until(lambda: len(server.sent("sendMessage")) >= n // 3)
    bot.send_signal(signal.SIGKILL)
    bot.wait()
    before = len({c.chat_id for c in server.sent("sendMessage")})
    bot = _spawn(server, db, {"TALENTBOT_SEND_RATE": "30"})
    await _until(lambda: len({c.chat_id for c in server.sent("sendMessage")}) >= n)
    await asyncio.sleep(2)  # anything sent twice has been sent by now
    server.release()
    bot.send_signal(signal.SIGTERM)
    bot.wait()
    await server.stop()
    return {"scenario": "kill", "messages": n, "answered_before_kill": before, **_counts(server, n), **_logged(db)}


async def outage(db: Path, n: int) -> dict[str, Any]:
    server = await BotApiServer().start()
    bot = _spawn(server, db, {"TALENTBOT_SEND_RATE": "0", "TALENTBOT_RETRY_SCHEDULE": "0.5,1,2",
                              "TALENTBOT_HTTP_TIMEOUT": "1"})
    await _until(lambda: server.sent("getUpdates"))
    mark = len(server.calls)
    server.outages["sendMessage"] = 500
    for chat in range(20_000, 20_000 + n):
        server.message(chat, QUESTION.format(chat=chat))
    await asyncio.sleep(5)
    del server.outages["sendMessage"]
    server.delays["sendMessage"] = 3.0
    slow = len(server.calls)
    await asyncio.sleep(5)
    del server.delays["sendMessage"]
    back = len(server.calls)
    await _until(lambda: len({c.chat_id for c in server.sent("sendMessage", since=mark)}) >= n)
    await asyncio.sleep(3)
    server.release()
    bot.send_signal(signal.SIGTERM)
    bot.wait()
    await server.stop()
    return {"scenario": "outage", "messages": n, "http_500": sum(c.status == 500 for c in server.calls[mark:]),
            "timed_out_sends": sum(c.method == "sendMessage" for c in server.calls[slow:back]),
            **_counts(server, n, mark), **_logged(db)}


def _template(work: Path) -> Path:
    """A database with the seed loaded and the classifier trained (once per run)."""
    path = work / "template.sqlite"
    Assistant.open(load_settings({}, env_file=None).with_db(path)).close()
    return path


async def main(scenarios: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="talentbot-probe-") as folder:
        template = _template(Path(folder))
        for number, scenario in enumerate(scenarios or ["kill:300", "outage:50"]):
            kind, _, size = scenario.partition(":")
            db = Path(folder) / f"probe-{number}.sqlite"
            shutil.copy(template, db)
            result = await (kill if kind == "kill" else outage)(db, int(size or 50))
            print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
