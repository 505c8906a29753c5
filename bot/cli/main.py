"""The command line: one argparse parser, each command a small function.

``python run_bot.py`` runs Telegram when a token is set, else the console chat.
Errors of the knowledge base and of settings become one clean line and exit
code 2; nothing else is caught here.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Sequence, TextIO

from bot.cli import check as checkcli
from bot.cli import kb as kbcli
from bot.cli import notices as noticescli
from bot.cli import review as reviewcli
from bot.cli import stats as statscli
from bot.cli.command import Command
from bot.settings import Settings, SettingsError, load_settings
from bot.staff.problems import problem_text
from bot.staff.texts import say
from knowledge import SEED_DIR, Dataset, KnowledgeBase, KnowledgeError, ValidationError, loading, read_dir, write_dir
from knowledge.loading import MAX_SHRINK

STAFF_COMMANDS = (kbcli, reviewcli, statscli, checkcli, noticescli)

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; staff commands are added by their own modules (STAFF_COMMANDS)."""
    parser = argparse.ArgumentParser(prog="run_bot.py", description="Dalian talent-policy assistant.")
    parser.add_argument("--db", help="SQLite file (default: TALENTBOT_DB)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Telegram bot (console chat when no token is set)")
    sub.add_parser("console", help="chat in the terminal (reads lines from standard input)")
    ask = sub.add_parser("ask", help="answer questions: one argument, or JSON lines with --jsonl")
    ask.add_argument("question", nargs="*", help="the question (human-readable answer)")
    ask.add_argument("--jsonl", action="store_true", help="read {\"text\", \"session\"} lines, write JSON lines")
    kb = sub.add_parser("kb", help="knowledge base: init, export, import")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    init = kb_sub.add_parser("init", help="create the database from the seed files (replaces content, keeps logs)")
    init.add_argument("--seed", default=str(SEED_DIR), help="seed directory")
    _reload_options(init, "even when staff changed the database since it was last loaded")
    export = kb_sub.add_parser("export", help="write one file per table")
    export.add_argument("--format", choices=("yaml", "jsonl"), default="yaml")
    export.add_argument("dir")
    imp = kb_sub.add_parser("import", help="validate and load a directory (all or nothing)")
    imp.add_argument("dir")
    _reload_options(imp, f"even when a table would become empty or lose more than {MAX_SHRINK:.0%} of its rows")
    train = sub.add_parser("train", help="retrain the classifier and print a cross-validated report")
    train.add_argument("--folds", type=int, default=5)
    train.add_argument("--tune", action="store_true", help="also suggest decision thresholds")
    train.add_argument("--force", action="store_true",
                       help="replace the live model even when accuracy dropped by more than two points")
    for module in STAFF_COMMANDS:
        module.add_commands(sub, kb_sub)
    bench = sub.add_parser("bench", help="measure latency, start-up, memory and training time")
    bench.add_argument("--rounds", type=int, default=5, help="passes over the question set")
    bench.add_argument("--runs", type=int, default=3, help="new processes per start-up measure")
    bench.add_argument("--scale", default="10,100", help="knowledge sizes to measure, times the seed ('' for none)")
    bench.add_argument("--log-rows", type=int, default=1_000_000, help="rows of the generated log for stats (0: skip)")
    bench.add_argument("--telegram", action="store_true",
                       help="load-test the Telegram bot beside an echo bot on a loopback Bot API server")
    bench.add_argument("--chats", type=int, default=200, help="with --telegram: simulated chats")
    bench.add_argument("--messages", type=int, default=5, help="with --telegram: messages per chat")
    bench.add_argument("--judged", nargs="?", const="", metavar="FILE.yaml",
                       help="the share of a judged question set answered right "
                            "(default: tests/data/judged_questions.yaml)")
    return parser


def _reload_options(cmd: argparse.ArgumentParser, when: str) -> None:
    cmd.add_argument("--force", action="store_true", help=f"replace the content {when} (a backup is taken first)")
    cmd.add_argument("--who", help="your name in the change log (default: your login name)")


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = stdout or sys.stdout
    lang = "zh"
    try:
        settings = load_settings()
        lang = settings.staff_lang
        if args.db:
            settings = settings.with_db(args.db)
        _configure_logging(settings)
        command = args.command or "run"
        handler = COMMANDS[command if command != "kb" else f"kb {args.kb_command}"]
        return handler(args, settings, stdin or sys.stdin, out)
    except (KnowledgeError, SettingsError) as exc:
        reason = problem_text(exc, lang) if isinstance(exc, ValidationError) else exc
        print(say("error", lang, reason=reason), file=sys.stderr)
        return 2


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=getattr(logging, settings.log_level, logging.INFO), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Bot API URLs contain the token: never log them.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if settings.token:  # python-telegram-bot itself logs the Bot API URL at DEBUG
        for handler in logging.getLogger().handlers:
            handler.addFilter(_Redact(settings.token))


