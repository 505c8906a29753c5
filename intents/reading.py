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


# Asking for a phone number, a place, a window, an office or opening hours is a contacts
# question even when a benefit is named (labelling rules of the taxonomy).
CONTACT_ASK = re.compile(
    r"电话|热线|手机号|联系方式|地址|窗口|大厅|哪个部门|哪个单位|什么部门|哪个办公室|找谁|去哪|在哪|哪里办|到哪|"
    r"几点|上班时间|办公时间|开门|营业时间|周末能办|"
    r"\b(?:phone|telephone|hotline|helpline|number to call|contact (?:number|details|info)|address|"
    r"office hours|opening hours|which (?:office|department|bureau)|who (?:do|should|can) i (?:call|contact|ask)|"
    r"where (?:do|can|should) i (?:go|apply|submit|ask)|where is the|where to (?:go|apply|submit))\b")
CONTACTS = "service_contacts"


def read_message(rank: Ranker, normalized: str, occupations: Iterable[str] = ()) -> Reading:
    core = strip_filler(normalized)
    ranking = rank(core)
    if core != normalized and ranking[0].intent in CONVERSATION and _weight(core) <= SHORT:
        ranking = rank(normalized)
    entities = extract_entities(core, occupations)
    if entities.other_place and ranking[0].intent != OUT_OF_SCOPE:
        ranking = swap_to_front(ranking, OUT_OF_SCOPE)
    elif ranking[0].intent not in CONVERSATION and ranking[0].intent != CONTACTS and CONTACT_ASK.search(core):
        ranking = swap_to_front(ranking, CONTACTS)
    return Reading(normalized, core, entities, ranking)


def swap_to_front(ranking: list[Prediction], intent: str) -> list[Prediction]:
    """``intent`` takes the top confidence and the former top takes its confidence."""
    top = ranking[0]
    other = next((p for p in ranking if p.intent == intent), Prediction(intent, 0.0))
    rest = [p for p in ranking[1:] if p.intent != intent]
    demoted = Prediction(top.intent, other.confidence)
    return [Prediction(intent, top.confidence), *sorted([*rest, demoted], key=lambda p: -p.confidence)]
