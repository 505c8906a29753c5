"""The shortage-talent catalogue: an honest answer until staff import the published list, then a look-up."""

from __future__ import annotations

import io
from contextlib import closing
from pathlib import Path

from bot.cli.main import main
from bot.engine.assistant import Assistant
from bot.engine.reply import plain
from bot.settings import Settings
from knowledge import KnowledgeBase, changes

QUESTION = "焊工在紧缺人才目录里吗"
CSV = ("occupation,occupation_en,aliases,industry,stars,edition,source\n"
       "焊工,welder,电焊工|焊接工,装备制造,4,2021版,大连市城市发展紧缺人才开发目录（2021）\n"
       "数控车工,CNC lathe operator,,装备制造,5,2021版,大连市城市发展紧缺人才开发目录（2021）\n")


def kb_cli(db: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(["--db", str(db), "kb", *args], stdin=io.StringIO(""), stdout=out), out.getvalue()


def version(db: Path) -> int:
    with KnowledgeBase.open(db) as kb:
        return int(list(kb.db.query("select value from meta where key = 'content_version'"))[0]["value"])


def test_without_a_list_the_answer_is_honest_and_names_whom_to_ask(settings: Settings) -> None:
    with closing(Assistant.open(settings)) as assistant:
        reply = assistant.handle(QUESTION, "s")
    assert reply.intent == "shortage_catalogue" and reply.outcome == "answer"
    assert "焊工" in reply.text or "目录" in reply.text
    assert reply.contact, "names whom to ask"
    assert "是的" not in reply.text


def test_a_published_list_is_imported_all_or_nothing_and_then_answers(settings: Settings, db_path: Path,
                                                                      tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "护士,nurse,,卫生,7,2021版,目录\n", encoding="utf-8")
    before = version(db_path)
    code, _ = kb_cli(db_path, "catalogue", "import", str(bad))
    assert code == 2 and version(db_path) == before
    with KnowledgeBase.open(db_path) as kb:
        assert kb.catalogue() == []
    good = tmp_path / "catalogue.csv"
    good.write_text(CSV, encoding="utf-8")
    code, said = kb_cli(db_path, "catalogue", "import", str(good), "--who", "alice")
    assert code == 0 and "catalogue" in said and version(db_path) == before + 1
    with KnowledgeBase.open(db_path) as kb:
        rows = kb.catalogue()
        logged = changes.history(kb, "all", table="catalogue")[0]
    assert [r["occupation"] for r in rows] == ["焊工", "数控车工"] and rows[0]["aliases"] == ["电焊工", "焊接工"]
    assert logged.who == "alice" and len(logged.after["rows"]) == 2
    assert "数控车工" in kb_cli(db_path, "catalogue")[1]
    with closing(Assistant.open(settings)) as assistant:
        listed = assistant.handle("电焊工在紧缺人才目录里吗", "s1")
        unlisted = assistant.handle("护士在紧缺人才目录里吗", "s2")
        english = assistant.handle("Is a welder on the shortage talent list?", "s3")
    assert listed.intent == "shortage_catalogue" and "装备制造" in listed.text and "2021版" in listed.text
    assert "没有找到“护士”" in unlisted.text and unlisted.contact
    assert "welder (焊工)" in plain(english)


def test_a_bad_catalogue_file_names_its_row_and_field(db_path: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "list.csv"
    path.write_text("职业,行业,星级,版本,来源\n焊工,装备制造,4,2021版,目录\n车工,装备制造,四,2021版,目录\n", encoding="utf-8")
    assert kb_cli(db_path, "catalogue", "import", str(path))[0] == 2
    assert "list.csv, row 2" in capsys.readouterr().err
    path.write_text("occupation,industry\n焊工,装备制造\n", encoding="utf-8")
    assert kb_cli(db_path, "catalogue", "import", str(path))[0] == 2
    assert "field 'edition'" in capsys.readouterr().err
