"""The follow-up resolver: reading a message in the light of the conversation's topic.

Its own step, between reading (``intents.reading``) and deciding
(``intents.decide``). Given the reading of a message and the dialogue state, it
says what kind of turn this is and, when the turn leans on the previous one,
what it is about:

========== ================================================ =========================================
kind       the message                                      read as
========== ================================================ =========================================
new        has a topic of its own, or there is no topic      the message alone
same       names the topic already under discussion          the topic, with the case's facts
entity     names only a case: "那硕士呢", "C类呢", "大连呢"  the previous intent, for that case
attribute  asks about a property only: "最多领多久"          the previous topic
process    how to apply / whom to call, no topic of its own  that process intent, about the topic
lean       "那租房呢", "what about renting?"                 its own topic, keeping the case's facts
correction "不是，我是问购房的", "I meant the rent subsidy"   the benefit named, for the case and the last
                                                            question (the same entry of that benefit)
context    leans back, words point elsewhere ("托儿所也算吗") the topic, when the question read together
                                                             with the topic's question says so
unsure     leans back, but the topic is only a candidate     "did you mean", the topic first
elsewhere  names another city only ("青岛呢")                out of scope, the topic kept
========== ================================================ =========================================

A combination question ("能和住房补贴一起领吗") is an attribute of the topic. A
learned reading (``bot.engine.followups``, passed in as ``ellipsis``) rates how
likely a message leans on the topic; a short message it rates high is a
``context`` turn when read with the topic's question the topic keeps a fair
share ("已经买房了还能领吗" after the rent subsidy). An ``entity`` or ``detail``
turn asks the thread's last question again: ``Resolution.query`` holds its
words with the message's, for the entry search.

Thresholds are the Assistant's (``TALENTBOT_*``) plus ``CONTEXT_ANSWER`` below,
chosen on the tuning set (README, "How the thresholds were chosen").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from bot.engine.session import DialogueState, Facts, Topic
from intents.classifier import Prediction
from intents.decide import OUT_OF_SCOPE, Decision, Thresholds, confident
from intents.entities import without_spans
from intents.lexicon import (
    asks_combination,
    asks_process,
    attribute_words,
    is_attribute_only,
    is_correction,
    is_detail_only,
    is_followup_question,
    is_question,
    leans_back,
    meant_instead,
    not_meant,
    without_correction,
    without_leaning,
)
from intents.normalize import has_words
from intents.reading import Reading, asks_for_contacts, swap_to_front, weight

PROCESS_INTENTS = frozenset({"application_process", "service_contacts"})
NO_TOPIC = frozenset({"greeting", "thanks", "goodbye", "bot_capabilities", "human_agent"})
TOPIC_SHARE = 0.2  # a process question names its own topic when that topic has at least this probability
CONTEXT_ANSWER = 0.5  # read with the topic's question, the topic must reach this to be answered
CONTEXT_ASK = 0.25  # ... and this to be offered first in "did you mean"
CONTEXT_OVER_OUT_OF_SCOPE = 0.75  # ... and this when the message alone reads as out of scope
CONTEXT_OVER_OWN = 0.6  # a short message pointing back stays on the topic, even against its own reading, at this
ALONE_CONFIDENT_ELSEWHERE = 0.6  # a message this sure of another intent on its own is not read in context
LEAN_FLOOR = 0.15  # "那买房呢" takes the benefit it names when that has at least this probability
COMBINATION_WEIGHT = 16  # "能和住房补贴一起领吗" up to this long asks about the topic with another benefit
ELLIPTICAL = 0.75  # the learned probability that a message leans on the topic, to read it with the topic ...
ELLIPTICAL_SHARE = 0.35  # ... where the topic then needs this share
ELLIPTICAL_WEIGHT = 16  # ... for messages up to this long
PROCESS_FIRM = 0.45  # ... unless a how-to-apply or contacts reading has this much ("什么时候申请")
SHORT_FOLLOWUP = 10  # Chinese characters plus English words: a message this short may lean on the topic unmarked

Tokens = Callable[[str], list[str]]
Ranker = Callable[[str], list[Prediction]]


@dataclass(frozen=True)
class Resolution:
    kind: str
    ranking: list[Prediction]
    case: Facts  # the facts of the case this turn is about
    decision: Decision | None = None  # set when the resolver settles the turn itself
    subject: str | None = None  # the benefit a process question (or a continued topic) is about
    query: str | None = None  # the words to find the entry by, when not the message's own ("那硕士呢": the question
    # it asks again for the new case)

    @property
    def continued(self) -> bool:
        return self.kind not in ("new", "lean")


def resolve(reading: Reading, state: DialogueState, tokens: Tokens, rank: Ranker, limits: Thresholds,
            policy_intents: frozenset[str], ellipsis: Callable[[str], float] | None = None) -> Resolution:
    """What this turn is about, given the conversation so far."""
    own = Facts().stated(reading.entities, state.turn)
    topic = state.topic
    ranking = reading.ranking
    top = ranking[0]
    if topic is None:
        return Resolution("new", ranking, own)
    case = topic.case.stated(reading.entities, state.turn)
    residue = without_spans(reading.core, reading.entities.spans)
    subject = topic.subject
    if reading.entities and is_detail_only(residue):  # only a case: not a request for a person whatever it reads as
        return _entity_only(reading, state, case, ranking)
    if top.intent in NO_TOPIC and confident(ranking, limits):
        return Resolution("new", ranking, own)
    if reading.entities.other_place and top.intent == OUT_OF_SCOPE:  # "那沈阳的租房补贴呢": another city's rules
        return _elsewhere(ranking, case, topic.subject)
    corrects = is_correction(reading.core) or meant_instead(reading.core) is not None
    corrected = _corrected_to(reading, residue, subject, policy_intents, limits, rank) if corrects else None
    if corrected is not None:  # "不是，我是问购房的": the last question again, about the benefit now named
        intent, confidence, meant = corrected
        return Resolution("correction", swap_to_front(ranking, intent), case,
                          _answer(intent, confidence, "corrects the topic", ranking), intent,
                          f"{attribute_words(topic.asked)} {meant}")
    if corrects and (reading.entities.as_dict() or reading.entities.denied):
        # "不对，我是紧缺人才不是高层次人才", "搞错了，我是本地培养的": the case corrected, the same question again
        # (searched without the words of the correction and of what no longer holds)
        return _entity_only(reading, state, case, ranking, f"{topic.asked} {without_correction(residue)}")
    leaning = _leaning_to(reading, ranking, subject, policy_intents)
    if leaning is not None:
        confidence = max(next(p.confidence for p in ranking if p.intent == leaning), limits.answer)
        return Resolution("lean", swap_to_front(ranking, leaning), case,
                          _answer(leaning, confidence, "what about another benefit", ranking))
    process_asked = asks_process(reading.core)  # how, when, with what to apply: the process intent, about the topic
    if subject and topic.text and leans_back(reading.core) and weight(reading.core) <= SHORT_FOLLOWUP and \
            not process_asked:
        # "外地户口可以吗", "is it taxable?": short and pointing back, so read with the topic first
        together = _read_together(reading, state, case, rank, limits, CONTEXT_OVER_OWN)
        if together is not None:
            return together
    if subject and reading.entities.about_self and not is_question(reading.core) and \
            (top.intent not in NO_TOPIC or corrects):
        # "我去年毕业，社保交了四个月": a statement that adds detail continues the previous turn
        intent = topic.intent if topic.intent != OUT_OF_SCOPE else subject
        return Resolution("detail", swap_to_front(ranking, intent), case,
                          _answer(intent, max(topic.confidence, limits.answer), "adds detail", ranking), subject,
                          _again(topic, reading))
    if subject and subject in policy_intents and asks_combination(reading.core) and \
            weight(reading.core) <= COMBINATION_WEIGHT:
        # "能和住房补贴一起领吗": whether the benefit under discussion combines with the one named
        return Resolution("attribute", swap_to_front(ranking, subject), case,
                          _answer(subject, max(topic.confidence, limits.answer), "combined with another", ranking),
                          subject)
    if ellipsis is not None and subject and topic.text:
        # learned (bot.engine.followups): a message that reads like a benefit's question without the benefit's
        # words leans on the topic when read after the topic's question it is the topic's ("已经买房了还能领吗")
        elliptical = _elliptical(reading, state, case, rank, limits, ellipsis, process_asked)
        if elliptical is not None:
            return elliptical
    own_topic = _own_topic(ranking, policy_intents, limits)
    if own_topic is not None:
        if own_topic == subject:
            return Resolution("same", ranking, case, subject=subject)
        return Resolution("lean" if leans_back(reading.core) else "new", ranking, case if leans_back(reading.core)
                          else own)
    if subject and is_attribute_only(residue) and not process_asked:
        confidence = max(topic.confidence, limits.answer)
        return Resolution("attribute", swap_to_front(ranking, subject), case,
                          _answer(subject, confidence, "about the previous topic", ranking), subject,
                          without_leaning(reading.core))
    process = _process_intent(reading, ranking, process_asked)
    if process is not None and subject:
        named = named_topic(ranking, policy_intents)
        about = named or subject
        confidence = max(top.confidence, limits.answer)
        return Resolution("process", swap_to_front(ranking, process), case if about == subject else own,
                          _answer(process, confidence, "process follow-up", ranking), about,
                          _again(topic, reading) if about == subject else None)
    return _in_context(reading, state, case, own, rank, limits)


def _entity_only(reading: Reading, state: DialogueState, case: Facts, ranking: list[Prediction],
                 query: str | None = None) -> Resolution:
    topic = state.topic
    assert topic is not None
    if reading.entities.other_place:
        return _elsewhere(ranking, case, topic.subject)
    intent = topic.subject if topic.elsewhere or topic.intent == OUT_OF_SCOPE else topic.intent
    if intent is None:
        return Resolution("new", ranking, case)
    confidence = max(topic.confidence, ranking[0].confidence)
    decision = _answer(intent, confidence, "names a case of the previous turn", ranking)
    return Resolution("entity", swap_to_front(ranking, intent), case, decision, topic.subject,
                      query if query is not None and topic.asked else _again(topic, reading))


def _elsewhere(ranking: list[Prediction], case: Facts, subject: str | None) -> Resolution:
    """Another city named: out of scope, the topic kept for the next turn ("青岛呢", "回到大连，博士呢")."""
    decision = Decision("fallback", OUT_OF_SCOPE, 1.0, "another city", tuple(ranking[:3]))
    return Resolution("elsewhere", swap_to_front(ranking, OUT_OF_SCOPE), case, decision, subject)


def _again(topic: Topic, reading: Reading) -> str | None:
    """The words of the thread's last question with this message's: "那硕士呢" after "博士购房券多少钱" asks
    for the voucher again, for a master's degree ("那外籍的呢" adds the words that find the entry for foreigners)."""
    return f"{topic.asked} {reading.core}" if topic.asked else None


