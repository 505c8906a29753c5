"""The development questions (tests/data/dev_questions.yaml): entry-level retrieval must not slip back.

Retrieval features are chosen on this set (``python -m benchmarks.dev_eval``), so it is not a held-out
score; the floor only guards against a change that quietly loses what was reached (0.895 on 2026-11-29).
"""

from __future__ import annotations

from benchmarks.dev_eval import DEV_SET, evaluate
from bot.engine.assistant import Assistant
from bot.staff.judged import load

FLOOR = 0.87  # reached 0.895 (221/247); a small margin for content edits


def test_dev_questions_keep_their_share(assistant: Assistant) -> None:
    items = load(DEV_SET)
    assert len(items) >= 220
    result = evaluate(assistant, items)
    assert result["answer_share"] >= FLOOR, (result["answer_share"], [m["q"] for m in result["misses"]])
    assert result["intent_share"] >= 0.93
