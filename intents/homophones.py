"""Degree and tier names typed with a homophone typo ("朔士" for 硕士, "领君" for 领军, "青年才骏").

A pinyin input method offers every character of the syllable typed, so a name is
sometimes written with the wrong one. Such a typo is read by its syllables: it
stands for a name when it sounds like it, shares a character with it and is not
a common word that sounds the same ("说是", "本可以").

Only the syllables of the names matter, so the reading is a small table shipped
beside this module (``syllables.json``): every character whose reading is one of
those syllables, and each name's own reading. ``tools/make_syllables.py`` makes
it from pypinyin (a development dependency: its phrase dictionary alone takes
57 MiB and 0.16 s to load), and a test checks the table is what it makes.
A character reads as pypinyin reads it alone; a character outside the table reads
as none of the names' syllables.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

SOUNDS_LIKE: dict[str, dict[str, str]] = {
    "degree": {"博士": "phd", "硕士": "master", "本科": "bachelor", "大专": "college", "专科": "college"},
    "tier": {"尖端": "top", "领军": "leading", "高端": "high_end", "青年才俊": "young", "紧缺": "shortage"},
}
"""Per entity kind, the Chinese names whose homophone typos are read, and the value each stands for."""
NOT_A_TYPO = ("本可", "说是")
TABLE = Path(__file__).with_name("syllables.json")
OTHER = "?"
"""The reading of a character that sounds like none of the names' syllables."""

_CJK = re.compile(r"[\u4e00-\u9fff]")
_NAME_CHARS = {kind: frozenset("".join(names)) for kind, names in SOUNDS_LIKE.items()}
"""A typo shares a character with the name it stands for: a text with none of a kind's characters is not read."""


@cache
def _table() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Character -> syllable, and name -> its syllables, as ``tools/make_syllables.py`` wrote them."""
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    reading = {char: syllable for syllable, chars in data["characters"].items() for char in chars}
    return reading, {name: tuple(syllables.split()) for name, syllables in data["names"].items()}


def syllables(text: str) -> tuple[str, ...]:
    """One syllable per character of ``text``: the names' syllables as such, any other reading as ``OTHER``."""
    reading = _table()[0]
    return tuple([reading.get(char, OTHER) for char in text])


def sounds_like(kind: str, text: str, spans: list[tuple[int, int]]) -> str | None:
    """The value of ``kind`` whose Chinese name ``text`` spells with a homophone typo, if any (its span is added
    to ``spans``)."""
    if _NAME_CHARS[kind].isdisjoint(text) or not _CJK.search(text):
        return None
    read = syllables(text)
    names = _table()[1]
    for name, value in SOUNDS_LIKE[kind].items():
        wanted = names[name]
        for start in range(len(text) - len(wanted) + 1):
            if read[start] != wanted[0] or read[start:start + len(wanted)] != wanted:  # (the first syllable: cheap)
                continue
            written = text[start:start + len(wanted)]
            if written == name:
                continue
            if set(written) & set(name) and not any(text.startswith(common, start) for common in NOT_A_TYPO):
                spans.append((start, start + len(wanted)))
                return value
    return None
