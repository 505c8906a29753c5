"""Insight commands: ``stats`` (with a chart) and ``browse`` (Datasette, read-only).

``stats`` prints the numbers of a period as a table (``--json``: one JSON
object) and with ``--plot`` draws them (:mod:`bot.staff.chart`). ``browse`` serves a
snapshot of the database with Datasette in immutable mode, with canned queries,
and stops Datasette and removes the snapshot on Ctrl-C and on SIGTERM.
matplotlib and Datasette are imported or started only by these commands, so the
assistant's start-up does not pay for them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.cli.command import Command
from bot.settings import Settings
from bot.staff.report import last_training, table, training_line
from knowledge import KnowledgeBase
from knowledge.stats import (
    CANNED_QUERIES,
    browse_snapshot,
    collect,
    parse_since,
)

DATABASE_NAME = "talentbot"  # the snapshot's file stem: Datasette's name for the database


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
    lang, zone = settings.staff_lang, settings.timezone
    since = parse_since(args.since, zone=zone)
    with KnowledgeBase.open(settings.db_path) as kb:
        stats = collect(kb, since, top=args.top, zone=zone)
        names = {i.id: i.label.get(lang) for i in kb.intents()}
        model = training_line(last_training(kb), lang, zone)
    plot = None
    if args.plot:
        from bot.staff.chart import (
            render,  # imports matplotlib: only when a chart is asked for
        )

        plot = render(stats, args.plot, lang=lang, names=names)
    if args.json:
        print(json.dumps({**stats.as_dict(), "plot": str(plot) if plot else None}, ensure_ascii=False), file=out)
    else:
        print(table(stats, lang, model, names), file=out)
        if plot:
            print(f"\n{'图表' if lang == 'zh' else 'chart'}: {plot}", file=out)
    return 0


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
        return serve(plan.argv)  # the snapshot goes with the temporary directory, however it stops


class _Stop(Exception):
    """SIGTERM or SIGINT arrived while Datasette was serving."""


def _stop(signum: int, frame: object) -> None:
    raise _Stop()


def serve(argv: tuple[str, ...]) -> int:
    """Run Datasette until it exits, or until SIGTERM or SIGINT: then stop it (kill it if it lingers)."""
    process = subprocess.Popen(argv)
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return process.wait()
    except _Stop:
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


COMMANDS: dict[str, Command] = {"stats": cmd_stats, "browse": cmd_browse}
