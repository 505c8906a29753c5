"""The post room: blocking records of what came in and what must still go out.

Channel-free (no ``telegram``): the raw update JSON in, outbox payloads as
JSON out. Call through ``asyncio.to_thread``. It keeps, in memory, the chats
that have a reply waiting in the outbox, so that later replies to such a chat
queue behind it instead of overtaking it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.channels.tg.ledger import Ledger
from knowledge import delivery
from knowledge.delivery import DELIVERED, FAILED, Outgoing, Received
from knowledge.store import KnowledgeBase

log = logging.getLogger(__name__)

CHANNEL = "telegram"


@dataclass(frozen=True)
class Schedule:
    """Seconds between tries of an undelivered reply (the last repeats), and when to give up."""

    delays: tuple[float, ...] = (1, 2, 5, 10, 30, 60, 300)
    give_up_after: float = 24 * 3600.0

    def delay(self, attempts: int) -> float:
        return self.delays[min(max(attempts, 1), len(self.delays)) - 1]


@dataclass
class Post:
    kb: KnowledgeBase
    schedule: Schedule = field(default_factory=Schedule)
    _backlog: set[int] | None = None
    _again: set[int] = field(default_factory=set)  # updates handled again after a restart, until finished

    # ---- incoming

    def receive(self, batch: list[Any]) -> tuple[list[tuple[int, dict[str, Any]]], int]:
        """Store a fetched batch before it is confirmed; returns the updates not seen before
        and the offset that confirms the whole batch (0 when it holds no usable id)."""
        rows, raws, offset = [], {}, 0
        for raw in batch:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                log.warning("skipped an update without a numeric update_id")
                continue
            offset = max(offset, update_id + 1)
            rows.append(Received(update_id, self._sender(raw), delivery.dumps(raw)))
            raws[update_id] = raw
        return [(update_id, raws[update_id]) for update_id in delivery.receive(self.kb, rows)], offset

    def _sender(self, raw: dict[str, Any]) -> str | None:
        for value in raw.values():
            sender = value.get("from") if isinstance(value, dict) else None
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return self.kb.pseudonym(CHANNEL, sender["id"])
        return None

    def offset(self) -> int:
        return delivery.next_offset(self.kb)

    def replay(self) -> list[tuple[int, dict[str, Any]]]:
        again, aside = delivery.replay(self.kb)
        for update_id in aside:
            log.error("update %s set aside: not finished after %d tries", update_id, delivery.REPLAY_TRIES)
        self._again.update(update_id for update_id, _ in again)
        return [(update_id, json.loads(payload)) for update_id, payload in again]

    def set_aside(self, update_id: int, error: str) -> None:
        """Logged once: the update is never handled again."""
        if delivery.set_aside(self.kb, update_id, error):
            log.error("update %s set aside: %s", update_id, error)

    def finish(self, ledger: Ledger) -> None:
        """The update was handled: its answers that reached the person are marked delivered."""
        self._again.discard(ledger.update_id)
        if ledger.error:
            for query_id in ledger.delivered:
                delivery.set_delivery(self.kb, query_id, DELIVERED)
            self.set_aside(ledger.update_id, ledger.error)
        else:
            self.finish_behind(ledger)

    def finish_behind(self, ledger: Ledger) -> None:
        """A handled update without error is marked done by the background writer, after its logged query:
        it does not block, so the event loop may call it."""
        self._again.discard(ledger.update_id)
        delivery.finish_behind(self.kb, ledger.update_id, waiting=ledger.queued > 0, delivered=ledger.delivered)

    def link_query(self, update_id: int, query_id: int) -> None:
        """Tie the query to its update (an earlier try's query is deleted), written behind, after the query:
        it does not block, so the event loop may call it."""
        delivery.link_query_behind(self.kb, update_id, query_id, again=update_id in self._again)

    # ---- outgoing

    def backlogged(self, chat_id: int) -> bool:
        if self._backlog is None:
            self._backlog = delivery.pending_chats(self.kb)
        return chat_id in self._backlog

    def queue(self, ledger: Ledger | None, chat_id: int, parts: list[dict[str, Any]], error: str,
              query_id: int | None = None, handoff_id: int | None = None) -> int:
        self.backlogged(chat_id)
        assert self._backlog is not None
        self._backlog.add(chat_id)
        return delivery.queue(self.kb, chat_id, delivery.dumps(parts), user=ledger.user if ledger else None,
                              update_id=ledger.update_id if ledger else None, query_id=query_id,
                              handoff_id=handoff_id, error=error, retry_in=self.schedule.delay(1))

    def due(self) -> list[Outgoing]:
        return delivery.due(self.kb)

    def progress(self, outgoing: Outgoing, rest: list[dict[str, Any]]) -> None:
        delivery.progress(self.kb, outgoing.id, delivery.dumps(rest))

    def retry(self, outgoing: Outgoing, error: str) -> bool:
        """Schedule the next try; False (and the reply failed for good) once its time has run out."""
        if delivery.age_seconds(outgoing) >= self.schedule.give_up_after:
            self.settle(outgoing, FAILED, error)
            return False
        delivery.retry_later(self.kb, outgoing.id, self.schedule.delay(outgoing.attempts + 1), error)
        return True

    def settle(self, outgoing: Outgoing, state: str, error: str = "") -> None:
        delivery.settle(self.kb, outgoing, state, error)
        if outgoing.handoff_id is not None and state == FAILED:
            log.warning("hand-off #%s never reached the staff chat", outgoing.handoff_id)
        self._backlog = delivery.pending_chats(self.kb)
        if state == FAILED:
            log.warning("a reply to one chat failed for good: %s", error)

    def attach_handoff(self, handoff_id: int, staff_message_id: int) -> None:
        self.kb.attach_handoff_message(handoff_id, staff_message_id)
