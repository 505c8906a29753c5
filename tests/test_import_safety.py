"""Imports that cannot destroy: every problem is a message naming file, row and field, never a
traceback, whatever the input; a partial or shrinking import is refused unless forced; every
reload is backed up first and recorded in the change log; ``kb init`` keeps staff work."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.main import main
from knowledge import SEED_DIR, KnowledgeBase, ValidationError, changes, read_dir
from knowledge.changes import directory_problems

PHD = "housing_purchase-phd"


def cli(db: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--db", str(db), *args], stdin=io.StringIO(""), stdout=out)
    return code, out.getvalue()


def state(db: Path) -> tuple:
    """Everything a reload may touch."""
    with KnowledgeBase.open(db) as kb:
        return (kb.dataset(), kb.db.table("changes").count,
                list(kb.db.query("select value from meta where key = 'content_version'")))


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed in the export layout (YAML), written once; tests copy it."""
    folder = tmp_path_factory.mktemp("seed-copy")
    shutil.copytree(SEED_DIR, folder / "seed")
    return folder / "seed"


ENTRIES = "entries/housing_purchase.yaml"  # the export holds one file of entries per intent


def copy_of(exported: Path, tmp_path: Path) -> Path:
    target = tmp_path / "import"
    shutil.copytree(exported, target)
    return target


# ---------------------------------------------------------------- messages, never tracebacks


def test_an_impossible_unquoted_date_is_a_message_naming_file_row_and_field(exported: Path, tmp_path: Path,
                                                                            db_path: Path,
                                                                            capsys: pytest.CaptureFixture) -> None:
    folder = copy_of(exported, tmp_path)
    path = folder / ENTRIES
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("reviewed: 20", "reviewed: 2026-02-30\n  old_reviewed: 20", 1), encoding="utf-8")
    before = state(db_path)
    code, _ = cli(db_path, "kb", "import", str(folder))
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert ENTRIES in err and "'reviewed'" in err and "2026-02-30" in err
    assert "字段“reviewed”：“2026-02-30”不是 YYYY-MM-DD 格式的日期" in err  # in the staff's language first
    assert state(db_path) == before
    code, report = cli(db_path, "kb", "validate", str(folder))
    assert code == 1 and ENTRIES in report and "'reviewed'" in report


def test_a_byte_order_mark_is_read_and_other_encodings_are_named(exported: Path, tmp_path: Path) -> None:
    folder = copy_of(exported, tmp_path)
    path = folder / "contacts.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_dir(folder).contacts
    path.write_bytes(path.read_text(encoding="utf-8-sig").encode("utf-16"))
    with pytest.raises(ValidationError, match="contacts.yaml.*UTF-8"):
        read_dir(folder)


@pytest.mark.parametrize("content, words", [
    ("[" * 5000 + "]" * 5000, [ENTRIES]),
    ("[" * 200_000 + "]" * 200_000, [ENTRIES]),  # would end the process inside libyaml's tree builder
    ("- a:\n" + "".join(" " * (2 * i + 4) + "b:\n" for i in range(3000)), [ENTRIES]),
    ("- id: " + "9" * 6000 + "\n", [ENTRIES, "row 1", "'id'"]),
    ("- id: x\n  intent: housing_purchase\n  conditions: {degree: [phd]}\n", ["row 1", "conditions.degree"]),
    ("- {id: x, intent: housing_purchase, title: {zh: [1], en: b}}\n", ["row 1", "title.zh"]),
    ("- !!python/object:os.system {}\n", [ENTRIES]),
    ("- {id: x, intent: housing_purchase, title: {zh: a, en: b}, answer: {zh: a, en: b}, reviewed: 20260101}\n",
     ["'reviewed'", "YYYY-MM-DD"]),
])
def test_hostile_input_is_a_message(exported: Path, tmp_path: Path, content: str, words: list[str]) -> None:
    folder = copy_of(exported, tmp_path)
    (folder / ENTRIES).write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError) as raised:
        read_dir(folder)
    for word in words:
        assert word in str(raised.value)
    assert directory_problems(folder)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=12)
FIELDS = st.fixed_dictionaries({}, optional={k: JSON for k in (
    "id", "intent", "title", "answer", "conditions", "questions", "sources", "contact", "followups", "effective",
    "reviewed", "status", "text", "term", "kind", "canonical", "occupation", "name", "topics", "label")})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(FIELDS | JSON, max_size=3), table=st.sampled_from(["entries", "contacts", "terms", "examples"]))
