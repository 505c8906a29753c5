"""``run_bot.py notices``: staff preview, confirm or discard the notices for topic followers.

``notices`` (or ``notices list``) drafts what changed since the last look and shows each draft as
its followers would read it, in both languages, with how many it would reach. ``notices confirm
ID`` lets the running Telegram bot send it, paced; ``notices discard ID`` drops it.
"""

from __future__ import annotations

import argparse
import getpass
from typing import TextIO

from bot.cli.command import Command
from bot.engine.checkup import composer_for
from bot.settings import Settings
from bot.staff.notices import NoticeDesk
from bot.staff.texts import say
from knowledge import SEED_DIR, KnowledgeBase, read_dir


def add_commands(sub: argparse._SubParsersAction, kb_sub: argparse._SubParsersAction) -> None:
    notices = sub.add_parser("notices", help="notices to topic followers: list (preview), confirm ID, discard ID")
    notices.add_argument("action", nargs="?", choices=("list", "confirm", "discard"), default="list")
    notices.add_argument("id", nargs="?", type=int)
    notices.add_argument("--who", help="your name in the record (default: your login name)")


def cmd_notices(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    with KnowledgeBase.open(settings.db_path) as kb:
        if kb.is_empty():
            kb.replace_content(read_dir(SEED_DIR))
        desk = NoticeDesk(kb, composer_for(kb).label)
        if args.action == "list":
            drafts = desk.drafts()
            for draft in drafts:
                print(desk.preview(draft, settings.staff_lang) + "\n", file=out)
            print(say("notice_drafts", settings.staff_lang, n=len(drafts)), file=out)
            return 0
        if args.id is None:
            print(say("notice_id_needed", settings.staff_lang, action=args.action), file=out)
            return 2
        who = args.who or getpass.getuser()
        if args.action == "discard":
            desk.discard(args.id, who)
            print(say("notice_discarded", settings.staff_lang, id=args.id), file=out)
            return 0
        reach = desk.confirm(args.id, who)
        print(say("notice_confirmed", settings.staff_lang, id=args.id, n=reach), file=out)
        return 0


COMMANDS: dict[str, Command] = {"notices": cmd_notices}
