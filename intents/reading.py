"""Reading one normalised message: filler, entities and the ranking, in one place.

The question is classified without the filler around it, unless what remains
is too short to be a question and is not a policy topic (then the filler was
the message: "万分感谢" is thanks, not "万分"). A question about another
city's policies is out of scope whatever benefit it names (a labelling rule of
the taxonomy, decided here rather than learned).

The wording rule for contacts only breaks ties: when the classifier is not
confident and the message asks for a phone number, a place or an office, the
contacts intent takes the mass of the benefit it is asked about ("whom do I call
about the rent subsidy" is contacts about rent). A confident classifier is never
overruled ("政策文件在哪能看到全文" stays a policy question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from .classifier import Prediction
from .decide import OUT_OF_SCOPE, Thresholds, confident
from .entities import Entities, extract_entities
from .lexicon import strip_filler

CONVERSATION = frozenset({"greeting", "thanks", "goodbye", "bot_capabilities", "human_agent", OUT_OF_SCOPE})

Ranker = Callable[[str], list[Prediction]]
SHORT = 3  # Chinese characters plus English words: a remainder this short cannot carry a question
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+")


def weight(text: str) -> int:
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
    r"电话|热线|手机号|联系方式|地址|窗口|大厅|哪个部门|哪个单位|什么部门|哪个办公室|找谁|问谁|去哪|哪里办|"
    r"到哪(?:里|儿)?(?:办|去|申请|交|咨询)|"
    r"在哪(?:儿|里)?(?:办|申请|交|递交|提交|领|咨询|问)|在哪(?:个|一个)?(?:窗口|大厅|部门|办公室)|"
    r"几点|上班时间|办公时间|开门|营业时间|周末能办|"
    r"\b(?:phone|telephone|hotline|helpline|number to call|contact (?:number|details|info)|address|"
    r"office hours|opening hours|which (?:office|department|bureau)|who (?:do|should|can) i (?:call|contact|ask|talk to)|"
    r"whom (?:do|should|can) i (?:call|contact|ask)|who handles|"
    r"where (?:do|can|should) i (?:go|apply|submit|ask)|where is the|where to (?:go|apply|submit))\b")
CONTACTS = "service_contacts"
# A complaint goes to a person, even when it names a benefit (labelling rules of the taxonomy); asking for the
# number to complain to is a contacts question (above).
COMPLAINT = re.compile(r"投诉|投訴|我要反映|我要举报|我要舉報|\bcomplain(?:t|ts|ing)?\b|\bfile a complaint\b", re.IGNORECASE)
HUMAN = "human_agent"
TIE_CANDIDATES = 3  # the contacts intent breaks a tie only when it is among this many top intents


def read_message(rank: Ranker, normalized: str, occupations: Iterable[str] = (),
                 limits: Thresholds = Thresholds()) -> Reading:
    core = strip_filler(normalized)
    ranking = rank(core)
    if core != normalized and ranking[0].intent in CONVERSATION and weight(core) <= SHORT:
        ranking = rank(normalized)
    entities = extract_entities(core, occupations)
    if entities.other_place and ranking[0].intent != OUT_OF_SCOPE:
        ranking = swap_to_front(ranking, OUT_OF_SCOPE)
    elif asks_for_contacts(core):
        if not confident(ranking, limits):
            ranking = contacts_tie_break(ranking)
    elif COMPLAINT.search(core):
        ranking = tie_break(ranking, HUMAN)
    return Reading(normalized, core, entities, ranking)


def asks_for_contacts(text: str) -> bool:
    return bool(CONTACT_ASK.search(text))


def contacts_tie_break(ranking: list[Prediction]) -> list[Prediction]:
    """Contacts to the front with the mass of the benefit asked about, when both are among the top candidates."""
    if ranking[0].intent in CONVERSATION:
        return ranking
    return tie_break(ranking, CONTACTS)


def tie_break(ranking: list[Prediction], intent: str) -> list[Prediction]:
    """``intent`` to the front with the mass of the benefit the message names, when both are among the top
    candidates: a question for the contacts about a benefit, a complaint about one."""
    top = ranking[:TIE_CANDIDATES]
    chosen = next((p for p in top if p.intent == intent), None)
    benefit = next((p for p in top if p.intent not in CONVERSATION and p.intent != intent), None)
    if chosen is None or benefit is None:
        return ranking
    merged = Prediction(intent, min(1.0, chosen.confidence + benefit.confidence))
    return [merged, *[p for p in ranking if p.intent != intent]]


def swap_to_front(ranking: list[Prediction], intent: str) -> list[Prediction]:
    """``intent`` takes the top confidence and the former top takes its confidence."""
    top = ranking[0]
    other = next((p for p in ranking if p.intent == intent), Prediction(intent, 0.0))
    rest = [p for p in ranking[1:] if p.intent != intent]
    demoted = Prediction(top.intent, other.confidence)
    return [Prediction(intent, top.confidence), *sorted([*rest, demoted], key=lambda p: -p.confidence)]
