"""The person's Chinese script: read from what they write, applied to the whole reply.

A question written in Traditional Chinese is answered in Traditional Chinese:
answer, notice, sources, contact and every button label pass through OpenCC
(``s2t``). The knowledge base is written in Simplified Chinese, so nothing else
needs converting. The reply follows the latest message that shows a script: a
message in English ends a Traditional stretch (a Chinese message neutral between
the scripts, "那博士呢", after it is answered in Simplified Chinese); a message of
digits or emoji alone keeps the script the conversation had.
"""

from __future__ import annotations

import dataclasses
import re

import opencc

from bot.engine.reply import Reply
from intents.normalize import CJK
from knowledge.models import Source, Text

LATIN = re.compile(r"[A-Za-z]{2,}")  # a message in English shows a script too: the next Chinese one starts afresh
SIMPLIFIED = "hans"
TRADITIONAL = "hant"


class Scripts:
    """Detects the script of a message and converts Replies; one per Assistant (OpenCC converters)."""

    def __init__(self) -> None:
        self._to_simplified = opencc.OpenCC("t2s")
        self._to_traditional = opencc.OpenCC("s2t")

    def of(self, text: str, previous: str = SIMPLIFIED) -> str:
        """``hant`` when more of the message's characters are traditional-only than simplified-only."""
        chinese = "".join(CJK.findall(text))
        if not chinese:
            return SIMPLIFIED if LATIN.search(text) else previous
        traditional = _changed(chinese, self._to_simplified.convert(chinese))
        if not traditional and previous == SIMPLIFIED:
            return SIMPLIFIED  # simplified or neutral: either way simplified, without a second conversion
        simplified = _changed(chinese, self._to_traditional.convert(chinese))
        if traditional > simplified:
            return TRADITIONAL
        if simplified > traditional:
            return SIMPLIFIED
        return previous

    def convert(self, text: str, script: str) -> str:
        return self._to_traditional.convert(text) if script == TRADITIONAL and text else text

    def apply(self, reply: Reply, script: str) -> Reply:
        """The Reply in ``script``: every text a channel shows, buttons included."""
        if script != TRADITIONAL or reply.lang != "zh":
            return reply
        convert = self._to_traditional.convert
        buttons = tuple(dataclasses.replace(b, label=convert(b.label)) for b in reply.buttons)
        return dataclasses.replace(
            reply, text=convert(reply.text), notice=convert(reply.notice) if reply.notice else "",
            sources=tuple(self._source(s) for s in reply.sources), contact=tuple(convert(c) for c in reply.contact),
            buttons=buttons, script=TRADITIONAL,
        )

    def _source(self, source: Source) -> Source:
        convert = self._to_traditional.convert
        return dataclasses.replace(source, title=Text(convert(source.title.zh), source.title.en),
                                   office=Text(convert(source.office.zh), source.office.en))


def _changed(before: str, after: str) -> int:
    return sum(1 for a, b in zip(before, after) if a != b)
