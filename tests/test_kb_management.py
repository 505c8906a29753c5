"""Staff keep the knowledge base right: edit, retire, review dates, terms, history and revert.

Every test works on a real copy of the seeded database; commands run through
``bot.cli.main.main`` (or a real process where an editor is involved), and the
effect is checked where a user would notice it: in the assistant's answers.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from bot.cli.main import main
from bot.engine.assistant import Assistant
from bot.engine.understanding import Understanding
from bot.settings import Settings
from knowledge import SEED_DIR, Dataset, KnowledgeBase, ValidationError, changes
from knowledge.models import QueryRecord

ROOT = Path(__file__).resolve().parents[1]
PHD = "housing_purchase-phd"
LEGACY_SEED = (SEED_DIR / "entries.yaml").is_file()
CURRENCY = re.compile(r"figures not stated by its facts|superseded|the window closed")
QUESTION = "博士买房有补贴吗"


def kb_cli(db: Path, *args: str) -> tuple[int, str]:
    """Run ``run_bot.py --db DB kb ARGS`` in this process; returns the exit code and standard output."""
    out = io.StringIO()
    code = main(["--db", str(db), "kb", *args], stdin=io.StringIO(""), stdout=out)
    return code, out.getvalue()


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def content_state(db: Path) -> tuple[list, int, str]:
    """Everything an edit may touch: the entries, the change log's size, the content version."""
    with KnowledgeBase.open(db) as kb:
        version = list(kb.db.query("select value from meta where key = 'content_version'"))[0]["value"]
        return kb.entries(active_only=False), kb.db["changes"].count, version


# ---------------------------------------------------------------- edit, history, revert


def test_a_bad_answer_is_edited_shown_in_history_reverted_and_answered_again(settings: Settings,
                                                                               db_path: Path) -> None:
    with closing(Assistant.open(settings)) as assistant:
        first = assistant.handle(QUESTION, "before")
        assert first.entry_id == PHD and "10万" in first.text
        code, said = kb_cli(db_path, "edit", PHD, "--answer-zh", "博士买房补贴1元", "--who", "alice")
        assert code == 0 and "answer_zh" in said
        assert assistant.refresh()
        wrong = assistant.handle(QUESTION, "during")
        assert "1元" in wrong.text and "10万" not in wrong.text

        code, said = kb_cli(db_path, "history", PHD, "--json")
        latest = json_lines(said)[0]
        assert (latest["who"], latest["action"], latest["row_id"]) == ("alice", "update", PHD)
        assert "10万" in latest["before"]["answer_zh"] and latest["after"]["answer_zh"] == "博士买房补贴1元"

        code, said = kb_cli(db_path, "revert", str(latest["id"]), "--who", "bob")
        assert code == 0
        assert assistant.refresh()
        again = assistant.handle(QUESTION, "after")
        assert again.text == first.text and again.entry_id == PHD
    code, said = kb_cli(db_path, "history", PHD)
    assert f"撤销 #{latest['id']}" in said and "bob" in said and "alice" in said


def test_a_change_is_reverted_once_and_later_changes_must_be_reverted_first(db_path: Path,
                                                                            capsys: pytest.CaptureFixture) -> None:
    with KnowledgeBase.open(db_path) as kb:
        original = kb.entry(PHD)
        one = changes.update_entry(kb, PHD, {"answer.en": "first edit"}, "alice")
        two = changes.update_entry(kb, PHD, {"answer.en": "second edit"}, "alice")
    assert one and two
    assert kb_cli(db_path, "revert", str(one.id))[0] == 2
    assert f"later changes: {two.id}" in capsys.readouterr().err
    assert kb_cli(db_path, "revert", str(two.id))[0] == 0
    assert kb_cli(db_path, "revert", str(two.id))[0] == 2
    assert f"already reverted by change {two.id + 1}" in capsys.readouterr().err
    assert kb_cli(db_path, "revert", str(one.id))[0] == 0
    with KnowledgeBase.open(db_path) as kb:
        assert kb.entry(PHD) == original


