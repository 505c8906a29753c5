"""The stats report for people: the numbers of a period as aligned plain text.

Shared by every channel: ``run_bot.py stats`` prints it, Telegram's /stats sends it.
"""

from __future__ import annotations

from knowledge.stats import OUTCOMES, SMALLTALK, Stats

LABELS = {"answer": "answered", "clarify": "clarified", "fallback": "fallback", "handoff": "hand-off"}


def table(stats: Stats) -> str:
    """The numbers for people: plain text, aligned columns."""
    lines = [f"Queries {stats.since[:16].replace('T', ' ')} to {stats.until[:16].replace('T', ' ')} UTC",
             f"{stats.total} queries: {stats.questions} questions and {stats.outcomes.get(SMALLTALK, 0)} small talk",
             "", f"{'outcome':<12} {'count':>6} {'rate':>6}"]
    lines += [f"{LABELS[o]:<12} {stats.outcomes.get(o, 0):>6} {stats.rates[o]:>6.0%}" for o in OUTCOMES]
    lines += ["(rates are shares of the questions; small talk is not counted in them)", ""]
    ratio = stats.helpful_ratio
    lines.append(f"helpful: {ratio:.0%} ({stats.helpful} helpful, {stats.not_helpful} not helpful)"
                 if ratio is not None else "helpful: no feedback in this period")
    latency = f"{stats.median_latency_ms:.1f} ms" if stats.median_latency_ms is not None else "-"
    lines += [f"median latency: {latency}", f"open review items: {stats.open_reviews}", ""]
    lines += _per_day_lines(stats) + [""] + _top_lines(stats)
    return "\n".join(lines)


def _per_day_lines(stats: Stats) -> list[str]:
    names = [*OUTCOMES, SMALLTALK]
    lines = [f"{'day':<10} {'total':>6} " + " ".join(f"{n:>9}" for n in names)]
    for day in stats.per_day:
        lines.append(f"{day.day:<10} {day.total:>6} " + " ".join(f"{day.outcomes.get(n, 0):>9}" for n in names))
    return lines


def _top_lines(stats: Stats) -> list[str]:
    lines = ["top intents:"]
    lines += [f"  {i.count:>5}  {i.intent}" for i in stats.top_intents] or ["  (none)"]
    lines.append("top unanswered questions (open review items):")
    for q in stats.top_unanswered:
        ids = " ".join(f"#{i}" for i in q.review_ids[:5]) + (" ..." if len(q.review_ids) > 5 else "")
        lines.append(f"  {q.count:>4}x  {_one_line(q.text)}  [{ids}]")
    if not stats.top_unanswered:
        lines.append("  (none)")
    return lines


def _one_line(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"
