"""Value objects the knowledge base hands out: frozen dataclasses, never cursors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    from .rules import Eligibility

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Text:
    """A text in Chinese and English; ``get`` falls back to the other language."""

    zh: str = ""
    en: str = ""

    def get(self, lang: str) -> str:
        first, second = (self.en, self.zh) if lang == "en" else (self.zh, self.en)
        return first or second

    @classmethod
    def of(cls, value: object) -> "Text":
        if isinstance(value, Mapping):
            return cls(zh=str(value.get("zh") or "").strip(), en=str(value.get("en") or "").strip())
        if value is None:
            return cls()
        return cls(zh=str(value).strip(), en=str(value).strip())

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class Source:
    fact: str
    title: str
    url: str | None
    date: str | None  # None when the source itself carries no date


@dataclass(frozen=True)
class Intent:
    id: str
    kind: str  # "policy" | "conversation"
    label: Text


@dataclass(frozen=True)
class Entry:
    id: str
    intent: str
    title: Text
    answer: Text
    conditions: Mapping[str, object] = field(default_factory=dict)
    questions: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    contact: str | None = None
    followups: tuple[str, ...] = ()
    effective: str | None = None
    reviewed: str | None = None
    status: str = "active"
    eligibility: Eligibility | None = None  # the rule of the eligibility check (knowledge.rules)

    @property
    def is_general(self) -> bool:
        return not self.conditions


@dataclass(frozen=True)
class Contact:
    id: str
    name: Text
    topics: tuple[str, ...] = ()
    phone: str | None = None
    address: Text = Text()
    hours: Text = Text()
    url: str | None = None
    note: Text = Text()
    fact: str | None = None


@dataclass(frozen=True)
class Term:
    term: str
    kind: str  # "word" | "typo" | "synonym"
    canonical: str | None = None


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    origin: str = "seed"


@dataclass(frozen=True)
class Review:
    """One open or closed item of the review queue."""

    id: int
    query_id: int | None
    ts: str
    text: str
    reason: str
    candidates: tuple[tuple[str, float], ...]
    status: str
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: str | None = None


@dataclass(frozen=True)
class QueryRecord:
    """What is logged for one question: the decision, its numbers and its latency."""

    user: str
    session: str
    text: str
    lang: str
    intent: str
    confidence: float
    outcome: str
    entry_id: str | None
    latency_ms: float
    candidates: tuple[tuple[str, float], ...] = ()
    channel: str = "console"