def _elliptical(reading: Reading, state: DialogueState, case: Facts, rank: Ranker, limits: Thresholds,
                ellipsis: Callable[[str], float], process_asked: bool) -> Resolution | None:
    """The topic, for a short message the learned reading rates as leaning on it and the joint reading allows."""
    ranking = reading.ranking
    if weight(reading.core) > ELLIPTICAL_WEIGHT or asks_for_contacts(reading.core) or process_asked or \
            (ranking[0].intent in PROCESS_INTENTS and ranking[0].confidence >= PROCESS_FIRM):
        return None  # how to apply, whom to call: the process intents answer those about the topic
    if ellipsis(reading.core) < ELLIPTICAL:
        return None
    return _read_together(reading, state, case, rank, limits, ELLIPTICAL_SHARE)


def _corrected_to(reading: Reading, residue: str, subject: str | None, policy_intents: frozenset[str],
                  limits: Thresholds, rank: Ranker) -> tuple[str, float, str] | None:
    """"不是，我是问购房的", "我说的是租房的，不是买房", "sorry, I meant the rent subsidy": the benefit a correction
    names instead of the topic, its probability and the words that name it. Read without the case's words
    (``residue``, when the message names a case): "不对，我是紧缺人才" corrects the case, not the benefit."""
    if not subject:
        return None
    text = residue if reading.entities else reading.core
    meant = meant_instead(text)
    if reading.entities.denied and (meant is None or not has_words(not_meant(text) or "")):
        return None  # "学校不是双一流": what is said not to hold is a fact of the case, not a benefit
    if meant is not None:
        ranking = rank(meant)  # what the message says was not meant must not count
    elif text != reading.core:
        meant = without_correction(text)
        ranking = rank(meant) if has_words(meant) else []
    else:
        ranking, meant = reading.ranking, without_correction(reading.core)
    if is_detail_only(meant):
        return None  # "我记错了，单位在瓦房店": only words of a case are left, no benefit
    best = _first_benefit(ranking, policy_intents)
    if best is None or best.intent == subject or best.confidence < limits.answer:
        return None  # the benefit meant must be named as clearly as one the assistant answers
    return best.intent, best.confidence, meant


