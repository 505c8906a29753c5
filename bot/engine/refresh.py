"""What is live in the knowledge base: its content version and its stored model.

A running Assistant compares the :class:`Stamp` it loaded with the one in the
database before each message (one indexed SELECT) and reloads when another
process (``kb edit``, ``review assign``, ``train``) changed either. ``train``
reads the live model's report to refuse a worse model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from knowledge import KnowledgeBase


@dataclass(frozen=True)
class Stamp:
    """The content version (meta ``content_version``) and the id of the stored model."""

    content_version: str
    model_id: int | None


def live_stamp(kb: KnowledgeBase) -> Stamp:
    """The current stamp: two primary-key look-ups in one statement."""
    version, model_id = kb.live_stamp()
    return Stamp(version, model_id)


def live_model_report(kb: KnowledgeBase) -> dict[str, Any]:
    """The report stored with the live model (``{}`` when there is none)."""
    return kb.model_report()
