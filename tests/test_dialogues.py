"""The held-out multi-turn dialogues (tests/data/dialogues.yaml), scored turn by turn.

For every later turn: is the intent right (with the outcome that intent has:
an answer, a hand-off, a fallback for out of scope), and does the answer
contain every expected string (numbers compared after removing thousands
separators and thin spaces)? A later turn that is right when asked alone must
be answered the same way mid-conversation (same intent, outcome and entry).

The floors are what the current knowledge base honestly supports; the lead raises
them when the rewritten content is merged (the target is 0.9 for both). Run with
``-s`` to see the numbers per kind of follow-up.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.engine.assistant import Assistant
from bot.engine.reply import Reply, plain
from bot.staff import judged

DIALOGUES = Path(__file__).parent / "data" / "dialogues.yaml"
OUTCOME_OF = {"human_agent": "handoff", "greeting": "smalltalk", "thanks": "smalltalk", "goodbye": "smalltalk",
              "bot_capabilities": "smalltalk", "out_of_scope": "fallback"}
INTENT_FLOOR = 0.95  # measured 0.974 on 2026-11-30 (0.954 with the follow-up resolver of issue 11)
EXPECTED_FLOOR = 0.93  # measured 0.947 on 2026-11-30, third session (0.940 before its corrections; 0.901 with issue 11)
STANDALONE_FLOOR = 0.95  # same intent and outcome as alone: measured 56/57 (58/58 before issue 11)


def intent_right(reply: Reply, intent: str) -> bool:
    return reply.intent == intent and reply.outcome == OUTCOME_OF.get(intent, "answer")


def shown(reply: Reply) -> str:
    """What the person sees (text and buttons), for ``bot.staff.judged.contains``."""
    return plain(reply) + "\n" + " ".join(b.label for b in reply.buttons)


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> dict[str, list[int]]:
    import shutil

    from bot.settings import load_settings

    path = tmp_path_factory.mktemp("dialogues") / "talentbot.sqlite"
    shutil.copy(template_db, path)
    assistant = Assistant.open(load_settings({}, env_file=None).with_db(path))
    dialogues = yaml.safe_load(DIALOGUES.read_text(encoding="utf-8"))
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # turns, intent, expected, alone, same
    try:
        for dialogue in dialogues:
            for index, turn in enumerate(dialogue["turns"]):
                reply = assistant.handle(turn["text"], f"held-out:{dialogue['id']}")
                if not index:
                    continue
                good = intent_right(reply, turn["intent"])
                found = good and all(judged.contains(shown(reply), str(e)) for e in turn["expect"])
                alone = assistant.handle(turn["text"], f"alone:{dialogue['id']}:{index}")
                standalone = intent_right(alone, turn["intent"])
                # the entry may differ: the case of the conversation (a degree said before) picks it
                same = standalone and (alone.intent, alone.outcome) == (reply.intent, reply.outcome)
                for kind in (dialogue["kind"], "all"):
                    row = table[kind]
                    row[0] += 1
                    row[1] += good
                    row[2] += found
                    row[3] += standalone
                    row[4] += same
    finally:
        assistant.close()
    print("\nkind                 turns  intent  expected  standalone same-as-alone")
    for kind, (n, good, found, alone, same) in sorted(table.items()):
        print(f"{kind:20s} {n:5d}  {good / n:6.3f}  {found / n:8.3f}  {alone:4d} {same / max(alone, 1):8.3f}")
    return dict(table)


def test_the_held_out_set_covers_every_kind_of_follow_up() -> None:
    dialogues = yaml.safe_load(DIALOGUES.read_text(encoding="utf-8"))
    kinds = {d["kind"] for d in dialogues}
    assert len(dialogues) >= 80
    assert {"entity_followup", "attribute_followup", "detail", "correction", "new_topic", "process", "other_city",
            "handoff"} <= kinds


def test_later_turns_get_the_right_intent(scores: dict[str, list[int]]) -> None:
    n, good = scores["all"][:2]
    assert good / n >= INTENT_FLOOR


def test_later_turns_contain_the_expected_answer(scores: dict[str, list[int]]) -> None:
    n, _, found = scores["all"][:3]
    assert found / n >= EXPECTED_FLOOR


def test_standalone_questions_mid_conversation_are_answered_as_alone(scores: dict[str, list[int]]) -> None:
    alone, same = scores["all"][3:5]
    assert alone and same / alone >= STANDALONE_FLOOR
