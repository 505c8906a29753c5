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


SOURCE_KINDS = ("official", "news", "reprint")
STAFF_SOURCE_ID = "staff"  # the built-in source of answers written by staff in the review queue


@dataclass(frozen=True)
class Source:
    """One document of the source register (``knowledge/seed/sources.yaml``).

    ``kind`` is ``official`` (a government or university page), ``news`` (a news
    outlet) or ``reprint`` (an aggregator's, mirror's or second-hand copy; the
    document is then named, and the copy's address only when it is a public web
    page, never a code repository). ``date`` is ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``, or None when the document carries none. Two built-in sources
    are not in the register: ``staff`` (answers written in the review queue) and
    ``general`` (kind ``general``: facts the sheet gives as general knowledge,
    e.g. the national hotlines 12333 and 12345, which no document names), shown
    only for an entry whose facts have no document at all.
    """

    id: str
    title: Text
    office: Text = Text()
    number: str | None = None
    url: str | None = None
    date: str | None = None
    kind: str = "reprint"
    facts: tuple[str, ...] = ()
    note: str | None = None

    @property
    def rank(self) -> int:
        """Official documents first, then news, then reprints."""
        return SOURCE_KINDS.index(self.kind) if self.kind in SOURCE_KINDS else len(SOURCE_KINDS)


FACT_STATUSES = ("current", "superseded", "historical", "uncertain")


@dataclass(frozen=True)
class Fact:
    """One fact of the facts sheet (``knowledge/seed/facts.yaml``): what entries may state.

    ``statement`` is the fact in the sheet's words with every figure; ``date``
    and ``note`` are the sheet's date line and notes on it. A ``superseded``
    fact names the facts that replace it in ``superseded_by``. ``unused_reason``
    says why no entry cites the fact (staff fill it in).
    """

    id: str
    title: str
    statement: str
    date: str | None = None
    confidence: str | None = None
    status: str = "current"
    superseded_by: tuple[str, ...] = ()
    note: str | None = None
    unused_reason: str | None = None

    def text(self) -> str:
        """Everything the sheet says about the fact itself (where an answer's figures must come from)."""
        return "\n".join(p for p in (self.title, self.date or "", self.statement, self.note or "") if p)


@dataclass(frozen=True)
class Window:
    """When something can be applied for: ``opens``/``closes`` dates; ``yearly`` when it recurs each year."""

    opens: str | None = None
    closes: str | None = None
    yearly: bool = False

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.opens:
            out["opens"] = self.opens
        if self.closes:
            out["closes"] = self.closes
        if self.yearly:
            out["yearly"] = True
        return out


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
    facts: tuple[str, ...] = ()  # fact ids of the facts sheet the answer rests on
    sources: tuple[str, ...] = ()  # explicit source ids; empty: derived from the facts by the register
    contact: str | None = None
    followups: tuple[str, ...] = ()
    effective: str | None = None
    reviewed: str | None = None
    status: str = "active"
    eligibility: Eligibility | None = None  # the rule of the eligibility check (knowledge.rules)
    window: Window | None = None

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
    aliases: tuple[str, ...] = ()  # short and everyday names ("自贸区移民服务中心")


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