def test_a_rejected_edit_is_kept_and_the_next_edit_continues_from_it(db_path: Path, tmp_path: Path) -> None:
    """An impossible date, then a fix: the second editor session starts from the first one's text."""
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\n"
                      "path = sys.argv[1]\n"
                      "text = open(path, encoding='utf-8').read()\n"
                      "if '2026-02-30' in text:\n"
                      "    text = text.replace('2026-02-30', '2026-02-28')\n"
                      "else:\n"
                      "    text = text.replace('博士', '博士（已编辑）', 1)\n"
                      "    text = '\\n'.join(l if not l.startswith('reviewed:') else 'reviewed: 2026-02-30'\n"
                      "                    for l in text.splitlines())\n"
                      "open(path, 'w', encoding='utf-8').write(text)\n", encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TALENTBOT_", "VISUAL"))}
    environ["EDITOR"] = f"{sys.executable} {editor}"
    edit = [sys.executable, "run_bot.py", "--db", str(db_path), "kb", "edit", PHD]
    first = subprocess.run(edit, cwd=ROOT, capture_output=True, text=True, timeout=120, env=environ)
    assert first.returncode == 2 and "Traceback" not in first.stderr
    assert "'reviewed'" in first.stderr and "2026-02-30" in first.stderr and "drafts" in first.stderr
    draft = db_path.parent / "drafts" / f"{PHD}.yaml"
    assert "博士（已编辑）" in draft.read_text(encoding="utf-8")
    second = subprocess.run(edit, cwd=ROOT, capture_output=True, text=True, timeout=120, env=environ)
    assert second.returncode == 0, second.stderr
    with KnowledgeBase.open(db_path) as kb:
        entry = kb.entry(PHD)
    assert "博士（已编辑）" in entry.title.zh + entry.answer.zh and entry.reviewed == "2026-02-28"
    assert not draft.exists()


def test_kb_add_cites_known_facts_and_its_questions_become_training_phrases(db_path: Path,
                                                                           capsys: pytest.CaptureFixture) -> None:
    base = ["add", "--id", "housing_purchase-kb-add", "--intent", "housing_purchase", "--title-zh", "测试",
            "--title-en", "Test", "--answer-zh", "测试答案", "--answer-en", "A test answer", "--contact", "gov-12345",
            "--question", "人才驿站买房补贴怎么领", "--question", "talent station purchase subsidy"]
    assert kb_cli(db_path, *base, "--source", "F-999")[0] == 2
    assert "sources[0]" in capsys.readouterr().err
    code, said = kb_cli(db_path, *base, "--source", "F-23")
    assert code == 0 and "变更 #" in said
    with KnowledgeBase.open(db_path) as kb:
        entry = kb.entry("housing_purchase-kb-add")
        phrases = {(e.text, e.intent, e.origin) for e in kb.examples()}
        stating = {s.id for s in kb.sources() if "F-23" in s.facts}
    assert entry.sources and set(entry.sources) <= stating and entry.contact == "gov-12345"
    assert ("人才驿站买房补贴怎么领", "housing_purchase", "entry") in phrases
    assert ("talent station purchase subsidy", "housing_purchase", "entry") in phrases


def test_a_bad_edit_in_the_editor_changes_nothing_and_names_the_field(db_path: Path, tmp_path: Path) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text("import sys, yaml\n"
                      "data = yaml.safe_load(open(sys.argv[1], encoding='utf-8'))\n"
                      "data['answer']['en'] = ''\n"
                      "open(sys.argv[1], 'w', encoding='utf-8').write(yaml.safe_dump(data, allow_unicode=True))\n",
                      encoding="utf-8")
    before = content_state(db_path)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TALENTBOT_", "VISUAL"))}
    environ["EDITOR"] = f"{sys.executable} {editor}"
    done = subprocess.run([sys.executable, "run_bot.py", "--db", str(db_path), "kb", "edit", PHD], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=environ)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "field 'answer.en'" in done.stderr and PHD in done.stderr
    assert content_state(db_path) == before


