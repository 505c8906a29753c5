"""The rules of the architecture and of the documentation, checked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.cli import COMMANDS, build_parser
from bot.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]


def _imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {(str(path.relative_to(ROOT)), a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((str(path.relative_to(ROOT)), node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package, forbidden", [
    ("intents", {"bot", "knowledge", "telegram"}),
    ("knowledge", {"bot", "intents", "telegram"}),
])
def test_lower_layers_do_not_import_upwards(package: str, forbidden: set[str]) -> None:
    bad = {(f, m) for f, m in _imports(package) if m in forbidden}
    assert not bad


def test_only_the_telegram_subpackage_imports_telegram() -> None:
    users = {f for f, m in _imports("bot") if m == "telegram"}
    assert all(f.startswith("bot/tg/") for f in users), users


def test_only_settings_reads_the_environment() -> None:
    sources = [ROOT / "run_bot.py", *(p for package in ("bot", "intents", "knowledge")
                                      for p in (ROOT / package).rglob("*.py"))]
    readers = [p for p in sources if "os.environ" in p.read_text(encoding="utf-8")]
    assert [str(p.relative_to(ROOT)) for p in readers] == ["bot/settings.py"]


def test_readme_documents_every_setting_and_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.env}`" in readme, setting.env
    for command in COMMANDS:
        assert f"run_bot.py {command}" in readme, command


def test_readme_quick_start_has_the_two_lines() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -r requirements.txt && python run_bot.py" in readme
    assert "pip install -r requirements-dev.txt && python -m pytest" in readme


def test_parser_knows_every_command() -> None:
    parser = build_parser()
    for command in COMMANDS:
        words = command.split()
        args = parser.parse_args(words + (["x"] if words[-1] in ("export", "import") else []))
        assert args.command == words[0]
