"""What the Assistant returns: a channel-free Reply with its buttons.

Channels render it: ``plain`` for the console and ``ask``; the Telegram layer
renders HTML from the same fields (escaping every one of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_REPLY = 4096  # Telegram's limit on one message; every channel keeps to it

ASK = "ask"            # value: "intent" or "intent:topic"
FEEDBACK = "feedback"  # value: "query_id:1" (helpful) or "query_id:0"
HUMAN = "human"        # value: query id or ""
CHECK = "check"        # the eligibility check: value: the answers so far (checkup.encode); "" starts it
CHECK_STOP = "check_stop"  # cancel the eligibility check


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
    sources: tuple[str, ...] = ()
    contact: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    feedback: bool = False
    query_id: int | None = None
    topic: str | None = None
    notice: str = ""  # e.g. "your message was long; I read its beginning"
    script: str = "hans"  # hans | hant: the Chinese script the texts are in
    relay: Relay | None = None  # set when the person's words go to staff (hand-off)
    extra: dict[str, object] = field(default_factory=dict, compare=False)


def plain(reply: Reply) -> str:
    """The reply as plain text: notice, body, sources, contact; at most MAX_REPLY characters."""
    parts = [p for p in (reply.notice, reply.text) if p]
    if reply.sources:
        parts.append("\n".join(reply.sources))
    if reply.contact:
        parts.append("\n".join(reply.contact))
    return clip("\n\n".join(parts))


def clip(text: str, limit: int = MAX_REPLY) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
