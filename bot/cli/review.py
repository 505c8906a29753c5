"""The review queue commands: ``review`` (interactive) and ``review list|show|assign|link|answer|ignore``.

The interactive walk shows one group of similar open questions at a time and
takes one key per decision; it reads lines, so it works with piped input too.
The sub-commands do the same without questions, with ``--json`` for machines.
Every decision is made by :mod:`knowledge.review` (one transaction, logged); the
rules Telegram shares (a number picks a candidate, ``#intent_id`` before an
answer chooses its intent) are those of :mod:`bot.staff.desk`. Texts for people
are in the staff's language (``TALENTBOT_STAFF_LANG``, Chinese by default).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any, TextIO

from bot.cli.command import Command
from bot.cli.kb import who as kb_who
from bot.settings import Settings
from bot.staff.desk import choose, resolution_text, split_answer
from bot.staff.texts import say
from knowledge import SEED_DIR, KnowledgeBase, KnowledgeError, read_dir
from knowledge import review as queue
from knowledge.models import Review


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
    answer.add_argument("--contact", help="whom to ask (a contact id; default: the intent's contact)")
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
    who, lang = kb_who(args), settings.staff_lang
    with _kb(settings) as kb:
        action = getattr(args, "review_command", None)
        if action is None:
            return walk(kb, who, stdin, out, lang)
        if action == "list":
            return _list(kb, args.json, out, lang)
        if action == "show":
            return _show(kb, args.id, args.json, out, lang)
        return _decide(kb, args, who, out, lang)


def _kb(settings: Settings) -> KnowledgeBase:
    kb = KnowledgeBase.open(settings.db_path)
    if kb.is_empty():
        kb.replace_content(read_dir(SEED_DIR))
    return kb


# ---------------------------------------------------------------- non-interactive


def _list(kb: KnowledgeBase, as_json: bool, out: TextIO, lang: str) -> int:
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
        print(say("review_open", lang, items=sum(len(g.items) for g in groups), groups=len(groups)), file=out)
    return 0


def _show(kb: KnowledgeBase, review_id: int, as_json: bool, out: TextIO, lang: str) -> int:
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
    print(say("review_question", lang, text=item.text), file=out)
    if item.resolution and item.status != "open":
        print(f"resolution: {item.resolution} by {item.resolved_by} at {item.resolved_at}", file=out)
    _print_choices(item, similar, out, lang)
    others = [f"#{i}" for i in together if i != review_id]
    if others:
        print(f"similar open items: {' '.join(others)}", file=out)
    return 0


def _decide(kb: KnowledgeBase, args: argparse.Namespace, who: str, out: TextIO, lang: str) -> int:
    ids = _expand(kb, args.ids) if args.group else args.ids
    action = args.review_command
    if action == "assign":
        done = queue.assign(kb, ids, args.intent, who)
    elif action == "link":
        done = queue.link(kb, ids, args.entry, who)
    elif action == "answer":
        done = queue.answer(kb, ids, args.intent, args.zh, args.en, who, args.contact)
    else:
        done = queue.ignore(kb, ids, who)
    if args.json:
        _json_line(out, dataclasses.asdict(done))
    else:
        print(_summary(done, lang), file=out)
    return 0


def _expand(kb: KnowledgeBase, ids: list[int]) -> list[int]:
    """Each id followed by the ids of the open items grouped with it."""
    return list(dict.fromkeys(i for review_id in ids for i in queue.group_of(kb, review_id).ids))


def _summary(done: queue.Resolution, lang: str) -> str:
    ids = " ".join(f"#{i}" for i in done.review_ids)
    parts = [f"{ids}: {resolution_text(done, lang)}"]
    if done.examples_added:
        parts.append(say("review_train_hint", lang, n=done.examples_added))
    parts.append(say("review_version", lang, version=done.content_version))
    return ("；" if lang == "zh" else "; ").join(parts)


# ---------------------------------------------------------------- interactive


def walk(kb: KnowledgeBase, who: str, stdin: TextIO, out: TextIO, lang: str = "zh") -> int:
    """Show each group of open items and act on one key per group, until the queue or the input ends."""
    groups = queue.open_groups(kb)
    if not groups:
        print(say("review_empty", lang), file=out)
        return 0
    closed = 0
    for number, found in enumerate(groups, start=1):
        print(f"\n[{number}/{len(groups)}]", file=out)
        outcome = _one_group(kb, found, who, stdin, out, lang)
        if outcome is None:
            break
        closed += outcome
    print(say("review_walked", lang, closed=closed, open=len(queue.open_items(kb))), file=out)
    return 0


def _one_group(kb: KnowledgeBase, found: queue.Group, who: str, stdin: TextIO, out: TextIO,
               lang: str) -> int | None:
    """Items closed for this group (0 when skipped), or None to stop."""
    lead = found.lead
    similar = queue.similar_entries(kb, lead.text)
    print(f"#{lead.id}  {lead.reason}  {lead.ts}\n" + say("review_question", lang, text=lead.text), file=out)
    for other in found.items[1:]:
        print(say("review_also", lang, id=other.id, text=other.text), file=out)
    _print_choices(lead, similar, out, lang)
    while True:
        key = _ask(say("review_keys", lang) + "\n> ", stdin, out)
        if key is None or key == "q":
            return None
        if key == "s":
            return 0
        try:
            done = _act(kb, key, found, similar, who, stdin, out, lang)
        except KnowledgeError as exc:
            print(say("review_error", lang, reason=exc), file=out)
            continue
        if done is None:
            continue
        print(_summary(done, lang), file=out)
        return len(done.review_ids)


def _act(kb: KnowledgeBase, key: str, found: queue.Group, similar: list[queue.EntryMatch], who: str,
         stdin: TextIO, out: TextIO, lang: str) -> queue.Resolution | None:
    """Carry out one key; None when the key was unknown or its prompt was left empty."""
    cands = [c[0] for c in found.lead.candidates]
    if key == "a":
        intent = choose(_ask(say("review_pick_intent", lang), stdin, out), cands)
        return queue.assign(kb, found.ids, intent, who) if intent else None
    if key == "l":
        entry = choose(_ask(say("review_pick_entry", lang), stdin, out), [m.entry_id for m in similar])
        return queue.link(kb, found.ids, entry, who) if entry else None
    if key == "w":
        written = _ask(say("review_answer_zh", lang), stdin, out)
        english = _ask(say("review_answer_en", lang), stdin, out)
        if not written:
            print(say("review_need_answer", lang), file=out)
            return None
        intent, zh = split_answer(written, found.lead, lang)
        return queue.answer(kb, found.ids, intent, zh, english or zh, who)
    if key == "i":
        return queue.ignore(kb, found.ids, who)
    print(say("review_unknown_key", lang, pressed=key), file=out)
    return None


def _ask(prompt: str, stdin: TextIO, out: TextIO) -> str | None:
    """One line of input, stripped; None at the end of the input."""
    print(prompt, end="", file=out, flush=True)
    line = stdin.readline()
    if not line:
        return None
    return line.strip()


# ---------------------------------------------------------------- shared output


def _print_choices(item: Review, similar: list[queue.EntryMatch], out: TextIO, lang: str) -> None:
    if item.status == "open" and item.resolution:  # a staff reply proposed from a Telegram hand-off
        print(say("review_proposed", lang, text=item.resolution), file=out)
    print(say("review_candidates", lang), file=out)
    for number, (intent, confidence) in enumerate(item.candidates, start=1):
        print(f"  {number}) {intent}  {confidence:.2f}", file=out)
    if not item.candidates:
        print(say("review_none", lang), file=out)
    print(say("review_similar", lang), file=out)
    for number, match in enumerate(similar, start=1):
        print(f"  {number}) {match.entry_id}  [{match.intent}]  {match.title.zh} / {match.title.en}  "
              f"{match.score:.2f}", file=out)
    if not similar:
        print(say("review_none", lang), file=out)


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
