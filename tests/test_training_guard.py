"""One writer of the live model: every training goes through the guard, a worse model is never
used, the last accepted model keeps answering, and staff are told."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import pytest

from bot.engine.understanding import Understanding
from bot.staff.report import last_training, training_line
from bot.staff.training import Outcome, Retrainer, ensure_model, guarded_training
from intents import classifier
from knowledge import Dataset, KnowledgeBase
from tests.test_cli import run

CLEAR = ["博士买房有补贴吗", "硕士租房补贴每月多少", "人才公积金贷款能贷多少", "外国人在大连怎么办工作许可",
         "孩子上学怎么安排", "what is the 5+22 talent policy", "你好", "今天天气怎么样"]


def answers(db: Path) -> list[tuple[str, str, str | None]]:
    """How a new process answers the clear questions: (intent, outcome, entry)."""
    lines = "".join(json.dumps({"text": q, "session": str(n)}, ensure_ascii=False) + "\n" for n, q in enumerate(CLEAR))
    done = run(["ask", "--jsonl"], db, lines)
    assert done.returncode == 0, done.stderr
    return [(r["intent"], r["outcome"], r["entry_id"]) for r in map(json.loads, done.stdout.splitlines())]


def live(db: Path) -> tuple[int | None, dict]:
    with KnowledgeBase.open(db) as kb:
        return kb.live_stamp()[1], kb.model_report()


@pytest.mark.slow  # four processes and a cross-validated training on the whole seed
def test_shuffled_labels_are_refused_and_the_accepted_model_keeps_answering(db_path: Path, tmp_path: Path) -> None:
    before, model = answers(db_path), live(db_path)
    export = tmp_path / "export"
    assert run(["kb", "export", "--format", "jsonl", str(export)], db_path).returncode == 0
    lines = [json.loads(line) for line in (export / "examples.jsonl").read_text(encoding="utf-8").splitlines()]
    picked = random.Random(7).sample(range(len(lines)), len(lines) // 2)
    labels = [lines[i]["intent"] for i in picked]
    random.Random(8).shuffle(labels)
    for i, label in zip(picked, labels):
        lines[i]["intent"] = label
    unique = {(r["text"], r["intent"]): r for r in lines}  # a shuffle may pair a text with a label twice
    (export / "examples.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in unique.values()),
                                           encoding="utf-8")
    imported = run(["kb", "import", str(export)], db_path)
    assert imported.returncode == 0, imported.stderr

    assert answers(db_path) == before  # a new process: the accepted model, not one trained on the shuffle
    refused = run(["train", "--folds", "3"], db_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "新模型未启用" in refused.stderr and "当前模型继续回答" in refused.stderr
    assert live(db_path) == model
    assert answers(db_path) == before
    stats = run(["stats"], db_path)
    assert "模型：⚠️" in stats.stdout and "未启用" in stats.stdout


def test_the_fingerprint_covers_the_pipeline_definition(monkeypatch: pytest.MonkeyPatch, db_path: Path,
                                                        tmp_path: Path) -> None:
    original = classifier.definition()
    code = classifier.PIPELINE_CODE.read_text(encoding="utf-8")
    relaid = tmp_path / "relaid.py"  # comments and layout are no part of the definition
    relaid.write_text(code.replace("\n\n\n", "\n\n\n# a comment\n\n"), encoding="utf-8")
    monkeypatch.setattr(classifier, "PIPELINE_CODE", relaid)
    assert classifier.definition() == original
    changed = tmp_path / "changed.py"  # another parameter of build_pipeline is
    assert "c: float = 1.0" in code
    changed.write_text(code.replace("c: float = 1.0", "c: float = 0.5"), encoding="utf-8")
    monkeypatch.setattr(classifier, "PIPELINE_CODE", changed)
    assert classifier.definition() != original
    with KnowledgeBase.open(db_path) as kb:
        understanding = Understanding.from_kb(kb)
    # the stored model of the old definition still answers, marked stale for a guarded retraining
    assert understanding.stale and understanding.trained_seconds is None


# ---------------------------------------------------------------- the guard in the background


def small(seed: Dataset, per_intent: int = 12) -> KnowledgeBase:
    """An in-memory knowledge base with five intents of the seed and a few phrases each: quick to train."""
    chosen = ("housing_purchase", "rental_housing", "greeting", "hukou_registration", "medical_care")
    examples = [e for intent in chosen for e in [x for x in seed.examples if x.intent == intent][:per_intent]]
    kb = KnowledgeBase.open(":memory:")
    kb.replace_content(Dataset(intents=seed.intents, contacts=seed.contacts, terms=seed.terms,
                               entries=[e for e in seed.entries if e.intent in chosen], examples=examples))
    return kb


class Heard:
    """What the retrainer told staff."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.event = threading.Event()

    def __call__(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.event.set()

    def next(self) -> Outcome:
        assert self.event.wait(120), "the retrainer said nothing"
        self.event.clear()
        return self.outcomes[-1]


def test_the_retrainer_uses_the_guard_in_the_background(seed: Dataset) -> None:
    kb = small(seed)
    assert ensure_model(kb) is not None and ensure_model(kb) is None  # a baseline, once
    first = kb.live_stamp()[1]
    heard = Heard()
    retrainer = Retrainer(kb, delay=0, notify=heard)
    try:
        kb.add_example("博士在大连买房能拿多少补贴", "housing_purchase", origin="review")
        retrainer.request()
        accepted = heard.next()
        assert accepted.accepted and kb.live_stamp()[1] != first
        kept = kb.live_stamp()[1]

        examples = kb.examples()
        labels = [e.intent for e in examples]
        random.Random(3).shuffle(labels)
        with kb.db.conn:
            kb.db.execute("delete from examples")
        for example, label in zip(examples, labels):
            kb.add_example(example.text, label, origin="review")
        retrainer.request()
        refused = heard.next()
        assert not refused.accepted and kb.live_stamp()[1] == kept  # the last accepted model stays live
        note = last_training(kb)
        assert note is not None and not note.accepted and note.by == "bot (after staff changes)"
        assert "未启用" in training_line(note, "zh") and "refused" in training_line(note, "en")
        assert "未启用" in refused.refusal("zh")
    finally:
        retrainer.close()
        kb.close()


def test_a_closed_retrainer_drops_what_is_pending(seed: Dataset) -> None:
    kb = small(seed, per_intent=6)
    heard = Heard()
    retrainer = Retrainer(kb, delay=3600, notify=heard)
    retrainer.request()
    retrainer.close(timeout=5)
    retrainer.request()  # after close: nothing happens
    assert not heard.outcomes and kb.live_stamp()[1] is None
    kb.close()


def test_every_store_of_a_model_is_the_guard() -> None:
    """``save_model`` is called in one place of the product: the guard. (``benchmarks/scale.py`` copies an
    accepted model unchanged into a scratch database it measures; it trains nothing.)"""
    root = Path(__file__).resolve().parents[1]
    callers = [str(p.relative_to(root)) for package in ("bot", "intents", "knowledge")
               for p in (root / package).rglob("*.py") if ".save_model(" in p.read_text(encoding="utf-8")]
    assert callers == ["bot/staff/training.py"]


def test_guarded_training_notes_an_accepted_model(seed: Dataset) -> None:
    kb = small(seed, per_intent=6)
    outcome = guarded_training(kb, folds=3, by="alice")
    assert outcome.accepted and outcome.live_accuracy is None
    note = last_training(kb)
    assert note is not None and note.accepted and note.by == "alice" and note.examples == 30
    kb.close()
