"""Segmentation: Chinese by jieba with the domain dictionary, English by words.

The segmenter owns a ``jieba.Tokenizer`` instance (never the module-level
global) with the knowledge base's domain terms added. It is picklable: the
jieba instance is rebuilt lazily after unpickling, so it can serve as the
tokenizer of a scikit-learn vectorizer.

Several steps read the same message (the classifier's word features, the
follow-up resolver, retrieval): the segmenter remembers the tokens of the last
few hundred texts, so that a message is segmented once however many steps ask.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, Iterable

import jieba

_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9][a-z0-9.+'\-]*")
_EN_TRAIL = re.compile(r"[.'\-]+$")
REMEMBERED = 512  # texts whose tokens are kept (the oldest is forgotten first)

jieba.setLogLevel(logging.WARNING)


def _stem(word: str) -> str:
    """A tiny English stemmer: enough to join subsidy/subsidies, permit/permits, rent/renting."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Segmenter:
    """``tokens(text)`` of normalised text: jieba words for Chinese runs, stems for English."""

    def __init__(self, words: Iterable[str] = ()):
        self.words = tuple(sorted({w.strip() for w in words if w and w.strip()}))
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()
        self._memo: dict[str, tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"words": self.words}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.words = state["words"]
        self._jieba = None
        self._lock = threading.Lock()
        self._memo = {}

    def __call__(self, text: str) -> list[str]:
        return self.tokens(text)

    def warm(self) -> None:
        """Load jieba's dictionary now (it takes a moment) instead of on the first message."""
        self._tokenizer()

    def _tokenizer(self) -> jieba.Tokenizer:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    tokenizer = jieba.Tokenizer()
                    tokenizer.initialize()
                    for word in self.words:
                        tokenizer.add_word(word, freq=2000)
                    self._jieba = tokenizer
        return self._jieba

    def tokens(self, text: str) -> list[str]:
        known = self._memo.get(text)
        if known is None:
            known = self._memo[text] = tuple(self._segment(text))
            if len(self._memo) > REMEMBERED:
                self._forget_oldest()
        return list(known)

    def _forget_oldest(self) -> None:
        try:
            del self._memo[next(iter(self._memo))]
        except (KeyError, RuntimeError, StopIteration):  # another thread changed it meanwhile
            pass

    def _segment(self, text: str) -> list[str]:
        out: list[str] = []
        for run in _RUN.findall(text):
            if run[0].isascii():
                word = _EN_TRAIL.sub("", run)
                if word:
                    out.append(_stem(word))
            else:
                out.extend(t for t in self._tokenizer().lcut(run, HMM=False) if t.strip())
        return out
