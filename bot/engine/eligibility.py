"""The eligibility check's engine: a person's profile against the entries' rules.

Channel-free and data-driven: the rules are the ``eligibility`` blocks of the
knowledge base's entries (:mod:`knowledge.rules`), read afresh for every check,
so a ``kb edit`` shows in the next check without a restart. Each rule is
evaluated three-valued (met, failed, not known yet): :func:`next_field` asks
only about a field that can still change some benefit's outcome, and
:func:`assess` sorts the benefits into those that apply (with this person's
amount and what is still missing), those whose claim window has closed, and
those that almost apply (with what would make them apply).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Mapping, Protocol

from knowledge.models import Entry, Text
from knowledge.rules import FIELDS, TESTS, Amount, Condition, Eligibility, Test

FIXABLE: dict[str, Callable[[Test], bool]] = {
    "hukou": lambda t: True in t.values,  # one can register in Dalian (not un-register)
    "insurance_months": lambda t: t.low is not None and t.high is None,  # months only grow
    "work": lambda t: bool({"employed", "business"} & set(t.values)),  # one can take a job or start a business
    "housing": lambda t: True,  # one can buy or rent
}
"""What a person can readily change, and in which direction; a rule makes any other field count as
within reach by saying what it takes in its ``almost`` texts."""
MAX_MISSING = 2  # a benefit "almost applies" when at most this many fixable things are missing
GRADUATION = (6, 30)  # a graduation year is read as graduation on 30 June of that year
NEEDS_GRADUATION = frozenset(TESTS)  # the named tests read the graduation year

ASKED_IF: dict[str, tuple[str, tuple[object, ...]]] = {
    "double_first_class": ("degree", ("phd", "master", "bachelor")),
    "first_class_university": ("double_first_class", (True,)),
    "graduation_year": ("degree", ("phd", "master", "bachelor", "college", "secondary")),
    "district": ("work", ("employed", "business", "coming")),
    "insurance_months": ("work", ("employed", "business")),
    "origin": ("tier", ("top", "leading", "high_end", "young")),
}
"""A field is asked only when an earlier answer makes it meaningful (field, the values that do)."""

MET, FAILED, UNKNOWN = "met", "failed", "unknown"


@dataclass(frozen=True)
class Profile:
    """What the person told the check; None where they have not said (or were not asked)."""

    answers: tuple[tuple[str, object], ...] = ()  # in the order given (Back removes the last)

    def get(self, name: str) -> Any:
        return dict(self.answers).get(name)

    def known(self, name: str) -> bool:
        return self.get(name) is not None

    def answered(self, name: str, value: object) -> "Profile":
        kept = tuple((k, v) for k, v in self.answers if k != name)
        return Profile(kept + ((name, value),))

    def back(self) -> "Profile":
        return Profile(self.answers[:-1])

    def as_dict(self) -> dict[str, object]:
        return dict(self.answers)


def profile_from_facts(facts: Mapping[str, object]) -> Profile:
    """The facts the conversation already holds about the person (degree, tier, district, ...),
    as a profile: what the person said once is not asked again. Unknown names are ignored."""
    answers: list[tuple[str, object]] = []
    for name, spec in FIELDS.items():
        value = facts.get(name)
        if value is None or value == "" or (spec.kind == "bool" and value is not True):
            continue  # a flag that was not raised says nothing (the person may not have mentioned it)
        if spec.kind == "enum" and value not in spec.values:
            continue
        if spec.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            continue
        answers.append((name, value))
    return Profile(tuple(answers))


class WindowLike(Protocol):
    opens: str | None
    closes: str | None
    yearly: bool


@dataclass(frozen=True)
class Benefit:
    """An entry with a rule: what the check reads of it."""

    entry: Entry
    rule: Eligibility
    window: WindowLike | None = None

    @property
    def name(self) -> Text:
        return self.rule.benefit if self.rule.benefit.zh else self.entry.title


def benefits_of(entries: list[Entry]) -> list[Benefit]:
    """The active entries that carry a benefit's rule, in the knowledge base's order."""
    return [Benefit(e, e.eligibility, _window(e)) for e in entries
            if e.status == "active" and e.eligibility is not None and e.eligibility.requires is not None]


def _window(entry: Entry) -> WindowLike | None:
    """The entry's claim window (the ``window`` field of entries, where the loader has it)."""
    found: WindowLike | None = getattr(entry, "window", None)
    return found


# ---------------------------------------------------------------- evaluating conditions


@dataclass(frozen=True)
class Verdict:
    state: str
    missing: tuple[Test, ...] = ()  # the tests that failed or could not be decided


def check(condition: Condition, profile: Profile, today: date) -> Verdict:
    """All tests, and the best of the alternatives (the one missing least)."""
    missing = [t for t in condition.tests if _test(t, profile, today) != MET]
    if condition.alternatives:
        verdicts = [check(c, profile, today) for c in condition.alternatives]
        if not any(v.state == MET for v in verdicts):
            missing += min(verdicts, key=_effort).missing
    if not missing:
        return Verdict(MET)
    failed = any(_test(t, profile, today) == FAILED for t in missing)
    return Verdict(FAILED if failed else UNKNOWN, tuple(missing))


