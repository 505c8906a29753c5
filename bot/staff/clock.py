"""Times for staff: stored UTC timestamps shown in the configured time zone (Dalian's by default)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_minute(stamp: str, zone: str) -> str:
    """``2026-11-29T02:05:00.000+00:00`` as ``2026-11-29 10:05`` in ``zone``; the text itself when it is no time."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
