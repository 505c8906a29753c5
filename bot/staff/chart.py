"""The stats chart: one PNG a manager can read at a glance, labelled in the staff's language.

Top: queries per day as bars stacked by outcome. Bottom left: the top intents
(by their names). Bottom right: the helpful ratio and the key numbers. The
title gives the period and the totals. Chinese labels are drawn with the CJK
font shipped in ``bot/staff/fonts/`` (a subset of Noto Sans CJK SC, SIL Open
Font License), so the chart needs no font installed on the machine.
matplotlib is imported inside :func:`render` (its Agg canvas, no pyplot and no
global backend), so importing this module costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from bot.staff.report import outcome_label
from bot.staff.texts import say
from knowledge.stats import OUTCOMES, SMALLTALK, Stats

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COLOURS = {  # colour-blind safe (Okabe-Ito), good = green, bad = vermilion
    "answer": "#009E73", "clarify": "#E69F00", "fallback": "#D55E00", "handoff": "#0072B2", SMALLTALK: "#B8B8B8",
}
GOOD, BAD, INK, MUTED = "#009E73", "#D55E00", "#222222", "#666666"
FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular-subset.otf"
FONT_FAMILY = "Noto Sans CJK SC"


def render(stats: Stats, path: Path | str, top: int = 8, lang: str = "zh",
           names: Mapping[str, str] | None = None) -> Path:
    """Draw the chart of ``stats`` into the PNG file ``path`` and return the path.

    ``names`` gives the intents' names in ``lang`` (their ids are shown otherwise).
    """
    from matplotlib import font_manager, rc_context
    from matplotlib.figure import Figure

    if FONT_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(FONT))
    with rc_context({"font.family": [FONT_FAMILY, "DejaVu Sans"], "axes.unicode_minus": False}):
        fig = Figure(figsize=(13, 8), dpi=100, layout="constrained")
        grid = fig.add_gridspec(2, 3, height_ratios=(1.15, 1))
        _per_day(fig.add_subplot(grid[0, :]), stats, lang)
        _intents(fig.add_subplot(grid[1, :2]), stats, top, lang, names or {})
        _summary(fig.add_subplot(grid[1, 2]), stats, lang)
        fig.suptitle(_title(stats, lang), fontsize=15, fontweight="bold", color=INK)
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(target, format="png", facecolor="white")
    return target


def _title(stats: Stats, lang: str) -> str:
    from bot.staff.clock import local_minute

    since, until = local_minute(stats.since, stats.zone)[:10], local_minute(stats.until, stats.zone)[:10]
    totals = say("chart_totals", lang, total=stats.total)
    if stats.questions:
        totals = say("chart_totals_answered", lang, total=stats.total, questions=stats.questions,
                     answered=stats.rates["answer"])
    return say("chart_title", lang, since=since, until=until, totals=totals)


def _per_day(ax: Axes, stats: Stats, lang: str) -> None:
    days = [d.day[5:] for d in stats.per_day]  # MM-DD
    xs = list(range(len(days)))  # positions, not date strings: no guessing of units
    bottom = [0] * len(days)
    for outcome in (*OUTCOMES, SMALLTALK):
        values = [d.outcomes.get(outcome, 0) for d in stats.per_day]
        ax.bar(xs, values, bottom=bottom, color=COLOURS[outcome], label=outcome_label(outcome, lang), width=0.75)
        bottom = [b + v for b, v in zip(bottom, values)]
    for x, total in enumerate(bottom):
        if total:
            ax.annotate(str(total), (x, total), ha="center", va="bottom", fontsize=9, color=MUTED,
                        xytext=(0, 2), textcoords="offset points")
    ax.set_title(say("chart_per_day", lang), loc="left", fontsize=12, color=INK)
    ax.set_ylabel(say("chart_queries", lang))
    ax.set_ylim(0, max(bottom + [1]) * 1.15)
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=5, frameon=False, fontsize=10)  # beside the title
    _tidy(ax, axis="y")
    step = max(1, (len(days) + 15) // 16)  # at most 16 date labels: readable over a month too
    ax.set_xticks(xs[::step], days[::step])
    ax.set_xlim(-0.6, len(days) - 0.4)


def _intents(ax: Axes, stats: Stats, top: int, lang: str, labels: Mapping[str, str]) -> None:
    shown = stats.top_intents[:top][::-1]  # largest at the top
    names = [labels.get(i.intent) or i.intent for i in shown]
    counts = [i.count for i in shown]
    ax.barh(names, counts, color="#56B4E9", height=0.65)
    for y, count in enumerate(counts):
        ax.annotate(str(count), (count, y), va="center", fontsize=9, color=MUTED,
                    xytext=(3, 0), textcoords="offset points")
    ax.set_title(say("chart_intents", lang, top=top), loc="left", fontsize=12, color=INK)
    ax.set_xlabel(say("chart_queries", lang))
    ax.set_xlim(0, max(counts + [1]) * 1.12)
    if not shown:
        ax.text(0.5, 0.5, say("chart_no_answers", lang), ha="center", va="center",
                transform=ax.transAxes, color=MUTED)
        ax.set_yticks([])
    _tidy(ax, axis="x")


def _summary(ax: Axes, stats: Stats, lang: str) -> None:
    """The helpful ratio as a split bar, and the key numbers underneath."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.set_title(say("chart_feedback", lang), loc="left", fontsize=12, color=INK)
    ratio = stats.helpful_ratio
    given = stats.helpful + stats.not_helpful
    if ratio is None:
        ax.text(0, 0.86, say("chart_no_feedback", lang), fontsize=13, color=MUTED, va="center")
    else:
        ax.text(0, 0.93, say("chart_helpful", lang, ratio=ratio), fontsize=20, fontweight="bold", color=GOOD, va="center")
        ax.text(1, 0.93, say("chart_ratings", lang, n=given), fontsize=10, color=MUTED, va="center", ha="right")
        ax.barh(0.8, ratio, height=0.09, left=0, color=GOOD)
        ax.barh(0.8, 1 - ratio, height=0.09, left=ratio, color=BAD)
        ax.text(0.01, 0.8, say("chart_up", lang, n=stats.helpful), va="center", fontsize=9, color="white", fontweight="bold")
        ax.text(0.99, 0.8, say("chart_down", lang, n=stats.not_helpful), va="center", ha="right", fontsize=9, color="white",
                fontweight="bold")
    for row, (label, value) in enumerate(_key_numbers(stats, lang)):
        y = 0.6 - row * 0.1
        ax.text(0, y, label, fontsize=11, color=MUTED, va="center")
        ax.text(1, y, value, fontsize=11, color=INK, va="center", ha="right", fontweight="bold")


def _key_numbers(stats: Stats, lang: str) -> list[tuple[str, str]]:
    rates = stats.rates
    ms = stats.median_latency_ms
    latency = "-" if ms is None else f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"
    return [
        (say("chart_answered_clarified", lang), f"{rates['answer']:.0%} / {rates['clarify']:.0%}"),
        (say("chart_fallback_handoff", lang), f"{rates['fallback']:.0%} / {rates['handoff']:.0%}"),
        (say("chart_smalltalk", lang), str(stats.outcomes.get(SMALLTALK, 0))),
        (say("chart_open", lang), str(stats.open_reviews)),
        (say("chart_latency", lang), latency),
    ]


def _tidy(ax: Any, axis: str) -> None:
    """Light grid on the value axis, whole numbers only, no box."""
    from matplotlib.ticker import MaxNLocator

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=axis, color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
