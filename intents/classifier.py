"""The intent classifier as it serves: the fitted model's arithmetic over stored arrays.

Trained with scikit-learn by :mod:`intents.pipeline` (word and character
n-gram TF-IDF into a linear SVM calibrated by cross-validated sigmoids) and
compiled into a :class:`CompiledModel`: the two vocabularies, their idf, and
one float32 matrix holding the calibrated weights of every fold and class side
by side. Classifying a message is one look-up of its n-grams' rows in that
matrix, a sigmoid and a normalisation per fold; serving imports neither
scikit-learn nor scipy (a test checks the probabilities equal the pipeline's
``predict_proba``). The model is stored as arrays (``.npz``, no pickle) with
the hash of its examples, the library versions and the classifier's definition;
only the guarded training (``bot.staff.training``) stores one.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from importlib import metadata
from itertools import repeat
from operator import add, itemgetter, mul, truediv
from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Sequence, cast

import jieba
import numpy as np

from .entities import extract_entities
from .segment import Segmenter

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (1, 3)
FORMAT = "2"  # 1: a pickled scikit-learn pipeline; 2: the compiled arrays
_TF = [0.0] + [1.0 + math.log(n) for n in range(1, 64)]  # sublinear term frequency of small counts
_SECOND = itemgetter(1)


class Prediction(NamedTuple):
    """An intent and its probability; a named tuple because every message makes one per class (built in half
    the time of a frozen dataclass)."""

    intent: str
    confidence: float


TRAINING_RULES = "1"
"""The version of what ``IntentClassifier.train`` does around the pipeline (which phrases it leaves out);
raise it when that changes, so that stored models are retrained."""

PIPELINE_CODE = Path(__file__).with_name("pipeline.py")
"""The training code (:mod:`intents.pipeline`): its definition is part of a stored model's versions."""

FOLLOWUP_CODE = Path(__file__).resolve().parents[1] / "bot" / "engine" / "followups.py"
"""How the follow-up reading's training pairs are made (``bot.engine.followups``), stored with the model too."""


def versions() -> dict[str, str]:
    """What a stored model must match, and (``pipeline``) the definition; read without importing scikit-learn."""
    return {"scikit-learn": metadata.version("scikit-learn"), "jieba": jieba.__version__, "numpy": np.__version__,
            "format": FORMAT, "pipeline": definition()}


def definition() -> str:
    """A hash of the classifier's definition: the training code of :mod:`intents.pipeline` (every parameter
    of its ``build_pipeline``; read as a syntax tree, so comments and layout do not count), the n-gram ranges
    and format the served arithmetic follows, and the training rules. A change of the classifier's code or
    parameters changes it; serving computes it without importing scikit-learn."""
    return _definition((PIPELINE_CODE, FOLLOWUP_CODE),
                       f"{FORMAT} {WORD_NGRAMS} {CHAR_NGRAMS} training rules {TRAINING_RULES}")


@functools.lru_cache(maxsize=4)
def _definition(codes: tuple[Path, ...], rules: str) -> str:
    trees = [ast.dump(ast.parse(code.read_text(encoding="utf-8")), annotate_fields=False)
             for code in codes if code.is_file()]
    return hashlib.sha256("\n".join([*trees, rules]).encode()).hexdigest()[:16]


LIBRARIES = ("format",)
"""The keys of :func:`versions` a stored model cannot be loaded across: its format. The arrays load with any
library versions; a model made with other versions (or another definition) is stale, it answers until the
guard accepts one retrained in the background."""


def examples_hash(pairs: Iterable[tuple[str, str]], words: Iterable[str] = ()) -> str:
    digest = hashlib.sha256()
    for text, intent in sorted(pairs):
        digest.update(f"{intent}\t{text}\n".encode())
    for word in sorted(words):
        digest.update(f"w\t{word}\n".encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=64)
def char_grams(text: str) -> tuple[str, ...]:
    """scikit-learn's ``char_wb`` analyzer for n-grams of 1 to 3: each word padded with a space.

    Remembered for the last few texts: the intent classifier and the follow-up reading read the same message.
    """
    grams: list[str] = []
    low, high = CHAR_NGRAMS
    for word in text.split():
        padded = f" {word} "
        for n in range(low, high + 1):
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return tuple(grams)


def word_grams(tokens: Sequence[str]) -> list[str]:
    """The tokens and each pair of neighbours joined by a space (word unigrams and bigrams)."""
    return [*tokens, *(f"{a} {b}" for a, b in zip(tokens, tokens[1:]))]


