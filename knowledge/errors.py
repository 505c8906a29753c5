"""The knowledge package's exceptions: one base, and the import error staff see."""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base of every error raised by the knowledge base."""


class ValidationError(KnowledgeError):
    """A seed or import file is wrong; names the file, row and field."""

    def __init__(self, file: str, row: int | None, field: str | None, message: str, line: int | None = None):
        self.file, self.row, self.field, self.message, self.line = file, row, field, message, line
        where = file
        if row is not None:
            where += f", row {row}"
        if line is not None:
            where += f" (line {line})"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


class NotFound(KnowledgeError):
    """No such entry, contact, review item or change."""
