"""The check's result and the settling-in list, in words, with sources and offices.

``render`` turns an :class:`Assessment` into the text every channel shows;
``settling_in`` lists the entries that are steps of the first months, in their
order, each with its channel and office; ``with_offer`` adds the check's button
or the list to an answer whose entry offers them (``offer:`` in its rule).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Callable

from bot.engine.compose import Composer
from bot.engine.eligibility import Assessment, Money, Outcome, WindowLike, field_of
from bot.engine.questions import NEED_LABELS, NEEDS, label, say
from bot.engine.reply import CHECK, Button, Reply, source_line
from knowledge.models import Entry, Text
from knowledge.rules import FIELDS, Test

SUMMARY_FIELDS = ("degree", "double_first_class", "first_class_university", "graduation_year", "work", "district",
                  "hukou", "insurance_months", "tier", "origin", "housing", "foreign")
FLAGS = {"double_first_class": ("dfc", "not_dfc"), "hukou": ("hukou_yes", "hukou_no"),
         "foreign": ("foreign_yes", "foreign_no")}
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def render(found: Assessment, lang: str, composer: Composer) -> str:
    """The result: answers, what applies, what has closed, what almost applies, the caveat."""
    blocks = [say("title", lang), say("answers", lang) + answers_line(found, lang)]
    if found.applies:
        lines = [say("applies", lang, n=len(found.applies))]
        for number, outcome in enumerate(found.applies, start=1):
            lines += _benefit(number, outcome, found.today, lang, composer)
        blocks.append("\n".join(lines))
    else:
        blocks.append(say("none_applies", lang))
    if found.closed:
        lines = [say("closed", lang)]
        for number, outcome in enumerate(found.closed, start=1):
            lines += _benefit(number, outcome, found.today, lang, composer)
        blocks.append("\n".join(lines))
    if found.almost:
        lines = [say("almost", lang)]
        for number, outcome in enumerate(found.almost, start=1):
            lines.append(f"{number}. {_headline(outcome, lang)}")
            lines.append("   " + say("missing", lang) + "；".join(needs(outcome, lang)) if lang == "zh"
                         else "   " + say("missing", lang) + "; ".join(needs(outcome, lang)))
        blocks.append("\n".join(lines))
    blocks.append(say("caveat", lang))
    return "\n\n".join(blocks)


def answers_line(found: Assessment, lang: str) -> str:
    parts = []
    for name, value in sorted(found.profile.answers, key=lambda a: SUMMARY_FIELDS.index(a[0])):
        if name == "graduation_year":
            parts.append(say("graduated", lang, year=value))
        elif name == "insurance_months":
            parts.append(say("months", lang, n=value))
        elif name in FLAGS:
            parts.append(say(FLAGS[name][0 if value else 1], lang))
        else:
            parts.append(label(name, value, lang))
    return " · ".join(parts)


def _headline(outcome: Outcome, lang: str) -> str:
    name = outcome.benefit.name.get(lang)
    amount = amount_text(outcome, lang)
    return f"{name}：{amount}" if amount and lang == "zh" else f"{name}: {amount}" if amount else name


def amount_text(outcome: Outcome, lang: str) -> str:
    amount = outcome.amount
    if amount is None:
        return ""
    if isinstance(amount, Text):
        return amount.get(lang)
    text = f"{amount.number:,}{amount.unit.zh}" if lang == "zh" else f"{amount.number:,} {amount.unit.en}"
    if amount.pct:
        text += say("bonus", lang, pct=_pct(amount))
    rule = outcome.benefit.rule.amount
    if rule is not None and rule.note.get(lang):
        text += ("，" if lang == "zh" else "; ") + rule.note.get(lang)
    return text


def _pct(amount: Money) -> str:
    return f"{amount.pct:g}"


def _benefit(number: int, outcome: Outcome, today: date, lang: str, composer: Composer) -> list[str]:
    lines = [f"{number}. {_headline(outcome, lang)}"]
    lines += ["   " + say("pending", lang) + text.get(lang) for text in outcome.pending]
    also = outcome.benefit.rule.also
    if also:
        lines.append("   " + say("also", lang) + ("；" if lang == "zh" else "; ").join(t.get(lang) for t in also))
    window = window_text(outcome.benefit.window, today, lang)
    if window:
        lines.append("   " + window)
    entry = outcome.benefit.entry
    lines += ["   " + source_line(s, lang) for s in composer.register.sources_for(entry)[:1]]  # official first
    lines += ["   " + line for line in composer.contact_lines(entry.contact, lang)]
    return lines


def needs(outcome: Outcome, lang: str) -> list[str]:
    """What would make the benefit apply: the rule's own words, else words made from the test."""
    own = outcome.benefit.rule.almost
    found: list[str] = []
    for test in outcome.missing:
        name = field_of(test)
        text = own[name].get(lang) if name in own else _need(test, lang)
        if text not in found:
            found.append(text)
    return found


