"""Normalisation: one canonical form of a message before anything reads it.

NFKC (which also turns full-width forms into half-width), traditional to
simplified Chinese, case-folding, collapsed whitespace, control characters
removed, then the correction table of common typos and homophones (补帖→补贴),
which lives in the knowledge base so staff can extend it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Mapping

import opencc

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_SPACE = re.compile(r"\s+")
_ASCII_WORD = re.compile(r"^[a-z0-9' ]+$")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[a-zA-Z]")
MAX_CHARS = 2000  # longer messages are read up to here; the full text is still logged


class Normalizer:
    """Turns raw text into the canonical form; built once with the correction table."""

    def __init__(self, corrections: Mapping[str, str] | Iterable[tuple[str, str]] = ()):
        pairs = dict(corrections)
        self.corrections: Mapping[str, str] = pairs  # equal tables make equal normalisers (a reload reuses one)
        self._known: dict[str, str] = {}
        self._converter = opencc.OpenCC("t2s")
        self._cjk_fixes = sorted(((k, v) for k, v in pairs.items() if not _ASCII_WORD.match(k)),
                                 key=lambda kv: -len(kv[0]))
        words = {k: v for k, v in pairs.items() if _ASCII_WORD.match(k)}
        self._word_fixes = words
        self._word_re = (re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                                    + r")\b") if words else None)

    def __call__(self, text: str) -> str:
        return self.normalize(text)

    def normalize_all(self, texts: Iterable[str]) -> list[str]:
        """``normalize`` of each text, remembering them until the next call: the training examples,
        which a reload reads again and mostly finds unchanged."""
        known, self._known = self._known, {}
        out = []
        for text in texts:
            normal = self._known[text] = known.get(text) or self._known.get(text) or self.normalize(text)
            out.append(normal)
        return out

    def normalize(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])
        text = _CONTROL.sub(" ", text)
        text = self._converter.convert(text).casefold()
        text = _SPACE.sub(" ", text).strip()[:MAX_CHARS]
        for wrong, right in self._cjk_fixes:
            if wrong in text:
                text = text.replace(wrong, right)
        if self._word_re is not None:
            text = self._word_re.sub(lambda m: self._word_fixes[m.group(1)], text)
        return text


def detect_lang(text: str, default: str = "zh") -> str:
    """'zh' or 'en' by the script that dominates; ``default`` when there are no letters."""
    cjk = len(CJK.findall(text))
    latin = len(LATIN.findall(text))
    if cjk == 0 and latin == 0:
        return default
    # One Chinese character carries about as much as a short English word.
    return "zh" if cjk * 3 >= latin else "en"


def has_words(text: str) -> bool:
    """True when the text has at least one letter, CJK character or digit."""
    return any(ch.isalnum() for ch in text)
