"""The ``ask`` channel: one question in human-readable form, or JSON lines for machines.

``ask --jsonl`` reads ``{"text": "...", "session": "optional id"}`` per line and
writes one JSON object per line with the fields of the contract in DESIGN.md.
Every input line gets exactly one output line, in order: a line that is not
JSON is answered as a question (its text); a line that cannot be read at all
(not UTF-8, a lone surrogate, a number too long to convert, nesting too deep,
a line over :data:`MAX_LINE` bytes) gets ``{"line": N, "error": "..."}`` in its
place. Output is always valid UTF-8, one object per line, with U+2028 and
U+2029 escaped (they end lines in JavaScript).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import IO, Any, Iterator, TextIO

from bot.engine.assistant import Assistant
from bot.engine.reply import Reply, plain
from bot.settings import Settings
from bot.staff.training import open_assistant

log = logging.getLogger(__name__)

MAX_LINE = 1 << 20  # bytes of one input line
LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029"}


class Unreadable(ValueError):
    """An input line that cannot be turned into a question; the message says why."""


def record(text: str, reply: Reply) -> dict[str, Any]:
    return {
        "text": text, "lang": reply.lang, "intent": reply.intent, "confidence": round(reply.confidence, 4),
        "outcome": reply.outcome, "answer": plain(reply), "entry_id": reply.entry_id,
        "candidates": [{"intent": i, "confidence": c} for i, c in reply.candidates],
        "topic": reply.topic, "query_id": reply.query_id,
        "sources": [{"id": s.id, "title": s.title.as_dict(), "office": s.office.as_dict(), "number": s.number,
                     "url": s.url, "date": s.date, "kind": s.kind} for s in reply.sources],
    }


def parse(line: str, number: int) -> tuple[str, str]:
    """(text, session) of one line; raises :class:`Unreadable`."""
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        raise Unreadable("not valid UTF-8 (a lone surrogate)") from None
    try:
        item = json.loads(line)
    except json.JSONDecodeError:
        return line, f"line-{number}"
    except (ValueError, RecursionError) as exc:  # a number too long to convert, nesting too deep
        raise Unreadable(f"cannot read this JSON: {type(exc).__name__}") from None
    if not isinstance(item, dict):
        return _as_text(item), f"line-{number}"
    text, session = item.get("text"), item.get("session")
    return ("" if text is None else _as_text(text),
            _as_text(session) if session not in (None, "") else f"line-{number}")


def _as_text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Unreadable("not valid UTF-8 (a lone surrogate)") from None
    return text


def lines(stdin: IO[Any]) -> Iterator[str | Unreadable]:
    """Each input line as text, or the reason it cannot be read; bytes are decoded here, strictly."""
    source = getattr(stdin, "buffer", stdin)
    while True:
        raw = source.readline(MAX_LINE + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE and not raw.endswith(b"\n" if isinstance(raw, bytes) else "\n"):
            while (rest := source.readline(MAX_LINE)) and not rest.endswith(b"\n" if isinstance(rest, bytes) else "\n"):
                pass
            yield Unreadable(f"line longer than {MAX_LINE} bytes")
            continue
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield Unreadable("not valid UTF-8")
                continue
        yield raw.rstrip("\r\n")


def emit(out: TextIO, item: dict[str, Any]) -> None:
    """One JSON line: UTF-8 (anything unencodable replaced), U+2028/2029 escaped, flushed."""
    text = json.dumps(item, ensure_ascii=False)
    for char, escaped in LINE_BREAKS.items():
        text = text.replace(char, escaped)
    data = (text + "\n").encode("utf-8", "replace")
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        buffer.write(data)
        buffer.flush()
    else:
        out.write(data.decode("utf-8"))
        out.flush()


def answer_lines(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    assistant = open_assistant(settings)
    run = uuid.uuid4().hex[:12]  # sessions of one run never see the turns of another
    try:
        for number, line in enumerate(lines(stdin), start=1):
            if isinstance(line, str) and not line.strip():
                continue
            emit(out, _answer(assistant, run, number, line))
    finally:
        assistant.close()
    return 0


def _answer(assistant: Assistant, run: str, number: int, line: str | Unreadable) -> dict[str, Any]:
    try:
        if isinstance(line, Unreadable):
            raise line
        text, session = parse(line, number)
    except Unreadable as exc:
        return {"line": number, "error": str(exc)}
    try:
        return record(text, assistant.handle(text, f"{run}:{session}", channel="jsonl"))
    except Exception as exc:  # one line never stops the run: it gets its error object, the log the details
        log.error("ask --jsonl: line %d could not be answered", number, exc_info=exc)
        return {"line": number, "error": f"could not answer: {type(exc).__name__}"}


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
