"""Where the knowledge base meets the understanding steps.

Builds the normaliser (with the knowledge base's typo table), the segmenter
(with its domain terms) and the intent classifier (trained from its examples,
or loaded from the model stored beside them when the examples, terms and library
versions are the same), and runs the steps in order on one message.
"""

from __future__ import annotations

import logging
import time

from intents.classifier import IntentClassifier, Prediction, examples_hash, versions
from intents.decide import Thresholds
from intents.normalize import Normalizer
from intents.reading import Reading, read_message
from intents.segment import Segmenter
from knowledge import KnowledgeBase

log = logging.getLogger(__name__)


class Understanding:
    def __init__(self, normalizer: Normalizer, segmenter: Segmenter, classifier: IntentClassifier,
                 occupations: tuple[str, ...] = ()):
        self.normalizer = normalizer
        self.segmenter = segmenter
        self.classifier = classifier
        self.occupations = occupations
        self.trained_seconds: float | None = None

    @classmethod
    def from_kb(cls, kb: KnowledgeBase, retrain: bool = False) -> "Understanding":
        terms = kb.terms()
        normalizer = Normalizer({t.term.casefold(): t.canonical for t in terms
                                 if t.kind in ("typo", "synonym") and t.canonical})
        segmenter = Segmenter(t.term.casefold() for t in terms if t.kind == "word")
        occupations = _catalogue_names(kb)
        pairs = [(normalizer(e.text), e.intent) for e in kb.training_examples()]
        fingerprint = examples_hash(pairs, segmenter.words)
        stored = None if retrain else kb.load_model()
        if stored and stored[0] == fingerprint and stored[1] == versions():
            classifier = IntentClassifier.from_bytes(stored[2], fingerprint)
            segmenter = _vectorizer_segmenter(classifier) or segmenter
            return cls(normalizer, segmenter, classifier, occupations)
        started = time.perf_counter()
        classifier = IntentClassifier.train([p[0] for p in pairs], [p[1] for p in pairs], segmenter)
        seconds = time.perf_counter() - started
        report: dict[str, object] = {"examples": len(pairs), "seconds": round(seconds, 3)}
        accepted = kb.model_report().get("cv_accuracy")
        if accepted is not None:
            # A model retrained at start-up or reload keeps the accuracy `train` last accepted,
            # so that the next `train` still compares against it.
            report["cv_accuracy"] = accepted
        kb.save_model(fingerprint, versions(), report,
                      classifier.to_bytes())
        log.info("trained the intent classifier on %d examples in %.2f s", len(pairs), seconds)
        made = cls(normalizer, segmenter, classifier, occupations)
        made.trained_seconds = seconds
        return made

    def warm(self) -> None:
        self.segmenter.warm()
        self.read("博士买房补贴")

    def read(self, text: str, limits: Thresholds = Thresholds()) -> Reading:
        return read_message(self.classifier.rank, self.normalizer(text), self.occupations, limits)

    def rank(self, core: str) -> list[Prediction]:
        return self.classifier.rank(core)


def _vectorizer_segmenter(classifier: IntentClassifier) -> Segmenter | None:
    """The segmenter inside a loaded pipeline, so that one jieba instance serves both."""
    try:
        words = classifier.pipeline.named_steps["features"].transformer_list[0][1]
        tokenizer = words.tokenizer
    except (AttributeError, KeyError, IndexError):
        return None
    return tokenizer if isinstance(tokenizer, Segmenter) else None


def _catalogue_names(kb: KnowledgeBase) -> tuple[str, ...]:
    """Catalogue occupations (English names and aliases too) and industries, longest first: the most specific matches."""
    names = {str(n).strip() for row in kb.catalogue()
             for n in (row.get("occupation"), row.get("occupation_en"), row.get("industry"), *(row.get("aliases") or []))
             if n and len(str(n).strip()) > 1}
    return tuple(sorted(names, key=lambda n: (-len(n), n)))