@pytest.mark.parametrize("options, field", [
    (["--reviewed", "2025-02-30"], "reviewed"),
    (["--contact", "nobody"], "contact"),
    (["--intent", "weather"], "intent"),
    (["--answer-en", ""], "answer.en"),
])
def test_a_bad_field_option_changes_nothing_and_names_the_field(db_path: Path, capsys: pytest.CaptureFixture,
                                                                options: list[str], field: str) -> None:
    before = content_state(db_path)
    assert kb_cli(db_path, "edit", PHD, *options)[0] == 2
    assert f"field '{field}'" in capsys.readouterr().err
    assert content_state(db_path) == before


def test_an_entry_is_added_from_a_seed_format_file(settings: Settings, db_path: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    new = {"id": "housing_purchase-test", "intent": "housing_purchase", "title": {"zh": "测试", "en": "Test"},
           "answer": {"zh": "测试答案", "en": "A test answer"}, "contact": "nobody"}
    path = tmp_path / "new-entry.yaml"
    path.write_text(yaml.safe_dump(new, allow_unicode=True), encoding="utf-8")
    assert kb_cli(db_path, "add", "--from-file", str(path))[0] == 2
    assert "new-entry.yaml, field 'contact'" in capsys.readouterr().err
    path.write_text(yaml.safe_dump(dict(new, contact="gov-12345"), allow_unicode=True), encoding="utf-8")
    assert kb_cli(db_path, "add", "--from-file", str(path))[0] == 2  # a policy entry names its facts
    assert "new-entry.yaml, field 'facts'" in capsys.readouterr().err
    path.write_text(yaml.safe_dump(dict(new, contact="gov-12345", facts=["F-26"]), allow_unicode=True),
                    encoding="utf-8")
    assert kb_cli(db_path, "add", "--from-file", str(path))[0] == 0
    code, shown = kb_cli(db_path, "show", "housing_purchase-test")
    assert "测试答案" in shown and "A test answer" in shown and "12345" in shown
    assert "事实：F-26" in shown and "[ecns-2024-property-measures] news" in shown


def test_an_entry_added_with_options_names_its_facts_and_its_questions_train_the_classifier(db_path: Path) -> None:
    args = ["add", "--id", "rental_housing-kb-add", "--intent", "rental_housing", "--title-zh", "测试",
            "--title-en", "Test", "--answer-zh", "每月1500元。", "--answer-en", "1,500 yuan a month.",
            "--contact", "hrss-12333", "--fact", "F-92", "--question", "房补到账查询测试问法"]
    assert kb_cli(db_path, *args)[0] == 0
    with KnowledgeBase.open(db_path) as kb:
        assert kb.entry("rental_housing-kb-add").facts == ("F-92",)
        phrases = {(e.text, e.intent, e.origin) for e in kb.training_examples()}
    assert ("房补到账查询测试问法", "rental_housing", "entry") in phrases


# ---------------------------------------------------------------- retire and review dates


def test_a_retired_entry_is_no_longer_answered(settings: Settings, db_path: Path) -> None:
    retired_before = [r["id"] for r in json_lines(kb_cli(db_path, "list", "--status", "retired", "--json")[1])]
    assert PHD not in retired_before  # the seed keeps a few retired entries of its own
    assert kb_cli(db_path, "retire", PHD, "--who", "alice")[0] == 0
    with closing(Assistant.open(settings)) as assistant:
        reply = assistant.handle(QUESTION, "s")
    assert reply.entry_id != PHD and "10万元购房券" not in reply.text
    assert PHD not in kb_cli(db_path, "list")[1]
    listed = json_lines(kb_cli(db_path, "list", "--status", "retired", "--json")[1])
    assert sorted(r["id"] for r in listed) == sorted([*retired_before, PHD])


def test_stale_lists_entries_by_reviewed_date_and_reviewing_clears_them(db_path: Path) -> None:
    today = date.today()
    assert kb_cli(db_path, "edit", "housing_purchase-master", "--reviewed", "2020-01-01")[0] == 0
    assert kb_cli(db_path, "edit", PHD, "--reviewed", (today - timedelta(days=400)).isoformat())[0] == 0
    assert kb_cli(db_path, "edit", "rental_housing-general", "--reviewed", (today - timedelta(days=10)).isoformat())[0] == 0
    found = json_lines(kb_cli(db_path, "stale", "--days", "365", "--json")[1])
    ids = [r["id"] for r in found]
    assert ids.index("housing_purchase-master") < ids.index(PHD)
    assert "rental_housing-general" not in ids
    assert {r["id"]: r["days"] for r in found}[PHD] == 400
    assert kb_cli(db_path, "edit", PHD, "--reviewed", "today")[0] == 0
    assert PHD not in [r["id"] for r in json_lines(kb_cli(db_path, "stale", "--days", "365", "--json")[1])]
    with KnowledgeBase.open(db_path) as kb:
        assert kb.entry(PHD).reviewed == today.isoformat()
        assert changes.mark_reviewed(kb, PHD, "alice") is None  # already reviewed today: nothing to record


# ---------------------------------------------------------------- terms


def test_terms_add_and_remove_change_the_segmenter_dictionary(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        assert "人才码" not in Understanding.from_kb(kb).segmenter.words
    assert kb_cli(db_path, "terms", "add", "人才码", "--who", "alice")[0] == 0
    assert kb_cli(db_path, "terms", "add", "博导", "--kind", "synonym", "--canonical", "博士生导师")[0] == 0
    with KnowledgeBase.open(db_path) as kb:
        understanding = Understanding.from_kb(kb)
    assert "人才码" in understanding.segmenter.words
    assert "人才码" in understanding.segmenter.tokens("怎么申领人才码")
    assert "博士生导师" in understanding.normalizer("博导有补贴吗")
    assert kb_cli(db_path, "terms", "remove", "人才码")[0] == 0
    with KnowledgeBase.open(db_path) as kb:
        assert "人才码" not in Understanding.from_kb(kb).segmenter.words
    listed = json_lines(kb_cli(db_path, "terms", "list", "--kind", "synonym", "--json")[1])
    assert {"term": "博导", "kind": "synonym", "canonical": "博士生导师"} in listed


# ---------------------------------------------------------------- validate and backup


def test_validate_reports_a_broken_directory_naming_file_row_and_field(db_path: Path, tmp_path: Path) -> None:
    code, report = kb_cli(db_path, "validate")
    if LEGACY_SEED:  # the older single-file content predates facts-only answers: only those checks may complain
        assert all(CURRENCY.search(line) for line in report.splitlines()[:-1]), report
    else:
        assert (code, report) == (0, f"{db_path}：没有问题\n")
    out = tmp_path / "export"
    assert kb_cli(db_path, "export", str(out))[0] == 0
    path = out / "entries" / "housing_purchase.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries[2]["answer"]["en"] = ""
    entries[3]["contact"] = "nobody"
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    terms = yaml.safe_load((out / "terms.yaml").read_text(encoding="utf-8"))
    terms[1]["kind"] = "colour"
    (out / "terms.yaml").write_text(yaml.safe_dump(terms, allow_unicode=True), encoding="utf-8")
    code, report = kb_cli(db_path, "validate", str(out))
    assert code == 1
    assert "entries/housing_purchase.yaml, row 3" in report and "field 'answer.en'" in report
    assert "terms.yaml, row 2" in report and "field 'kind'" in report
    assert "entries/housing_purchase.yaml, row 4" in report and "field 'contact'" in report


def test_backup_is_a_database_that_opens_with_the_same_entries(db_path: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "backup" / "copy.sqlite"
    with KnowledgeBase.open(db_path) as live:  # a reader holds the database open meanwhile
        assert kb_cli(db_path, "backup", str(target))[0] == 0
        entries = live.entries(active_only=False)
    with KnowledgeBase.open(target) as copy:
        assert copy.entries(active_only=False) == entries
        assert copy.db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert kb_cli(db_path, "backup", str(target))[0] == 2
    assert "--force" in capsys.readouterr().err


def test_every_change_bumps_the_content_version_so_a_running_bot_reloads(db_path: Path) -> None:
    versions = [content_state(db_path)[2]]
    for args in (["edit", PHD, "--title-en", "PhD home purchase"], ["terms", "add", "人才码"], ["retire", PHD]):
        assert kb_cli(db_path, *args)[0] == 0
        versions.append(content_state(db_path)[2])
    assert [int(v) for v in versions] == list(range(int(versions[0]), int(versions[0]) + 4))
    assert kb_cli(db_path, "edit", PHD, "--title-en", "PhD home purchase") == (0, "没有改动\n")
    assert content_state(db_path)[2] == versions[-1]


def test_show_gives_the_whole_entry_in_both_languages(db_path: Path, seed: Dataset) -> None:
    entry = next(e for e in seed.entries if e.id == PHD)  # what the seed holds, whatever its wording
    code, shown = kb_cli(db_path, "show", PHD)
    assert code == 0
    parts = [entry.title.zh, entry.title.en, "答案（zh）：", "答案（en）：",
             *(line for lang in ("zh", "en") for line in entry.answer.get(lang).splitlines()),
             *entry.facts, f"咨询：{entry.contact}", "复核：20"]
    assert entry.facts and entry.contact
    for part in parts:
        assert part in shown, part


# ---------------------------------------------------------------- contacts and other tables (library)


def test_contacts_are_edited_logged_and_protected_while_entries_name_them(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        changed = changes.update_contact(kb, "gov-12345", {"hours.en": "around the clock"}, "alice")
        assert changed and changed.fields == ("hours_en",)
        with pytest.raises(changes.ChangeError, match="named by"):
            changes.remove_contact(kb, "gov-12345", "alice")
        with pytest.raises(ValidationError, match="topics"):
            changes.add_contact(kb, {"id": "desk", "name": {"zh": "窗口", "en": "Desk"}, "topics": ["weather"]}, "a")
        added = changes.add_contact(kb, {"id": "desk", "name": {"zh": "窗口", "en": "Desk"}, "phone": "1"}, "alice")
        assert changes.add_entry(kb, {"id": "x-desk", "intent": "housing_purchase", "contact": "desk",
                                      "title": {"zh": "标题", "en": "Title"},
                                      "answer": {"zh": "答", "en": "An answer"}, "facts": ["F-26"]}, "alice")
        with pytest.raises(changes.ChangeError, match="x-desk"):
            changes.revert(kb, added.id, "alice")  # would delete a contact an entry names
        changes.revert(kb, changes.history(kb, "x-desk")[0].id, "alice")  # the entry goes
        changes.revert(kb, added.id, "alice")  # now the contact can go too
        assert "desk" not in {c.id for c in kb.contacts()}
        changes.revert(kb, changed.id, "bob")
        assert next(c for c in kb.contacts() if c.id == "gov-12345").hours.en != "around the clock"


def test_a_review_decision_can_be_reverted_like_an_edit(db_path: Path) -> None:
    from knowledge import review

    with KnowledgeBase.open(db_path) as kb:
        kb.log_query(QueryRecord(user="u", session="s", text="人才码怎么领", lang="zh", intent="out_of_scope",
                                 confidence=0.1, outcome="fallback", entry_id=None, latency_ms=1.0), "fallback")
        item = kb.reviews()[-1]
        review.assign(kb, [item.id], "talent_recognition", "alice")
        assert ("人才码怎么领", "talent_recognition") in {(e.text, e.intent) for e in kb.examples()}
        added = changes.history(kb, table="examples", limit=1)[0]
        changes.revert(kb, added.id, "bob")
        assert ("人才码怎么领", "talent_recognition") not in {(e.text, e.intent) for e in kb.examples()}
