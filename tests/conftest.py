"""Fixtures that build cheap real objects: a seeded SQLite file with a trained model,
copied per test, and Assistants over it. Nothing here fakes the knowledge base."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import AsyncIterator, Iterator

import jieba
import pytest

from benchmarks.loopback import BotApiServer
from bot.engine.assistant import Assistant
from bot.settings import Settings, load_settings
from bot.staff.training import ensure_model
from knowledge import SEED_DIR, Dataset, KnowledgeBase, read_dir

_JIEBA_INITIALIZE = jieba.Tokenizer.initialize
_JIEBA_LOADED: list[tuple[dict[str, int], int]] = []
_JIEBA_LOCK = threading.Lock()


def _initialize_from_memory(self: jieba.Tokenizer, dictionary: str | None = None) -> None:
    """``jieba.Tokenizer.initialize`` for the default dictionary: a copy of the prefix dictionary this
    process loaded once, instead of reading jieba's cache file again for each new tokenizer (each
    Assistant, training and reload makes one). The copy is the same dictionary, and the tokenizer
    still adds its own words to it."""
    if dictionary or self.initialized or self.dictionary != jieba.DEFAULT_DICT or self.tmp_dir or self.cache_file:
        _JIEBA_INITIALIZE(self, dictionary)
        return
    with _JIEBA_LOCK:
        if not _JIEBA_LOADED:
            loaded = jieba.Tokenizer()
            _JIEBA_INITIALIZE(loaded)
            _JIEBA_LOADED.append((loaded.FREQ, loaded.total))
    with self.lock:
        if not self.initialized:
            freq, total = _JIEBA_LOADED[0]
            self.FREQ, self.total = dict(freq), total
            self.initialized = True


@pytest.fixture(scope="session", autouse=True)
def jieba_loaded_once() -> Iterator[None]:
    """The test process loads jieba's dictionary once (the new processes the tests start load their own)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jieba.Tokenizer, "initialize", _initialize_from_memory)
        yield


@pytest.fixture(scope="session")
def seed() -> Dataset:
    return read_dir(SEED_DIR)


ROOT = Path(__file__).resolve().parents[1]


def _code_and_seed_hash() -> str:
    """What the template database is made from: the seed and the code of the three packages."""
    digest = hashlib.sha256()
    for package in ("bot", "intents", "knowledge"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".yaml") and path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, seed: Dataset) -> Path:
    """A database with the seed loaded and the classifier trained through the guard (as the first start
    does: three folds, the baseline later trainings are held to) and the terms of its entries kept (as the
    first start keeps them, ``bot.engine.term_cache``). Trained once, then kept in the system's
    temporary folder under the hash of the seed and the code, so that the next run of an unchanged tree
    starts at once. Test processes that start together (``-n 2``) share it: the first trains it, the others
    wait for it instead of training it as well."""
    cached = Path(tempfile.gettempdir()) / f"talentbot-test-template-{_code_and_seed_hash()}.sqlite"
    path = tmp_path_factory.mktemp("template") / "talentbot.sqlite"
    with open(cached.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, or the process ends
        if cached.is_file():
            shutil.copy(cached, path)
            return path
        with KnowledgeBase.open(path) as kb:
            kb.replace_content(seed)
            ensure_model(kb)
        Assistant.open(load_settings({}, env_file=None).with_db(path)).close()  # keeps the index's terms
        with KnowledgeBase.open(path) as kb:
            kb.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        partial = cached.with_suffix(f".{os.getpid()}.part")
        shutil.copy(path, partial)
        partial.replace(cached)  # whole or not at all, should a run without the lock race
    return path


@pytest.fixture
def db_path(tmp_path: Path, template_db: Path) -> Path:
    path = tmp_path / "talentbot.sqlite"
    shutil.copy(template_db, path)
    return path


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return load_settings({}, env_file=None).with_db(db_path)


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    """The Bot API server on 127.0.0.1 that the Telegram tests talk to."""
    made = await BotApiServer().start()
    yield made
    await made.stop()


@pytest.fixture
def assistant(settings: Settings) -> Iterator[Assistant]:
    made = Assistant.open(settings)
    yield made
    made.close()


SLOW_FILES = ("test_telegram.py", "test_telegram_staff.py", "test_telegram_check.py", "test_telegram_news.py",
              "test_classifier_quality.py", "test_reliability.py", "test_review_loop.py")
"""Whole files of slow tests: the loopback Telegram tests, the cross-validated quality checks, the delivery
and restart checks, and the learning loop in real processes (with trainings). Single slow tests elsewhere
carry ``@pytest.mark.slow``."""


SLOW_TESTS = frozenset({
    # trainings (cross-validated) and the numpy/scikit-learn agreement check
    "test_the_retrainer_uses_the_guard_in_the_background", "test_guarded_training_notes_an_accepted_model",
    "test_fast_probabilities_equal_the_pipelines",
    # a new Python process each (start-up, model loading): the command line as staff run it
    "test_stats_command_prints_json_for_machines_and_a_table_for_people", "test_plot_writes_a_png_of_readable_size",
    "test_stats_with_a_bad_period_is_a_clean_error", "test_starting_the_assistant_does_not_import_matplotlib_or_datasette",
    "test_ask_one_question_is_human_readable", "test_console_answers_a_doctoral_purchase_question_from_piped_input",
    "test_console_buttons_are_pressed_by_number_and_a_lone_number_is_no_question",
    "test_jsonl_export_holds_training_phrases", "test_a_rejected_edit_is_kept_and_the_next_edit_continues_from_it",
    "test_a_bad_edit_in_the_editor_changes_nothing_and_names_the_field",
})
"""Single slow tests of files that are otherwise quick (by name, parameters aside)."""


def pytest_configure(config: pytest.Config) -> None:
    """``-s`` runs the tests in this process: what the scorers print (``tests/test_dialogues.py``,
    ``tests/test_judged.py``) reaches the terminal only from here, not from the test processes of ``-n``."""
    if config.getoption("capture") == "no" and getattr(config.option, "numprocesses", None):
        config.option.numprocesses, config.option.dist, config.option.tx = 0, "no", []


FIRST = ("test_classifier_quality.py", "test_training_guard.py", "test_review_loop.py", "test_cli.py",
         "test_import_safety.py", "test_telegram_news.py", "test_telegram.py", "test_telegram_staff.py",
         "test_assistant.py", "test_stats.py", "test_telegram_check.py", "test_reliability.py", "test_session.py")
"""The files whose tests take longest, about longest first: they start first, so that the two test processes
(``pytest.ini``) finish together. The quality checks lead: they need no template database, so on a new
machine one process runs them while the other trains it."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``python -m pytest -m "not slow"`` is the quick selection for everyday work. The longest files go first."""
    for item in items:
        if item.path.name in SLOW_FILES or item.name.split("[")[0] in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
    rank = {name: place for place, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # the other files keep their order


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``--dist load`` (``pytest.ini``): the test processes take the tests one by one, in the order above, except
    that the tests of a file with a module fixture go to one process together, which builds that fixture once."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    together: dict[str, bool] = {}

    class ByTest(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path not in together:
                together[path] = 'scope="module"' in (ROOT / path).read_text(encoding="utf-8")
            return path if together[path] else nodeid

    return ByTest(config, log)
