"""The review queue commands: ``review`` (interactive) and ``review list|show|assign|link|answer|ignore``.

The interactive walk shows one group of similar open questions at a time and
takes one key per decision; it reads lines, so it works with piped input too.
The sub-commands do the same without questions, with ``--json`` for machines.
Every decision is made by :mod:`knowledge.review` (one transaction, logged).
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
from typing import Any, TextIO

from bot.cli.command import Command
from bot.settings import Settings
from knowledge import SEED_DIR, KnowledgeBase, KnowledgeError, read_dir
from knowledge import review as queue
from knowledge.models import Review

KEYS = "a=assign to intent  l=link to entry  w=write answer  i=ignore  s=skip  q=quit"
TRAIN_HINT = "run `python run_bot.py train` to retrain the model with the new phrases"


def add_commands(sub: argparse._SubParsersAction, kb_sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the parser (``kb_sub``: the sub-commands of ``kb``)."""
    review = sub.add_parser("review", help="the review queue: walk it (no sub-command) or list/show/assign/...")
    review.add_argument("--who", help="your name in the change log (default: your login name)")
    actions = review.add_subparsers(dest="review_command")
    for name, text in (("list", "open items, similar questions grouped"), ("show", "one item in full")):
        cmd = _sub(actions, name, text)
        if name == "show":
            cmd.add_argument("id", type=int)
    assign = _decision(actions, "assign", "make the questions training phrases of an intent")
    assign.add_argument("--intent", required=True)
    link = _decision(actions, "link", "add the questions to an existing entry (and its intent)")
    link.add_argument("--entry", required=True)
    answer = _decision(actions, "answer", "write a new entry that answers the questions")
    answer.add_argument("--intent", required=True)
    answer.add_argument("--zh", required=True, help="the answer in Chinese")
    answer.add_argument("--en", required=True, help="the answer in English")
    _decision(actions, "ignore", "close the items without learning from them")


def _sub(actions: argparse._SubParsersAction, name: str, text: str) -> argparse.ArgumentParser:
    cmd = actions.add_parser(name, help=text)
    cmd.add_argument("--json", action="store_true", help="JSON lines output")
    cmd.add_argument("--who", default=argparse.SUPPRESS, help="your name in the change log")
    return cmd


def _decision(actions: argparse._SubParsersAction, name: str, text: str) -> argparse.ArgumentParser:
    cmd = _sub(actions, name, text)
    cmd.add_argument("ids", nargs="+", type=int, metavar="ID")
    cmd.add_argument("--group", action="store_true", help="also close the open items similar to each ID")
    return cmd


