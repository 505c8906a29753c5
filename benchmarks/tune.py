"""Choosing the decision thresholds on realistic questions, and measuring the dialogue.

    python -m benchmarks.tune [--questions tests/data/tuning_questions.yaml] [--db PATH] [--verbose]

Runs the real Assistant (a scratch copy of the database; the classifier is the
live one) over the tuning set: single questions asked alone, and short
dialogues. For each point of a grid of answer threshold, clarify threshold and
margin it scores every single question and every later turn of a dialogue with
the utility of ``bot.staff.training`` (a wrong confident answer costs three right
ones) and prints the best points; then, for the current settings, the intent
accuracy of the later turns and whether standalone questions asked
mid-conversation get the same intent and outcome as when asked alone.

The held-out dialogues (tests/data/dialogues.yaml) are never read here.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

import yaml

from bot.engine.assistant import Assistant
from bot.engine.reply import Reply
from bot.settings import load_settings
from bot.staff.evaluation import INSCOPE_FALLBACK, OOS_FALLBACK, RIGHT_ANSWER, RIGHT_CLARIFY, WRONG_ANSWER, WRONG_CLARIFY
from intents.decide import OUT_OF_SCOPE, Thresholds

TUNING = Path(__file__).resolve().parents[1] / "tests" / "data" / "tuning_questions.yaml"
OUTCOME_OF = {"human_agent": "handoff", "greeting": "smalltalk", "thanks": "smalltalk", "goodbye": "smalltalk",
              "bot_capabilities": "smalltalk", OUT_OF_SCOPE: "fallback"}
GRID = {"answer": (0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65), "clarify": (0.1, 0.15, 0.2, 0.25, 0.3),
        "margin": (0.0, 0.05, 0.1, 0.15, 0.2)}


def expected_outcome(intent: str) -> str:
    return OUTCOME_OF.get(intent, "answer")


def right(reply: Reply, intent: str) -> bool:
    """The reply is the one the turn wants: its intent, with the outcome that intent has."""
    return reply.intent == intent and reply.outcome == expected_outcome(intent)


def utility(reply: Reply, intent: str) -> float:
    if right(reply, intent):
        return RIGHT_ANSWER if intent != OUT_OF_SCOPE else OOS_FALLBACK
    if reply.outcome == "clarify":
        offered = {c for c, _ in reply.candidates}
        return RIGHT_CLARIFY if intent in offered else WRONG_CLARIFY
    if reply.outcome == "fallback":
        return INSCOPE_FALLBACK
    return WRONG_ANSWER


@dataclasses.dataclass
class Score:
    utility: float = 0.0
    right: int = 0
    turns: int = 0
    kinds: Counter[str] = dataclasses.field(default_factory=Counter)
    misses: list[tuple[str, str, str, str, str]] = dataclasses.field(default_factory=list)

    def add(self, kind: str, text: str, intent: str, reply: Reply) -> None:
        good = right(reply, intent)
        self.utility += utility(reply, intent)
        self.right += good
        self.turns += 1
        self.kinds[kind + (":right" if good else ":wrong")] += 1
        if not good:
            self.misses.append((kind, text, intent, reply.intent, reply.outcome))


def run(assistant: Assistant, data: dict[str, Any], run_id: str) -> tuple[Score, Score]:
    """Single questions, and the later turns of the dialogues."""
    single, later = Score(), Score()
    for number, item in enumerate(data["questions"]):
        single.add("single", item["text"], item["intent"], assistant.handle(item["text"], f"{run_id}:q{number}"))
    for dialogue in data["dialogues"]:
        for index, turn in enumerate(dialogue["turns"]):
            reply = assistant.handle(turn["text"], f"{run_id}:{dialogue['id']}")
            if index:
                later.add(dialogue["kind"], turn["text"], turn["intent"], reply)
    return single, later


def standalone(assistant: Assistant, data: dict[str, Any]) -> tuple[int, int, list[str]]:
    """Turns marked ``alone``: asked mid-conversation, the same intent and outcome as asked alone."""
    same = total = 0
    differ = []
    for dialogue in data["dialogues"]:
        for index, turn in enumerate(dialogue["turns"]):
            inside = assistant.handle(turn["text"], f"mid:{dialogue['id']}")
            if "alone" not in turn:
                continue
            alone = assistant.handle(turn["text"], f"alone:{dialogue['id']}:{index}")
            total += 1
            if (inside.intent, inside.outcome) == (alone.intent, alone.outcome):
                same += 1
            else:
                differ.append(f"{turn['text']}: {inside.intent}/{inside.outcome} vs {alone.intent}/{alone.outcome}")
    return same, total, differ


def grid() -> Iterable[Thresholds]:
    for answer, clarify, margin in itertools.product(GRID["answer"], GRID["clarify"], GRID["margin"]):
        if clarify < answer:
            yield Thresholds(answer, clarify, margin)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=TUNING)
    parser.add_argument("--db", type=Path, default=Path("data/talentbot.sqlite"))
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("--no-grid", action="store_true", help="only measure the current settings")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    data = yaml.safe_load(args.questions.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "tune.sqlite"
        settings = load_settings().with_db(copy)
        if args.db.exists():
            shutil.copy(args.db, copy)
        assistant = Assistant.open(settings)
        try:
            current = assistant.thresholds
            if not args.no_grid:
                results = []
                for number, limits in enumerate(grid()):
                    assistant.thresholds = limits
                    single, later = run(assistant, data, f"grid{number}")
                    results.append((single.utility + later.utility, limits, single, later))
                results.sort(key=lambda r: -r[0])
                print("utility  answer clarify margin  single-right  later-right")
                for total, limits, single, later in results[:args.top]:
                    print(f"{total:7.1f}  {limits.answer:6.2f} {limits.clarify:7.2f} {limits.margin:6.2f}  "
                          f"{single.right}/{single.turns:<11} {later.right}/{later.turns}")
            assistant.thresholds = current
            single, later = run(assistant, data, "current")
            same, total, differ = standalone(assistant, data)
            print(f"\ncurrent {current}: single {single.right}/{single.turns} "
                  f"({single.right / single.turns:.3f}), later turns {later.right}/{later.turns} "
                  f"({later.right / later.turns:.3f}), utility {single.utility + later.utility:.1f}; "
                  f"standalone mid-conversation same as alone {same}/{total}")
            if args.verbose:
                for miss in single.misses + later.misses:
                    print("  miss", miss)
                for line in differ:
                    print("  differs", line)
        finally:
            assistant.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
