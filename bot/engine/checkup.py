"""The eligibility check as a guided conversation, the same on every channel.

The state of a check is its answers so far, encoded compactly (``d0f1y2025...``)
and carried by the buttons themselves: a press brings the whole state back, so
Back is the state without its last answer, a restart loses nothing and no
session storage is needed. Each step reads the rules afresh from the knowledge
base (:mod:`bot.engine.eligibility`), asks the next question whose answer can
change the result, and ends with the result (:mod:`bot.engine.verdicts`).
Facts the person already stated in the conversation are filled in and not
asked again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Callable, Mapping

from bot.engine.compose import Composer
from bot.engine.eligibility import (
    GRADUATION,
    Assessment,
    Benefit,
    Profile,
    assess,
    benefits_of,
    field_of,
    next_field,
    profile_from_facts,
)
from bot.engine.questions import QUESTIONS, label, say
from bot.engine.reply import CHECK, CHECK_STOP, Button
from bot.engine.summary import render
from knowledge import KnowledgeBase
from knowledge.provenance import Register
from knowledge.rules import FIELDS

if TYPE_CHECKING:
    from bot.engine.assistant import Assistant

CODES = {"degree": "d", "double_first_class": "f", "first_class_university": "u", "graduation_year": "y",
         "work": "w", "district": "z", "hukou": "h", "insurance_months": "i", "tier": "t", "origin": "o",
         "housing": "r", "foreign": "x"}
NAMES = {code: name for name, code in CODES.items()}
NO_ANSWERS = "-"  # the state of a check with no answers yet ("" is a button that starts a new check)
STATE = re.compile(r"-|(?:[" + "".join(CODES.values()) + r"][0-9]{1,4}){0,12}")
PAIR = re.compile(r"([a-z])([0-9]+)")
BACK_WORDS = frozenset({"b", "back", "返回", "上一步"})
STOP_WORDS = frozenset({"q", "quit", "cancel", "取消", "退出"})
TRUE_WORDS = frozenset({"yes", "y", "true", "是", "有", "对"})
FALSE_WORDS = frozenset({"no", "n", "false", "否", "没有", "不是", "无"})


# ---------------------------------------------------------------- the state in a button


def encode(profile: Profile) -> str:
    """The answers as a short string for a button (at most 12 fields, digits only)."""
    parts = []
    for name, value in profile.answers:
        spec = FIELDS[name]
        code = str(int(bool(value))) if spec.kind == "bool" else str(value) if spec.kind == "int" \
            else str(spec.values.index(str(value)))
        parts.append(CODES[name] + code)
    return "".join(parts) or NO_ANSWERS


def decode(state: str) -> Profile | None:
    """The answers of a button, or None when the data is not a valid state."""
    if not STATE.fullmatch(state or ""):
        return None
    answers: list[tuple[str, object]] = []
    for code, digits in PAIR.findall(state if state != NO_ANSWERS else ""):
        name = NAMES[code]
        spec, number = FIELDS[name], int(digits)
        if name in dict(answers):
            return None
        if spec.kind == "bool" and number in (0, 1):
            answers.append((name, bool(number)))
        elif spec.kind == "int" and spec.low <= number <= spec.high:
            answers.append((name, number))
        elif spec.kind == "enum" and number < len(spec.values):
            answers.append((name, spec.values[number]))
        else:
            return None
    return Profile(tuple(answers))


# ---------------------------------------------------------------- one step


@dataclass(frozen=True)
class Prompt:
    """What a channel shows: a question with its options and navigation, or the result."""

    text: str
    buttons: tuple[Button, ...]
    lang: str
    field: str | None = None  # the field asked; None when this is the result
    options: tuple[tuple[str, object], ...] = ()
    state: str = ""
    assessment: Assessment | None = None


class Checkup:
    """The check over a source of benefits (read at every step, so rule edits show at once)."""

    def __init__(self, benefits: Callable[[], list[Benefit]], render: Callable[[Assessment, str], str],
                 today: Callable[[], date] = date.today):
        self.benefits, self.render, self.today = benefits, render, today

    def begin(self, facts: Mapping[str, object], lang: str) -> Prompt:
        return self.step(profile_from_facts(facts), lang)

    def step(self, profile: Profile, lang: str) -> Prompt:
        """The next question for these answers, or the result when nothing is left to ask."""
        today, benefits = self.today(), self.benefits()
        name = next_field(benefits, profile, today)
        if name is None:
            found = assess(benefits, profile, today)
            navigation = (Button(say("back", lang), CHECK, encode(profile.back())),) if profile.answers else ()
            return Prompt(self.render(found, lang), (*navigation, Button(say("again", lang), CHECK, "")), lang,
                          state=encode(profile), assessment=found)
        options = options_for(name, benefits, today, lang)
        buttons = [Button(text, CHECK, encode(profile.answered(name, value))) for text, value in options]
        if profile.answers:
            buttons.append(Button(say("back", lang), CHECK, encode(profile.back())))
        buttons.append(Button(say("cancel", lang), CHECK_STOP, ""))
        text = say("step", lang, n=len(profile.answers) + 1) + "\n" + QUESTIONS[name][lang]
        return Prompt(text, tuple(buttons), lang, name, options, encode(profile))

    def press(self, state: str, lang: str) -> Prompt | None:
        """A button's state; None for a stale or forged one."""
        profile = decode(state)
        return None if profile is None else self.step(profile, lang)

    def typed(self, prompt: Prompt, text: str) -> Prompt | None:
        """A typed answer to ``prompt`` (an option's number or name, a number for numbers, back);
        None when it cannot be read."""
        profile = decode(prompt.state) or Profile()
        words = text.strip().lower()
        if words in BACK_WORDS:
            return self.step(profile.back(), prompt.lang)
        if prompt.field is None:
            return None
        value = read_answer(prompt.field, words, prompt.options)
        return None if value is None else self.step(profile.answered(prompt.field, value), prompt.lang)