def cmd_review(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    """``review`` walks the queue; ``review SUB`` runs one sub-command."""
    who = getattr(args, "who", None) or _login_name()
    with _kb(settings) as kb:
        action = getattr(args, "review_command", None)
        if action is None:
            return walk(kb, who, stdin, out)
        if action == "list":
            return _list(kb, args.json, out)
        if action == "show":
            return _show(kb, args.id, args.json, out)
        return _decide(kb, args, who, out)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def _kb(settings: Settings) -> KnowledgeBase:
    kb = KnowledgeBase.open(settings.db_path)
    if kb.is_empty():
        kb.replace_content(read_dir(SEED_DIR))
    return kb


# ---------------------------------------------------------------- non-interactive


def _list(kb: KnowledgeBase, as_json: bool, out: TextIO) -> int:
    groups = queue.open_groups(kb)
    for found in groups:
        if as_json:
            _json_line(out, {"ids": list(found.ids), "text": found.lead.text, "texts": [r.text for r in found.items],
                             "reason": found.lead.reason, "ts": found.lead.ts, "proposal": found.lead.resolution,
                             "candidates": _candidates(found.lead)})
            continue
        top = found.lead.candidates[0] if found.lead.candidates else ("-", 0.0)
        ids = " ".join(f"#{i}" for i in found.ids)
        print(f"{ids:16} {len(found.items):3}x  {found.lead.reason:12} {top[0]} {top[1]:.2f}  "
              f"{_one_line(found.lead.text)}", file=out)
    if not as_json:
        print(f"{sum(len(g.items) for g in groups)} open items in {len(groups)} groups", file=out)
    return 0


def _show(kb: KnowledgeBase, review_id: int, as_json: bool, out: TextIO) -> int:
    item = queue.item(kb, review_id)
    similar = queue.similar_entries(kb, item.text)
    together = queue.group_of(kb, review_id).ids
    if as_json:
        record = dataclasses.asdict(item)
        record.update(candidates=_candidates(item), similar_items=[i for i in together if i != review_id],
                      similar_entries=[_match(m) for m in similar])
        _json_line(out, record)
        return 0
    print(f"#{item.id}  {item.status}  {item.reason}  {item.ts}", file=out)
    print(f"question: {item.text}", file=out)
    if item.resolution and item.status != "open":
        print(f"resolution: {item.resolution} by {item.resolved_by} at {item.resolved_at}", file=out)
    _print_choices(item, similar, out)
    others = [f"#{i}" for i in together if i != review_id]
    if others:
        print(f"similar open items: {' '.join(others)}", file=out)
    return 0


def _decide(kb: KnowledgeBase, args: argparse.Namespace, who: str, out: TextIO) -> int:
    ids = _expand(kb, args.ids) if args.group else args.ids
    action = args.review_command
    if action == "assign":
        done = queue.assign(kb, ids, args.intent, who)
    elif action == "link":
        done = queue.link(kb, ids, args.entry, who)
    elif action == "answer":
        done = queue.answer(kb, ids, args.intent, args.zh, args.en, who)
    else:
        done = queue.ignore(kb, ids, who)
    if args.json:
        _json_line(out, dataclasses.asdict(done))
    else:
        print(_summary(done), file=out)
    return 0


def _expand(kb: KnowledgeBase, ids: list[int]) -> list[int]:
    """Each id followed by the ids of the open items grouped with it."""
    return list(dict.fromkeys(i for review_id in ids for i in queue.group_of(kb, review_id).ids))


def _summary(done: queue.Resolution) -> str:
    ids = " ".join(f"#{i}" for i in done.review_ids)
    text = f"{done.action} {ids}: {done.resolution}"
    if done.examples_added:
        text += f"; {done.examples_added} training phrase(s) added ({TRAIN_HINT})"
    return text + f"; content version {done.content_version}"


# ---------------------------------------------------------------- interactive


def walk(kb: KnowledgeBase, who: str, stdin: TextIO, out: TextIO) -> int:
    """Show each group of open items and act on one key per group, until the queue or the input ends."""
    groups = queue.open_groups(kb)
    if not groups:
        print("the review queue is empty", file=out)
        return 0
    closed = 0
    for number, found in enumerate(groups, start=1):
        print(f"\n[{number}/{len(groups)}]", file=out)
        outcome = _one_group(kb, found, who, stdin, out)
        if outcome is None:
            break
        closed += outcome
    print(f"\nclosed {closed} item(s); {len(queue.open_items(kb))} still open", file=out)
    return 0


def _one_group(kb: KnowledgeBase, found: queue.Group, who: str, stdin: TextIO, out: TextIO) -> int | None:
    """Items closed for this group (0 when skipped), or None to stop."""
    lead = found.lead
    similar = queue.similar_entries(kb, lead.text)
    print(f"#{lead.id}  {lead.reason}  {lead.ts}\nquestion: {lead.text}", file=out)
    for other in found.items[1:]:
        print(f"  also #{other.id}: {other.text}", file=out)
    _print_choices(lead, similar, out)
    while True:
        key = _ask(f"{KEYS}\n> ", stdin, out)
        if key is None or key == "q":
            return None
        if key == "s":
            return 0
        try:
            done = _act(kb, key, found, similar, who, stdin, out)
        except KnowledgeError as exc:
            print(f"error: {exc}", file=out)
            continue
        if done is None:
            continue
        print(_summary(done), file=out)
        return len(done.review_ids)


def _act(kb: KnowledgeBase, key: str, found: queue.Group, similar: list[queue.EntryMatch], who: str,
         stdin: TextIO, out: TextIO) -> queue.Resolution | None:
    """Carry out one key; None when the key was unknown or its prompt was left empty."""
    cands = [c[0] for c in found.lead.candidates]
    if key == "a":
        intent = _pick(_ask("intent (candidate number or intent id): ", stdin, out), cands)
        return queue.assign(kb, found.ids, intent, who) if intent else None
    if key == "l":
        entry = _pick(_ask("entry (similar entry number or entry id): ", stdin, out), [m.entry_id for m in similar])
        return queue.link(kb, found.ids, entry, who) if entry else None
    if key == "w":
        intent = _pick(_ask("intent (candidate number or intent id): ", stdin, out), cands)
        zh = _ask("answer (zh): ", stdin, out)
        en = _ask("answer (en): ", stdin, out)
        if not (intent and zh and en):
            print("both answers and an intent are needed; nothing changed", file=out)
            return None
        return queue.answer(kb, found.ids, intent, zh, en, who)
    if key == "i":
        return queue.ignore(kb, found.ids, who)
    print(f"unknown key '{key}'", file=out)
    return None


def _ask(prompt: str, stdin: TextIO, out: TextIO) -> str | None:
    """One line of input, stripped; None at the end of the input."""
    print(prompt, end="", file=out, flush=True)
    line = stdin.readline()
    if not line:
        return None
    return line.strip()


def _pick(answer: str | None, options: list[str]) -> str | None:
    """A numbered option (1-based) or the text itself."""
    if not answer:
        return None
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1]
    return answer


# ---------------------------------------------------------------- shared output


def _print_choices(item: Review, similar: list[queue.EntryMatch], out: TextIO) -> None:
    if item.status == "open" and item.resolution:  # a staff reply proposed from a Telegram hand-off
        print(f"proposed answer: {item.resolution}", file=out)
    print("candidates:", file=out)
    for number, (intent, confidence) in enumerate(item.candidates, start=1):
        print(f"  {number}) {intent}  {confidence:.2f}", file=out)
    if not item.candidates:
        print("  none", file=out)
    print("similar entries:", file=out)
    for number, match in enumerate(similar, start=1):
        print(f"  {number}) {match.entry_id}  [{match.intent}]  {match.title.zh} / {match.title.en}  "
              f"{match.score:.2f}", file=out)
    if not similar:
        print("  none", file=out)


def _candidates(item: Review) -> list[dict[str, Any]]:
    return [{"intent": intent, "confidence": confidence} for intent, confidence in item.candidates]


def _match(match: queue.EntryMatch) -> dict[str, Any]:
    return {"entry_id": match.entry_id, "intent": match.intent, "title": match.title.as_dict(),
            "score": match.score}


def _one_line(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _json_line(out: TextIO, record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False), file=out)


COMMANDS: dict[str, Command] = {"review": cmd_review}
