"""Insight commands: ``stats`` (with a chart) and ``browse`` (Datasette, read-only)."""

from __future__ import annotations

import argparse

from .commands import Command

COMMANDS: dict[str, Command] = {}


def add_commands(sub: argparse._SubParsersAction, kb_sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the parser (``kb_sub``: the sub-commands of ``kb``)."""