def _leaning_to(reading: Reading, ranking: list[Prediction], subject: str | None,
                policy_intents: frozenset[str]) -> str | None:
    """"那买房呢", "what about renting?": a follow-up that names another benefit, even without confidence."""
    if not is_followup_question(reading.core):
        return None
    best = _first_benefit(ranking, policy_intents)
    if best is None or best.intent == subject or best.confidence < LEAN_FLOOR:
        return None
    return best.intent


def _in_context(reading: Reading, state: DialogueState, case: Facts, own: Facts, rank: Ranker,
                limits: Thresholds) -> Resolution:
    """A message that leans back but names no topic we know: read it together with the topic's question."""
    topic = state.topic
    assert topic is not None
    ranking = reading.ranking
    subject = topic.subject
    alone = ranking[0]
    sure_elsewhere = alone.intent not in (subject, OUT_OF_SCOPE) and alone.confidence >= ALONE_CONFIDENT_ELSEWHERE
    short = weight(reading.core) <= SHORT_FOLLOWUP
    if not subject or not topic.text or sure_elsewhere or not (short or leans_back(reading.core)):
        return Resolution("new", ranking, own)
    # Read together, the topic's question pulls every message towards its topic; a message that on its own
    # is out of scope must keep the topic strong to count as about it ("社保断了还算吗", not "今天天气怎么样").
    needed = CONTEXT_OVER_OUT_OF_SCOPE if alone.intent == OUT_OF_SCOPE else CONTEXT_ANSWER
    settled = _read_together(reading, state, case, rank, limits, needed)
    if settled is not None:
        return settled
    share = _together_share(reading, state, rank)
    if share >= CONTEXT_ASK and alone.intent != OUT_OF_SCOPE:
        options = (Prediction(subject, share), *[p for p in ranking if p.intent not in (subject, OUT_OF_SCOPE)][:2])
        decision = Decision("clarify", subject, share, "leans on the previous topic", tuple(options))
        return Resolution("unsure", swap_to_front(ranking, subject), case, decision, subject)
    return Resolution("new", ranking, own)


