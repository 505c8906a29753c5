"""The knowledge base: SQLite schema, seed files, import/export, query and review logs."""

from pathlib import Path

from .errors import KnowledgeError, NotFound, ValidationError
from .seedfiles import Dataset, read_dir, write_dir
from .store import KnowledgeBase

SEED_DIR = Path(__file__).resolve().parent / "seed"

__all__ = ["Dataset", "KnowledgeBase", "KnowledgeError", "NotFound", "SEED_DIR", "ValidationError",
           "read_dir", "write_dir"]
