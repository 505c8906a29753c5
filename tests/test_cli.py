"""The command line as staff and the test suite use it: real processes, real files."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], db: Path, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TALENTBOT_"))}
    environ.update(env or {})
    return subprocess.run([sys.executable, "run_bot.py", "--db", str(db), *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=240, env=environ)


def test_console_answers_a_doctoral_purchase_question_from_piped_input(db_path: Path) -> None:
    done = run(["console"], db_path, "博士买房有补贴吗\n")
    assert done.returncode == 0, done.stderr
    assert ("10万" in done.stdout or "100,000" in done.stdout) and "来源" in done.stdout


@pytest.mark.slow
def test_default_command_without_token_is_the_console_and_creates_the_database(tmp_path: Path) -> None:
    fresh = tmp_path / "new" / "kb.sqlite"
    done = run([], fresh, "hello\n")
    assert done.returncode == 0, done.stderr
    assert fresh.is_file() and done.stdout.strip()


@pytest.mark.slow
def test_ask_jsonl_follows_the_contract_for_a_thousand_lines(db_path: Path) -> None:
    questions = ["博士买房有补贴吗", "那硕士呢", "what is the 5+22 policy", "", "🙏", "<b>x</b>", "今天天气",
                 "转人工", "how do I apply", "人才公积金贷款能贷多少"]
    lines = [json.dumps({"text": questions[i % len(questions)], "session": str(i // 2)}, ensure_ascii=False)
             for i in range(1000)]
    lines[7] = "not json at all"
    done = run(["ask", "--jsonl"], db_path, "\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 1000
    seeded = yaml.safe_load((ROOT / "knowledge/seed/intents.yaml").read_text(encoding="utf-8"))
    intents = {i["id"] for i in seeded}
    for record in out:
        assert {"text", "lang", "intent", "confidence", "outcome", "answer", "entry_id", "candidates"} <= set(record)
        assert record["intent"] in intents and record["lang"] in ("zh", "en")
        assert 0.0 <= record["confidence"] <= 1.0
        assert record["outcome"] in ("answer", "clarify", "fallback", "smalltalk", "handoff")
        assert record["answer"] and len(record["answer"]) <= 4096
        assert all(c["intent"] in intents for c in record["candidates"])
    assert out[1]["intent"] == "housing_purchase" and out[1]["outcome"] == "answer"  # "那硕士呢" in session 0


def test_ask_one_question_is_human_readable(db_path: Path) -> None:
    done = run(["ask", "硕士租房补贴每月多少"], db_path)
    assert done.returncode == 0 and "1500" in done.stdout.replace(",", "")


@pytest.mark.slow
def test_export_import_round_trip_and_a_broken_row_is_named(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert run(["kb", "export", "--format", "yaml", str(out)], db_path).returncode == 0
    path = out / "entries" / "housing_purchase.yaml"  # one file per intent
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries[2]["intent"] = "weather"
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    done = run(["kb", "import", str(out)], db_path)
    assert done.returncode == 2
    assert "entries/housing_purchase.yaml, row 3" in done.stderr and "intent" in done.stderr
    entries[2]["intent"] = "housing_purchase"
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    assert run(["kb", "import", str(out)], db_path).returncode == 0


def test_jsonl_export_holds_training_phrases(db_path: Path, tmp_path: Path) -> None:
    assert run(["kb", "export", "--format", "jsonl", str(tmp_path)], db_path).returncode == 0
    first = json.loads((tmp_path / "examples.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["text"] and first["intent"]


def test_console_buttons_are_pressed_by_number_and_a_lone_number_is_no_question(db_path: Path) -> None:
    done = run(["console"], db_path, "博士买房有补贴吗\n1\n99\n")
    assert done.returncode == 0, done.stderr
    answers = done.stdout.split("\n\n")
    assert "[1]" in done.stdout and "没有第 99 个按钮" in done.stdout
    with KnowledgeBase.open(db_path) as kb:
        asked = [q["text"] for q in kb.iter_queries()]
        assert "1" not in asked and "99" not in asked and not kb.reviews()
    assert len([a for a in answers if a.strip()]) >= 3


def test_an_unreachable_bot_api_is_one_clean_line(db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture) -> None:
    from bot.channels.tg import app
    from bot.cli.main import main

    with socket.socket() as spare:  # a port nobody listens on
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", f"http://127.0.0.1:{port}/bot")
    monkeypatch.setattr(app, "RETRY_DELAYS", (0.01, 0.01))
    code = main(["--db", str(db_path), "run"], stdin=io.StringIO(""), stdout=io.StringIO())
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert "cannot reach the Bot API at 127.0.0.1" in lines[-1] and "after 3 attempts" in lines[-1]
    assert [r.getMessage().count("trying again") for r in caplog.records] == [1, 1]  # two retries, logged
