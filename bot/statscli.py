"""Insight commands: ``stats`` (with a chart) and ``browse`` (Datasette, read-only).

``stats`` prints the numbers of a period as a table (``--json``: one JSON
object) and with ``--plot`` draws them (:mod:`bot.chart`). ``browse`` serves a
snapshot of the database with Datasette in immutable mode, with canned queries.
matplotlib and Datasette are imported or started only by these commands, so the
assistant's start-up does not pay for them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from knowledge import KnowledgeBase
from knowledge.stats import (
    CANNED_QUERIES,
    OUTCOMES,
    SMALLTALK,
    Stats,
    browse_snapshot,
    collect,
    parse_since,
)

from .commands import Command
from .settings import Settings

DATABASE_NAME = "talentbot"  # the snapshot's file stem: Datasette's name for the database
LABELS = {"answer": "answered", "clarify": "clarified", "fallback": "fallback", "handoff": "hand-off"}


def add_commands(sub: argparse._SubParsersAction, kb_sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the parser (``kb_sub``: the sub-commands of ``kb``)."""
    stats = sub.add_parser("stats", help="queries per day, outcome rates, feedback, top intents and questions")
    stats.add_argument("--since", default="7d", help="7d, 30d, 12h or a date like 2026-11-01 (default: 7d)")
    stats.add_argument("--plot", metavar="FILE.png", help="also draw the chart into this PNG file")
    stats.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    stats.add_argument("--top", type=int, default=10, help="how many intents and questions to list")
    browse = sub.add_parser("browse", help="explore a read-only snapshot of the database in Datasette")
    browse.add_argument("--port", type=int, default=8001, help="port on 127.0.0.1 (default: 8001)")


# ---------------------------------------------------------------- stats


def cmd_stats(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    since = parse_since(args.since)
    with KnowledgeBase.open(settings.db_path) as kb:
        stats = collect(kb, since, top=args.top)
    plot = None
    if args.plot:
        from .chart import render  # imports matplotlib: only when a chart is asked for

        plot = render(stats, args.plot)
    if args.json:
        print(json.dumps({**stats.as_dict(), "plot": str(plot) if plot else None}, ensure_ascii=False), file=out)
    else:
        print(table(stats), file=out)
        if plot:
            print(f"\nchart: {plot}", file=out)
    return 0


def table(stats: Stats) -> str:
    """The numbers for people: plain text, aligned columns."""
    lines = [f"Queries {stats.since[:16].replace('T', ' ')} to {stats.until[:16].replace('T', ' ')} UTC",
             f"{stats.total} queries: {stats.questions} questions and {stats.outcomes.get(SMALLTALK, 0)} small talk",
             "", f"{'outcome':<12} {'count':>6} {'rate':>6}"]
    lines += [f"{LABELS[o]:<12} {stats.outcomes.get(o, 0):>6} {stats.rates[o]:>6.0%}" for o in OUTCOMES]
    lines += ["(rates are shares of the questions; small talk is not counted in them)", ""]
    ratio = stats.helpful_ratio
    lines.append(f"helpful: {ratio:.0%} ({stats.helpful} helpful, {stats.not_helpful} not helpful)"
                 if ratio is not None else "helpful: no feedback in this period")
    latency = f"{stats.median_latency_ms:.1f} ms" if stats.median_latency_ms is not None else "-"
    lines += [f"median latency: {latency}", f"open review items: {stats.open_reviews}", ""]
    lines += _per_day_lines(stats) + [""] + _top_lines(stats)
    return "\n".join(lines)


def _per_day_lines(stats: Stats) -> list[str]:
    names = [*OUTCOMES, SMALLTALK]
    lines = [f"{'day':<10} {'total':>6} " + " ".join(f"{n:>9}" for n in names)]
    for day in stats.per_day:
        lines.append(f"{day.day:<10} {day.total:>6} " + " ".join(f"{day.outcomes.get(n, 0):>9}" for n in names))
    return lines


def _top_lines(stats: Stats) -> list[str]:
    lines = ["top intents:"]
    lines += [f"  {i.count:>5}  {i.intent}" for i in stats.top_intents] or ["  (none)"]
    lines.append("top unanswered questions (open review items):")
    for q in stats.top_unanswered:
        ids = " ".join(f"#{i}" for i in q.review_ids[:5]) + (" ..." if len(q.review_ids) > 5 else "")
        lines.append(f"  {q.count:>4}x  {_one_line(q.text)}  [{ids}]")
    if not stats.top_unanswered:
        lines.append("  (none)")
    return lines


def _one_line(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


# ---------------------------------------------------------------- browse


@dataclass(frozen=True)
class Browse:
    """What ``browse`` runs: the Datasette command line over a snapshot and its metadata file."""

    argv: tuple[str, ...]
    snapshot: Path
    metadata: Path


def metadata() -> dict[str, Any]:
    """Datasette metadata: the canned queries, and the tables nobody needs to browse hidden."""
    return {
        "title": "Talent-policy assistant (read-only snapshot)",
        "databases": {DATABASE_NAME: {
            "queries": CANNED_QUERIES,
            "tables": {name: {"hidden": True} for name in ("models", "sessions", "migrations")},
        }},
    }


def prepare_browse(kb: KnowledgeBase, workdir: Path, port: int) -> Browse:
    """Write the snapshot and the metadata into ``workdir``; return the Datasette invocation."""
    snapshot = browse_snapshot(kb, workdir / f"{DATABASE_NAME}.sqlite")
    meta = workdir / "metadata.json"
    meta.write_text(json.dumps(metadata(), ensure_ascii=False, indent=2), encoding="utf-8")
    argv = (sys.executable, "-m", "datasette", "serve", "--immutable", str(snapshot), "--metadata", str(meta),
            "--host", "127.0.0.1", "--port", str(port))
    return Browse(argv, snapshot, meta)


def cmd_browse(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    if importlib.util.find_spec("datasette") is None:
        print("error: Datasette is not installed: pip install datasette==0.65.5", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="talentbot-browse-") as work:
        with KnowledgeBase.open(settings.db_path) as kb:
            plan = prepare_browse(kb, Path(work), args.port)
        print(f"serving a read-only snapshot of {settings.db_path} at "
              f"http://127.0.0.1:{args.port}/{DATABASE_NAME} (Ctrl-C to stop)", file=out, flush=True)
        try:
            return subprocess.run(plan.argv, check=False).returncode
        except KeyboardInterrupt:
            return 0


COMMANDS: dict[str, Command] = {"stats": cmd_stats, "browse": cmd_browse}
