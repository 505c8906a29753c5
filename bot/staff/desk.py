"""The staff desk: the verbs staff use in every channel, and the review rules, once.

The review queue (open groups, assign, ignore, a written answer), the
statistics with their chart, the export and the reload. Blocking (SQLite,
matplotlib, zip): Telegram calls the methods through ``asyncio.to_thread``, the
command line directly. The rules the channels share live here: a pressed button
may assign only one of the item's own candidate intents (:func:`check_candidate`);
a number picks a candidate (:func:`choose`); and an answer that starts with
``#intent_id`` chooses its intent, else the item's top candidate (:func:`split_answer`).
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

from bot.engine.assistant import Assistant
from bot.engine.refresh import live_stamp
from bot.settings import Settings
from bot.staff.report import last_training, table, training_line
from bot.staff.texts import say
from knowledge import KnowledgeBase, review
from knowledge.models import Review
from knowledge.seedfiles import write_dir
from knowledge.stats import collect, parse_since

INTENT_PREFIX = re.compile(r"#([a-z][a-z0-9_]{0,39})\s+(.+)", re.DOTALL)


def check_candidate(item: Review, intent: str, lang: str) -> None:
    """Refuse ``intent`` unless it is one of the item's candidates (a forged or stale button)."""
    if intent not in {name for name, _ in item.candidates}:
        raise review.ReviewError(say("no_candidate", lang, intent=intent, id=item.id))


def choose(answer: str | None, options: list[str]) -> str | None:
    """A numbered option (1-based) or the text itself; None for nothing."""
    if not answer:
        return None
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1]
    return answer


def split_answer(text: str, item: Review, lang: str) -> tuple[str, str]:
    """(intent, answer) of a written answer: ``#intent_id answer`` chooses, else the top candidate."""
    chosen = INTENT_PREFIX.fullmatch(text.strip())
    if chosen:
        return chosen.group(1), chosen.group(2).strip()
    if not item.candidates:
        raise review.ReviewError(say("no_intent_to_answer", lang))
    return item.candidates[0][0], text.strip()


def resolution_text(done: review.Resolution, lang: str) -> str:
    """What a decision did, in words (the change log keeps the machine form, e.g. ``assigned:x``)."""
    kind, _, target = done.resolution.partition(":")
    key = {"assigned": "review_assigned", "linked": "review_linked", "answered": "review_answered"}.get(kind)
    return say(key, lang, intent=target, entry=target) if key else say("review_ignored", lang)


class StaffDesk:
    """Staff verbs over one knowledge base (and the running Assistant, for ``reload``)."""

    def __init__(self, kb: KnowledgeBase, settings: Settings, assistant: Assistant | None = None):
        self.kb, self.settings, self.assistant = kb, settings, assistant

    # ---- the review queue

    def queue(self) -> tuple[int, list[review.Group]]:
        groups = review.open_groups(self.kb)
        return sum(len(g.items) for g in groups), groups

    def assign(self, review_id: int, intent: str, who: str, lang: str) -> review.Resolution:
        """Assign the item's group to one of the item's own candidate intents."""
        check_candidate(review.item(self.kb, review_id), intent, lang)
        return review.assign(self.kb, review.group_of(self.kb, review_id).ids, intent, who)

    def ignore(self, review_id: int, who: str) -> review.Resolution:
        return review.ignore(self.kb, review.group_of(self.kb, review_id).ids, who)

    def answer(self, review_id: int, text: str, who: str, lang: str, english: str | None = None) -> review.Resolution:
        """A written answer closes the item's group with a new entry (``english``: the English text, else the same)."""
        intent, body = split_answer(text, review.item(self.kb, review_id), lang)
        return review.answer(self.kb, review.group_of(self.kb, review_id).ids, intent, body, english or body, who)

    # ---- insight and upkeep

    def stats(self, since: str, lang: str) -> tuple[str, bytes]:
        """The numbers as a table and the chart as PNG bytes, in ``lang`` and the configured time zone."""
        from bot.staff.chart import render  # imports matplotlib: only when asked

        zone = self.settings.timezone
        numbers = collect(self.kb, parse_since(since, zone=zone), zone=zone)
        names = {i.id: i.label.get(lang) for i in self.kb.intents()}
        model = training_line(last_training(self.kb), lang, zone)
        with tempfile.TemporaryDirectory(prefix="talentbot-stats-") as work:
            chart = render(numbers, Path(work) / "stats.png", lang=lang, names=names).read_bytes()
        return table(numbers, lang, model, names), chart

    def reload(self) -> tuple[bool, str, bool]:
        """(reloaded, content version, the model is being retrained in the background)."""
        changed = self.assistant.refresh() if self.assistant is not None else False
        stale = self.assistant is not None and self.assistant.understanding.stale
        return changed, live_stamp(self.kb).content_version, stale

    def export(self) -> bytes:
        """The knowledge base in the seed layout (YAML), zipped."""
        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory(prefix="talentbot-export-") as work:
            written = write_dir(self.kb.dataset(), work, "yaml")
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in written:
                    archive.write(path, path.relative_to(work).as_posix())
        return buffer.getvalue()