def _together_share(reading: Reading, state: DialogueState, rank: Ranker) -> float:
    """The probability of the topic when the message is read after the question that opened the topic."""
    assert state.topic is not None
    together = rank(f"{state.topic.text} {reading.core}")
    if together[0].intent != state.topic.subject:
        return -together[0].confidence if together[0].intent != OUT_OF_SCOPE else 0.0
    return together[0].confidence


def _read_together(reading: Reading, state: DialogueState, case: Facts, rank: Ranker, limits: Thresholds,
                   needed: float) -> Resolution | None:
    """The topic, when reading the message after the topic's question makes it the top intent with ``needed``."""
    topic = state.topic
    assert topic is not None and topic.subject is not None
    share = _together_share(reading, state, rank)
    if share < needed:
        return None
    return Resolution("context", swap_to_front(reading.ranking, topic.subject), case,
                      _answer(topic.subject, share, "read with the previous question", reading.ranking),
                      topic.subject, without_leaning(reading.core))


def _own_topic(ranking: list[Prediction], policy_intents: frozenset[str], limits: Thresholds) -> str | None:
    """The benefit the message is confidently about on its own, if any."""
    top = ranking[0]
    if top.intent in policy_intents and top.intent not in PROCESS_INTENTS and confident(ranking, limits):
        return top.intent
    return None


def _process_intent(reading: Reading, ranking: list[Prediction], process_asked: bool) -> str | None:
    """How to apply or whom to call, asked without a benefit of its own."""
    if ranking[0].intent in PROCESS_INTENTS:
        return ranking[0].intent
    if asks_for_contacts(reading.core):
        return "service_contacts"
    if process_asked:
        return "application_process"
    return None


def named_topic(ranking: Sequence[Prediction], policy_intents: frozenset[str]) -> str | None:
    """The benefit a process question names itself, if one has a fair share of the probability."""
    best = _first_benefit(ranking, policy_intents)
    return best.intent if best is not None and best.confidence >= TOPIC_SHARE else None


def _first_benefit(ranking: Sequence[Prediction], policy_intents: frozenset[str]) -> Prediction | None:
    """The most likely benefit in ``ranking``: a policy intent other than how to apply and whom to call."""
    return next((p for p in ranking if p.intent in policy_intents and p.intent not in PROCESS_INTENTS), None)


def _answer(intent: str, confidence: float, reason: str, ranking: Sequence[Prediction]) -> Decision:
    return Decision("answer", intent, confidence, reason, tuple(swap_to_front(list(ranking), intent)[:3]))
