"""A learned reading of follow-ups: how likely a message leans on the topic instead of naming its own.

Trained on pairs generated from the training phrases and the entries' question
variants, no labelling needed: a variant with its intent's own words taken out
("住房补贴换工作后还发吗" -> "换工作后还发吗") is what a follow-up about that
benefit looks like; every phrase as written, of every intent (out of scope and
conversation included), is what a question of its own looks like. The model is
a character n-gram logistic regression over the message alone, trained with the
intent classifier by the guarded training (``bot.staff.training``: scikit-learn,
through :mod:`intents.pipeline`) and stored with it as arrays
(:class:`intents.classifier.CharModel`), which serving reads with numpy alone; the resolver
(``bot.engine.dialogue``) combines its probability with the topic's share when
the message is read after the topic's question.

An intent's own words are the tokens much more frequent in its phrases than in
all phrases (``KEY_RATIO``), seen at least ``KEY_MIN`` times.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Callable, Iterable

from intents.classifier import CharModel
from intents.reading import weight
from knowledge import KnowledgeBase

CACHED = 4  # trained models kept per process (one per content the process has served)
KEY_RATIO = 4.0
KEY_MIN = 3
KEY_MAX = 30  # own words per intent, the most specific first
MIN_LEFT = 2  # Chinese characters plus English words: a stripped phrase shorter than this is no follow-up
_ASCII = re.compile(r"^[a-z0-9'\-]+$")

Tokens = Callable[[str], list[str]]


def own_words(phrases: Iterable[tuple[str, str]], tokens: Tokens) -> dict[str, set[str]]:
    """Per intent, the tokens that name it: much more frequent in its phrases than in all."""
    per_intent: dict[str, Counter[str]] = {}
    overall: Counter[str] = Counter()
    for text, intent in phrases:
        seen = set(tokens(text))
        per_intent.setdefault(intent, Counter()).update(seen)
        overall.update(seen)
    total = sum(overall.values()) or 1
    words: dict[str, set[str]] = {}
    for intent, counts in per_intent.items():
        size = sum(counts.values()) or 1
        ratios = [(counts[w] / size / (overall[w] / total), w) for w in counts
                  if counts[w] >= KEY_MIN and weight(w) > 0]
        words[intent] = {w for ratio, w in sorted(ratios, reverse=True)[:KEY_MAX] if ratio >= KEY_RATIO}
    return words


def stripped(text: str, words: set[str], tokens: Tokens) -> str | None:
    """``text`` without its intent's own words, or None when it has none of them or too little is left."""
    parts = tokens(text)
    if not any(p in words for p in parts):
        return None
    kept = [p for p in parts if p not in words]
    left = "".join(f" {p} " if _ASCII.match(p) else p for p in kept)
    left = re.sub(r"\s+", " ", left).strip()
    return left if weight(left) >= MIN_LEFT else None


def pairs(phrases: list[tuple[str, str]], policy: frozenset[str], tokens: Tokens) -> tuple[list[str], list[int]]:
    """Texts and labels: 1 for a phrase of a policy intent without its own words, 0 for a phrase as written."""
    words = own_words(phrases, tokens)
    texts: list[str] = []
    labels: list[int] = []
    for text, intent in phrases:
        texts.append(text)
        labels.append(0)
        if intent in policy:
            short = stripped(text, words.get(intent, set()), tokens)
            if short is not None:
                texts.append(short)
                labels.append(1)
    return texts, labels


def train(phrases: list[tuple[str, str]], policy: frozenset[str], tokens: Tokens) -> CharModel:
    """The model for these phrases, as the arrays that serve (training only: imports scikit-learn)."""
    from intents.pipeline import compile_followups, fit_followups

    texts, labels = pairs(phrases, policy, tokens)
    return compile_followups(fit_followups(texts, labels))


def for_kb(kb: KnowledgeBase, normalize: Callable[[str], str], tokens: Tokens) -> CharModel:
    """The model for ``kb``: its normalised training phrases (``kb.training_examples``) and policy intents."""
    phrases = [(normalize(e.text), e.intent) for e in kb.training_examples()]
    return train(phrases, frozenset(i.id for i in kb.intents() if i.kind == "policy"), tokens)


_trained: dict[str, CharModel] = {}


def trained(phrases: list[tuple[str, str]], policy: frozenset[str], tokens: Tokens) -> CharModel:
    """The model for these phrases, trained once per process (training and tests; serving reads the stored one)."""
    digest = hashlib.sha256(repr((sorted(phrases), sorted(policy))).encode()).hexdigest()
    if digest not in _trained:
        if len(_trained) >= CACHED:
            _trained.pop(next(iter(_trained)))
        _trained[digest] = train(phrases, policy, tokens)
    return _trained[digest]
