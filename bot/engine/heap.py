"""The serving process's heap once everything is loaded.

A serving process loads millions of objects that live as long as it does (the
segmenter's dictionary, the model's vocabularies, the knowledge base's index).
Left to the garbage collector, each of its full passes walks all of them (about
half a second that stalls every chat at a random moment) and the young
generations are collected more often than the answers need.
"""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Move what is loaded by now out of the collector's passes (``gc.freeze``): called once a serving
    process is ready (the Telegram bot at start, the answer-path benchmark before it times anything)."""
    gc.collect()
    gc.freeze()
