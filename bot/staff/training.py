"""The one writer of the live model: training through a guard, by hand or in the background.

Every model that is stored, and so answers, comes through :func:`guarded_training`:
it cross-validates the classifier on the knowledge base's examples, refuses a
model whose accuracy is more than :data:`MAX_DROP_POINTS` below the live model's
(the live model then keeps answering), stores an accepted one with its report,
and notes the attempt either way (:func:`last_training`, shown by ``train``,
``stats`` and /stats). ``train`` calls it; so does the first start of an empty
database (:func:`open_assistant`), and so does the :class:`Retrainer`, which a
long-running bot asks to retrain in a background thread after staff changed the
examples: nobody's message waits for it, and the old model answers until the
new one is accepted.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from bot.engine import followups
from bot.engine.assistant import Assistant
from bot.engine.refresh import live_model_report
from bot.engine.understanding import catalogue_names
from bot.settings import Settings
from bot.staff.evaluation import Cancelled, Evaluation, best_thresholds, evaluate, report_text
from bot.staff.report import NOTE
from bot.staff.texts import say
from intents.classifier import LIBRARIES, IntentClassifier, examples_hash, versions
from intents.decide import Thresholds
from intents.normalize import Normalizer
from intents.segment import Segmenter
from knowledge import SEED_DIR, KnowledgeBase, KnowledgeError, read_dir
from knowledge.store import now_iso

log = logging.getLogger(__name__)

MAX_DROP_POINTS = 2.0  # a retrained model this much less accurate than the live one is refused
FOLDS = 5
FIRST_FOLDS = 3
"""Folds of the first training of a new database: its accuracy is the baseline later trainings are held
to, and three folds make a new database's first start quicker. Three folds score a little lower than five,
so the baseline errs on the lenient side."""


class ModelRejected(KnowledgeError):
    """The retrained model is worse than the live one; the live model is kept.

    A KnowledgeError so that the command line shows it as one clean error (exit 2).
    """

    def __init__(self, outcome: "Outcome", lang: str = "zh"):
        super().__init__(f"{outcome.refusal(lang)}\n\n{outcome.report}")
        self.outcome = outcome


@dataclass(frozen=True)
class Outcome:
    """What one guarded training did."""

    accepted: bool
    accuracy: float  # cross-validated, of the new model
    macro_f1: float
    live_accuracy: float | None  # of the model that was live before (None: there was none)
    examples: int
    seconds: float  # training on all examples (0 when refused)
    forced: bool
    report: str  # the cross-validated report for people

    def refusal(self, lang: str) -> str:
        """Why the model was not stored, for people ("" when it was)."""
        if self.accepted or self.live_accuracy is None:
            return ""
        return say("train_refused", lang, accuracy=self.accuracy, live=self.live_accuracy,
                   drop=(self.live_accuracy - self.accuracy) * 100, allowed=MAX_DROP_POINTS)

    def summary(self, lang: str, key: str = "train_stored") -> str:
        """One line for people: what was stored, or why nothing was."""
        if not self.accepted:
            return self.refusal(lang)
        live = "" if self.live_accuracy is None else say("train_live", lang, live=self.live_accuracy)
        return say(key, lang, examples=self.examples, seconds=self.seconds, accuracy=self.accuracy, live=live)


@dataclass(frozen=True)
class _Reader:
    """The reading steps of an Understanding without its classifier (what ``evaluate`` needs)."""

    normalizer: Normalizer
    segmenter: Segmenter
    occupations: tuple[str, ...]


def _reader(kb: KnowledgeBase) -> _Reader:
    """Normaliser, segmenter and occupations built from ``kb`` as ``Understanding.from_kb`` builds them."""
    terms = kb.terms()
    normalizer = Normalizer({t.term.casefold(): t.canonical for t in terms
                             if t.kind in ("typo", "synonym") and t.canonical})
    segmenter = Segmenter(t.term.casefold() for t in terms if t.kind == "word")
    return _Reader(normalizer, segmenter, catalogue_names(kb))


def _acceptable(accuracy: float, live: float | None, force: bool) -> bool:
    """Whether the new model may replace the live one."""
    return live is None or force or (live - accuracy) * 100 <= MAX_DROP_POINTS


# ---------------------------------------------------------------- the guard


def guarded_training(kb: KnowledgeBase, folds: int = FOLDS, force: bool = False, by: str = "train",
                     limits: Thresholds | None = None, tune: bool = False,
                     stop: threading.Event | None = None, lang: str = "zh") -> Outcome:
    """Cross-validate, then store a model trained on every example unless it is worse than the live one.

    The only way a model becomes live. Notes the attempt (:func:`last_training`)
    whether or not the model was accepted. Raises ``Cancelled`` when ``stop`` is set.
    """
    from sklearn.metrics import accuracy_score, f1_score  # training only: serving never imports scikit-learn

    reader = _reader(kb)
    examples = kb.examples()
    variants = [(e.text, e.intent) for e in kb.training_examples() if e.origin == "entry"]
    ev = evaluate(reader, [e.text for e in examples], [e.intent for e in examples], folds, stop=stop, extra=variants)
    limits = limits or Thresholds(0.5, 0.2, 0.2)
    text = report_text(ev, limits, lang)
    if tune:
        best, value = best_thresholds(ev)
        text += (f"\n\n{'建议阈值' if lang == 'zh' else 'suggested thresholds'} (utility {value:.3f}): "
                 f"TALENTBOT_ANSWER_THRESHOLD={best.answer} "
                 f"TALENTBOT_CLARIFY_THRESHOLD={best.clarify} TALENTBOT_MARGIN={best.margin}")
    accuracy = float(accuracy_score(ev.labels, ev.predicted))
    macro_f1 = float(f1_score(ev.labels, ev.predicted, average="macro"))
    live = live_model_report(kb).get("cv_accuracy")
    accepted = _acceptable(accuracy, live, force)
    seconds = 0.0
    if accepted:
        if stop is not None and stop.is_set():
            raise Cancelled()
        seconds = _store(kb, reader, ev, folds, accuracy, macro_f1, forced=force and live is not None, extra=variants)
    outcome = Outcome(accepted, accuracy, macro_f1, live, len(examples), seconds, force and live is not None, text)
    _note(kb, outcome, by)
    log.log(logging.INFO if accepted else logging.WARNING, "training by %s: %s", by, outcome.summary("en"))
    return outcome


def _store(kb: KnowledgeBase, reader: _Reader, ev: Evaluation, folds: int, accuracy: float, macro_f1: float,
           forced: bool, extra: Sequence[tuple[str, str]] = ()) -> float:
    """Train on all examples (the texts in ``ev`` are already normalised) and the ``extra`` variants
    (the entries' question variants), and the follow-up reading on the same phrases; store them as the
    live model."""
    started = time.perf_counter()
    classifier = IntentClassifier.train(list(ev.texts) + [reader.normalizer(t) for t, _ in extra],
                                        list(ev.labels) + [i for _, i in extra], reader.segmenter)
    learned = followups.for_kb(kb, reader.normalizer, reader.segmenter.tokens)
    classifier.model = dataclasses.replace(classifier.model, followups=learned)
    seconds = time.perf_counter() - started
    report = {"examples": len(ev.labels) + len(extra), "seconds": round(seconds, 3), "folds": folds,
              "cv_accuracy": round(accuracy, 4), "cv_macro_f1": round(macro_f1, 4), "forced": forced}
    kb.save_model(classifier.fingerprint, versions(), report, classifier.to_bytes())
    return seconds


def _note(kb: KnowledgeBase, outcome: Outcome, by: str) -> None:
    kb.set_note(NOTE, {"ts": now_iso(), "by": by, "accepted": outcome.accepted,
                       "accuracy": round(outcome.accuracy, 4), "live_accuracy": outcome.live_accuracy,
                       "examples": outcome.examples})


def train_report(kb: KnowledgeBase, settings: Settings, folds: int = FOLDS, tune: bool = False,
                 force: bool = False, by: str = "train") -> str:
    """``train``: the guarded training's report; raises :class:`ModelRejected` when the model was refused."""
    limits = Thresholds(settings.answer_threshold, settings.clarify_threshold, settings.margin)
    outcome = guarded_training(kb, folds, force, by, limits, tune, lang=settings.staff_lang)
    if not outcome.accepted:
        raise ModelRejected(outcome, settings.staff_lang)
    return outcome.report + "\n\n" + outcome.summary(settings.staff_lang)


# ---------------------------------------------------------------- what is live


def model_is_current(kb: KnowledgeBase) -> bool:
    """Whether the stored model was trained on today's examples and terms with today's pipeline."""
    stored = kb.load_model()
    if stored is None:
        return False
    reader = _reader(kb)
    return stored[0] == _phrases_hash(kb, reader) and stored[1] == versions()


def _phrases_hash(kb: KnowledgeBase, reader: _Reader) -> str:
    """The fingerprint of what a model is trained on: the examples and the entries' question variants
    (``kb.training_examples``, as ``Understanding.from_kb`` reads them), and the segmenter's words."""
    pairs = [(reader.normalizer(e.text), e.intent) for e in kb.training_examples()]
    return examples_hash(pairs, reader.segmenter.words)


def has_usable_model(kb: KnowledgeBase) -> bool:
    """Whether a stored model exists that today's libraries can load."""
    stored = kb.load_model()
    return stored is not None and all(stored[1].get(key) == versions()[key] for key in LIBRARIES)


def ensure_model(kb: KnowledgeBase, by: str = "first start") -> Outcome | None:
    """Train through the guard when no stored model can be used (a new database); None when one can."""
    if has_usable_model(kb):
        return None
    log.info("no usable stored model: training one through the guard (%s)", by)
    return guarded_training(kb, FIRST_FOLDS, by=by)


def open_assistant(settings: Settings, seed_dir: Path = SEED_DIR) -> Assistant:
    """The Assistant over the database of ``settings``: the seed loaded into an empty one, a model
    trained through the guard when none can be used (start-up only: no message is waiting)."""
    kb = KnowledgeBase.open(settings.db_path)
    if kb.is_empty():
        log.info("empty knowledge base: loading the seed from %s", seed_dir)
        kb.replace_content(read_dir(seed_dir))
    ensure_model(kb)
    return Assistant(kb, settings)


# ---------------------------------------------------------------- in the background


class Retrainer:
    """Retrains through the guard in one background thread, ``delay`` seconds after the last request.

    The delay lets a member of staff finish a series of changes before the
    classifier is retrained once. A request for examples already tried (and
    refused) does nothing, so a refused model is not retried until the examples
    change again. ``notify`` gets each outcome (e.g. to tell the staff chat).
    """

    def __init__(self, kb: KnowledgeBase, delay: float = 30.0, notify: Callable[[Outcome], None] | None = None):
        self.kb, self.delay, self.notify = kb, delay, notify
        self.last: Outcome | None = None
        self._wake = threading.Condition()
        self._stop = threading.Event()
        self._due: float | None = None
        self._tried: str | None = None
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        """Retrain after the delay (the delay starts again with each request)."""
        with self._wake:
            if self._stop.is_set():
                return
            self._due = time.monotonic() + self.delay
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="retrainer", daemon=True)
                self._thread.start()
            self._wake.notify_all()

    def close(self, timeout: float = 60.0) -> None:
        """Stop: a pending retraining is dropped, one in progress stops after its current fold."""
        with self._wake:
            self._stop.set()
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while self._wait_until_due():
            self._attempt()

    def _wait_until_due(self) -> bool:
        with self._wake:
            while not self._stop.is_set():
                now = time.monotonic()
                if self._due is not None and now >= self._due:
                    self._due = None
                    return True
                self._wake.wait(None if self._due is None else self._due - now)
        return False

    def _attempt(self) -> None:
        reader = _reader(self.kb)
        tried = _phrases_hash(self.kb, reader)
        if tried == self._tried or model_is_current(self.kb):
            return
        self._tried = tried
        folds = int(live_model_report(self.kb).get("folds") or FOLDS)
        try:
            outcome = guarded_training(self.kb, folds, by="bot (after staff changes)", stop=self._stop)
        except Cancelled:
            return
        except Exception:  # a background thread: log it, keep the live model and the bot
            log.exception("background retraining failed; the live model keeps answering")
            return
        self.last = outcome
        if self.notify is not None:
            self.notify(outcome)
