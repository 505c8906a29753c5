"""Settling a "did you mean" between intents without asking (bot/engine/assistant.py, Assistant._settle)."""

from __future__ import annotations

from types import SimpleNamespace

from bot.engine.assistant import Assistant
from intents.classifier import Prediction
from intents.entities import Entities
from intents.reading import Reading


class _NoMatch:
    def settle(self, candidates: object, core: str) -> None:
        return None


def _settle(options: tuple[Prediction, ...], core: str = "人才认定结果公示几天") -> Prediction | None:
    owner = SimpleNamespace(policy_intents=frozenset({"talent_recognition", "medical_care", "application_process",
                                                      "service_contacts"}), retriever=_NoMatch())
    return Assistant._settle(owner, options, Reading(core, core, Entities(), list(options)))  # type: ignore[arg-type]


def test_a_benefit_first_with_only_the_application_intent_close_is_the_benefit_s_question() -> None:
    # labelling rule 1 of the taxonomy: a benefit named plus how to apply belongs to the benefit
    settled = _settle((Prediction("talent_recognition", 0.53), Prediction("application_process", 0.38)))
    assert settled is not None and settled.intent == "talent_recognition"


def test_other_near_ties_are_still_asked_unless_the_entries_decide() -> None:
    # the application intent first, or a contacts question, or two benefits: not settled by the rule
    assert _settle((Prediction("application_process", 0.5), Prediction("talent_recognition", 0.4))) is None
    assert _settle((Prediction("talent_recognition", 0.5), Prediction("service_contacts", 0.4))) is None
    assert _settle((Prediction("talent_recognition", 0.5), Prediction("medical_care", 0.4))) is None
    assert _settle((Prediction("talent_recognition", 0.5), Prediction("application_process", 0.4),
                    Prediction("medical_care", 0.3))) is None
