"""Dialogue context: reading a follow-up in the light of the previous turn.

The context of a session is the last policy topic it asked about, with the
entities named so far. Three kinds of follow-up are resolved here:

- a message that only adds detail ("那硕士呢", "我是硕士，在高新区上班") continues
  the previous turn's intent, with the new entities over the old;
- "how do I apply" / "whom do I call" with no topic of its own is answered for
  the previous turn's topic;
- a new topic asked as a follow-up ("what about renting?") is read as a policy
  topic, and keeps the entities already given (the same person is still a PhD).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from intents.classifier import Prediction
from intents.entities import Entities, without_spans
from intents.lexicon import is_detail_only, is_followup_question
from intents.reading import swap_to_front
from intents.segment import Segmenter

PROCESS_INTENTS = frozenset({"application_process", "service_contacts"})
FOLLOWUP_FLOOR = 0.1  # "what about X" takes the best policy topic when it has at least this probability
TOPIC_SHARE = 0.2  # a process question names its own topic when that topic has at least this probability


@dataclass(frozen=True)
class Context:
    intent: str
    topic: str | None
    entities: Entities
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"intent": self.intent, "topic": self.topic, "entities": self.entities.as_dict(),
                "confidence": self.confidence}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Context | None":
        if not data or "intent" not in data:
            return None
        return cls(intent=str(data["intent"]), topic=data.get("topic"),
                   entities=Entities.from_dict(dict(data.get("entities") or {})),
                   confidence=float(data.get("confidence") or 0.0))


@dataclass(frozen=True)
class Resolution:
    ranking: list[Prediction]
    entities: Entities
    continued: bool  # True when the message only added detail to the previous turn
    leaning: bool = False  # True for "what about X?" read as the policy topic X


def resolve(core: str, entities: Entities, ranking: list[Prediction], context: Context | None,
            segmenter: Segmenter, policy_intents: frozenset[str] = frozenset()) -> Resolution:
    if context is None:
        return Resolution(ranking, entities, False)
    merged = entities.merged_over(context.entities)
    residue = segmenter.tokens(without_spans(core, entities.spans))
    if entities and is_detail_only(residue):
        previous = Prediction(context.intent, max(context.confidence, ranking[0].confidence))
        rest = [p for p in ranking if p.intent != context.intent]
        return Resolution([previous, *rest], merged, True)
    if is_followup_question(core) and ranking[0].intent not in PROCESS_INTENTS:
        # "what about renting?": the best policy topic, since the chat is about policies already
        # (also when that topic leads but below the answer threshold: the previous turn settles it)
        topics = [p for p in ranking if p.intent in policy_intents and p.intent not in PROCESS_INTENTS]
        if topics and topics[0].confidence >= FOLLOWUP_FLOOR:
            return Resolution(swap_to_front(ranking, topics[0].intent), merged, False, leaning=True)
    return Resolution(ranking, merged, False)


def topic_of(ranking: Sequence[Prediction], policy_intents: frozenset[str], context: Context | None) -> str | None:
    """The benefit a process question is about: named in it, else the previous turn's."""
    for prediction in ranking:
        if prediction.intent in policy_intents and prediction.intent not in PROCESS_INTENTS:
            if prediction.confidence >= TOPIC_SHARE:
                return prediction.intent
            break
    return context.topic if context else None
