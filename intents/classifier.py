"""The intent classifier: a scikit-learn pipeline with calibrated confidences.

Word features (jieba words and English stems, unigrams and bigrams) and
character n-grams (robust to typos and unseen words), TF-IDF weighted, into a
linear SVM whose scores are calibrated to probabilities by cross-validation.
Trained from the knowledge base's examples; a trained model is stored with the
hash of its examples and the library versions, and refused when either differs.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import jieba
import numpy as np
import sklearn
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from .entities import extract_entities
from .segment import Segmenter


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float


TRAINING_RULES = "1"
"""The version of what ``IntentClassifier.train`` does around the pipeline (which phrases it leaves out);
raise it when that changes, so that stored models are retrained."""


def versions() -> dict[str, str]:
    """What a stored model must match to be loaded: the libraries, and (``pipeline``) the definition."""
    return {"scikit-learn": sklearn.__version__, "jieba": jieba.__version__, "numpy": np.__version__,
            "format": "1", "pipeline": definition()}


def definition() -> str:
    """A hash of the pipeline's definition: every parameter of :func:`build_pipeline` (objects by their
    class) and the training rules. A change of the classifier's code or parameters changes it."""
    params = build_pipeline(Segmenter(())).get_params(deep=True)
    described = {name: _described(value) for name, value in params.items()}
    text = json.dumps(described, sort_keys=True, default=repr) + f"\ntraining rules {TRAINING_RULES}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _described(value: object) -> object:
    if isinstance(value, (str, int, float, bool, type(None), tuple)):
        return value
    kind = value if isinstance(value, type) else type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


LIBRARIES = ("scikit-learn", "jieba", "numpy", "format")
"""The keys of :func:`versions` a pickled model cannot be loaded across."""


def examples_hash(pairs: Iterable[tuple[str, str]], words: Iterable[str] = ()) -> str:
    digest = hashlib.sha256()
    for text, intent in sorted(pairs):
        digest.update(f"{intent}\t{text}\n".encode())
    for word in sorted(words):
        digest.update(f"w\t{word}\n".encode())
    return digest.hexdigest()


def build_pipeline(segmenter: Segmenter, c: float = 1.0, calibration_folds: int = 3) -> Pipeline:
    features = FeatureUnion([
        ("words", TfidfVectorizer(tokenizer=segmenter, token_pattern=None, lowercase=False,
                                  ngram_range=(1, 2), sublinear_tf=True)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), lowercase=False, sublinear_tf=True)),
    ])
    model = CalibratedClassifierCV(LinearSVC(C=c, class_weight="balanced", random_state=0), cv=calibration_folds, method="sigmoid")
    return Pipeline([("features", features), ("model", model)])


class _Compiled:
    """The fitted pipeline's arithmetic, without scikit-learn's per-call input checks.

    Classifying one message through ``Pipeline.predict_proba`` spends ~10 ms in
    validation of 75 tiny calibrator calls; the same numbers computed here with
    numpy take a fraction of a millisecond. A test checks both agree.
    """

    def __init__(self, pipeline: Pipeline):
        union: FeatureUnion = pipeline.named_steps["features"]
        self.vectorizers = [(v.build_analyzer(), v.vocabulary_, v.idf_, v.sublinear_tf)
                            for _, v in union.transformer_list]
        model: CalibratedClassifierCV = pipeline.named_steps["model"]
        self.n_classes = len(model.classes_)
        self.folds = []
        for calibrated in model.calibrated_classifiers_:
            estimator = calibrated.estimator
            columns = np.searchsorted(model.classes_, estimator.classes_)
            slopes = np.array([c.a_ for c in calibrated.calibrators])
            offsets = np.array([c.b_ for c in calibrated.calibrators])
            self.folds.append((estimator.coef_.T.copy(), estimator.intercept_, columns, slopes, offsets))

    def _tfidf(self, texts: Sequence[str], analyzer: Callable[[str], list[str]], vocabulary: dict[str, int], idf: np.ndarray,
               sublinear: bool) -> sparse.csr_matrix:
        """TfidfVectorizer.transform (l2 norm), computed directly."""
        indptr, indices, values = [0], [], []
        for text in texts:
            counts: dict[int, int] = {}
            for token in analyzer(text):
                column = vocabulary.get(token)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            row = np.array(list(counts.values()), dtype=float)
            cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            if sublinear:
                row = np.log(row) + 1.0
            row = row * idf[cols]
            length = np.sqrt(np.dot(row, row))
            if length > 0:
                row = row / length
            indices.extend(cols.tolist())
            values.extend(row.tolist())
            indptr.append(len(indices))
        return sparse.csr_matrix((values, indices, indptr), shape=(len(texts), len(idf)))

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        features = sparse.hstack([self._tfidf(texts, *v) for v in self.vectorizers]).tocsr()
        total = np.zeros((features.shape[0], self.n_classes))
        for weights, intercept, columns, slopes, offsets in self.folds:
            scores = features @ weights + intercept
            proba = np.zeros_like(total)
            proba[:, columns] = expit(-(slopes * scores + offsets))
            norm = proba.sum(axis=1, keepdims=True)
            total += np.divide(proba, norm, out=np.full_like(proba, 1 / self.n_classes), where=norm != 0)
        return total / len(self.folds)


class IntentClassifier:
    """``rank(text)`` gives every intent with its probability, best first."""

    def __init__(self, pipeline: Pipeline, fingerprint: str):
        self.pipeline = pipeline
        self.fingerprint = fingerprint
        self.classes: tuple[str, ...] = tuple(pipeline.classes_)
        self._compiled = _Compiled(pipeline)

    @classmethod
    def train(cls, texts: Sequence[str], intents: Sequence[str], segmenter: Segmenter) -> "IntentClassifier":
        """Fit on normalised ``texts``.

        Phrases that name another city are left out: the reading step sends those
        out of scope by rule, and as training data they would only teach the model
        that "PhD housing subsidy" itself is out of scope.
        """
        kept = [(t, i) for t, i in zip(texts, intents) if extract_entities(t).other_place is None]
        pipeline = build_pipeline(segmenter)
        pipeline.fit([t for t, _ in kept], [i for _, i in kept])
        return cls(pipeline, examples_hash(zip(texts, intents), segmenter.words))

    def rank(self, text: str, top: int | None = None) -> list[Prediction]:
        probs = self._compiled.proba([text])[0]
        order = np.argsort(-probs)
        if top is not None:
            order = order[:top]
        return [Prediction(self.classes[i], float(probs[i])) for i in order]

    def rank_many(self, texts: Sequence[str]) -> list[list[Prediction]]:
        probs = self._compiled.proba(list(texts))
        out = []
        for row in probs:
            order = np.argsort(-row)
            out.append([Prediction(self.classes[i], float(row[i])) for i in order])
        return out

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump(self.pipeline, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes, fingerprint: str) -> "IntentClassifier":
        # Only models this program wrote into its own database are loaded, and
        # only when their fingerprint and library versions match (see Assistant).
        return cls(pickle.loads(blob), fingerprint)
