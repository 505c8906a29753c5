"""``run_bot.py eligibility``: the eligibility check, answers read from standard input.

The same questions as on Telegram and in the console, one answer a line (an
option's number or name, a number for months and years, ``b`` back, ``q``
cancel); the result as text, or as one JSON line with ``--json``.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.channels.guided import dump, run_check
from bot.cli.command import Command
from bot.engine.checkup import composer_for, open_checkup
from bot.settings import Settings
from knowledge import SEED_DIR, KnowledgeBase, read_dir


def add_commands(sub: argparse._SubParsersAction, kb_sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("eligibility", help="the eligibility check: questions on standard output, answers "
                                               "from standard input, then what applies")
    check.add_argument("--lang", choices=("zh", "en"), default="zh")
    check.add_argument("--json", action="store_true", help="only the result, as one JSON line")


def cmd_eligibility(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    with KnowledgeBase.open(settings.db_path) as kb:
        if kb.is_empty():
            kb.replace_content(read_dir(SEED_DIR))
        composer = composer_for(kb)
        checkup = open_checkup(kb, lambda: composer)
        done = run_check(checkup, checkup.begin({}, args.lang), stdin, out, quiet=args.json)
    if done is None or done.assessment is None:
        return 1
    if args.json:
        dump(done.assessment, args.lang, out)
    return 0


COMMANDS: dict[str, Command] = {"eligibility": cmd_eligibility}
