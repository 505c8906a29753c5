"""Training and evaluation: cross-validated report, threshold tuning, retraining.

``evaluate`` computes out-of-fold probabilities for every example (stratified
k-fold), from which come the per-intent report, the most confused pairs, and
``best_thresholds``: the decision thresholds that maximise a utility in which a wrong
confident answer costs three times what a right one earns (see README,
"How the thresholds were chosen").
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from bot.engine.refresh import live_model_report
from bot.settings import Settings
from intents.classifier import IntentClassifier, Prediction, versions
from intents.decide import OUT_OF_SCOPE, Thresholds
from intents.lexicon import strip_filler
from intents.normalize import Normalizer
from intents.reading import read_message
from intents.segment import Segmenter
from knowledge import KnowledgeBase, KnowledgeError

# utility of each outcome, per example
RIGHT_ANSWER, WRONG_ANSWER = 1.0, -3.0
RIGHT_CLARIFY, WRONG_CLARIFY = 0.4, -0.5
OOS_FALLBACK, INSCOPE_FALLBACK = 1.0, -0.6


@dataclass(frozen=True)
class Evaluation:
    texts: list[str]
    labels: np.ndarray
    classes: np.ndarray
    probs: np.ndarray  # out-of-fold, shape (n, classes)

    @property
    def predicted(self) -> np.ndarray:
        return self.classes[self.probs.argmax(axis=1)]


class ReadingSteps(Protocol):
    """What evaluation needs of an Understanding: the steps before the classifier."""

    @property
    def normalizer(self) -> Normalizer: ...

    @property
    def segmenter(self) -> Segmenter: ...

    @property
    def occupations(self) -> tuple[str, ...]: ...


def evaluate(understanding: ReadingSteps, texts: list[str], labels: list[str], folds: int = 5,
             seed: int = 13, extra: Sequence[tuple[str, str]] = ()) -> Evaluation:
    """Out-of-fold probabilities, each message read exactly as the Assistant reads it.

    ``extra`` (text, intent) pairs, the entries' question variants, join every
    fold's training data and are never held out.
    """
    normalized = [understanding.normalizer(t) for t in texts]
    always = [(understanding.normalizer(t), i) for t, i in extra]
    y = np.array(labels)
    classes = np.array(sorted(set(labels)))
    column = {c: i for i, c in enumerate(classes)}
    probs = np.zeros((len(normalized), len(classes)))
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(normalized, y):
        model = IntentClassifier.train([normalized[i] for i in train_idx] + [t for t, _ in always],
                                       list(y[train_idx]) + [i for _, i in always], understanding.segmenter)
        rank = _batched(model, [normalized[i] for i in test_idx])
        for i in test_idx:
            for prediction in read_message(rank, normalized[i], understanding.occupations).ranking:
                probs[i, column[prediction.intent]] = prediction.confidence
    return Evaluation(normalized, y, classes, probs)


def _batched(model: IntentClassifier, texts: list[str]) -> Callable[[str], list[Prediction]]:
    """``model.rank`` with the texts ``read_message`` will ask about ranked in one batch (same numbers, faster)."""
    wanted = sorted({t for text in texts for t in (text, strip_filler(text))})
    cache = dict(zip(wanted, model.rank_many(wanted)))
    return lambda text: cache[text] if text in cache else model.rank(text)


def utility(ev: Evaluation, limits: Thresholds, clarify_options: int = 3) -> float:
    order = np.argsort(-ev.probs, axis=1)
    p1 = ev.probs[np.arange(len(order)), order[:, 0]]
    p2 = ev.probs[np.arange(len(order)), order[:, 1]]
    top = ev.classes[order[:, 0]]
    oos = ev.labels == OUT_OF_SCOPE
    answer = (p1 >= limits.answer) & (p1 - p2 >= limits.margin) & (top != OUT_OF_SCOPE)
    fallback = (p1 < limits.clarify) | ((top == OUT_OF_SCOPE) & (p1 >= limits.clarify))
    clarify = ~answer & ~fallback
    shown = ev.classes[order[:, :clarify_options]]
    in_options = (shown == ev.labels[:, None]).any(axis=1)
    right = top == ev.labels
    score = np.where(answer, np.where(right, RIGHT_ANSWER, WRONG_ANSWER), 0.0)
    score += np.where(clarify, np.where(in_options & ~oos, RIGHT_CLARIFY, WRONG_CLARIFY), 0.0)
    score += np.where(fallback, np.where(oos, OOS_FALLBACK, INSCOPE_FALLBACK), 0.0)
    return float(score.mean())


MAX_INSCOPE_FALLBACK = 0.05  # at most this share of answerable questions may fall back


def best_thresholds(ev: Evaluation) -> tuple[Thresholds, float]:
    """The thresholds of highest utility among those that keep in-scope fallbacks within the limit."""
    grid = itertools.product(np.arange(0.30, 0.86, 0.05), np.arange(0.10, 0.56, 0.05), (0.0, 0.05, 0.1, 0.15, 0.2))
    best: tuple[float, Thresholds] | None = None
    for answer, clarify, margin in grid:
        if clarify > answer:
            continue
        limits = Thresholds(round(float(answer), 2), round(float(clarify), 2), margin)
        if outcome_rates(ev, limits)["inscope_fallback"] > MAX_INSCOPE_FALLBACK:
            continue
        value = utility(ev, limits)
        if best is None or value > best[0]:
            best = (value, limits)
    assert best is not None
    return best[1], best[0]


def outcome_rates(ev: Evaluation, limits: Thresholds) -> dict[str, float]:
    """Out-of-scope recall and the share of in-scope phrases that fall back, under ``limits``."""
    order = np.argsort(-ev.probs, axis=1)
    p1 = ev.probs[np.arange(len(order)), order[:, 0]]
    top = ev.classes[order[:, 0]]
    fallback = (p1 < limits.clarify) | (top == OUT_OF_SCOPE)
    oos = ev.labels == OUT_OF_SCOPE
    return {"oos_recall": float(fallback[oos].mean()) if oos.any() else 1.0,
            "inscope_fallback": float(fallback[~oos].mean())}


def report_text(ev: Evaluation, limits: Thresholds) -> str:
    pred = ev.predicted
    lines = [f"examples: {len(ev.labels)}, intents: {len(ev.classes)}",
             f"accuracy: {accuracy_score(ev.labels, pred):.3f}   macro-F1: "
             f"{f1_score(ev.labels, pred, average='macro'):.3f}", "", f"{'intent':28} {'prec':>6} {'rec':>6} "
             f"{'F1':>6} {'n':>5}"]
    p, r, f, n = precision_recall_fscore_support(ev.labels, pred, labels=ev.classes, zero_division=0)
    for i, intent in enumerate(ev.classes):
        lines.append(f"{intent:28} {p[i]:6.3f} {r[i]:6.3f} {f[i]:6.3f} {n[i]:5d}")
    confused = Counter((a, b) for a, b in zip(ev.labels, pred) if a != b).most_common(8)
    lines += ["", "most confused (true -> predicted):"]
    lines += [f"  {a} -> {b}: {k}" for (a, b), k in confused] or ["  none"]
    rates = outcome_rates(ev, limits)
    lines += ["", f"with thresholds answer={limits.answer} clarify={limits.clarify} margin={limits.margin}: "
              f"out-of-scope recall {rates['oos_recall']:.3f}, in-scope falling back {rates['inscope_fallback']:.3f}, "
              f"utility {utility(ev, limits):.3f}"]
    return "\n".join(lines)


MAX_DROP_POINTS = 2.0  # a retrained model this much less accurate than the live one is refused


class ModelRejected(KnowledgeError):
    """The retrained model is worse than the live one; the live model is kept.

    A KnowledgeError so that the command line shows it as one clean error (exit 2).
    """


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
    occupations = tuple(str(row["occupation"]) for row in kb.catalogue() if row.get("occupation"))
    return _Reader(normalizer, segmenter, occupations)


def _verdict(accuracy: float, live: float | None, force: bool) -> str | None:
    """Why the new model must not replace the live one, or None when it may."""
    if live is None:
        return None
    drop = (live - accuracy) * 100
    if drop <= MAX_DROP_POINTS or force:
        return None
    return (f"cross-validated accuracy {accuracy:.3f} is {drop:.1f} points below the live model's {live:.3f} "
            f"(at most {MAX_DROP_POINTS:g} allowed): the live model is kept; `train --force` replaces it anyway")


def train_report(kb: KnowledgeBase, settings: Settings, folds: int = 5, tune: bool = False,
                 force: bool = False) -> str:
    """Cross-validate, then retrain on every example and store the model with its accuracy.

    Raises :class:`ModelRejected` (with the report) when the accuracy dropped by more than
    ``MAX_DROP_POINTS`` against the live model's stored accuracy, unless ``force``.
    """
    reader = _reader(kb)
    examples = kb.examples()
    variants = [(e.text, e.intent) for e in kb.training_examples() if e.origin == "entry"]
    ev = evaluate(reader, [e.text for e in examples], [e.intent for e in examples], folds, extra=variants)
    current = Thresholds(settings.answer_threshold, settings.clarify_threshold, settings.margin)
    text = report_text(ev, current)
    if tune:
        best, value = best_thresholds(ev)
        text += (f"\n\nsuggested thresholds (utility {value:.3f}): TALENTBOT_ANSWER_THRESHOLD={best.answer} "
                 f"TALENTBOT_CLARIFY_THRESHOLD={best.clarify} TALENTBOT_MARGIN={best.margin}")
    accuracy = float(accuracy_score(ev.labels, ev.predicted))
    live = live_model_report(kb).get("cv_accuracy")
    refusal = _verdict(accuracy, live, force)
    if refusal:
        raise ModelRejected(f"{refusal}\n\n{text}")
    seconds = _store(kb, reader, ev, folds, forced=force and live is not None, extra=variants)
    compared = "" if live is None else f" (live model: {live:.3f})"
    return text + (f"\n\nretrained on all {len(examples)} examples and {len(variants)} question variants of "
                   f"entries in {seconds:.2f} s; "
                   f"cross-validated accuracy {accuracy:.3f}{compared}; the model is stored.")


def _store(kb: KnowledgeBase, reader: _Reader, ev: Evaluation, folds: int, forced: bool,
           extra: Sequence[tuple[str, str]] = ()) -> float:
    """Train on all examples (the texts in ``ev`` are already normalised) and the ``extra`` variants; store it."""
    started = time.perf_counter()
    classifier = IntentClassifier.train(list(ev.texts) + [reader.normalizer(t) for t, _ in extra],
                                        list(ev.labels) + [i for _, i in extra], reader.segmenter)
    seconds = time.perf_counter() - started
    report = {"examples": len(ev.labels) + len(extra), "seconds": round(seconds, 3), "folds": folds,
              "cv_accuracy": round(float(accuracy_score(ev.labels, ev.predicted)), 4),
              "cv_macro_f1": round(float(f1_score(ev.labels, ev.predicted, average="macro")), 4), "forced": forced}
    kb.save_model(classifier.fingerprint, versions(), report, classifier.to_bytes())
    return seconds
