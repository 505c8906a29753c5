"""Per-user flood control: a sliding one-minute window per user.

A user over the limit gets one notice, then silence until the window has room
again; other users are unaffected. One FloodGate lives in the Application's
``bot_data`` (no module-level state).

Each event weighs 1, except a step of a guided flow (a press of the
eligibility check's answer, back or cancel buttons), which weighs
``GUIDED_STEP``: a person walking through the check several times a minute is
not stopped, while a hundred rapid presses of one of its buttons still are.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

WINDOW = 60.0  # seconds
PRUNE_AT = 10_000  # users tracked before the idle ones are dropped

PASS, NOTICE, SILENT = "pass", "notice", "silent"
GUIDED_STEP = 0.25  # the weight of one guided-flow step (four steps count as one message)


@dataclass
class FloodGate:
    per_minute: int  # 0 turns flood control off
    clock: Callable[[], float] = time.monotonic
    _seen: dict[int, deque[tuple[float, float]]] = field(default_factory=dict)  # (time, weight) per user
    _noticed: set[int] = field(default_factory=set)

    def check(self, user_id: int, weight: float = 1.0) -> str:
        """PASS (answer it), NOTICE (send the one notice) or SILENT (ignore it).

        ``weight`` is what the event counts for: 1 for a message or a press, ``GUIDED_STEP`` for a step of a
        guided flow.
        """
        if self.per_minute <= 0:
            return PASS
        if len(self._seen) > PRUNE_AT:
            self.prune()
        now = self.clock()
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0][0] >= WINDOW:
            seen.popleft()
        if sum(w for _, w in seen) + weight <= self.per_minute:
            seen.append((now, weight))
            self._noticed.discard(user_id)
            return PASS
        if user_id in self._noticed:
            return SILENT
        self._noticed.add(user_id)
        return NOTICE

    def prune(self) -> None:
        """Drop users whose window is empty (keeps memory bounded on a busy bot)."""
        now = self.clock()
        for user_id in [u for u, s in self._seen.items() if not s or now - s[-1][0] >= WINDOW]:
            del self._seen[user_id]
            self._noticed.discard(user_id)
