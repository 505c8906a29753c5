"""The knowledge base: schema migrations, seed files, export/import, logs, forgetting."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from knowledge import (
    SEED_DIR,
    Dataset,
    KnowledgeBase,
    ValidationError,
    read_dir,
    write_dir,
)
from knowledge.models import QueryRecord
from knowledge.schema import MIGRATIONS, SCHEMA_VERSION, applied


def test_migrations_are_applied_once_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase.open(path) as kb:
        assert applied(kb.db) == [name for name, _ in MIGRATIONS]
        version = list(kb.db.query("select value from meta where key='schema_version'"))[0]["value"]
        assert int(version) == SCHEMA_VERSION
    with KnowledgeBase.open(path) as kb:  # reopening applies nothing twice
        assert len(applied(kb.db)) == len(MIGRATIONS)
        assert {"entries", "contacts", "catalogue", "examples", "terms", "queries", "unanswered", "feedback",
                "meta"} <= set(kb.db.table_names())


def test_seed_covers_every_intent_of_the_taxonomy(seed: Dataset) -> None:
    spec = (Path(__file__).resolve().parents[2] / "shared" / "spec" / "intents.md")
    ids = {i.id for i in seed.intents}
    if spec.is_file():
        documented = {line.split("`")[1] for line in spec.read_text(encoding="utf-8").splitlines()
                      if line.startswith("| `")}
        assert documented <= ids
    answered = {e.intent for e in seed.entries if e.status == "active"}
    assert ids <= answered, f"intents without an entry: {ids - answered}"


def test_every_policy_entry_has_a_source_and_a_contact(seed: Dataset) -> None:
    policy = {i.id for i in seed.intents if i.kind == "policy"}
    for entry in seed.entries:
        assert entry.answer.zh and entry.answer.en, entry.id
        if entry.intent in policy:
            assert entry.sources and all(s.fact and s.title for s in entry.sources), f"{entry.id} has no source"
            assert entry.contact, f"{entry.id} has no contact"
    dated = [e for e in seed.entries if any(s.date for s in e.sources)]
    assert len(dated) >= 0.8 * sum(1 for e in seed.entries if e.sources)


def test_training_phrases_per_intent(seed: Dataset) -> None:
    counts: dict[str, int] = {}
    for example in seed.examples:
        counts[example.intent] = counts.get(example.intent, 0) + 1
    for intent in seed.intents:
        assert counts.get(intent.id, 0) >= 40, f"{intent.id}: {counts.get(intent.id, 0)} phrases"
    assert counts["out_of_scope"] >= 200


@pytest.mark.parametrize("fmt", ["yaml", "jsonl"])
def test_export_then_import_round_trips(tmp_path: Path, seed: Dataset, fmt: str) -> None:
    with KnowledgeBase.open(tmp_path / "a.sqlite") as kb:
        kb.replace_content(seed)
        write_dir(kb.dataset(), tmp_path / "out", fmt)
    if fmt == "jsonl":
        first = json.loads((tmp_path / "out" / "examples.jsonl").read_text(encoding="utf-8").splitlines()[0])
        assert {"text", "intent"} <= set(first)
    again = read_dir(tmp_path / "out")
    assert again.entries == seed.entries
    assert again.contacts == seed.contacts
    assert sorted((e.text, e.intent) for e in again.examples) == sorted((e.text, e.intent) for e in seed.examples)


def _broken_copy(tmp_path: Path) -> Path:
    target = tmp_path / "broken"
    shutil.copytree(SEED_DIR, target)
    return target


@pytest.mark.parametrize("mutate, file, row, field", [
    (lambda items: items[2].pop("answer"), "entries.yaml", 3, "answer"),
    (lambda items: items[4]["answer"].__setitem__("en", ""), "entries.yaml", 5, "answer.en"),
    (lambda items: items[1].__setitem__("intent", "no_such_intent"), "entries.yaml", 2, "intent"),
    (lambda items: items[0].__setitem__("conditions", {"degree": "professor"}), "entries.yaml", 1,
     "conditions.degree"),
    (lambda items: items[3].__setitem__("contact", "nobody"), "entries.yaml", 4, "contact"),
])
def test_bad_import_names_file_row_field_and_changes_nothing(tmp_path: Path, seed: Dataset, mutate, file: str,
                                                              row: int, field: str) -> None:
    import yaml

    folder = _broken_copy(tmp_path)
    items = yaml.safe_load((folder / file).read_text(encoding="utf-8"))
    mutate(items)
    (folder / file).write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    with KnowledgeBase.open(tmp_path / "kb.sqlite") as kb:
        kb.replace_content(seed)
        before = kb.dataset()
        with pytest.raises(ValidationError) as caught:
            kb.replace_content(read_dir(folder))
        assert (caught.value.file, caught.value.row, caught.value.field) == (file, row, field)
        assert file in str(caught.value) and f"row {row}" in str(caught.value)
        assert kb.dataset() == before


def test_broken_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    (folder / "contacts.yaml").write_text("- id: x\n  name: {zh: a, en: b\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"contacts.yaml.*(line \d+)?.*not valid YAML"):
        read_dir(folder)


def test_queries_are_logged_and_a_user_can_be_forgotten(tmp_path: Path) -> None:
    with KnowledgeBase.open(tmp_path / "kb.sqlite") as kb:
        alice, bob = kb.pseudonym("telegram", 1001), kb.pseudonym("telegram", 1002)
        assert alice != bob and "1001" not in alice and alice == kb.pseudonym("telegram", 1001)
        for user in (alice, bob):
            record = QueryRecord(user, "s", "博士买房", "zh", "housing_purchase", 0.9, "answer", None, 1.0)
            qid = kb.log_query(record, review_reason="fallback")
            kb.record_feedback(qid, user, helpful=False)
        kb.save_session(alice, {"lang": "en"})
        assert kb.forget_user(alice) >= 4
        assert [r["user"] for r in kb.db.query("select user from queries")] == [bob]
        assert kb.load_session(alice) == {}
        assert len(kb.reviews()) == 1
