"""The knowledge base: SQLite schema, seed files, import/export, query and review logs."""

from .errors import KnowledgeError, NotFound, ValidationError
from .seedfiles import SEED_DIR, Dataset, read_dir, write_dir
from .store import KnowledgeBase

__all__ = ["Dataset", "KnowledgeBase", "KnowledgeError", "NotFound", "SEED_DIR", "ValidationError",
           "read_dir", "write_dir"]