def _need(test: Test, lang: str) -> str:
    name = field_of(test)
    zh, en = NEEDS.get(name, ("{values}", "{values}"))
    template = zh if lang == "zh" else en
    wanted = test.values or tuple(v for v in FIELDS[name].values if v not in test.excluded)
    joiner = "或" if lang == "zh" else " or "
    values = joiner.join(_need_label(name, v, lang) for v in wanted)
    return template.format(values=values, n=test.low if test.low is not None else "")


def _need_label(name: str, value: object, lang: str) -> str:
    pair = NEED_LABELS.get(name, {}).get(value)
    return label(name, value, lang) if pair is None else pair[0] if lang == "zh" else pair[1]


def window_text(window: WindowLike | None, today: date, lang: str) -> str:
    if window is None:
        return ""
    if window.yearly:
        last = say("last_window", lang, opens=_date(window.opens, lang), closes=_date(window.closes, lang)) \
            if window.opens and window.closes else ""
        return say("yearly", lang) + last
    if window.closes and date.fromisoformat(window.closes) < today:
        return say("closed_on", lang, date=_date(window.closes, lang))
    if window.opens and date.fromisoformat(window.opens) > today:
        return say("opens_on", lang, date=_date(window.opens, lang))
    return say("closes_on", lang, date=_date(window.closes, lang)) if window.closes else ""


def _date(iso: str | None, lang: str) -> str:
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


# ---------------------------------------------------------------- the settling-in list and offers


def settling_in(entries: list[Entry], lang: str, composer: Composer) -> str:
    """The steps of the first months, in order, each with its channel and office."""
    steps = sorted((e for e in entries if e.status == "active" and e.eligibility and e.eligibility.step),
                   key=lambda e: (e.eligibility.step.order if e.eligibility and e.eligibility.step else 0))
    lines = [say("bundle", lang)]
    for number, entry in enumerate(steps, start=1):
        rule = entry.eligibility
        assert rule is not None and rule.step is not None
        name = (rule.benefit if rule.benefit.zh else entry.title).get(lang)
        channel = rule.step.channel.get(lang)
        lines.append(f"{number}. {name}" + ((f"：{channel}" if lang == "zh" else f": {channel}") if channel else ""))
        lines += ["   " + line for line in composer.contact_lines(entry.contact, lang)]
    return "\n".join(lines)


def with_offer(reply: Reply, entry: Entry, entries: Callable[[], list[Entry]], composer: Composer) -> Reply:
    """An answer whose entry offers the check gets its button; one that offers the list gets the list."""
    offer = entry.eligibility.offer if entry.eligibility else None
    if offer == "check":
        return dataclasses.replace(reply, buttons=(Button(say("start", reply.lang), CHECK, ""), *reply.buttons))
    if offer == "bundle":
        return dataclasses.replace(reply, text=reply.text + "\n\n" + settling_in(entries(), reply.lang, composer))
    return reply

