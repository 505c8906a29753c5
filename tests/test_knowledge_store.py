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
from knowledge.models import QueryRecord, Window
from knowledge.provenance import Register
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


def test_every_policy_entry_has_facts_a_source_and_a_contact(seed: Dataset) -> None:
    policy = {i.id for i in seed.intents if i.kind == "policy"}
    register = Register(seed.sources, seed.facts)
    for entry in seed.entries:
        assert entry.answer.zh and entry.answer.en, entry.id
        if entry.intent in policy:
            assert entry.facts and all(f in register.facts for f in entry.facts), f"{entry.id} cites no fact"
            shown = register.sources_for(entry)
            assert shown and all(s.title.zh and s.title.en for s in shown), f"{entry.id} has no source"
            if any(s.kind == "general" for s in shown):  # only where every fact is general knowledge no document names
                assert shown == (register.general,) and set(entry.facts) <= set(register.general.facts), entry.id
            assert entry.contact, f"{entry.id} has no contact"
    cited = [register.sources_for(e) for e in seed.entries if e.facts]
    assert sum(1 for shown in cited if any(s.date for s in shown)) >= 0.8 * len(cited)


def test_the_registers_cover_the_facts_sheet(seed: Dataset) -> None:
    ids = [f.id for f in seed.facts]
    assert ids == [f"F-{n:02d}" for n in range(1, 114)] + ["N-01", "N-02"]
    register = Register(seed.sources, seed.facts)
    assert all(register.sources_of_fact(f) for f in ids if f.startswith("F-")), "a fact without a source"
    assert {s.kind for s in seed.sources} == {"official", "news", "reprint"}
    for source in seed.sources:
        assert "github.com" not in (source.url or "") and "SmartCity" not in (source.url or ""), source.id
    superseded = {f.id: f.superseded_by for f in seed.facts if f.status == "superseded"}
    assert superseded["F-22"] == ("F-92",) and superseded["F-34"] == ("F-99",)
    f92 = register.facts["F-92"]
    assert "2,500 / 1,500 / 1,000" in f92.statement and "36 months" in f92.statement


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
    if fmt == "yaml":
        intents = {e.intent for e in seed.entries}
        assert {p.stem for p in (tmp_path / "out" / "entries").glob("*.yaml")} == intents
        assert not (tmp_path / "out" / "entries.yaml").exists()
    again = read_dir(tmp_path / "out")
    assert sorted(again.entries, key=lambda e: e.id) == sorted(seed.entries, key=lambda e: e.id)
    assert again.contacts == seed.contacts
    assert (again.sources, again.facts) == (seed.sources, seed.facts)
    assert sorted((e.text, e.intent) for e in again.examples) == sorted((e.text, e.intent) for e in seed.examples)


def _broken_copy(tmp_path: Path) -> Path:
    target = tmp_path / "broken"
    shutil.copytree(SEED_DIR, target)
    return target


def entries_file(folder: Path) -> str:
    """The seed's largest file of entries, relative to ``folder`` (entries/<intent>.yaml, or entries.yaml)."""
    import yaml

    files = sorted((folder / "entries").glob("*.yaml")) or [folder / "entries.yaml"]
    largest = max(files, key=lambda p: len(yaml.safe_load(p.read_text(encoding="utf-8")) or []))
    return str(largest.relative_to(folder))


@pytest.mark.parametrize("mutate, row, field", [
    (lambda items: items[2].pop("answer"), 3, "answer"),
    (lambda items: items[4]["answer"].__setitem__("en", ""), 5, "answer.en"),
    (lambda items: items[1].__setitem__("intent", "no_such_intent"), 2, "intent"),
    (lambda items: items[0].__setitem__("conditions", {"degree": "professor"}), 1, "conditions.degree"),
    (lambda items: items[3].__setitem__("contact", "nobody"), 4, "contact"),
    (lambda items: items[2].__setitem__("facts", ["F-999"]), 3, "facts"),
    (lambda items: items[1].__setitem__("window", {"closes": "2025-13-01"}), 2, "window.closes"),
    (lambda items: items[4].__setitem__("sources", ["no-such-source"]), 5, "sources"),
])
def test_bad_import_names_file_row_field_and_changes_nothing(tmp_path: Path, seed: Dataset, mutate,
                                                              row: int, field: str) -> None:
    import yaml

    folder = _broken_copy(tmp_path)
    file = entries_file(folder)
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


