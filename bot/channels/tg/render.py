"""Rendering for Telegram: Replies to HTML messages and inline keyboards.

The one place that makes markup. Every field (answer, sources, contact, labels,
whatever the user or staff typed) passes through ``html.escape``. Messages longer
than Telegram's 4,096 characters are split between blocks or lines, never inside
a tag or an entity.
"""

from __future__ import annotations

import html
import re
from typing import Any, Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.tg import buttons
from bot.engine.reply import (
    ASK,
    FEEDBACK,
    HUMAN,
    MAX_REPLY,
    Button,
    Reply,
    label,
    source_details,
    source_title,
)
from knowledge.models import Source

SEP = "\n\n"
SAFE_URL = re.compile(r"^https?://[^\s\"<>]+$")


def reply_html(reply: Reply) -> list[str]:
    """The Reply as one or more HTML messages, each at most MAX_REPLY characters."""
    blocks: list[tuple[str, str, str]] = []
    if reply.notice:
        blocks.append(("<i>", reply.notice, "</i>"))
    blocks.append(("", reply.text, ""))
    messages = pack(blocks)
    if reply.sources:
        lines = "\n".join(source_html(s, reply.lang, reply.script) for s in reply.sources)
        if size(messages[-1] + SEP + "📄 " + lines) <= MAX_REPLY:
            messages[-1] += SEP + "📄 " + lines
        else:
            messages.append("📄 " + lines)
    if reply.contact:
        tail = pack([("☎️ ", "\n".join(reply.contact), "")])
        if size(messages[-1] + SEP + tail[0]) <= MAX_REPLY:
            messages[-1] += SEP + tail.pop(0)
        messages += tail
    return messages


def source_html(source: Source, lang: str, script: str = "hans") -> str:
    """One source: the title as a link to the document (when it has a web address), then its details."""
    title = escape(source_title(source, lang))
    if source.url and SAFE_URL.match(source.url):
        title = f'<a href="{html.escape(source.url, quote=True)}">{title}</a>'
    details = source_details(source, lang, script)
    if details:
        title += escape(("，" if lang == "zh" else " — ") + details)
    return escape(label("source", lang, script)) + title


def text_html(text: str, heading: str = "") -> list[str]:
    """Plain text (from staff, or a channel phrase) as HTML messages, with an optional bold heading."""
    blocks = [("<b>", heading, "</b>")] if heading else []
    return pack(blocks + [("", text, "")])


def pack(blocks: Iterable[tuple[str, str, str]], limit: int = MAX_REPLY) -> list[str]:
    """Escape each block's text, wrap it, and pack the blocks into messages of at most ``limit``."""
    pieces: list[str] = []
    for opening, raw, closing in blocks:
        if not raw.strip():
            continue
        budget = limit - size(opening + closing)
        pieces += [opening + escape(part) + closing for part in split_raw(raw, budget)]
    messages: list[str] = []
    for piece in pieces:
        if messages and size(messages[-1] + SEP + piece) <= limit:
            messages[-1] += SEP + piece
        else:
            messages.append(piece)
    return messages or ["…"]


def escape(text: str) -> str:
    """Text for Telegram HTML: ``&``, ``<`` and ``>`` escaped (quotes need no escaping outside tags)."""
    return html.escape(text, quote=False)


def split_raw(raw: str, budget: int) -> list[str]:
    """Cut raw text so that each part, escaped, fits ``budget``; prefer line, then word, breaks."""
    parts: list[str] = []
    rest = raw.strip()
    while rest and size(escape(rest)) > budget:
        cut = _longest_prefix(rest, budget)
        window = rest[:cut]
        for breaker in ("\n", " ", "。", "，"):
            at = window.rfind(breaker)
            if at > cut // 2:
                cut = at + 1
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _longest_prefix(text: str, budget: int) -> int:
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if size(escape(text[:mid])) <= budget:
            low = mid
        else:
            high = mid - 1
    return low


def size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), a safe upper bound for the parsed text."""
    return len(text.encode("utf-16-le")) // 2


def keyboard(items: Iterable[Button]) -> InlineKeyboardMarkup | None:
    """Inline keyboard: choices two a row, 👍/👎 together, a person on its own row."""
    rows = layout(items)
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in row]
                                 for row in rows]) if rows else None


def keyboard_data(items: Iterable[Button]) -> dict[str, Any] | None:
    """The same keyboard as :func:`keyboard`, in the Bot API's JSON form: what an answer sends (and the outbox
    keeps), without making and serialising a Telegram object per button on every reply."""
    rows = layout(items)
    return {"inline_keyboard": [[{"text": text, "callback_data": data} for text, data in row] for row in rows]} \
        if rows else None


def layout(items: Iterable[Button]) -> list[list[tuple[str, str]]]:
    """The rows of (label, callback data): choices two a row, 👍/👎 together, a person on its own row."""
    choices: list[tuple[str, str]] = []
    votes: list[tuple[str, str]] = []
    people: list[tuple[str, str]] = []
    for item in items:
        made = (item.label, buttons.encode(item.action, item.value))
        {ASK: choices, FEEDBACK: votes, HUMAN: people}.get(item.action, choices).append(made)
    rows = [choices[i:i + 2] for i in range(0, len(choices), 2)]
    rows += [votes] if votes else []
    rows += [[p] for p in people]
    return rows


def choices(pairs: Iterable[tuple[str, str, str]]) -> InlineKeyboardMarkup:
    """A keyboard of (label, action, value) buttons, one row."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=buttons.encode(action, value))
                                  for label, action, value in pairs]])
