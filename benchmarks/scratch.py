"""Scratch databases for the development benchmarks: the seed with its classifier trained through the guard.

Training takes a while, so the trained database is kept in the system's temporary folder under the hash of the
seed and of the classifier's code, and each run works on a copy of it (the live database is never touched).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.engine.assistant import Assistant
from bot.settings import load_settings
from bot.staff.training import ensure_model
from knowledge import SEED_DIR, KnowledgeBase, read_dir

ROOT = Path(__file__).resolve().parents[1]
MODEL_CODE = ("intents/classifier.py", "intents/segment.py", "intents/normalize.py", "bot/staff/training.py")


def trained_db(folder: Path) -> Path:
    """A copy of the seeded database with a guarded model, trained once per seed and classifier code."""
    digest = hashlib.sha256()
    for path in sorted(SEED_DIR.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(SEED_DIR)).encode() + b"\0" + path.read_bytes())
    for name in MODEL_CODE:
        digest.update((ROOT / name).read_bytes())
    cached = Path(tempfile.gettempdir()) / f"talentbot-dev-{digest.hexdigest()[:16]}.sqlite"
    path = folder / "dev.sqlite"
    if not cached.is_file():
        with KnowledgeBase.open(path) as kb:
            kb.replace_content(read_dir(SEED_DIR))
            ensure_model(kb, by="dev benchmarks")
            kb.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        partial = cached.with_suffix(f".{os.getpid()}.part")
        shutil.copy(path, partial)
        partial.replace(cached)
    else:
        shutil.copy(cached, path)
    return path


@contextmanager
def scratch_assistant() -> Iterator[Assistant]:
    """An assistant over a fresh copy of the trained seed database, closed and removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant.open(load_settings({}, env_file=None).with_db(trained_db(Path(tmp))))
        try:
            yield assistant
        finally:
            assistant.close()
