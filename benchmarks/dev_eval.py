"""Entry-level retrieval on the development questions: does the answer carry the figure asked for?

    python -m benchmarks.dev_eval [--questions tests/data/dev_questions.yaml] [--quiet] [--json]

Runs the real Assistant (a copy of the seed database trained through the guard, ``benchmarks/scratch.py``) over
``tests/data/dev_questions.yaml``: realistic questions written from the facts
sheet, each with its intent and the strings (figures, key words) the right
answer must contain. Each question is asked in a new chat. Reports

- the share answered in the right intent,
- the share whose answer contains every expected string (thousands separators
  aside, as in the judged score),
- for each question answered in the right intent but without the strings, whether
  some active entry of that intent contains them all (a *retrieval miss*: the
  ranking picked the wrong entry) or none does (a *content gap*), with the misses.

This set is for development: retrieval features are chosen on it. The held-out
sets (judged questions, dialogues) are never read here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import opencc

from benchmarks.scratch import scratch_assistant
from bot.engine.assistant import Assistant
from bot.staff.judged import OUTCOMES, contains, load
from knowledge.models import Entry

DEV_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "dev_questions.yaml"
_S2T = opencc.OpenCC("s2t")


def _entry_text(entry: Entry) -> str:
    """Everything an answer built from this entry can show, in both scripts."""
    text = f"{entry.answer.zh}\n{entry.answer.en}"
    return f"{text}\n{_S2T.convert(entry.answer.zh)}"


def evaluate(assistant: Assistant, items: list[dict[str, Any]]) -> dict[str, Any]:
    entries = [e for e in assistant.kb.entries() if e.status == "active"]
    texts = {e.id: _entry_text(e) for e in entries}
    right_intent = right = retrieval_misses = content_gaps = 0
    misses: list[dict[str, Any]] = []
    for number, item in enumerate(items):
        reply = assistant.handle(str(item["q"]), f"dev-{number}", channel="bench")
        expect = [str(s) for s in item.get("expect") or []]
        missing = [s for s in expect if not contains(reply.text, s)]
        wanted = OUTCOMES.get(item["intent"], "answer")
        intent_ok = reply.outcome == wanted and (wanted == "fallback" or reply.intent == item["intent"])
        right_intent += intent_ok
        if intent_ok and not missing:
            right += 1
            continue
        miss: dict[str, Any] = {"q": item["q"], "intent": item["intent"], "got": reply.intent,
                                "outcome": reply.outcome, "entry_id": reply.entry_id, "missing": missing}
        if intent_ok:
            having = [e.id for e in entries if e.intent == item["intent"]
                      and all(contains(texts[e.id], s) for s in expect)]
            miss["kind"] = "retrieval" if having else "content"
            miss["entries_with_it"] = having[:5]
            retrieval_misses += bool(having)
            content_gaps += not having
        else:
            miss["kind"] = "intent"
        misses.append(miss)
    total = len(items) or 1
    return {"questions": len(items), "intent_share": round(right_intent / total, 4),
            "answer_share": round(right / total, 4), "right": right,
            "retrieval_misses": retrieval_misses, "content_gaps": content_gaps,
            "intent_misses": len(items) - right_intent, "misses": misses}


def run(path: Path = DEV_SET) -> dict[str, Any]:
    items = load(path)
    with scratch_assistant() as assistant:
        return evaluate(assistant, items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=DEV_SET)
    parser.add_argument("--quiet", action="store_true", help="only the numbers, not the misses")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.questions)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    if not args.quiet:
        for kind in ("retrieval", "content", "intent"):
            for miss in (m for m in result["misses"] if m["kind"] == kind):
                extra = f" entries with it: {', '.join(miss['entries_with_it'])}" if kind == "retrieval" else ""
                print(f"[{kind}] {miss['q']}\n    want {miss['intent']} missing {miss['missing']}; "
                      f"got {miss['got']}/{miss['outcome']} {miss['entry_id']}{extra}")
    print(f"questions {result['questions']}: right intent {result['intent_share']:.3f}, "
          f"answer contains expected {result['answer_share']:.3f} ({result['right']}); "
          f"misses in the right intent: retrieval {result['retrieval_misses']}, "
          f"content gap {result['content_gaps']}; wrong intent or outcome {result['intent_misses']}")


if __name__ == "__main__":
    main()
