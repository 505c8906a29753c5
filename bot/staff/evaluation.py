"""Evaluation of the intent classifier: cross-validated report and threshold tuning.

``evaluate`` computes out-of-fold probabilities for every example (stratified
k-fold), from which come the per-intent report, the most confused pairs, and
``best_thresholds``: the decision thresholds that maximise a utility in which a wrong
confident answer costs three times what a right one earns (see README,
"How the thresholds were chosen").
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np

from intents.classifier import IntentClassifier, Prediction
from intents.decide import OUT_OF_SCOPE, Thresholds
from intents.lexicon import strip_filler
from intents.normalize import Normalizer
from intents.reading import read_message
from intents.segment import Segmenter


class Cancelled(Exception):
    """An evaluation stopped between two folds because its ``stop`` event was set."""


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
             seed: int = 13, stop: threading.Event | None = None,
             extra: Sequence[tuple[str, str]] = ()) -> Evaluation:
    """Out-of-fold probabilities, each message read exactly as the Assistant reads it.

    ``extra`` (text, intent) pairs, the entries' question variants, join every
    fold's training data and are never held out. Raises :class:`Cancelled`
    between folds once ``stop`` is set."""
    from sklearn.model_selection import StratifiedKFold  # training only: serving never imports scikit-learn

    normalized = [understanding.normalizer(t) for t in texts]
    always = [(understanding.normalizer(t), i) for t, i in extra]
    y = np.array(labels)
    classes = np.array(sorted(set(labels)))
    column = {c: i for i, c in enumerate(classes)}
    probs = np.zeros((len(normalized), len(classes)))
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(normalized, y):
        if stop is not None and stop.is_set():
            raise Cancelled()
        model = IntentClassifier.train([normalized[i] for i in train_idx] + [t for t, _ in always],
                                       list(y[train_idx]) + [i for _, i in always], understanding.segmenter)
        rank = _batched(model, [normalized[i] for i in test_idx])
        for i in test_idx:
            for prediction in read_message(rank, normalized[i], understanding.occupations).ranking:
                if prediction.intent in column:  # a rule of the reading step may name an intent nobody trained
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


REPORT = {  # the report's words; the numbers' names (accuracy, macro-F1, prec, rec) stay as they are known
    "zh": ("训练短语 {n} 条，意图 {k} 个", "最常混淆（真实 -> 预测）：", "  无",
           "阈值 answer={a} clarify={c} margin={m} 时：超出范围的召回率 {oos:.3f}，可回答的问题落空 {fb:.3f}，效用 {u:.3f}"),
    "en": ("examples: {n}, intents: {k}", "most confused (true -> predicted):", "  none",
           "with thresholds answer={a} clarify={c} margin={m}: out-of-scope recall {oos:.3f}, "
           "in-scope falling back {fb:.3f}, utility {u:.3f}"),
}


def report_text(ev: Evaluation, limits: Thresholds, lang: str = "zh") -> str:
    """The cross-validated report for people: totals, per intent, the most confused pairs, the outcome rates."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    head, confused_title, nothing, rates_line = REPORT["en" if lang == "en" else "zh"]
    pred = ev.predicted
    lines = [head.format(n=len(ev.labels), k=len(ev.classes)),
             f"accuracy: {accuracy_score(ev.labels, pred):.3f}   macro-F1: "
             f"{f1_score(ev.labels, pred, average='macro'):.3f}", "", f"{'intent':28} {'prec':>6} {'rec':>6} "
             f"{'F1':>6} {'n':>5}"]
    p, r, f, n = precision_recall_fscore_support(ev.labels, pred, labels=ev.classes, zero_division=0)
    for i, intent in enumerate(ev.classes):
        lines.append(f"{intent:28} {p[i]:6.3f} {r[i]:6.3f} {f[i]:6.3f} {n[i]:5d}")
    confused = Counter((a, b) for a, b in zip(ev.labels, pred) if a != b).most_common(8)
    lines += ["", confused_title]
    lines += [f"  {a} -> {b}: {k}" for (a, b), k in confused] or [nothing]
    rates = outcome_rates(ev, limits)
    lines += ["", rates_line.format(a=limits.answer, c=limits.clarify, m=limits.margin, oos=rates["oos_recall"],
                                    fb=rates["inscope_fallback"], u=utility(ev, limits))]
    return "\n".join(lines)
