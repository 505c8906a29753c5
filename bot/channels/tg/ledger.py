"""The ledger of the update being handled: which update it is, and what became of its replies.

One ``Ledger`` per update lives in a context variable for as long as the update
is handled (``intake.Processor`` sets it), so the send functions and the desk,
in whatever thread, can tell which update a reply or a logged query belongs to
without passing it through every handler.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.channels.tg.post import Post


@dataclass
class Ledger:
    update_id: int
    post: "Post | None" = None  # where a reply that cannot be sent now is kept
    user: str | None = None  # the sender's pseudonym (rows in the outbox are theirs)
    queued: int = 0  # replies put into the outbox
    delivered: list[int] = field(default_factory=list)  # query ids whose answer reached the person
    error: str | None = None  # the kind of error that stopped the handling


CURRENT: ContextVar[Ledger | None] = ContextVar("talentbot_update", default=None)


def current() -> Ledger | None:
    return CURRENT.get()