ENTRY = {"id": "rental_housing-test", "intent": "rental_housing", "title": {"zh": "测试", "en": "test"},
         "answer": {"zh": "每月1500元。", "en": "1,500 yuan a month."}, "contact": "hrss-12333"}


def test_entries_come_from_one_file_per_intent_and_an_older_single_file_still_loads(tmp_path: Path,
                                                                                    seed: Dataset) -> None:
    import yaml

    folder = _broken_copy(tmp_path)
    legacy = [dict(ENTRY, id="housing_purchase-old", intent="housing_purchase",
                   sources=[{"fact": "F-23", "title": "t", "url": None, "date": "2023-07-21"}]),
              dict(ENTRY, id="rental_housing-old", sources=[{"fact": "F-22", "title": "t", "url": None, "date": None}])]
    shutil.rmtree(folder / "entries", ignore_errors=True)
    (folder / "entries.yaml").write_text(yaml.safe_dump(legacy, allow_unicode=True), encoding="utf-8")
    (folder / "entries").mkdir()
    new = [dict(ENTRY, facts=["F-92"], window={"opens": "2025-06-09", "closes": "2025-07-31", "yearly": True})]
    (folder / "entries" / "rental_housing.yaml").write_text(yaml.safe_dump(new, allow_unicode=True), encoding="utf-8")
    data = read_dir(folder)
    # the intent with its own file is read from it; entries.yaml keeps the other intents' entries
    assert [(e.id, e.facts) for e in data.entries] == [("rental_housing-test", ("F-92",)),
                                                       ("housing_purchase-old", ("F-23",))]
    assert data.entries[0].window == Window("2025-06-09", "2025-07-31", True)
    with KnowledgeBase.open(tmp_path / "kb.sqlite") as kb:
        kb.replace_content(data)
        assert kb.entries(active_only=False) == data.entries


def test_a_policy_entry_without_facts_is_refused(tmp_path: Path) -> None:
    import yaml

    folder = _broken_copy(tmp_path)
    shutil.rmtree(folder / "entries", ignore_errors=True)
    (folder / "entries.yaml").unlink(missing_ok=True)
    (folder / "entries").mkdir()
    (folder / "entries" / "rental_housing.yaml").write_text(yaml.safe_dump([ENTRY], allow_unicode=True),
                                                           encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_dir(folder)
    assert (caught.value.file, caught.value.row, caught.value.field) == ("entries/rental_housing.yaml", 1, "facts")


def test_migration_004_turns_older_source_items_into_fact_ids(tmp_path: Path) -> None:
    import sqlite3

    import sqlite_utils

    from knowledge.schema import MIGRATIONS as ALL
    from knowledge.schema import migrate

    path = tmp_path / "old.sqlite"
    db = sqlite_utils.Database(sqlite3.connect(path))
    db.table("migrations").create({"id": int, "name": str, "applied_at": str}, pk="id")
    for number, (name, step) in enumerate(ALL[:3], start=1):
        step(db)
        db.table("migrations").insert({"id": number, "name": name, "applied_at": "x"})
    old = [{"fact": "F-23", "title": "t", "url": None, "date": None}, {"fact": "F-26", "title": "u", "url": None,
                                                                          "date": None}]
    db.table("entries").insert({"id": "a", "intent": "housing_purchase", "answer_zh": "z", "answer_en": "e",
                                "status": "active", "sources": json.dumps(old)})
    db.table("entries").insert({"id": "b", "intent": "housing_purchase", "answer_zh": "z", "answer_en": "e",
                                "status": "active", "sources": json.dumps([{"fact": "staff", "title": "s"}])})
    assert migrate(db)[0] == "004_sources"
    rows = {r["id"]: r for r in db.query("select id, facts, sources from entries")}
    assert json.loads(rows["a"]["facts"]) == ["F-23", "F-26"] and json.loads(rows["a"]["sources"]) == []
    assert json.loads(rows["b"]["facts"]) == [] and json.loads(rows["b"]["sources"]) == ["staff"]
    db.conn.close()
