"""The development dialogues, scored turn by turn as the held-out dialogues are.

    python -m benchmarks.dev_dialogues [--dialogues tests/data/dev_dialogues.yaml] [--misses] [--json]

Runs the real Assistant (the seed in a temporary database, its classifier trained
through the guard as on a first start, cached in the system's temporary folder
under the hash of the seed and the classifier's code) over
``tests/data/dev_dialogues.yaml``: multi-turn conversations written from the
facts sheet for developing the follow-up resolver. For every later turn it
reports, per kind of follow-up and in all,

- ``intent``: the right intent with that intent's outcome (as ``tests/test_dialogues.py``),
- ``expected``: right intent and every expected string shown (thousands separators aside),
- ``entry``: right intent and, where the turn names one, the entry that answered,
- ``intent+entry``: both (the target of issue 11 is 0.9),
- ``alone`` / ``same``: turns right when asked in a new chat, and of those the share
  answered with the same intent and outcome mid-conversation.

``--misses`` lists the turns that fail; ``--rules-only`` leaves out the learned follow-up reading,
``--homophones`` types the degree and tier names with homophone typos ("朔士", "领君") and ``--no-pinyin``
leaves out reading them by their pinyin. The held-out sets are never read here.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from benchmarks.scratch import scratch_assistant
from bot.engine.assistant import Assistant
from bot.engine.reply import Reply, plain
from bot.staff.judged import contains
from intents import entities

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "tests" / "data" / "dev_dialogues.yaml"
OUTCOME_OF = {"human_agent": "handoff", "greeting": "smalltalk", "thanks": "smalltalk", "goodbye": "smalltalk",
              "bot_capabilities": "smalltalk", "out_of_scope": "fallback"}
COLUMNS = ("turns", "intent", "expected", "entry", "intent+entry", "alone", "same")


def intent_right(reply: Reply, intent: str) -> bool:
    return reply.intent == intent and reply.outcome == OUTCOME_OF.get(intent, "answer")


def shown(reply: Reply) -> str:
    """What the person sees (text and buttons), for ``bot.staff.judged.contains``."""
    return plain(reply) + "\n" + " ".join(b.label for b in reply.buttons)


def evaluate(assistant: Assistant, dialogues: list[dict[str, Any]]) -> dict[str, Any]:
    table: dict[str, list[int]] = defaultdict(lambda: [0] * len(COLUMNS))
    misses: list[dict[str, Any]] = []
    for dialogue in dialogues:
        for index, turn in enumerate(dialogue["turns"]):
            reply = assistant.handle(turn["text"], f"dev:{dialogue['id']}", channel="bench")
            if not index:
                continue
            good = intent_right(reply, turn["intent"])
            missing = [str(e) for e in turn.get("expect") or [] if not contains(shown(reply), str(e))]
            found = good and not missing
            wanted = turn.get("entry")
            entry_ok = good and (not wanted or reply.entry_id == wanted)
            alone = assistant.handle(turn["text"], f"dev-alone:{dialogue['id']}:{index}", channel="bench")
            standalone = intent_right(alone, turn["intent"])
            same = standalone and (alone.intent, alone.outcome) == (reply.intent, reply.outcome)
            for kind in (dialogue["kind"], "all"):
                row = table[kind]
                for column, value in enumerate((1, good, found, entry_ok, good and entry_ok, standalone, same)):
                    row[column] += value
            if not (found and entry_ok):
                misses.append({"id": dialogue["id"], "kind": dialogue["kind"], "turn": index, "text": turn["text"],
                               "want": turn["intent"], "entry_wanted": wanted, "got": reply.intent,
                               "outcome": reply.outcome, "entry": reply.entry_id, "missing": missing})
    return {"kinds": {k: dict(zip(COLUMNS, v)) for k, v in sorted(table.items())}, "misses": misses}


# --homophones: the degree and tier names written with a homophone typo, as people type them with a pinyin
# input method; only the dialogues that name one are kept
HOMOPHONES = {"硕士": "朔士", "碩士": "朔士", "博士": "博式", "本科": "本颗", "领军": "领君", "尖端": "尖段", "高端": "高段",
              "青年才俊": "青年才骏", "紧缺": "紧却", "大专": "大砖", "专科": "专颗"}


def with_homophones(dialogues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    typed = []
    for dialogue in dialogues:
        turns = []
        for turn in dialogue["turns"]:
            text = turn["text"]
            for name, typo in HOMOPHONES.items():
                text = text.replace(name, typo)
            turns.append({**turn, "text": text})
        if turns != dialogue["turns"]:
            typed.append({**dialogue, "turns": turns})
    return typed


def run(path: Path = DEV_SET, learned: bool = True, homophones: bool = False, pinyin: bool = True) -> dict[str, Any]:
    dialogues = yaml.safe_load(path.read_text(encoding="utf-8"))
    dialogues = with_homophones(dialogues) if homophones else dialogues
    entities.pinyin_typos = pinyin
    with scratch_assistant() as assistant:
        assistant.learned_followups = learned
        return evaluate(assistant, dialogues)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", type=Path, default=DEV_SET)
    parser.add_argument("--misses", action="store_true", help="list the later turns that fail")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rules-only", action="store_true", help="without the learned follow-up reading")
    parser.add_argument("--homophones", action="store_true", help="degree and tier names typed with homophone typos")
    parser.add_argument("--no-pinyin", action="store_true", help="without reading homophone typos by their pinyin")
    args = parser.parse_args()
    result = run(args.dialogues, not args.rules_only, args.homophones, not args.no_pinyin)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    if args.misses:
        for miss in result["misses"]:
            print(f"{miss['id']}/{miss['turn']} [{miss['kind']}] {miss['text']}: want {miss['want']} "
                  f"{miss['entry_wanted'] or ''}, got {miss['got']}/{miss['outcome']} {miss['entry']} "
                  f"missing {miss['missing']}")
    print(f"{'kind':20s} {'turns':>5s} {'intent':>7s} {'expected':>8s} {'entry':>6s} {'int+ent':>7s} "
          f"{'alone':>5s} {'same':>6s}")
    for kind, row in result["kinds"].items():
        n = row["turns"]
        print(f"{kind:20s} {n:5d} {row['intent'] / n:7.3f} {row['expected'] / n:8.3f} {row['entry'] / n:6.3f} "
              f"{row['intent+entry'] / n:7.3f} {row['alone']:5d} {row['same'] / max(row['alone'], 1):6.3f}")


if __name__ == "__main__":
    main()
