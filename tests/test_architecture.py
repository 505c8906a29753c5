"""The rules of the architecture and of the documentation, checked."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from bot.cli.main import COMMANDS, build_parser
from bot.engine.assistant import Assistant
from bot.settings import SETTINGS, Settings

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
    assert users and all(f.startswith("bot/channels/tg/") for f in users), users


def _bot_imports(folder: str) -> set[tuple[str, str]]:
    """(file, bot subpackage) for every absolute import of bot.X inside bot/FOLDER."""
    found = set()
    for path in (ROOT / "bot" / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot."):
                found.add((str(path.relative_to(ROOT)), node.module.split(".")[1]))
            elif isinstance(node, ast.ImportFrom) and node.level:
                found.add((str(path.relative_to(ROOT)), "relative"))
    return found


@pytest.mark.parametrize("folder, allowed", [
    ("engine", {"engine", "settings"}),
    ("staff", {"engine", "staff", "settings"}),
    ("channels", {"engine", "staff", "channels", "settings"}),
    ("cli", {"engine", "staff", "channels", "cli", "settings"}),
])
def test_the_layout_shows_the_architecture(folder: str, allowed: set[str]) -> None:
    """The engine knows no channel, staff verbs know no channel, only the command line knows everything."""
    bad = {(f, m) for f, m in _bot_imports(folder) if m not in allowed}
    assert not bad


def test_no_production_module_imports_tests() -> None:
    users = {f for package in ("bot", "intents", "knowledge", "benchmarks") for f, m in _imports(package)
             if m == "tests"}
    assert not users


def test_no_sql_outside_the_knowledge_package() -> None:
    sql = ("execute(", "executemany(", ".query(", "select ", "insert into", "delete from")
    users = [str(p.relative_to(ROOT)) for p in (ROOT / "bot").rglob("*.py")
             if any(word in p.read_text(encoding="utf-8").lower() for word in sql)]
    assert not users


def test_the_knowledge_package_shares_no_private_names() -> None:
    """Row mappers and helpers used across modules are public; underscore names stay in their module."""
    shared = {(f, a.name) for path in (ROOT / "knowledge").rglob("*.py")
              for f in [str(path.relative_to(ROOT))]
              for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
              if isinstance(node, ast.ImportFrom) for a in node.names if a.name.startswith("_")}
    assert not shared


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


def test_one_table_registers_and_guards_every_staff_command_and_button(assistant: Assistant,
                                                                     settings: Settings) -> None:
    """The Telegram staff commands and buttons come from STAFF_COMMANDS and STAFF_BUTTONS only: each is
    guarded in group -1 and handled in group 0, and nothing else is guarded as staff-only."""
    from telegram.ext import CallbackQueryHandler, CommandHandler

    from bot.channels.tg import guards
    from bot.channels.tg.app import build_application
    from bot.channels.tg.staff import STAFF_BUTTONS, STAFF_COMMANDS

    app = build_application(dataclasses.replace(settings, token="123:abc"), assistant)
    guarded = {name for h in app.handlers[-1] if isinstance(h, CommandHandler) and h.callback is guards.staff_command
               for name in h.commands}
    handled = {name: h.callback for h in app.handlers[0] if isinstance(h, CommandHandler) for name in h.commands}
    assert guarded == {c.name for c in STAFF_COMMANDS}
    assert all(handled[c.name] is c.run for c in STAFF_COMMANDS)
    button_guards = {h.pattern.pattern for h in app.handlers[-1]  # type: ignore[union-attr]
                     if isinstance(h, CallbackQueryHandler) and h.callback is guards.staff_only}
    assert button_guards == {b.pattern for b in STAFF_BUTTONS}
    routes = [(h.pattern.pattern, h.callback) for h in app.handlers[0]  # type: ignore[union-attr]
              if isinstance(h, CallbackQueryHandler) and h.pattern is not None]
    assert all((b.pattern, b.run) in routes for b in STAFF_BUTTONS)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"`/{c.name}" in readme for c in STAFF_COMMANDS)
