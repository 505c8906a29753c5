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
import pickle
from dataclasses import dataclass
from typing import Iterable, Sequence

import jieba
import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from .segment import Segmenter


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float


def versions() -> dict[str, str]:
    return {"scikit-learn": sklearn.__version__, "jieba": jieba.__version__, "numpy": np.__version__,
            "format": "1"}


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


class IntentClassifier:
    """``rank(text)`` gives every intent with its probability, best first."""

    def __init__(self, pipeline: Pipeline, fingerprint: str):
        self.pipeline = pipeline
        self.fingerprint = fingerprint
        self.classes: tuple[str, ...] = tuple(pipeline.classes_)

    @classmethod
    def train(cls, texts: Sequence[str], intents: Sequence[str], segmenter: Segmenter) -> "IntentClassifier":
        """Fit on normalised ``texts``."""
        pipeline = build_pipeline(segmenter)
        pipeline.fit(list(texts), list(intents))
        return cls(pipeline, examples_hash(zip(texts, intents), segmenter.words))

    def rank(self, text: str, top: int | None = None) -> list[Prediction]:
        probs = self.pipeline.predict_proba([text])[0]
        order = np.argsort(-probs)
        if top is not None:
            order = order[:top]
        return [Prediction(self.classes[i], float(probs[i])) for i in order]

    def rank_many(self, texts: Sequence[str]) -> list[list[Prediction]]:
        probs = self.pipeline.predict_proba(list(texts))
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
