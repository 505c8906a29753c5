"""Training the intent classifier with scikit-learn, and compiling the fitted pipeline into arrays.

Word features (jieba words and English stems, unigrams and bigrams) and
character n-grams (robust to typos and unseen words), TF-IDF weighted, into a
linear SVM whose scores are calibrated to probabilities by cross-validation.

Only training imports this module (and scikit-learn): :func:`compile_pipeline`
turns the fitted pipeline into the :class:`~intents.classifier.CompiledModel`
that serves, whose probabilities equal the pipeline's ``predict_proba``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from .classifier import CHAR_NGRAMS, WORD_NGRAMS, CharModel, CompiledModel
from .segment import Segmenter


def build_pipeline(segmenter: Segmenter, c: float = 1.0, calibration_folds: int = 3) -> Pipeline:
    features = FeatureUnion([
        ("words", TfidfVectorizer(tokenizer=segmenter, token_pattern=None, lowercase=False,
                                  ngram_range=WORD_NGRAMS, sublinear_tf=True)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, lowercase=False, sublinear_tf=True)),
    ])
    model = CalibratedClassifierCV(LinearSVC(C=c, class_weight="balanced", random_state=0), cv=calibration_folds, method="sigmoid")
    return Pipeline([("features", features), ("model", model)])


BLAS_THREADS = 1
"""Threads the numeric libraries may use while fitting. The problems are small (a two-parameter sigmoid per
class and fold calibrates the scores, hundreds of times a training), so more threads spend their time waiting
for one another: on two cores shared with the serving bot, one thread halved a guarded training's CPU time
(38-44 s -> 17-32 s) and its wall time (77-89 s -> 32-60 s)."""


def fit_pipeline(texts: Sequence[str], intents: Sequence[str], segmenter: Segmenter) -> Pipeline:
    pipeline = build_pipeline(segmenter)
    with threadpool_limits(BLAS_THREADS):
        pipeline.fit(list(texts), list(intents))
    return pipeline


def compile_pipeline(pipeline: Pipeline, dtype: type = np.float32) -> CompiledModel:
    """The fitted pipeline's arithmetic as arrays: vocabularies, idf, and the calibrated weights of every fold.

    Fold ``f`` scores class ``k`` as ``s = x . w + c`` and calibrates it to
    ``expit(-(a s + b))``; with ``W = -a w / 2`` and ``B = -(a c + b) / 2`` that is
    ``(1 + tanh(x . W + B)) / 2``, so the weights of all folds and classes stack into
    one matrix (features x folds*classes) that one look-up of a message's n-grams
    reads. A class a fold never saw gets ``B = -inf`` (probability 0 there).
    """
    union: FeatureUnion = pipeline.named_steps["features"]
    words, chars = (vectorizer for _, vectorizer in union.transformer_list)
    model: CalibratedClassifierCV = pipeline.named_steps["model"]
    n_classes, folds = len(model.classes_), model.calibrated_classifiers_
    n_features = len(words.vocabulary_) + len(chars.vocabulary_)
    weights = np.zeros((n_features, len(folds) * n_classes), dtype=np.float64)
    bias = np.full(len(folds) * n_classes, -np.inf)
    for number, calibrated in enumerate(folds):
        estimator = calibrated.estimator
        columns = number * n_classes + np.searchsorted(model.classes_, estimator.classes_)
        slopes = np.array([c.a_ for c in calibrated.calibrators])
        offsets = np.array([c.b_ for c in calibrated.calibrators])
        weights[:, columns] = -(estimator.coef_.T * slopes) / 2
        bias[columns] = -(slopes * estimator.intercept_ + offsets) / 2
    return CompiledModel(
        classes=tuple(str(c) for c in model.classes_), words=_terms(words.vocabulary_), chars=_terms(chars.vocabulary_),
        idf=np.concatenate([words.idf_, chars.idf_]), weights=weights.astype(dtype), bias=bias,
        folds=len(folds))


def fit_followups(texts: Sequence[str], labels: Sequence[int]) -> Pipeline:
    """The follow-up reading (``bot.engine.followups``): character n-grams into a balanced logistic regression."""
    pipeline = Pipeline([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True, min_df=2)),
        ("model", LogisticRegression(C=2.0, class_weight="balanced", max_iter=1000)),
    ])
    with threadpool_limits(BLAS_THREADS):
        pipeline.fit(list(texts), list(labels))
    return pipeline


def compile_followups(pipeline: Pipeline) -> CharModel:
    """The fitted follow-up pipeline as arrays (float64), whose probability equals its ``predict_proba``."""
    chars: TfidfVectorizer = pipeline.named_steps["chars"]
    model: LogisticRegression = pipeline.named_steps["model"]
    return CharModel(grams=_terms(chars.vocabulary_), idf=np.asarray(chars.idf_, dtype=np.float64),
                     coef=np.asarray(model.coef_[0], dtype=np.float64), intercept=float(model.intercept_[0]))


def _terms(vocabulary: dict[str, int]) -> tuple[str, ...]:
    """The vocabulary's terms in column order."""
    ordered = [""] * len(vocabulary)
    for term, column in vocabulary.items():
        ordered[column] = term
    return tuple(ordered)
