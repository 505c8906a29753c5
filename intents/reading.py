"""Reading one normalised message: filler, entities and the ranking, in one place.

The question is classified without the filler around it, unless what remains
is too short to be a question and is not a policy topic (then the filler was
the message: "万分感谢" is thanks, not "万分"). A question about another
city's policies is out of scope whatever benefit it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from .classifier import Prediction
from .decide import OUT_OF_SCOPE
from .entities import Entities, extract_entities
from .lexicon import strip_filler

CONVERSATION = frozenset({"greeting", "thanks", "goodbye", "bot_capabilities", "human_agent", OUT_OF_SCOPE})

Ranker = Callable[[str], list[Prediction]]
SHORT = 3  # Chinese characters plus English words: a remainder this short cannot carry a question
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+")


def _weight(text: str) -> int:
    return len(_CJK.findall(text)) + len(_WORD.findall(text))


@dataclass(frozen=True)
class Reading:
    normalized: str
    core: str
    entities: Entities
    ranking: list[Prediction]


def read_message(rank: Ranker, normalized: str, occupations: Iterable[str] = ()) -> Reading:
    core = strip_filler(normalized)
    ranking = rank(core)
    if core != normalized and ranking[0].intent in CONVERSATION and _weight(core) <= SHORT:
        ranking = rank(normalized)
    entities = extract_entities(core, occupations)
    if entities.other_place and ranking[0].intent != OUT_OF_SCOPE:
        ranking = swap_to_front(ranking, OUT_OF_SCOPE)
    return Reading(normalized, core, entities, ranking)


def swap_to_front(ranking: list[Prediction], intent: str) -> list[Prediction]:
    """``intent`` takes the top confidence and the former top takes its confidence."""
    top = ranking[0]
    other = next((p for p in ranking if p.intent == intent), Prediction(intent, 0.0))
    rest = [p for p in ranking[1:] if p.intent != intent]
    demoted = Prediction(top.intent, other.confidence)
    return [Prediction(intent, top.confidence), *sorted([*rest, demoted], key=lambda p: -p.confidence)]
