"""Where the knowledge base meets the understanding steps.

Builds the normaliser (with the knowledge base's typo table), the segmenter
(with its domain terms) and the intent classifier, and runs the steps in order
on one message. The classifier is the model stored in the knowledge base, the
last one the training guard accepted (``bot.staff.training``, the only writer of
stored models). When the examples, terms or the pipeline's definition changed
since, that model still answers and the Understanding is marked ``stale``, so
that its owner can ask for a guarded retraining in the background. Only when no
stored model can be loaded at all is one trained here, in memory.
"""

from __future__ import annotations

import logging
import time

from intents.classifier import LIBRARIES, IntentClassifier, Prediction, examples_hash, versions
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
        self.trained_seconds: float | None = None  # set when no stored model could be used
        self.stale = False  # the stored model predates the examples, terms or pipeline definition

    @classmethod
    def from_kb(cls, kb: KnowledgeBase, retrain: bool = False) -> "Understanding":
        """The steps over ``kb``'s terms and its stored model (``retrain``: a model trained here instead)."""
        terms = kb.terms()
        normalizer = Normalizer({t.term.casefold(): t.canonical for t in terms
                                 if t.kind in ("typo", "synonym") and t.canonical})
        segmenter = Segmenter(t.term.casefold() for t in terms if t.kind == "word")
        occupations = catalogue_names(kb)
        pairs = [(normalizer(e.text), e.intent) for e in kb.training_examples()]
        fingerprint = examples_hash(pairs, segmenter.words)
        stored = None if retrain else kb.load_model()
        classifier = _loadable(stored) if stored else None
        if stored and classifier is not None:
            current = stored[0] == fingerprint and stored[1] == versions()
            if current:  # one jieba instance serves the pipeline and the reading steps
                segmenter = _vectorizer_segmenter(classifier) or segmenter
            made = cls(normalizer, segmenter, classifier, occupations)
            made.stale = not current
            return made
        if not retrain:
            log.warning("no stored model can be loaded: training one in memory (run `run_bot.py train` to store one)")
        started = time.perf_counter()
        classifier = IntentClassifier.train([p[0] for p in pairs], [p[1] for p in pairs], segmenter)
        made = cls(normalizer, segmenter, classifier, occupations)
        made.trained_seconds = time.perf_counter() - started
        made.stale = not retrain
        log.info("trained the intent classifier on %d examples in %.2f s", len(pairs), made.trained_seconds)
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


def _loadable(stored: tuple[str, dict[str, str], bytes]) -> IntentClassifier | None:
    """The stored model, when it was pickled by the same libraries and loads; else None."""
    fingerprint, made_with, blob = stored
    wanted = versions()
    if any(made_with.get(key) != wanted[key] for key in LIBRARIES):
        log.warning("the stored model was made with other library versions (%s): not loaded", made_with)
        return None
    try:
        return IntentClassifier.from_bytes(blob, fingerprint)
    except Exception as exc:  # a model of an older pipeline may not fit today's code in any way
        log.warning("the stored model could not be loaded: %s", exc)
        return None


def catalogue_names(kb: KnowledgeBase) -> tuple[str, ...]:
    """Catalogue occupations (English names and aliases too) and industries, longest first: the most specific matches."""
    names = {str(n).strip() for row in kb.catalogue()
             for n in (row.get("occupation"), row.get("occupation_en"), row.get("industry"), *(row.get("aliases") or []))
             if n and len(str(n).strip()) > 1}
    return tuple(sorted(names, key=lambda n: (-len(n), n)))
