"""The judged score: held-out questions answered with the right entry and the expected figures.

A judged set is a YAML list of ``{q, intent, expect: [strings], facts: [ids]}``
written from the facts sheet by someone other than the knowledge base's authors
(``tests/data/judged_questions.yaml``). A question counts as right when the
assistant answers it (outcome ``answer``) in the expected intent and the answer
contains every expected string, thousands separators aside ("1,500" = "1500") and a figure in
any notation ("260万" = "2600000" = "2.6 million"); an expected figure is a whole number
in the answer ("1500" is not found in "15000"); a
greeting, thanks or hand-off question when it gets small talk or a hand-off, and
an out-of-scope question when the assistant falls back honestly.
Each question is asked in a new chat. ``python run_bot.py bench --judged``
prints the score; ``tests/test_judged.py`` holds it to the issue's target.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bot.engine.assistant import Assistant

TARGET = 0.90
# the outcome that is right for a question of these intents; a policy question is right only when answered
OUTCOMES = {"out_of_scope": "fallback", "human_agent": "handoff", "greeting": "smalltalk", "thanks": "smalltalk",
            "goodbye": "smalltalk", "bot_capabilities": "smalltalk"}
DEFAULT_SET = Path(__file__).resolve().parents[2] / "tests" / "data" / "judged_questions.yaml"
_SEPARATOR = re.compile(r"(?<=\d)[,，\u2009\u202f](?=\d{3}(?!\d))")
# a figure written with a word for its multiple: "260万", "1.5万元", "2.6 million"
_MULTIPLE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(万|萬|亿|億|million\b|billion\b)", re.IGNORECASE)
_TIMES = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000, "million": 1_000_000, "billion": 1_000_000_000}
_FIGURE = re.compile(r"\d+(?:\.\d+)?")


def _in_digits(match: re.Match[str]) -> str:
    value = float(match.group(1)) * _TIMES[match.group(2).casefold()]
    return str(round(value)) if value == round(value) else match.group(0)


def comparable(text: str) -> str:
    """Text as judged: NFKC, thousands separators removed, case-folded."""
    return _SEPARATOR.sub("", unicodedata.normalize("NFKC", text)).casefold()


def contains(text: str, expected: str) -> bool:
    """Whether an answer contains an expected string, both as :func:`comparable`, in either notation of a figure
    ("2600000" is found in "260万元", and so is "260万" or "260"); a figure only as a whole number ("1500" is not
    found in "15000")."""
    text, wanted = comparable(text), comparable(expected)
    texts = {text, _MULTIPLE.sub(_in_digits, text)}
    for form in {wanted, _MULTIPLE.sub(_in_digits, wanted)}:
        if _FIGURE.fullmatch(form):
            whole = re.compile(rf"(?<![\d.]){re.escape(form)}(?!\d|\.\d)")
            if any(whole.search(t) for t in texts):
                return True
        elif any(form in t for t in texts):
            return True
    return False


def load(path: Path | str) -> list[dict[str, Any]]:
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("q") and i.get("intent") for i in items):
        raise ValueError(f"{path}: a judged set is a list of {{q, intent, expect, facts}}")
    return items


def judge(assistant: Assistant, items: list[dict[str, Any]], session: str = "judged") -> dict[str, Any]:
    """Ask every question in a new chat; the share answered right, per intent, and the misses."""
    right = right_intent = 0
    per_intent: Counter[str] = Counter()
    per_intent_right: Counter[str] = Counter()
    misses = []
    for number, item in enumerate(items):
        reply = assistant.handle(str(item["q"]), f"{session}-{number}", channel="bench")
        missing = [s for s in map(str, item.get("expect") or []) if not contains(reply.text, s)]
        wanted = OUTCOMES.get(item["intent"], "answer")
        # an out-of-scope question is right when the assistant falls back, whatever intent it leaned to
        intent_ok = reply.outcome == wanted and (wanted == "fallback" or reply.intent == item["intent"])
        per_intent[item["intent"]] += 1
        right_intent += intent_ok
        if intent_ok and not missing:
            right += 1
            per_intent_right[item["intent"]] += 1
        else:
            misses.append({"q": item["q"], "intent": item["intent"], "got": reply.intent, "outcome": reply.outcome,
                           "entry_id": reply.entry_id, "missing": missing})
    total = len(items)
    return {
        "questions": total, "right": right, "share": round(right / total, 4) if total else 0.0,
        "right_intent_share": round(right_intent / total, 4) if total else 0.0, "target": TARGET,
        "per_intent": {i: [per_intent_right[i], n] for i, n in sorted(per_intent.items())},
        "misses": misses,
    }
