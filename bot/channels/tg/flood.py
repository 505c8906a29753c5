"""Per-user flood control: a sliding one-minute window per user.

A user over the limit gets one notice, then silence until the window has room
again; other users are unaffected. One FloodGate lives in the Application's
``bot_data`` (no module-level state).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

WINDOW = 60.0  # seconds
PRUNE_AT = 10_000  # users tracked before the idle ones are dropped

PASS, NOTICE, SILENT = "pass", "notice", "silent"


@dataclass
class FloodGate:
    per_minute: int  # 0 turns flood control off
    clock: Callable[[], float] = time.monotonic
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _noticed: set[int] = field(default_factory=set)

    def check(self, user_id: int) -> str:
        """PASS (answer it), NOTICE (send the one notice) or SILENT (ignore it)."""
        if self.per_minute <= 0:
            return PASS
        if len(self._seen) > PRUNE_AT:
            self.prune()
        now = self.clock()
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= WINDOW:
            seen.popleft()
        if len(seen) < self.per_minute:
            seen.append(now)
            self._noticed.discard(user_id)
            return PASS
        if user_id in self._noticed:
            return SILENT
        self._noticed.add(user_id)
        return NOTICE

    def prune(self) -> None:
        """Drop users whose window is empty (keeps memory bounded on a busy bot)."""
        now = self.clock()
        for user_id in [u for u, s in self._seen.items() if not s or now - s[-1] >= WINDOW]:
            del self._seen[user_id]
            self._noticed.discard(user_id)
