"""Callback data: versioned, compact, validated.

Every inline button carries ``v1|<action>|<value>``. ``decode`` returns None for
anything that is not exactly of that form (an old version, a forged or mangled
value), and the callback handler answers such a press with its own polite text.
The data is self-contained, so buttons keep working after a restart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine.checkup import STATE
from bot.engine.reply import ASK, CHECK, CHECK_STOP, FEEDBACK, HUMAN

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit on callback_data

LANG = "lang"
FORGET = "forget"
PROPOSE = "propose"  # staff only: turn a hand-off into a proposed knowledge-base answer
TOPIC = "topic"  # follow or unfollow a topic (news)
NOTICE = "notice"  # ask about a notice

CODES = {ASK: "a", FEEDBACK: "f", HUMAN: "h", LANG: "l", FORGET: "x", PROPOSE: "s", CHECK: "e", CHECK_STOP: "q",
         TOPIC: "t", NOTICE: "n"}
ACTIONS = {code: action for action, code in CODES.items()}
VALUES = {
    ASK: re.compile(r"[a-z][a-z0-9_]{0,39}(:[a-z0-9_]{0,40})?"),
    FEEDBACK: re.compile(r"[0-9]{1,12}:[01]"),
    HUMAN: re.compile(r"[0-9]{0,12}"),
    LANG: re.compile(r"zh|en"),
    FORGET: re.compile(r"yes|no"),
    PROPOSE: re.compile(r"[0-9]{1,12}"),
    CHECK: STATE,  # the eligibility check's answers so far
    CHECK_STOP: re.compile(""),
    TOPIC: re.compile(r"[a-z][a-z0-9_]{0,39}"),
    NOTICE: re.compile(r"[0-9]{1,9}"),
}


@dataclass(frozen=True)
class Press:
    """A decoded button press: one of the actions above and its validated value."""

    action: str
    value: str


def encode(action: str, value: str = "") -> str:
    data = f"{VERSION}|{CODES[action]}|{value}"
    if not VALUES[action].fullmatch(value) or len(data.encode()) > MAX_BYTES:
        raise ValueError(f"invalid button value for {action}: {value!r}")
    return data


def pattern(action: str) -> str:
    """A regular expression for the data of ``action``'s buttons (to route them to a handler group)."""
    return "^" + re.escape(f"{VERSION}|{CODES[action]}|")


def decode(data: str | None) -> Press | None:
    """The press, or None when the data is stale, forged or malformed."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split("|")
    if len(parts) != 3 or parts[0] != VERSION or parts[1] not in ACTIONS:
        return None
    action = ACTIONS[parts[1]]
    if not VALUES[action].fullmatch(parts[2]):
        return None
    return Press(action, parts[2])