class _Redact(logging.Filter):
    """Replaces a secret in every log record that passes the handler."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), None
        return True


def cmd_run(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    if not settings.token:
        return cmd_console(args, settings, stdin, out)
    from bot.channels.tg.app import (  # imported here: only this command needs telegram
        TelegramUnreachable,
        run_telegram,
    )

    try:
        return run_telegram(settings)
    except TelegramUnreachable as exc:
        print(say("error", settings.staff_lang, reason=exc), file=sys.stderr)
        return 3


def cmd_console(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    from bot.channels.console import run_console

    return run_console(settings, stdin, out)


def cmd_ask(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    from bot.channels.jsonlines import answer_lines, answer_one

    if args.jsonl:
        return answer_lines(settings, stdin, out)
    if not args.question:
        print("error: give a question, or use --jsonl", file=sys.stderr)
        return 2
    return answer_one(settings, " ".join(args.question), out)


def cmd_kb_init(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    data = read_dir(args.seed)
    with KnowledgeBase.open(settings.db_path) as kb:
        return _reload(kb, data, args, "init", str(args.seed), out, settings.staff_lang)


def cmd_kb_export(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    with _kb(settings) as kb:
        paths = write_dir(kb.dataset(), args.dir, args.format)
    print(f"wrote {len(paths)} files to {args.dir}", file=out)
    return 0


def cmd_kb_import(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    data = read_dir(args.dir)  # raises, naming file, row and field, before anything changes
    with _kb(settings) as kb:
        return _reload(kb, data, args, "import", str(args.dir), out, settings.staff_lang)


def _reload(kb: KnowledgeBase, data: Dataset, args: argparse.Namespace, kind: str, source: str, out: TextIO,
            lang: str) -> int:
    """Replace the content after the checks of :mod:`knowledge.loading` (refused unless ``--force``)."""
    refusals = loading.reload_refusals(kb, data, mind_staff_changes=kind == "init")
    if refusals and not args.force:
        raise loading.ReloadRefused(say("reload_refused", lang, reasons="; ".join(refusals), kind=kind))
    done = loading.reload(kb, data, kbcli.who(args), kind, source)
    if done.backup:
        print(say("reload_backup", lang, kind=kind, path=done.backup), file=out)
    sizes = ", ".join(f"{done.after[t]} {t}" for t in ("entries", "examples", "contacts", "terms"))
    print(say("reloaded", lang, sizes=sizes, source=source, change=done.change_id), file=out)
    return 0


def cmd_train(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    from bot.staff.training import train_report

    with _kb(settings) as kb:
        report = train_report(kb, settings, folds=args.folds, tune=args.tune, force=args.force)
    print(report, file=out)
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    if args.telegram:
        # imported here: the Telegram benchmark needs telegram, aiohttp and the test server
        from benchmarks.telegram_bench import run_telegram_bench

        telegram = run_telegram_bench(chats=args.chats, messages=args.messages)
        print(json.dumps(telegram, ensure_ascii=False, indent=2), file=out)
        return 0
    from bot.cli.bench import run_bench, run_judged

    if args.judged is not None:
        result = run_judged(settings, args.judged or None)
        print(json.dumps(result, ensure_ascii=False, indent=2), file=out)
        return 0
    factors = tuple(int(f) for f in args.scale.split(",") if f.strip())
    result = run_bench(settings, rounds=args.rounds, runs=args.runs, factors=factors, log_rows=args.log_rows,
                       progress=lambda step: print(f"bench: {step} ...", file=sys.stderr, flush=True))
    print(json.dumps(result, ensure_ascii=False, indent=2), file=out)
    return 0


def _kb(settings: Settings) -> KnowledgeBase:
    """The database, created from the seed when it does not exist yet."""
    kb = KnowledgeBase.open(settings.db_path)
    if kb.is_empty():
        kb.replace_content(read_dir(SEED_DIR))
    return kb


COMMANDS: dict[str, Command] = {
    "run": cmd_run, "console": cmd_console, "ask": cmd_ask, "kb init": cmd_kb_init, "kb export": cmd_kb_export,
    "kb import": cmd_kb_import, "train": cmd_train, "bench": cmd_bench,
}


for _module in STAFF_COMMANDS:
    COMMANDS.update(_module.COMMANDS)
