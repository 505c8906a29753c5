"""The intent classifier, held to its accuracy on examples it never saw in training.

The held-out phrases are the labelled examples (``examples/<intent>.yaml``);
each model is trained as the assistant trains it: on the other examples plus
the entries' question variants (origin ``entry``). Variants are not held out:
they are ways of asking for an entry, not phrases labelled by the taxonomy's
rules, and one equal to an example is never added.
"""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from bot.settings import load_settings
from intents.classifier import IntentClassifier
from intents.decide import OUT_OF_SCOPE, Thresholds, decide
from intents.normalize import Normalizer
from intents.reading import read_message
from intents.segment import Segmenter
from knowledge import Dataset
from knowledge.seedfiles import training_examples

FILLERS_BEFORE = ("你好，", "请问一下", "hi, ", "您好！请问", "急！", "🙏 ", "hello, ", "麻烦问下，")
FILLERS_AFTER = ("，谢谢", " 🙏", " thanks", "？急", "!!", " 谢谢啦", " thank you", "。。。")


@pytest.fixture(scope="module")
def split(seed: Dataset):
    normalizer = Normalizer({t.term.casefold(): t.canonical for t in seed.terms
                             if t.kind in ("typo", "synonym") and t.canonical})
    segmenter = Segmenter(t.term.casefold() for t in seed.terms if t.kind == "word")
    texts = [e.text for e in seed.examples]
    labels = [e.intent for e in seed.examples]
    train_x, test_x, train_y, test_y = train_test_split(texts, labels, test_size=0.2, stratify=labels,
                                                        random_state=7)
    variants = _variants(seed)
    classifier = IntentClassifier.train([normalizer(t) for t in [*train_x, *variants]],
                                        [*train_y, *variants.values()], segmenter)
    return classifier, normalizer, test_x, test_y


def _variants(seed: Dataset) -> dict[str, str]:
    """The entries' question variants the assistant trains on besides the examples: text -> intent."""
    return {e.text: e.intent for e in training_examples(seed.examples, seed.entries) if e.origin == "entry"}


def _rank(split, text: str):
    """The ranking the Assistant would act on: filler, other places and all."""
    classifier, normalizer, _, _ = split
    return read_message(classifier.rank, normalizer(text)).ranking


@pytest.fixture(scope="module")
def held_out(seed: Dataset) -> tuple[list[str], list[str], list[str]]:
    """Every example classified by a model trained without it (stratified 5-fold):
    (true intents, predicted intents, decisions under the default thresholds)."""
    normalizer = Normalizer({t.term.casefold(): t.canonical for t in seed.terms
                             if t.kind in ("typo", "synonym") and t.canonical})
    segmenter = Segmenter(t.term.casefold() for t in seed.terms if t.kind == "word")
    settings = load_settings({}, env_file=None)
    limits = Thresholds(settings.answer_threshold, settings.clarify_threshold, settings.margin)
    texts = [normalizer(e.text) for e in seed.examples]
    labels = [e.intent for e in seed.examples]
    variants = {normalizer(text): intent for text, intent in _variants(seed).items()}
    predicted, actions = [""] * len(texts), [""] * len(texts)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=13).split(texts, labels):
        classifier = IntentClassifier.train([*(texts[i] for i in train), *variants],
                                            [*(labels[i] for i in train), *variants.values()], segmenter)
        for i in test:
            ranking = read_message(classifier.rank, texts[i]).ranking
            predicted[i], actions[i] = ranking[0].intent, decide(ranking, limits).action
    return labels, predicted, actions


def test_macro_f1_on_held_out_examples(held_out) -> None:
    labels, predicted, _ = held_out
    assert f1_score(labels, predicted, average="macro") >= 0.92


def test_out_of_scope_is_caught_and_in_scope_rarely_falls_back(held_out) -> None:
    labels, _, actions = held_out
    oos = [a == "fallback" for y, a in zip(labels, actions) if y == OUT_OF_SCOPE]
    inscope = [a == "fallback" for y, a in zip(labels, actions) if y != OUT_OF_SCOPE]
    assert sum(oos) / len(oos) >= 0.85
    assert sum(inscope) / len(inscope) <= 0.05


def test_filler_does_not_move_the_intent(split) -> None:
    _, _, test_x, test_y = split
    rng = random.Random(3)
    questions = [t for t, y in zip(test_x, test_y) if y not in ("greeting", "thanks", "goodbye")]
    same = 0
    for text in questions:
        wrapped = rng.choice(FILLERS_BEFORE) + text + rng.choice(FILLERS_AFTER)
        same += _rank(split, wrapped)[0].intent == _rank(split, text)[0].intent
    assert same / len(questions) >= 0.95
