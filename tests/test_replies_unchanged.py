"""Speed work must not change a single reply.

``tests/data/replies_before.jsonl`` holds the replies of the assistant at the
commit the performance work started from (0e71b45): every judged question
asked in a fresh session, and every held-out dialogue turn by turn. This test
asks the same of today's assistant and compares everything a person sees:
outcome, intent, entry, text, notice and buttons (feedback buttons without their
query ids), and the confidences to four decimals.

The questions are held out: the fixture keeps none of their wording and none of
the replies' words, only a digest of what a person sees of each reply (beside
the numbers, which may move by one unit of the fourth decimal with float32
weights), and a failure says how many replies changed, not which.

When the answers change on purpose (new content, a better resolver), record the
fixture again from the new code: ``python -m tests.test_replies_unchanged``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from bot.engine.assistant import Assistant
from bot.engine.reply import FEEDBACK, Reply

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent / "data"
FIXTURE = DATA / "replies_before.jsonl"


def conversations() -> Iterator[tuple[str, list[str]]]:
    """(session, questions): one session per judged question, one per held-out dialogue."""
    judged = yaml.safe_load((DATA / "judged_questions.yaml").read_text(encoding="utf-8"))
    for number, item in enumerate(judged):
        yield f"judged-{number}", [str(item["q"])]
    dialogues = yaml.safe_load((DATA / "dialogues.yaml").read_text(encoding="utf-8"))
    for dialogue in dialogues:
        yield f"dialogue-{dialogue['id']}", [str(turn["text"]) for turn in dialogue["turns"]]


def seen(reply: Reply) -> dict[str, Any]:
    """A digest of what a person sees of a reply, and the numbers behind it (no query ids: they depend on
    the log)."""
    buttons = [[b.label, b.action, "" if b.action == FEEDBACK else b.value] for b in reply.buttons]
    shown = {"outcome": reply.outcome, "intent": reply.intent, "entry": reply.entry_id, "lang": reply.lang,
             "text": reply.text, "notice": reply.notice, "topic": reply.topic, "buttons": buttons,
             "ranked": [c for c, _ in reply.candidates]}
    digest = hashlib.sha256(json.dumps(shown, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:20]
    return {"seen": digest, "confidence": round(reply.confidence, 4),
            "candidates": [round(p, 4) for _, p in reply.candidates]}


def replies(assistant: Assistant) -> list[dict[str, Any]]:
    out = []
    for session, questions in conversations():
        for turn in range(len(questions)):
            out.append({"session": session, "turn": turn,
                        **seen(assistant.handle(questions[turn], session=session, user=session))})
    return out


def test_replies_are_those_of_before_the_speed_work(assistant: Assistant) -> None:
    before = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    now = replies(assistant)
    assert len(now) == len(before)
    changed = sum(_differs(b, n) for b, n in zip(before, now))
    assert not changed, f"{changed} of {len(now)} replies changed (held-out: which ones is not shown)"


def _differs(before: dict[str, Any], now: dict[str, Any]) -> bool:
    """Equal, but confidences may move by one unit of the fourth decimal (float32 weights)."""
    def close(a: float, b: float) -> bool:
        return abs(a - b) <= 1.5e-4

    if (before["session"], before["turn"], before["seen"]) != (now["session"], now["turn"], now["seen"]):
        return True
    if not close(before["confidence"], now["confidence"]) or len(before["candidates"]) != len(now["candidates"]):
        return True
    return not all(close(a, b) for a, b in zip(before["candidates"], now["candidates"]))


def record(db: Path) -> int:
    """Write the fixture from the assistant of this checkout, on a fresh copy of the seed in ``db``."""
    from bot.settings import load_settings
    from bot.staff.training import ensure_model
    from knowledge import SEED_DIR, KnowledgeBase, read_dir

    with KnowledgeBase.open(db) as kb:
        kb.replace_content(read_dir(SEED_DIR))
        ensure_model(kb)
    assistant = Assistant.open(load_settings({}, env_file=None).with_db(db))
    try:
        rows = replies(assistant)
    finally:
        assistant.close()
    FIXTURE.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        print(f"{record(Path(folder) / 'talentbot.sqlite')} replies written to {FIXTURE}", file=sys.stderr)
