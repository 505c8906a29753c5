"""Replacing the whole content at once (``kb init``, ``kb import``) without losing anyone's work.

A reload replaces every content table. Before it does, :func:`reload_refusals`
names what it would destroy: staff changes made since the last reload (only
``kb init`` minds those: an import is usually an edited export that holds them),
a table that would become empty, or one that would shrink by more than
:data:`MAX_SHRINK`. The caller refuses unless forced. :func:`reload` then copies
the database to a backup file first, and replaces the content and writes one
``reload`` row to the change log (who, what was loaded, the backup, the table
sizes before and after) in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .changes import Change, backup, change, log_change
from .errors import KnowledgeError
from .seedfiles import TABLES, Dataset
from .store import KnowledgeBase, now_iso

MAX_SHRINK = 0.25
"""The share of its rows a table may lose in one reload without ``--force``."""
RELOAD = "reload"  # the change-log action of a reload; its table is CONTENT
CONTENT = "content"


class ReloadRefused(KnowledgeError):
    """A reload that would lose work; the message says what, and how to go ahead anyway."""


@dataclass(frozen=True)
class Reloaded:
    """What a reload did."""

    before: dict[str, int]
    after: dict[str, int]
    backup: Path | None
    change_id: int


def counts(kb: KnowledgeBase) -> dict[str, int]:
    """Rows per content table."""
    with kb.lock:
        return {table: kb.db.table(table).count for table in TABLES}


def dataset_counts(data: Dataset) -> dict[str, int]:
    return {table: len(getattr(data, table)) for table in TABLES}


def staff_changes(kb: KnowledgeBase) -> tuple[int, Change | None]:
    """How many changes were made since the last reload (all when there was none), and the latest."""
    with kb.lock:
        last = kb.db.execute("select coalesce(max(id), 0) from changes where action = ?", [RELOAD]).fetchone()[0]
        number, latest = kb.db.execute("select count(*), max(id) from changes where id > ?", [last]).fetchone()
    return int(number), change(kb, latest) if latest else None


def shrinking(current: dict[str, int], new: dict[str, int], max_shrink: float = MAX_SHRINK) -> list[str]:
    """One line per table that would become empty or lose more than ``max_shrink`` of its rows."""
    found = []
    for table in TABLES:
        old, now = current.get(table, 0), new.get(table, 0)
        if old and not now:
            found.append(f"{table} would become empty (it has {old} rows)")
        elif old and (old - now) / old > max_shrink:
            found.append(f"{table} would shrink from {old} to {now} rows (more than {max_shrink:.0%})")
    return found


def reload_refusals(kb: KnowledgeBase, data: Dataset, mind_staff_changes: bool) -> list[str]:
    """Why replacing the content with ``data`` would lose work; empty when it would not."""
    reasons = shrinking(counts(kb), dataset_counts(data))
    if mind_staff_changes:
        made, latest = staff_changes(kb)
        if latest is not None:
            reasons.insert(0, f"the database holds {made} staff changes since it was last loaded (latest: "
                              f"change #{latest.id} by {latest.who} at {latest.ts[:16].replace('T', ' ')}, "
                              f"{latest.note or latest.action}); `kb export DIR` keeps them as files")
    return reasons


def database_file(kb: KnowledgeBase) -> Path | None:
    """The file of the main database; None in memory."""
    with kb.lock:
        rows = list(kb.db.query("pragma database_list"))
    name = next((r["file"] for r in rows if r["name"] == "main"), "")
    return Path(name) if name else None


def backup_path(kb: KnowledgeBase, kind: str) -> Path | None:
    """Where a backup before ``kind`` goes: ``backups/<name>-<UTC time>-<kind>.sqlite`` beside the database."""
    live = database_file(kb)
    if live is None:
        return None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    return live.parent / "backups" / f"{live.stem}-{stamp}-{kind}.sqlite"


def reload(kb: KnowledgeBase, data: Dataset, who: str, kind: str, source: str) -> Reloaded:
    """Back up the database, then replace its content with ``data`` and log the reload, all or nothing.

    ``kind`` is ``init`` or ``import``; ``source`` names what was loaded. Check
    :func:`reload_refusals` first: this function does what it is told.
    """
    saved = None if kb.is_empty() else backup_path(kb, kind)
    if saved is not None:
        backup(kb, saved)
    before = counts(kb)
    after = dataset_counts(data)
    note = f"{kind} from {source}" + (f"; backup: {saved}" if saved else "")
    with kb.lock, kb.db.atomic():
        kb.replace_content(data)
        change_id = log_change(kb, who, now_iso(), CONTENT, kind, RELOAD, dict(before), dict(after), note)
    return Reloaded(before, after, saved, change_id)