def test_any_json_rows_are_loaded_or_named_never_a_crash(tmp_path_factory: pytest.TempPathFactory, rows: list,
                                                         table: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    for name in ("intents", "contacts", "entries", "terms", "catalogue", "examples"):
        (folder / f"{name}.jsonl").write_text("", encoding="utf-8")
    (folder / f"{table}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    try:
        read_dir(folder)
    except ValidationError as exc:
        assert exc.file.endswith(".jsonl")
    directory_problems(folder)


def test_a_rejected_edit_with_an_impossible_date_keeps_the_text(db_path: Path, tmp_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        text = changes.entry_yaml(kb.entry(PHD)).replace("reviewed: '20", "reviewed: 2026-02-30\n# was '20")
        with pytest.raises(ValidationError, match="reviewed"):
            changes.replace_entry(kb, PHD, yaml_mapping(text), "alice")


def yaml_mapping(text: str) -> dict:
    from knowledge.seedfiles import load_yaml

    found = load_yaml(text, "edit")
    assert isinstance(found, dict)
    return found


# ---------------------------------------------------------------- partial and shrinking imports


@pytest.mark.parametrize("damage", ["empty directory", "no entries file", "empty entries", "half the examples"])
def test_an_empty_or_partial_import_is_refused_and_changes_nothing(db_path: Path, exported: Path, tmp_path: Path,
                                                                   damage: str,
                                                                   capsys: pytest.CaptureFixture) -> None:
    folder = copy_of(exported, tmp_path)
    if damage == "empty directory":
        shutil.rmtree(folder)
        folder.mkdir()
    elif damage == "no entries file":
        shutil.rmtree(folder / "entries")
    elif damage == "empty entries":
        for path in (folder / "entries").glob("*.yaml"):
            path.write_text("[]\n", encoding="utf-8")
    else:
        for path in sorted((folder / "examples").glob("*.yaml"))[::2]:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            data["examples"] = data["examples"][:1]
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = state(db_path)
    code, _ = cli(db_path, "kb", "import", str(folder))
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert {"empty directory": "entries.yaml", "no entries file": "entries.yaml", "empty entries": "become empty",
            "half the examples": "examples would shrink"}[damage] in err
    assert state(db_path) == before
    assert not (db_path.parent / "backups").exists()


def test_a_forced_import_takes_a_backup_and_is_in_the_change_log(db_path: Path, exported: Path,
                                                                 tmp_path: Path) -> None:
    folder = copy_of(exported, tmp_path)
    (folder / "terms.yaml").write_text("[]\n", encoding="utf-8")
    code, said = cli(db_path, "kb", "import", str(folder), "--force", "--who", "alice")
    assert code == 0 and "backup" in said
    [backup] = (db_path.parent / "backups").glob("*-import.sqlite")
    with KnowledgeBase.open(backup) as saved:
        assert saved.terms()
    with KnowledgeBase.open(db_path) as kb:
        assert not kb.terms()
        [reload] = changes.history(kb, limit=1)
    assert (reload.who, reload.action, reload.table) == ("alice", "reload", "content")
    assert str(folder) in (reload.note or "") and str(backup) in (reload.note or "")


# ---------------------------------------------------------------- kb init keeps staff work


def test_a_staff_edit_survives_kb_init(db_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli(db_path, "kb", "edit", PHD, "--answer-zh", "博士购房补贴以最新文件为准。", "--who", "alice")[0] == 0
    before = state(db_path)
    code, _ = cli(db_path, "kb", "init")
    err = capsys.readouterr().err
    assert code == 2 and "1 staff changes" in err and "alice" in err and "--force" in err
    assert state(db_path) == before
    with KnowledgeBase.open(db_path) as kb:
        assert kb.entry(PHD).answer.zh == "博士购房补贴以最新文件为准。"

    code, said = cli(db_path, "kb", "init", "--force", "--who", "bob")
    assert code == 0
    [backup] = (db_path.parent / "backups").glob("*-init.sqlite")
    assert str(backup) in said
    with KnowledgeBase.open(backup) as saved:
        assert saved.entry(PHD).answer.zh == "博士购房补贴以最新文件为准。"  # the edit is kept in the backup
    code, log = cli(db_path, "kb", "history", "--json")
    latest = json.loads(log.splitlines()[0])
    assert (latest["who"], latest["action"], latest["table"]) == ("bob", "reload", "content")
    assert "backup" in latest["note"]
    assert cli(db_path, "kb", "init")[0] == 0  # no staff change since that reload
