"""Where the knowledge base meets the understanding steps.

Builds the normaliser (with the knowledge base's typo table), the segmenter
(with its domain terms) and the intent classifier, and runs the steps in order
on one message. The classifier is the model stored in the knowledge base, the
last one the training guard accepted (``bot.staff.training``, the only writer of
stored models). When the examples, terms or the pipeline's definition changed
since, that model still answers and the Understanding is marked ``stale``, so
that its owner can ask for a guarded retraining in the background. Only when no
stored model can be loaded at all is one trained here, in memory (the one time
serving imports scikit-learn: a stored model is arrays, read by numpy alone).

A reload keeps what did not change: the normaliser with the examples it already
read, the segmenter with its loaded jieba dictionary, and the classifier when the
stored model is the same.
"""

from __future__ import annotations

import dataclasses
import logging
import time

from bot.engine import followups
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
    def from_kb(cls, kb: KnowledgeBase, retrain: bool = False, previous: "Understanding | None" = None) -> "Understanding":
        """The steps over ``kb``'s terms and its stored model (``retrain``: a model trained here instead);
        ``previous`` (the Understanding being replaced) lends what did not change."""
        terms = kb.terms()
        normalizer = Normalizer({t.term.casefold(): t.canonical for t in terms
                                 if t.kind in ("typo", "synonym") and t.canonical})
        segmenter = Segmenter(t.term.casefold() for t in terms if t.kind == "word")
        if previous is not None:
            normalizer, segmenter = _reused(previous, normalizer, segmenter)
        occupations = catalogue_names(kb)
        examples = kb.training_examples()
        pairs = list(zip(normalizer.normalize_all(e.text for e in examples), (e.intent for e in examples)))
        fingerprint = examples_hash(pairs, segmenter.words)
        model_id = kb.live_stamp()[1]  # before the model: a model stored meanwhile is read, never kept
        stored = None if retrain else kb.load_model()
        classifier = _loadable(stored, model_id, segmenter, previous) if stored else None
        if stored and classifier is not None:
            made = cls(normalizer, segmenter, classifier, occupations)
            made.stale = not (stored[0] == fingerprint and stored[1] == versions()) or \
                classifier.model.followups is None  # stored before the follow-up reading was: retrain it
            return made
        if not retrain:
            log.warning("no stored model can be loaded: training one in memory (run `run_bot.py train` to store one)")
        started = time.perf_counter()
        classifier = IntentClassifier.train([p[0] for p in pairs], [p[1] for p in pairs], segmenter)
        classifier.model = dataclasses.replace(classifier.model,
                                               followups=followups.for_kb(kb, normalizer, segmenter.tokens))
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


def _reused(previous: Understanding, normalizer: Normalizer, segmenter: Segmenter) -> tuple[Normalizer, Segmenter]:
    """The previous normaliser and segmenter where the new ones would be equal (same typo table, same terms)."""
    if previous.normalizer.corrections == normalizer.corrections:
        normalizer = previous.normalizer
    if previous.segmenter.words == segmenter.words:
        segmenter = previous.segmenter
    return normalizer, segmenter


def _loadable(stored: tuple[str, dict[str, str], bytes], model_id: int | None, segmenter: Segmenter,
              previous: Understanding | None = None) -> IntentClassifier | None:
    """The stored model (id ``model_id``), when it is of today's format and loads; else None. One jieba
    instance serves the classifier and the reading steps when the model was trained with ``segmenter``'s
    terms; the previous classifier is kept when it was read from the same stored model (the same id and
    fingerprint: a new model is inserted before the old one is deleted, so ids grow)."""
    fingerprint, made_with, blob = stored
    wanted = versions()
    if any(made_with.get(key) != wanted[key] for key in LIBRARIES):
        log.warning("the stored model is of another format (%s): not loaded", made_with)
        return None
    if previous is not None:
        kept = previous.classifier
        if model_id is not None and kept.stored == model_id and kept.fingerprint == fingerprint and \
                (kept.segmenter is segmenter or kept.segmenter.words != segmenter.words):
            return kept
    try:
        classifier = IntentClassifier.from_bytes(blob, fingerprint, segmenter)
    except Exception as exc:  # a model of an older pipeline may not fit today's code in any way
        log.warning("the stored model could not be loaded: %s", exc)
        return None
    classifier.stored = model_id
    return classifier


def catalogue_names(kb: KnowledgeBase) -> tuple[str, ...]:
    """Catalogue occupations (English names and aliases too) and industries, longest first: the most specific matches."""
    names = {str(n).strip() for row in kb.catalogue()
             for n in (row.get("occupation"), row.get("occupation_en"), row.get("industry"), *(row.get("aliases") or []))
             if n and len(str(n).strip()) > 1}
    return tuple(sorted(names, key=lambda n: (-len(n), n)))
