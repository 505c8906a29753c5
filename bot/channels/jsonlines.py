"""The ``ask`` channel: one question in human-readable form, or JSON lines for machines.

``ask --jsonl`` reads ``{"text": "...", "session": "optional id"}`` per line and
writes one JSON object per line with the fields of the contract in DESIGN.md.
A line that is not valid JSON gets an answer too (as bad input), never a crash.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, TextIO

from bot.engine.reply import Reply, plain
from bot.settings import Settings
from bot.staff.training import open_assistant


def record(text: str, reply: Reply) -> dict[str, Any]:
    return {
        "text": text, "lang": reply.lang, "intent": reply.intent, "confidence": round(reply.confidence, 4),
        "outcome": reply.outcome, "answer": plain(reply), "entry_id": reply.entry_id,
        "candidates": [{"intent": i, "confidence": c} for i, c in reply.candidates],
        "topic": reply.topic, "query_id": reply.query_id,
    }


def _parse(line: str, number: int) -> tuple[str, str]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError:
        return line, f"line-{number}"
    if not isinstance(item, dict):
        return str(item), f"line-{number}"
    text = item.get("text")
    session = item.get("session")
    return (text if isinstance(text, str) else "" if text is None else str(text),
            str(session) if session not in (None, "") else f"line-{number}")


def answer_lines(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    assistant = open_assistant(settings)
    run = uuid.uuid4().hex[:12]  # sessions of one run never see the turns of another
    try:
        for number, line in enumerate(stdin, start=1):
            if not line.strip():
                continue
            text, session = _parse(line.rstrip("\n"), number)
            reply = assistant.handle(text, f"{run}:{session}", channel="jsonl")
            out.write(json.dumps(record(text, reply), ensure_ascii=False) + "\n")
            out.flush()
    finally:
        assistant.close()
    return 0


def answer_one(settings: Settings, question: str, out: TextIO) -> int:
    assistant = open_assistant(settings)
    try:
        reply = assistant.handle(question, "ask", channel="ask")
        print(plain(reply), file=out)
        if reply.buttons:
            print("\n" + " · ".join(b.label for b in reply.buttons), file=out)
    finally:
        assistant.close()
    return 0
