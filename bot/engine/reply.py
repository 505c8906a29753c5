"""What the Assistant returns: a channel-free Reply with its buttons.

Channels render it: ``plain`` for the console and ``ask``; the Telegram layer
renders HTML from the same fields (escaping every one of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from bot.engine.texts import t
from knowledge.models import Source

MAX_REPLY = 4096  # Telegram's limit on one message; every channel keeps to it

ASK = "ask"            # value: "intent" or "intent:topic"
FEEDBACK = "feedback"  # value: "query_id:1" (helpful) or "query_id:0"
HUMAN = "human"        # value: query id or ""
CHECK = "check"        # the eligibility check: value: the answers so far (checkup.encode); "" starts it
CHECK_STOP = "check_stop"  # cancel the eligibility check

Value = TypeVar("Value")


def copied(value: Value, **changes: object) -> Value:
    """A frozen value object (a Reply, a dialogue state) with ``changes``: ``dataclasses.replace`` for a class
    without ``__post_init__``, in a fraction of its time on the answer path (every field is taken as it is, none
    goes through ``__init__`` again)."""
    unknown = changes.keys() - value.__dataclass_fields__.keys()  # type: ignore[attr-defined]
    if unknown:
        raise TypeError(f"{type(value).__name__} has no field {sorted(unknown)}")
    made = object.__new__(type(value))
    made.__dict__.update(value.__dict__, **changes)
    return made


@dataclass(frozen=True)
class Button:
    label: str
    action: str
    value: str = ""


@dataclass(frozen=True)
class Relay:
    """What a hand-off passes on to staff with this reply; each channel delivers it its own way
    (Telegram: the staff chat; the console prints it)."""

    kind: str  # "open" (a person was asked for) | "message" (the person wrote to staff) | "cancel"
    text: str  # the person's message (for "open": their latest question, if any)
    transcript: tuple[tuple[str, str], ...] = ()  # the conversation so far: ("person" | "bot", text)
    ticket: int | None = None  # the channel's hand-off record, once it has one
    first: bool = False  # the first message after the request: staff also get the conversation


@dataclass(frozen=True)
class Reply:
    text: str
    lang: str
    intent: str
    confidence: float
    outcome: str  # answer | clarify | fallback | smalltalk | handoff
    entry_id: str | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    sources: tuple[Source, ...] = ()  # official first, at most three (the register chooses them)
    contact: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    feedback: bool = False
    query_id: int | None = None
    topic: str | None = None
    notice: str = ""  # e.g. "your message was long; I read its beginning"
    script: str = "hans"  # hans | hant: the Chinese script the texts are in
    relay: Relay | None = None  # set when the person's words go to staff (hand-off)
    extra: dict[str, object] = field(default_factory=dict, compare=False)


def source_title(source: Source, lang: str) -> str:
    """The document's title: Chinese; in English the English gloss with the Chinese title."""
    if lang == "en" and source.title.en and source.title.zh and source.title.en != source.title.zh:
        return f"{source.title.en} ({source.title.zh})"
    return source.title.get(lang)


TRADITIONAL_LABELS = {"来源：": "來源：", "转载": "轉載", "未注明日期": "未註明日期"}
"""The source labels in Traditional Chinese (the reply's texts are converted by the script step; these labels are
added when the reply is rendered). A test checks them against OpenCC."""


def label(key: str, lang: str, script: str = "hans") -> str:
    """A source label in the reply's language and script."""
    text = t(key, lang)
    return TRADITIONAL_LABELS.get(text, text) if lang == "zh" and script == "hant" else text


def source_details(source: Source, lang: str, script: str = "hans") -> str:
    """What follows the title: issuing office, document number, date, "reprint" (without the address)."""
    sep = "，" if lang == "zh" else ", "
    parts = [p for p in (source.office.get(lang), source.number) if p]
    title = source.title.zh + source.title.en
    if source.date and source.date[:4] not in title:  # the title often names its date already
        parts.append(source.date)
    elif not source.date and source.kind not in ("staff", "general"):
        parts.append(label("undated", lang, script))
    if source.kind == "reprint":
        parts.append(label("reprint", lang, script))
    return sep.join(parts)


def source_line(source: Source, lang: str, script: str = "hans") -> str:
    """One source as a plain line: title, office, number, date, reprint mark, address."""
    details = source_details(source, lang, script)
    line = label("source", lang, script) + source_title(source, lang)
    if details:
        line += ("，" if lang == "zh" else " — ") + details
    if source.url:
        line += f" {source.url}"
    return line


def plain(reply: Reply) -> str:
    """The reply as plain text: notice, body, sources, contact; at most MAX_REPLY characters."""
    parts = [p for p in (reply.notice, reply.text) if p]
    if reply.sources:
        parts.append("\n".join(source_line(s, reply.lang, reply.script) for s in reply.sources))
    if reply.contact:
        parts.append("\n".join(reply.contact))
    return clip("\n\n".join(parts))


def clip(text: str, limit: int = MAX_REPLY) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
