"""The stats report for people: the numbers of a period as aligned plain text, in the staff's language.

Shared by every channel: ``run_bot.py stats`` prints it, Telegram's /stats sends it.
Times are shown in the statistics' time zone (Dalian's by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bot.staff.clock import local_minute
from bot.staff.texts import say
from knowledge import KnowledgeBase
from knowledge.stats import OUTCOMES, SMALLTALK, Stats

NOTE = "last_training"  # the knowledge base's note of the last guarded training (bot.staff.training writes it)


@dataclass(frozen=True)
class TrainingNote:
    """The last training attempt, as noted in the database."""

    ts: str
    by: str
    accepted: bool
    accuracy: float
    live_accuracy: float | None
    examples: int


def last_training(kb: KnowledgeBase) -> TrainingNote | None:
    """The last training attempt (by anyone), or None when nothing was trained through the guard yet."""
    found: dict[str, Any] | None = kb.note(NOTE)
    if not found:
        return None
    return TrainingNote(ts=str(found.get("ts", "")), by=str(found.get("by", "")), accepted=bool(found.get("accepted")),
                        accuracy=float(found.get("accuracy") or 0.0), live_accuracy=found.get("live_accuracy"),
                        examples=int(found.get("examples") or 0))


def training_line(note: TrainingNote | None, lang: str, zone: str = "UTC") -> str:
    """The state of the model in one line for people (``stats``, /stats)."""
    if note is None:
        return say("model_line", lang, state=say("model_none", lang))
    ts = local_minute(note.ts, zone)
    live = "-" if note.live_accuracy is None else f"{note.live_accuracy:.3f}"
    state = say("model_ok" if note.accepted else "model_refused", lang, ts=ts, by=note.by,
                accuracy=note.accuracy, live=live)
    return say("model_line", lang, state=state)




def outcome_label(outcome: str, lang: str) -> str:
    return say(f"outcome_{outcome}", lang) if outcome in (*OUTCOMES, SMALLTALK) else outcome


def table(stats: Stats, lang: str = "zh", model_line: str = "", names: Mapping[str, str] | None = None) -> str:
    """The numbers for people: plain text, aligned columns; ``model_line`` says how the model stands,
    ``names`` gives the intents' names beside their ids."""
    lines = [say("stats_period", lang, since=local_minute(stats.since, stats.zone),
                 until=local_minute(stats.until, stats.zone), zone=stats.zone),
             say("stats_totals", lang, total=stats.total, questions=stats.questions,
                 smalltalk=stats.outcomes.get(SMALLTALK, 0)),
             "", f"{_pad(say('stats_outcome', lang), 12)} {_pad(say('stats_count', lang), 6, right=True)} "
             f"{_pad(say('stats_rate', lang), 6, right=True)}"]
    lines += [f"{_pad(outcome_label(o, lang), 12)} {stats.outcomes.get(o, 0):>6} {stats.rates[o]:>6.0%}"
              for o in OUTCOMES]
    lines += [say("stats_rates_note", lang), ""]
    ratio = stats.helpful_ratio
    lines.append(say("stats_helpful", lang, ratio=ratio, good=stats.helpful, bad=stats.not_helpful)
                 if ratio is not None else say("stats_no_feedback", lang))
    latency = f"{stats.median_latency_ms:.1f} ms" if stats.median_latency_ms is not None else "-"
    lines += [say("stats_latency", lang, latency=latency), say("stats_open", lang, n=stats.open_reviews)]
    if model_line:
        lines.append(model_line)
    lines += [""] + _per_day_lines(stats, lang) + [""] + _top_lines(stats, lang, names or {})
    return "\n".join(lines)


def _per_day_lines(stats: Stats, lang: str) -> list[str]:
    names = [*OUTCOMES, SMALLTALK]
    lines = [f"{_pad(say('stats_day', lang), 10)} {_pad(say('stats_total', lang), 6, right=True)} "
             + " ".join(_pad(outcome_label(n, lang), 9, right=True) for n in names)]
    for day in stats.per_day:
        lines.append(f"{day.day:<10} {day.total:>6} " + " ".join(f"{day.outcomes.get(n, 0):>9}" for n in names))
    return lines


def _top_lines(stats: Stats, lang: str, names: Mapping[str, str]) -> list[str]:
    lines = [say("stats_top_intents", lang)]
    lines += [f"  {i.count:>5}  {i.intent}  {names.get(i.intent, '')}".rstrip() for i in stats.top_intents] \
        or [say("stats_nothing", lang)]
    lines.append(say("stats_top_unanswered", lang))
    for q in stats.top_unanswered:
        ids = " ".join(f"#{i}" for i in q.review_ids[:5]) + (" ..." if len(q.review_ids) > 5 else "")
        lines.append(f"  {q.count:>4}x  {_one_line(q.text)}  [{ids}]")
    if not stats.top_unanswered:
        lines.append(say("stats_nothing", lang))
    return lines


def _width(text: str) -> int:
    """Columns a text takes in a terminal: CJK characters take two."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _one_line(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"