def _effort(verdict: Verdict) -> tuple[int, int]:
    """How far an alternative is: things a person cannot change count first."""
    return sum(not reachable(t) for t in verdict.missing), len(verdict.missing)


def reachable(test: Test) -> bool:
    """Can a person change their answer so that this test holds?"""
    can = FIXABLE.get(field_of(test))
    return can is not None and can(test)


def field_of(test: Test) -> str:
    """The profile field a test reads."""
    return "graduation_year" if test.key in NEEDS_GRADUATION else test.key


def _test(test: Test, profile: Profile, today: date) -> str:
    value = profile.get(field_of(test))
    if value is None:
        return UNKNOWN
    if test.key == "graduated_within_years":
        graduated = date(value, *GRADUATION)
        ok = graduated <= today <= graduated.replace(year=value + int(str(test.values[0])))
    elif test.key == "in_graduation_year":
        ok = (date(value - 1, 7, 1) <= today < date(value, 7, 1)) == test.values[0]
    else:
        ok = (not test.values or value in test.values) and value not in test.excluded \
            and (test.low is None or value >= test.low) and (test.high is None or value <= test.high)
    return MET if ok else FAILED


def fixable(missing: tuple[Test, ...], rule: Eligibility) -> bool:
    """Is what is missing within reach: few things, each one a person can change?"""
    return len(missing) <= MAX_MISSING and all(reachable(t) or field_of(t) in rule.almost for t in missing)


# ---------------------------------------------------------------- what to ask next


def reads(rule: Eligibility) -> frozenset[str]:
    """The profile fields a rule reads."""
    return frozenset("graduation_year" if key in NEEDS_GRADUATION else key for key in rule.keys())


def alive(benefit: Benefit, profile: Profile, today: date) -> bool:
    """Could this benefit still apply, or almost apply, whatever the unanswered fields say?"""
    assert benefit.rule.requires is not None
    verdict = check(benefit.rule.requires, profile, today)
    decided = tuple(t for t in verdict.missing if profile.known(field_of(t)))
    return verdict.state == MET or fixable(decided, benefit.rule)


def askable(name: str, profile: Profile) -> bool:
    condition = ASKED_IF.get(name)
    return condition is None or profile.get(condition[0]) in condition[1]


def next_field(benefits: list[Benefit], profile: Profile, today: date) -> str | None:
    """The first unanswered field (in the order of FIELDS) whose answer can change the result."""
    live = [b for b in benefits if alive(b, profile, today)]
    for name in FIELDS:
        if profile.known(name) or not askable(name, profile):
            continue
        if any(name in reads(b.rule) for b in live):
            return name
    return None


# ---------------------------------------------------------------- the result


@dataclass(frozen=True)
class Money:
    number: int
    unit: Text
    pct: float = 0.0  # the bonus included


@dataclass(frozen=True)
class Outcome:
    benefit: Benefit
    amount: Money | Text | None = None
    pending: tuple[Text, ...] = ()
    missing: tuple[Test, ...] = ()  # for a benefit that almost applies: what is missing


@dataclass(frozen=True)
class Assessment:
    profile: Profile
    today: date
    applies: tuple[Outcome, ...] = ()
    closed: tuple[Outcome, ...] = ()
    almost: tuple[Outcome, ...] = ()
    ids: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)


def assess(benefits: list[Benefit], profile: Profile, today: date) -> Assessment:
    """Every benefit for this profile: applies, closed (its window is over) or almost applies."""
    applies: list[Outcome] = []
    closed: list[Outcome] = []
    almost: list[Outcome] = []
    for benefit in benefits:
        assert benefit.rule.requires is not None
        verdict = check(benefit.rule.requires, profile, today)
        if verdict.state != MET:
            if fixable(verdict.missing, benefit.rule) and not is_closed(benefit.window, today):
                almost.append(Outcome(benefit, amount_for(benefit.rule.amount, profile, today),
                                      missing=verdict.missing))
            continue
        pending = tuple(p.text for p in benefit.rule.pending if check(p.unless, profile, today).state != MET)
        outcome = Outcome(benefit, amount_for(benefit.rule.amount, profile, today), pending)
        (closed if is_closed(benefit.window, today) else applies).append(outcome)
    ids = {name: tuple(o.benefit.entry.id for o in group)
           for name, group in (("applies", applies), ("closed", closed), ("almost", almost))}
    return Assessment(profile, today, tuple(applies), tuple(closed), tuple(almost), ids)


def is_closed(window: WindowLike | None, today: date) -> bool:
    """A one-time window that has ended (a yearly one opens again)."""
    return bool(window and window.closes and not window.yearly and date.fromisoformat(window.closes) < today)


def amount_for(amount: Amount | None, profile: Profile, today: date) -> Money | Text | None:
    """This person's amount: the value (by a field), raised by the highest bonus that applies."""
    if amount is None:
        return None
    if amount.text.zh:
        return amount.text
    base = amount.values.get(str(profile.get(amount.by))) if amount.by else amount.value
    if base is None:
        return None
    pct = max((b.pct for b in amount.bonus if check(b.when, profile, today).state == MET), default=0.0)
    return Money(int(round(base * (1 + pct / 100))), amount.unit, pct)