def _tf_idf(parts: Iterable[tuple[Sequence[str], dict[str, int]]],
            idf: Sequence[float]) -> tuple[list[int], list[float]]:
    """The columns of each part's known n-grams (``(grams, vocabulary)``) and their TF-IDF values (sublinear tf,
    each part l2-normalised).

    Plain Python on a few dozen numbers: ``idf`` is read through a memoryview of the stored array, one item
    at a time (on the answer path a numpy call costs more than this arithmetic, and lets other threads in).
    """
    columns: list[int] = []
    values: list[float] = []
    for grams, vocabulary in parts:
        counts: dict[int, int] = {}  # a plain dict, not a Counter: in the serving process a Counter's set-up
        get = counts.get  # (its checks of what it is given) cost more than counting three dozen n-grams
        for column in map(vocabulary.get, grams, repeat(-1)):  # unknown n-grams under -1
            counts[column] = get(column, 0) + 1
        counts.pop(-1, None)
        if counts:
            tf = map(_TF.__getitem__, counts.values()) if max(counts.values()) < len(_TF) \
                else [_TF[n] if n < len(_TF) else 1.0 + math.log(n) for n in counts.values()]
            part = list(map(mul, tf, map(idf.__getitem__, counts)))  # the arithmetic in C: map over operators
            length = math.sqrt(sum(map(mul, part, part)))
            columns.extend(counts)
            values.extend(map(truediv, part, repeat(length)))
    return columns, values


def _floats(values: np.ndarray) -> Sequence[float]:
    """A float64 array's items one by one as Python floats: a memoryview of its buffer (no copy, no list of
    floats kept)."""
    return cast(Sequence[float], np.ascontiguousarray(values, dtype=np.float64).data)


