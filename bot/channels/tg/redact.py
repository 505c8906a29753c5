"""The bot token never reaches a log: every log record is scrubbed as it is made.

Bot API URLs contain the token, and python-telegram-bot puts it into the text
of ``InvalidToken`` (a 401 or 404 from getMe). A filter on a handler misses
handlers added later (a test's capture, a service's own) and tracebacks. So
the log-record factory itself replaces the token in the message, its
arguments, the formatted traceback and the stack, for every logger (httpx's
request lines included), whatever handler writes the record.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, Callable

MASK = "<token>"


class Redactor:
    """A log-record factory wrapping the previous one; install with :func:`install`."""

    def __init__(self, inner: Callable[..., logging.LogRecord]):
        self.inner = inner
        self.secrets: set[str] = set()

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        if self.secrets:
            scrub(record, self.secrets)
        return record


def install(secret: str) -> None:
    """Scrub ``secret`` (and its URL-encoded form) from every log record from now on."""
    if not secret:
        return
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, Redactor):
        factory = Redactor(factory)
        logging.setLogRecordFactory(factory)
    factory.secrets.add(secret)
    factory.secrets.add(secret.replace(":", "%3A"))


def scrub(record: logging.LogRecord, secrets: set[str]) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a record whose arguments do not fit its format: keep the raw parts
        message = f"{record.msg} {record.args}"
    if any(s in message for s in secrets):
        record.msg, record.args = _mask(message, secrets), None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = _mask(text, secrets)  # formatters use exc_text when it is set
        record.exc_info = None
    if record.stack_info:
        record.stack_info = _mask(record.stack_info, secrets)


def _mask(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
