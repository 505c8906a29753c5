"""The stats chart: one PNG a manager can read at a glance.

Top: queries per day as bars stacked by outcome. Bottom left: the top intents.
Bottom right: the helpful ratio and the key numbers. The title gives the period
and the totals. Labels are English (intent ids are ASCII) so that no glyph is
missing when no CJK font is installed. matplotlib is imported inside
:func:`render` (its Agg canvas, no pyplot and no global backend), so importing
this module costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.stats import OUTCOMES, SMALLTALK, Stats

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COLOURS = {  # colour-blind safe (Okabe-Ito), good = green, bad = vermilion
    "answer": "#009E73", "clarify": "#E69F00", "fallback": "#D55E00", "handoff": "#0072B2", SMALLTALK: "#B8B8B8",
}
LABELS = {"answer": "answered", "clarify": "clarified", "fallback": "fallback", "handoff": "hand-off",
          SMALLTALK: "small talk"}
GOOD, BAD, INK, MUTED = "#009E73", "#D55E00", "#222222", "#666666"


def render(stats: Stats, path: Path | str, top: int = 8) -> Path:
    """Draw the chart of ``stats`` into the PNG file ``path`` and return the path."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 8), dpi=100, layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=(1.15, 1))
    _per_day(fig.add_subplot(grid[0, :]), stats)
    _intents(fig.add_subplot(grid[1, :2]), stats, top)
    _summary(fig.add_subplot(grid[1, 2]), stats)
    fig.suptitle(_title(stats), fontsize=15, fontweight="bold", color=INK)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, format="png", facecolor="white")
    return target


def _title(stats: Stats) -> str:
    period = f"{stats.since[:10]} to {stats.until[:10]}"
    totals = f"{stats.total} queries"
    if stats.questions:
        totals += f" ({stats.questions} questions, {stats.rates['answer']:.0%} answered)"
    return f"Talent-policy assistant, {period}: {totals}"


def _per_day(ax: Axes, stats: Stats) -> None:
    days = [d.day[5:] for d in stats.per_day]  # MM-DD
    xs = list(range(len(days)))  # positions, not date strings: no guessing of units
    bottom = [0] * len(days)
    for outcome in (*OUTCOMES, SMALLTALK):
        values = [d.outcomes.get(outcome, 0) for d in stats.per_day]
        ax.bar(xs, values, bottom=bottom, color=COLOURS[outcome], label=LABELS[outcome], width=0.75)
        bottom = [b + v for b, v in zip(bottom, values)]
    for x, total in enumerate(bottom):
        if total:
            ax.annotate(str(total), (x, total), ha="center", va="bottom", fontsize=9, color=MUTED,
                        xytext=(0, 2), textcoords="offset points")
    ax.set_title("Queries per day, by outcome", loc="left", fontsize=12, color=INK)
    ax.set_ylabel("queries")
    ax.set_ylim(0, max(bottom + [1]) * 1.15)
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=5, frameon=False, fontsize=10)  # beside the title
    _tidy(ax, axis="y")
    step = max(1, (len(days) + 15) // 16)  # at most 16 date labels: readable over a month too
    ax.set_xticks(xs[::step], days[::step])
    ax.set_xlim(-0.6, len(days) - 0.4)


def _intents(ax: Axes, stats: Stats, top: int) -> None:
    shown = stats.top_intents[:top][::-1]  # largest at the top
    names = [i.intent for i in shown]
    counts = [i.count for i in shown]
    ax.barh(names, counts, color="#56B4E9", height=0.65)
    for y, count in enumerate(counts):
        ax.annotate(str(count), (count, y), va="center", fontsize=9, color=MUTED,
                    xytext=(3, 0), textcoords="offset points")
    ax.set_title(f"Top intents (answered, hand-off, small talk; top {top})", loc="left", fontsize=12, color=INK)
    ax.set_xlabel("queries")
    ax.set_xlim(0, max(counts + [1]) * 1.12)
    if not shown:
        ax.text(0.5, 0.5, "no answered queries in this period", ha="center", va="center",
                transform=ax.transAxes, color=MUTED)
        ax.set_yticks([])
    _tidy(ax, axis="x")


def _summary(ax: Axes, stats: Stats) -> None:
    """The helpful ratio as a split bar, and the key numbers underneath."""
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.set_title("Feedback and key numbers", loc="left", fontsize=12, color=INK)
    ratio = stats.helpful_ratio
    given = stats.helpful + stats.not_helpful
    if ratio is None:
        ax.text(0, 0.86, "helpful: no feedback yet", fontsize=13, color=MUTED, va="center")
    else:
        ax.text(0, 0.93, f"helpful {ratio:.0%}", fontsize=20, fontweight="bold", color=GOOD, va="center")
        ax.text(1, 0.93, f"of {given} ratings", fontsize=10, color=MUTED, va="center", ha="right")
        ax.barh(0.8, ratio, height=0.09, left=0, color=GOOD)
        ax.barh(0.8, 1 - ratio, height=0.09, left=ratio, color=BAD)
        ax.text(0.01, 0.8, f"{stats.helpful} up", va="center", fontsize=9, color="white", fontweight="bold")
        ax.text(0.99, 0.8, f"{stats.not_helpful} down", va="center", ha="right", fontsize=9, color="white",
                fontweight="bold")
    for row, (label, value) in enumerate(_key_numbers(stats)):
        y = 0.6 - row * 0.1
        ax.text(0, y, label, fontsize=11, color=MUTED, va="center")
        ax.text(1, y, value, fontsize=11, color=INK, va="center", ha="right", fontweight="bold")


def _key_numbers(stats: Stats) -> list[tuple[str, str]]:
    rates = stats.rates
    ms = stats.median_latency_ms
    latency = "-" if ms is None else f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"
    return [
        ("answered / clarified", f"{rates['answer']:.0%} / {rates['clarify']:.0%}"),
        ("fallback / hand-off", f"{rates['fallback']:.0%} / {rates['handoff']:.0%}"),
        ("small talk (not in rates)", str(stats.outcomes.get(SMALLTALK, 0))),
        ("open review items", str(stats.open_reviews)),
        ("median latency", latency),
    ]


def _tidy(ax: Any, axis: str) -> None:
    """Light grid on the value axis, whole numbers only, no box."""
    from matplotlib.ticker import MaxNLocator

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=axis, color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