@dataclass(frozen=True, eq=False)
class CharModel:
    """A binary logistic regression over character n-grams (scikit-learn's ``char_wb`` of 1 to 3, lowercased,
    sublinear tf, idf, l2 norm) as arrays: the follow-up reading (see ``bot.engine.followups``).

    ``probability(text)`` equals the fitted pipeline's ``predict_proba([text])[0][1]``; stored in float64
    (a small model, and a probability compared with a threshold).
    """

    grams: tuple[str, ...]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    _vocabulary: dict[str, int] = field(init=False, repr=False)
    _idf: Sequence[float] = field(init=False, repr=False)
    _coef: Sequence[float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_vocabulary", {t: i for i, t in enumerate(self.grams)})
        object.__setattr__(self, "_idf", _floats(self.idf))
        object.__setattr__(self, "_coef", _floats(self.coef))

    def probability(self, text: str) -> float:
        score = self.intercept
        columns, values = _tf_idf([(char_grams(text.lower()), self._vocabulary)], self._idf)
        if columns:
            coef = self._coef
            score += sum([v * coef[c] for v, c in zip(values, columns)])
        return 1.0 / (1.0 + math.exp(-score)) if score >= 0 else math.exp(score) / (1.0 + math.exp(score))

    def __call__(self, text: str) -> float:
        return self.probability(text)


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """The arrays a fitted pipeline reduces to (see :func:`intents.pipeline.compile_pipeline`).

    Columns ``0..len(words)-1`` of ``weights`` and ``idf`` are the word n-grams,
    the rest the character n-grams; ``weights`` has ``folds * len(classes)``
    columns, fold after fold, already calibrated and halved: a fold's probability
    of a class is ``(1 + tanh(x . weights + bias)) / 2`` (``bias`` is ``-inf``
    where the fold never saw the class).
    """

    classes: tuple[str, ...]
    words: tuple[str, ...]
    chars: tuple[str, ...]
    idf: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    folds: int
    followups: CharModel | None = None
    """The learned follow-up reading trained with the classifier (None in a model stored before it was)."""
    _vocabulary: tuple[dict[str, int], dict[str, int]] = field(init=False, repr=False)
    _bias: list[float] = field(init=False, repr=False)
    _idf: Sequence[float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        offset = len(self.words)
        object.__setattr__(self, "_vocabulary", ({t: i for i, t in enumerate(self.words)},
                                                 {t: offset + i for i, t in enumerate(self.chars)}))
        object.__setattr__(self, "_bias", self.bias.tolist())
        object.__setattr__(self, "_idf", _floats(self.idf))

    def proba(self, tokens: Sequence[str], text: str) -> list[float]:
        """Class probabilities of one message: the mean over folds of the normalised calibrated sigmoids.

        The message's TF-IDF row is scored by one look-up of its columns' rows of weights; the rest is
        plain Python on 75 numbers (a handful of numpy calls in all: on the answer path each costs more
        than the arithmetic of a row).
        """
        words, chars = self._vocabulary
        columns, values = _tf_idf(((word_grams(tokens), words), (char_grams(text), chars)), self._idf)
        scores = np.dot(values, self.weights.take(columns, axis=0)).tolist() if columns else [0.0] * len(self._bias)
        # twice each fold's probability, 1 + tanh(score + bias) (the arithmetic in C: map over operators)
        doubled = list(map(add, repeat(1.0), map(math.tanh, map(add, scores, self._bias))))
        classes = len(self.classes)
        result = [0.0] * classes
        for start in range(0, len(doubled), classes):
            fold = doubled[start:start + classes]
            total = sum(fold)
            if total == 0.0:  # a fold that gives every class 0: scikit-learn makes it uniform
                fold, total = [1.0] * classes, float(classes)
            result = list(map(add, result, map(truediv, fold, repeat(total))))
        return list(map(truediv, result, repeat(self.folds)))

    def to_bytes(self, words: Sequence[str]) -> bytes:
        """The arrays as ``.npz`` (no pickle); ``words`` are the segmenter's domain terms."""
        named: dict[str, object] = {"classes": self.classes, "words": self.words, "chars": self.chars,
                                    "folds": self.folds, "segmenter": list(words)}
        arrays: dict[str, np.ndarray] = {}
        if self.followups is not None:
            named["followup_grams"] = self.followups.grams
            arrays = {"followup_idf": self.followups.idf, "followup_coef": self.followups.coef,
                      "followup_intercept": np.array([self.followups.intercept], dtype=np.float64)}
        names = json.dumps(named, ensure_ascii=False).encode()
        buffer = io.BytesIO()
        arrays.update(names=np.frombuffer(names, dtype=np.uint8), idf=self.idf, weights=self.weights, bias=self.bias)
        save: Callable[..., None] = np.savez  # the arrays by name (numpy's stubs type every keyword as one)
        save(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> tuple["CompiledModel", tuple[str, ...]]:
        with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
            names = json.loads(arrays["names"].tobytes().decode())
            followups = None
            if "followup_grams" in names and "followup_coef" in arrays.files:
                # most of its n-grams are the intent model's too: one string for both (about 1 MiB less)
                same = {gram: gram for gram in names["chars"]}
                grams = tuple([same.get(gram, gram) for gram in names["followup_grams"]])
                followups = CharModel(grams=grams, idf=arrays["followup_idf"],
                                      coef=arrays["followup_coef"], intercept=float(arrays["followup_intercept"][0]))
            model = cls(classes=tuple(names["classes"]), words=tuple(names["words"]), chars=tuple(names["chars"]),
                        idf=arrays["idf"], weights=arrays["weights"], bias=arrays["bias"],
                        folds=int(names["folds"]), followups=followups)
        return model, tuple(names["segmenter"])


class IntentClassifier:
    """``rank(text)`` gives every intent with its probability, best first."""

    def __init__(self, model: CompiledModel, fingerprint: str, segmenter: Segmenter):
        self.model = model
        self.fingerprint = fingerprint
        self.segmenter = segmenter  # the word tokenizer the model was trained with
        self.classes: tuple[str, ...] = model.classes
        self.stored: int | None = None  # the id of the stored model it was read from (None: trained here)

    @classmethod
    def train(cls, texts: Sequence[str], intents: Sequence[str], segmenter: Segmenter) -> "IntentClassifier":
        """Fit on normalised ``texts`` (scikit-learn is imported here, and only here).

        Phrases that name another city are left out: the reading step sends those
        out of scope by rule, and as training data they would only teach the model
        that "PhD housing subsidy" itself is out of scope.
        """
        from .pipeline import compile_pipeline, fit_pipeline

        kept = [(t, i) for t, i in zip(texts, intents) if extract_entities(t).other_place is None]
        pipeline = fit_pipeline([t for t, _ in kept], [i for _, i in kept], segmenter)
        return cls(compile_pipeline(pipeline), examples_hash(zip(texts, intents), segmenter.words), segmenter)

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities of every class (columns in the order of ``classes``) for each text."""
        rows = [self.model.proba(self.segmenter.tokens(t), t) for t in texts]
        return np.array(rows).reshape(len(rows), len(self.classes))

    def rank(self, text: str, top: int | None = None) -> list[Prediction]:
        probs = self.model.proba(self.segmenter.tokens(text), text)
        return self._ranked(probs, top)

    def rank_many(self, texts: Sequence[str]) -> list[list[Prediction]]:
        return [self.rank(text) for text in texts]

    def _ranked(self, values: list[float], top: int | None = None) -> list[Prediction]:
        """Every class with its probability, best first (a stable sort: ties in class order); the Predictions
        are made in C (``tuple.__new__`` of each pair, which is what the named tuple's constructor does)."""
        ranked = sorted(zip(self.classes, values), key=_SECOND, reverse=True)[:top]
        return list(map(tuple.__new__, repeat(Prediction), ranked))

    def to_bytes(self) -> bytes:
        return self.model.to_bytes(self.segmenter.words)

    @classmethod
    def from_bytes(cls, blob: bytes, fingerprint: str, segmenter: Segmenter | None = None) -> "IntentClassifier":
        """The stored model; ``segmenter`` is used when it has the model's domain terms (one jieba instance)."""
        model, words = CompiledModel.from_bytes(blob)
        if segmenter is None or segmenter.words != words:
            segmenter = Segmenter(words)
        return cls(model, fingerprint, segmenter)