def open_checkup(kb: KnowledgeBase, composer: Callable[[], Composer], today: Callable[[], date] = date.today
                 ) -> Checkup:
    """The check over a knowledge base: rules read from the database at every step (so an edit shows
    in the next step), sources and offices rendered by ``composer()`` (the Assistant's current one)."""
    return Checkup(lambda: benefits_of(kb.entries()), lambda found, lang: render(found, lang, composer()), today)


def composer_for(kb: KnowledgeBase) -> Composer:
    """A composer over the knowledge base's intents and contacts, as the Assistant makes one
    (for the channels that run the check without an Assistant)."""
    return Composer(kb.intents(), kb.contacts(), Register(kb.sources(), kb.facts()))


def session_facts(assistant: "Assistant", session: str, channel: str) -> dict[str, object]:
    """What the person said about themselves in this conversation (the dialogue state's person facts,
    loaded by its owner, so an expired state says nothing)."""
    return assistant.sessions.load(assistant.session_key(session, channel)).person.values.as_dict()


def read_answer(name: str, words: str, options: tuple[tuple[str, object], ...]) -> object | None:
    spec = FIELDS[name]
    digits = re.fullmatch(r"([0-9]{1,4})\s*(个月|月|年|months?|years?)?", words)
    if spec.kind == "int":
        number = int(digits.group(1)) if digits else None
        return number if number is not None and spec.low <= number <= spec.high else None
    if digits and not digits.group(2) and 1 <= int(digits.group(1)) <= len(options):
        return options[int(digits.group(1)) - 1][1]
    if spec.kind == "bool" and (words in TRUE_WORDS or words in FALSE_WORDS):
        return words in TRUE_WORDS
    for text, value in options:
        if words in (text.lower(), str(value).lower()):
            return value
    return None


# ---------------------------------------------------------------- options


def options_for(name: str, benefits: list[Benefit], today: date, lang: str) -> tuple[tuple[str, object], ...]:
    spec = FIELDS[name]
    if spec.kind == "bool":
        return tuple((label(name, v, lang), v) for v in (True, False))
    if spec.kind == "enum":
        return tuple((label(name, v, lang), v) for v in spec.values)
    if name == "insurance_months":
        return _month_ranges(benefits, lang)
    return _years(benefits, today, lang)


def _tests(benefits: list[Benefit], name: str) -> list[Any]:
    found = []
    for benefit in benefits:
        conditions = [benefit.rule.requires, *(p.unless for p in benefit.rule.pending)]
        conditions += [b.when for b in benefit.rule.amount.bonus] if benefit.rule.amount else []
        stack = [c for c in conditions if c is not None]
        while stack:
            condition = stack.pop()
            found += [t for t in condition.tests if field_of(t) == name]
            stack += list(condition.alternatives)
    return found


def _month_ranges(benefits: list[Benefit], lang: str) -> tuple[tuple[str, object], ...]:
    """One button per range of months that every rule treats alike (the rules' thresholds)."""
    edges = {0}
    for test in _tests(benefits, "insurance_months"):
        edges |= {v for v in (test.low, None if test.high is None else test.high + 1) if v is not None}
    bounds = sorted(edges)
    out = []
    for low, nxt in zip(bounds, bounds[1:]):
        text = say("months_range", lang, low=low, high=nxt - 1) if nxt - 1 > low else say("months_exact", lang, n=low)
        out.append((text, low))
    out.append((say("months_up", lang, low=bounds[-1]), bounds[-1]))
    return tuple(out)


def _years(benefits: list[Benefit], today: date, lang: str) -> tuple[tuple[str, object], ...]:
    """Each year from next year back to the earliest year any rule tells apart, then "or earlier"."""
    cutoffs = {today.year}
    for test in _tests(benefits, "graduation_year"):
        if test.key == "graduated_within_years":
            years = int(str(test.values[0]))
            cutoffs.add(today.year - years + (0 if today <= date(today.year, *GRADUATION) else 1))
        cutoffs |= {v for v in (test.low, None if test.high is None else test.high + 1) if v is not None}
    earliest = min(cutoffs)
    out: list[tuple[str, object]] = [(say("year", lang, year=y), y) for y in range(today.year + 1, earliest - 1, -1)]
    out.append((say("year_or_earlier", lang, year=earliest - 1), earliest - 1))
    return tuple(out)
