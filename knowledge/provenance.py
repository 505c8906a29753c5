"""Where an answer comes from, and whether it is still right.

:class:`Register` joins the source register and the facts sheet: the sources an
entry cites (official first, at most three), and how many entries depend on a
source. :func:`figures` reads the figures of a text (numbers of two or more
digits, percentages, phone numbers, dates) in one canonical form, so that an
answer's "10万元" matches the sheet's "100,000 yuan". :func:`entry_problems`
finds what ``kb validate`` reports beyond the import rules: a superseded fact
cited without saying so, a window that has closed without saying so, and a
figure that none of the entry's facts states.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable
from zoneinfo import ZoneInfo

from .errors import ValidationError
from .models import STAFF_SOURCE_ID, Contact, Entry, Fact, Source, Text

MAX_SOURCES = 3
TIMEZONE = ZoneInfo("Asia/Shanghai")

STAFF_SOURCE = Source(id=STAFF_SOURCE_ID, title=Text("工作人员答复（复核队列）", "staff answer (review queue)"),
                      kind="staff")
GENERAL_SOURCE_ID = "general"  # the built-in source of facts the sheet gives as general knowledge, with no document
GENERAL_KNOWLEDGE = "general knowledge"  # how the facts sheet's confidence line marks such a fact


def is_general_knowledge(fact: Fact) -> bool:
    """A fact the sheet states as general knowledge (e.g. a national service hotline), naming no document."""
    return GENERAL_KNOWLEDGE in (fact.confidence or "").lower()


def today_in_dalian() -> date:
    return datetime.now(TIMEZONE).date()


# ---------------------------------------------------------------- the register


class Register:
    """The source register and the facts sheet, looked up by id."""

    def __init__(self, sources: Iterable[Source], facts: Iterable[Fact]):
        self.sources = {s.id: s for s in sources}
        self.facts = {f.id: f for f in facts}
        self._order = {sid: n for n, sid in enumerate(self.sources)}
        self._of_fact: dict[str, list[Source]] = {}
        for source in self.sources.values():
            for fact_id in source.facts:
                self._of_fact.setdefault(fact_id, []).append(source)
        general = tuple(f.id for f in self.facts.values() if is_general_knowledge(f) and f.id not in self._of_fact)
        self.general = Source(id=GENERAL_SOURCE_ID, title=Text("全国通用常识（无文件出处）",
                                                               "national general knowledge (no document names it)"),
                              kind="general", facts=general)
        self._shown: dict[tuple[str, int], tuple[Entry, tuple[Source, ...]]] = {}
        """(entry id, limit) -> the entry and its sources to show: chosen once per entry, not at every answer (a
        register is read-only once built; a reload builds a new one with the entries it reads)."""

    def sources_of_fact(self, fact_id: str) -> list[Source]:
        return list(self._of_fact.get(fact_id, ()))

    def cited(self, entry: Entry) -> list[Source]:
        """Every source the entry rests on: its explicit sources, or those of its facts."""
        if entry.sources:
            return [self.source(sid) for sid in entry.sources if self.source(sid) is not None]  # type: ignore[misc]
        found: dict[str, Source] = {}
        for fact_id in entry.facts:
            for source in self._of_fact.get(fact_id, ()):
                found.setdefault(source.id, source)
        if not found and any(f in self.general.facts for f in entry.facts):
            # Only general-knowledge facts (no document names them): say so rather than show no source.
            return [self.general]
        return list(found.values())

    def source(self, source_id: str) -> Source | None:
        if source_id == STAFF_SOURCE_ID:
            return STAFF_SOURCE
        if source_id == GENERAL_SOURCE_ID:
            return self.general
        return self.sources.get(source_id)

    def sources_for(self, entry: Entry, limit: int = MAX_SOURCES) -> tuple[Source, ...]:
        """The sources to show with an answer: official first, then news, then reprints; at most ``limit``.

        Explicit sources are shown in their order. Otherwise, among sources of
        the same kind, one that supports a fact not yet covered comes first (so
        the few lines shown cover as many of the entry's facts as they can),
        then the order of the entry's facts, then the register's order.
        """
        known = self._shown.get((entry.id, limit))
        if known is not None and (known[0] is entry or known[0] == entry):
            return known[1]
        shown = self._chosen(entry, limit)
        self._shown[(entry.id, limit)] = (entry, shown)
        return shown

    def _chosen(self, entry: Entry, limit: int) -> tuple[Source, ...]:
        if entry.sources:
            shown = [s for s in (self.source(sid) for sid in entry.sources) if s is not None]
            shown = [replace(s, date=entry.reviewed) if s.id == STAFF_SOURCE_ID else s for s in shown]
            return tuple(sorted(shown, key=lambda s: s.rank)[:limit])
        position = {fact_id: n for n, fact_id in enumerate(entry.facts)}
        candidates = self.cited(entry)
        chosen: list[Source] = []
        covered: set[str] = set()

        def key(source: Source) -> tuple[int, int, int, int]:
            mine = [position[f] for f in source.facts if f in position]
            new = any(entry.facts[p] not in covered for p in mine)
            return (source.rank, 0 if new else 1, min(mine, default=len(position)), self._order.get(source.id, 0))

        while candidates and len(chosen) < limit:
            best = min(candidates, key=key)
            chosen.append(best)
            covered |= set(best.facts)
            candidates.remove(best)
        return tuple(sorted(chosen, key=lambda s: s.rank))

    def dependents(self, entries: Iterable[Entry]) -> dict[str, list[str]]:
        """Source id -> the ids of the entries that cite it (through their facts or explicitly)."""
        found: dict[str, list[str]] = {sid: [] for sid in self.sources}
        for entry in entries:
            for source in self.cited(entry):
                found.setdefault(source.id, []).append(entry.id)
        return found


# ---------------------------------------------------------------- figures

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH_RE = re.compile(r"\b(" + "|".join(m for m in _MONTHS if m != "may") + r"|sept)\b\.?", re.IGNORECASE)
_MAY_RE = re.compile(r"(?<=\d )May\b|\bMay(?= \d)")
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_RANGE_WAN = re.compile(r"(\d+(?:\.\d+)?)\s*(?:[-–—~至到]|to|and)\s*(\d+(?:\.\d+)?)\s*(万|亿|million\b|billion\b)",
                        re.IGNORECASE)
_SCALED = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿|million\b|billion\b)", re.IGNORECASE)
_SHORT_SCALED = re.compile(r"(\d+(?:\.\d+)?)(k|M)\b")  # "100k", "1.5M" (no space: "40 m" is metres)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SCALE = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "million": Decimal(1_000_000),
          "billion": Decimal(1_000_000_000), "k": Decimal(1_000), "m": Decimal(1_000_000)}


def _canonical(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _month(match: re.Match[str]) -> str:
    word = match.group(0).rstrip(".").lower()
    number = 9 if word == "sept" else _MONTHS.index(word) + 1 if word in _MONTHS else 5
    return f" {number} "


def figures(text: str) -> set[str]:
    """The figures of ``text``, canonical: "10万" and "100,000" are both "100000"; "October" is "10".

    Only figures with two or more digits count (a "3 years" or "1st floor" is
    not checked). Phone numbers are read as their digit groups.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _MONTH_RE.sub(_month, text)
    text = _MAY_RE.sub(" 5 ", text)
    text = _THOUSANDS.sub("", text)
    found: list[Decimal] = []

    def scaled(match: re.Match[str]) -> str:
        unit = match.group(match.lastindex or 0).lower()
        numbers = [Decimal(match.group(g)) for g in range(1, match.lastindex or 1)]
        if len(numbers) == 2 and numbers[0] > numbers[1]:  # "800,000 to 1 million": only the second is scaled
            found.append(numbers[0])
            numbers = numbers[1:]
        found.extend(n * _SCALE[unit] for n in numbers)
        return " "

    text = _RANGE_WAN.sub(scaled, text)
    text = _SCALED.sub(scaled, text)
    text = _SHORT_SCALED.sub(scaled, text)
    found += [Decimal(m.group(0)) for m in _NUMBER.finditer(text)]
    out = set()
    for value in found:
        canonical = _canonical(value)
        if sum(c.isdigit() for c in canonical) >= 2:
            out.add(canonical)
    return out


def supported_figures(entry: Entry, register: Register) -> set[str]:
    """The figures an entry may state: those of its facts, and the dates and numbers of its sources."""
    allowed: set[str] = set()
    for fact_id in entry.facts:
        fact = register.facts.get(fact_id)
        if fact is not None:
            allowed |= figures(fact.text())
    for source in register.cited(entry):
        allowed |= figures(" ".join(p for p in (source.title.zh, source.title.en, source.number or "",
                                                 source.date or "") if p))
    return allowed


def unsupported_figures(entry: Entry, register: Register) -> dict[str, list[str]]:
    """Per language, the figures of the answer that none of the entry's facts (or sources) states."""
    allowed = supported_figures(entry, register)
    out = {}
    for lang in ("zh", "en"):
        missing = sorted(figures(entry.answer.zh if lang == "zh" else entry.answer.en) - allowed,
                         key=lambda v: (len(v), v))
        if missing:
            out[lang] = missing
    return out


def fact_uses(entries: Iterable[Entry], contacts: Iterable[Contact] = ()) -> dict[str, list[str]]:
    """Fact id -> the active entries (and contacts, as ``contact:ID``) that cite it."""
    uses: dict[str, list[str]] = {}
    for entry in entries:
        if entry.status != "active":
            continue
        for fact_id in entry.facts:
            uses.setdefault(fact_id, []).append(entry.id)
    for contact in contacts:
        for fact_id in re.findall(r"[FN]-\d+", contact.fact or ""):
            uses.setdefault(fact_id, []).append(f"contact:{contact.id}")
    return uses


def unused_facts(facts: Iterable[Fact], entries: Iterable[Entry], contacts: Iterable[Contact] = ()) -> list[Fact]:
    """The facts no active entry (nor contact) cites, in the sheet's order."""
    uses = fact_uses(entries, contacts)
    return [f for f in facts if f.id not in uses]


# ---------------------------------------------------------------- currency checks

LABEL_ZH = re.compile(r"原|此前|之前|以前|旧|已调整|调整为|已被|不再|历史|过去|早先|曾|已废止|取代|替代|已过|已超过|当时|"
                      r"起初|最初|后来|此后|提高到|提高至|上调|改为|变为|\d{4}年(?:的)?(?:旧)?(?:规定|规则|政策|标准|细则|办法|文件|通知)")
LABEL_EN = re.compile(r"\b(?:earlier|previous(?:ly)?|former(?:ly)?|superseded|replaced|no longer|older|old rules?|"
                      r"used to|until \d{4}|before (?:that|\d{4})|(?:has|have) passed|expired|at the time|back then|"
                      r"originally|initially|(?:has|have|had|since) (?:\w+ )?(?:since|changed)|"
                      r"(?:raised|rose|increased|lowered|changed|cut)\b(?: \S+){0,8} from|"
                      r"(?:the|a|an|under|by) \d{4} (?:rules?|notice|measures|terms|policy|document))\b",
                      re.IGNORECASE)
CLOSED_ZH = re.compile(r"截止|已结束|结束|已过|已截止|已关闭|已停止|不再受理|停止受理|已到期|到期")
CLOSED_EN = re.compile(r"\b(?:closed|ended|(?:is|was|now|already) over|has passed|have passed|expired|no longer open|"
                       r"ran until|ran from|until \d{1,2} \w+ \d{4}|deadline (?:was|passed))\b", re.IGNORECASE)


@dataclass(frozen=True)
class Located:
    """Where an entry was read from, for naming a problem: file and row."""

    file: str
    row: int | None
    line: int | None = None


def entry_problems(entry: Entry, where: Located, register: Register, today: date | None = None,
                   check_figures: bool = True) -> list[ValidationError]:
    """What ``kb validate`` reports about one entry beyond the import rules (active entries only)."""
    if entry.status != "active":
        return []
    problems: list[ValidationError] = []

    def fail(fld: str, message: str) -> None:
        problems.append(ValidationError(where.file, where.row, fld, f"{entry.id}: {message}", where.line))

    for fact_id in entry.facts:
        fact = register.facts.get(fact_id)
        if fact is None or fact.status != "superseded":  # an unknown fact is an import error
            continue
        newer = ", ".join(fact.superseded_by)
        if not set(fact.superseded_by) & set(entry.facts):
            fail("facts", f"cites {fact_id}, superseded by {newer}, without citing {newer}")
        for lang, label in (("zh", LABEL_ZH), ("en", LABEL_EN)):
            if not label.search(entry.answer.zh if lang == "zh" else entry.answer.en):
                words = "原/此前/旧/已调整/不再…" if lang == "zh" else "earlier/previous/no longer…"
                fail(f"answer.{lang}", f"cites superseded {fact_id} (now {newer}) but does not say the rule is an "
                                       f"older one ({words})")
    window = entry.window
    day = today or today_in_dalian()
    if window and window.closes and window.closes < day.isoformat():
        for lang, closed in (("zh", CLOSED_ZH), ("en", CLOSED_EN)):
            if not closed.search(entry.answer.zh if lang == "zh" else entry.answer.en):
                fail(f"answer.{lang}", f"the window closed on {window.closes} but the answer does not say so "
                                       f"({'截止/已结束' if lang == 'zh' else 'closed/ended'})")
    if check_figures and STAFF_SOURCE_ID not in entry.sources:
        for lang, missing in unsupported_figures(entry, register).items():
            fail(f"answer.{lang}", f"figures not stated by its facts ({', '.join(entry.facts) or 'none'}): "
                                   f"{', '.join(missing)}")
    return problems
