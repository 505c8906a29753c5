"""The eligibility check on a text stream: the console chat and ``run_bot.py eligibility``.

The same steps as in Telegram (:mod:`bot.engine.checkup`): each question with
its numbered options, read one line at a time. An option's number or name
answers; a number answers a question about a number (months, a year); ``b``
goes back and ``q`` cancels. The result is the text every channel shows, or
JSON for machines.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from bot.engine.checkup import STOP_WORDS, Checkup, Prompt
from bot.engine.eligibility import Assessment, Outcome
from bot.engine.questions import say
from bot.engine.summary import amount_text, needs, window_text
from knowledge.rules import FIELDS

NAVIGATION = {"zh": "（b 上一步 · q 取消）", "en": "(b back · q cancel)"}


def show(prompt: Prompt) -> str:
    """A question as text: numbered options, or a hint to type a number."""
    lines = [prompt.text]
    if prompt.field is not None and FIELDS[prompt.field].kind == "int":
        lines.append(" / ".join(text for text, _ in prompt.options) + " " + say("type_number", prompt.lang))
    else:
        lines.append("  ".join(f"[{n}] {text}" for n, (text, _) in enumerate(prompt.options, start=1)))
    lines.append(NAVIGATION.get(prompt.lang, NAVIGATION["zh"]))
    return "\n".join(lines)


def run_check(checkup: Checkup, prompt: Prompt, stdin: TextIO, out: TextIO, quiet: bool = False) -> Prompt | None:
    """Ask until the result (returned, and printed unless ``quiet``); None when cancelled or input ends."""
    while prompt.assessment is None:
        if not quiet:
            print(show(prompt), file=out, flush=True)
        line = stdin.readline()
        if not line:
            return None
        words = line.strip()
        if words.lower() in STOP_WORDS:
            if not quiet:
                print(say("cancelled", prompt.lang), file=out)
            return None
        following = checkup.typed(prompt, words)
        if following is None:
            if not quiet:
                print(say("unclear", prompt.lang), file=out)
            continue
        prompt = following
    if not quiet:
        print(prompt.text, file=out)
    return prompt


def as_json(found: Assessment, lang: str) -> dict[str, Any]:
    """The result for machines: each benefit's entry id, name, amount, notes, window and what is missing."""
    def item(outcome: Outcome) -> dict[str, Any]:
        return {"id": outcome.benefit.entry.id, "benefit": outcome.benefit.name.get(lang),
                "amount": amount_text(outcome, lang) or None, "pending": [p.get(lang) for p in outcome.pending],
                "window": window_text(outcome.benefit.window, found.today, lang) or None,
                "missing": needs(outcome, lang) if outcome.missing else []}

    return {"answers": found.profile.as_dict(), "applies": [item(o) for o in found.applies],
            "closed": [item(o) for o in found.closed], "almost": [item(o) for o in found.almost]}


def dump(found: Assessment, lang: str, out: TextIO) -> None:
    print(json.dumps(as_json(found, lang), ensure_ascii=False), file=out)
