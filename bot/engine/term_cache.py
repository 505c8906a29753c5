"""What the retrieval index read each entry text as, kept in the database between starts.

Building the index segments every field of every entry and every question
variant: after jieba's own dictionary, the largest part of a start-up. What a
text reads as depends only on the text, the segmenter's domain terms, the
normaliser's correction table and the code that reads it, so the terms are kept
under a key of those (:func:`key`): the next start reads them back (an entry
text that is new or changed is segmented as before) and builds the same index.
A change of terms, corrections or code is a new key; ``forget`` drops what is
kept (it holds the words of entry texts), and the next start reads the entries
again. The first start after a change of content pays the segmentation once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import sys
from pathlib import Path

import jieba
import opencc

from bot.engine.retrieve import Read, Retriever
from intents.normalize import Normalizer
from intents.segment import Segmenter
from knowledge import KnowledgeBase

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
CODE = ("bot/engine/retrieve.py", "intents/segment.py", "intents/normalize.py")
"""The code a text's terms depend on: an edit of any of these files is a new key."""


def key(segmenter: Segmenter, normalizer: Normalizer) -> str:
    """The reading's key: domain terms, correction table, the code that reads and the libraries' versions."""
    digest = hashlib.sha256()
    for path in CODE:
        digest.update((ROOT / path).read_bytes())
    libraries = [sys.version, jieba.__version__, getattr(opencc, "__version__", "")]
    digest.update(json.dumps([segmenter.words, sorted(normalizer.corrections.items()), libraries],
                             ensure_ascii=False).encode())
    return digest.hexdigest()


def digest(reading: str, read: Read) -> str:
    """Which texts ``read`` holds, read under key ``reading`` (their terms follow from the two)."""
    texts, variants = read
    return hashlib.sha256("\x00".join([reading, *sorted(texts), "\x01", *sorted(variants)]).encode()).hexdigest()


def load(kb: KnowledgeBase, reading: str) -> tuple[Read, str] | None:
    """The terms kept under ``reading`` and their digest, or None."""
    try:
        kept = kb.cached_terms(reading)
    except sqlite3.Error as exc:
        log.warning("the kept terms could not be read: %s", exc)
        return None
    if kept is None:
        return None
    stamp, texts, variants = kept
    return (texts, variants), stamp


def keep(kb: KnowledgeBase, reading: str, retriever: Retriever, kept: str | None) -> str | None:
    """Keep what ``retriever`` read when it is not what is kept already (digest ``kept``); the digest kept."""
    read = retriever.read()
    now = digest(reading, read)
    if now == kept:
        return kept
    try:
        kb.cache_terms(reading, now, *read)
    except (sqlite3.Error, ValueError) as exc:  # a read-only or busy database: the next start reads the entries
        log.warning("the terms read could not be kept: %s", exc)
        return kept
    return now
