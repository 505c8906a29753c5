"""Settings: one frozen object read once from the environment and a `.env` file.

This is the only module that reads ``os.environ``. Every setting is declared in
``SETTINGS`` with its default and meaning, and a test checks that the README
lists them all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    doc: str


SETTINGS: tuple[Setting, ...] = (
    Setting("TELEGRAM_BOT_TOKEN", "", "Bot token from @BotFather; when empty, `run_bot.py` starts the console chat."),
    Setting("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot",
            "Bot API base URL (a self-hosted Bot API server, or the test server)."),
    Setting("TALENTBOT_DB", "data/talentbot.sqlite", "Path of the SQLite knowledge base (created from the seed on first start)."),
    Setting("TALENTBOT_STAFF_IDS", "", "Comma-separated Telegram user ids of staff."),
    Setting("TALENTBOT_STAFF_CHAT_ID", "", "Telegram chat id of the staff group that receives hand-offs."),
    Setting("TALENTBOT_WEBHOOK_URL", "", "Public HTTPS URL for webhook mode; long polling when empty."),
    Setting("TALENTBOT_WEBHOOK_SECRET", "", "Secret token Telegram must send in the webhook header."),
    Setting("TALENTBOT_WEBHOOK_LISTEN", "127.0.0.1:8443", "host:port the webhook server listens on."),
    Setting("TALENTBOT_SEND_RATE", "30", "Overall outgoing messages per second (0 turns the overall cap off)."),
    Setting("TALENTBOT_NOTICE_RATE", "25", "Notices sent per second to topic followers (Telegram allows about 30 a second)."),
    Setting("TALENTBOT_NOTICE_INTERVAL", "1", "Seconds between two batches of notices (a batch is rate x interval)."),
    Setting("TALENTBOT_USER_RATE", "20", "Messages per minute one user may send before a polite pause (0: off)."),
    Setting("TALENTBOT_ANSWER_THRESHOLD", "0.5", "Confidence at or above which the assistant answers."),
    Setting("TALENTBOT_CLARIFY_THRESHOLD", "0.2", "Confidence at or above which it asks 'did you mean' instead of falling back."),
    Setting("TALENTBOT_MARGIN", "0.2", "Smallest gap between the top two intents for a direct answer."),
    Setting("TALENTBOT_CONTEXT_MINUTES", "30", "How long the dialogue state (stated facts, topic) lasts after the last turn."),
    Setting("TALENTBOT_LOG_LEVEL", "INFO", "Logging level (DEBUG, INFO, WARNING)."),
    Setting("TALENTBOT_RETRAIN_DELAY", "30", "Seconds the bot waits after a staff change before retraining in the background."),
    Setting("TALENTBOT_STAFF_LANG", "zh", "Language of staff texts (zh or en) where Telegram gives no language."),
    Setting("TALENTBOT_TIMEZONE", "Asia/Shanghai", "Time zone of the days in statistics (an IANA name)."),
    Setting("TALENTBOT_RETRY_SCHEDULE", "1,2,5,10,30,60,300",
            "Seconds between tries of a reply that could not be delivered (the last one repeats)."),
    Setting("TALENTBOT_RETRY_HOURS", "24", "Hours after which an undelivered reply is given up (logged as failed)."),
    Setting("TALENTBOT_HTTP_TIMEOUT", "10", "Seconds to wait for the Bot API before a call counts as timed out."),
    Setting("TALENTBOT_RETENTION_DAYS", "180",
            "Days queries, sessions, hand-offs and resolved reviews are kept (0: kept until deleted)."),
)


def _as_seconds(raw: str) -> tuple[float, ...]:
    values = tuple(float(part) for part in raw.replace(" ", "").split(",") if part)
    if not values or any(v < 0 for v in values):
        raise ValueError(f"TALENTBOT_RETRY_SCHEDULE needs seconds >= 0, got {raw!r}")
    return values


def _as_ids(raw: str) -> frozenset[int]:
    return frozenset(int(part) for part in raw.replace(" ", "").split(",") if part)


@dataclass(frozen=True)
class Settings:
    """Everything configurable, typed. Build with :func:`load_settings`."""

    token: str = field(default="", repr=False)
    api_base_url: str = "https://api.telegram.org/bot"
    db_path: Path = Path("data/talentbot.sqlite")
    staff_ids: frozenset[int] = frozenset()
    staff_chat_id: int | None = None
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    webhook_listen: str = "127.0.0.1:8443"
    send_rate: float = 30.0
    notice_rate: float = 25.0
    notice_interval: float = 1.0
    user_rate: int = 20
    answer_threshold: float = 0.5
    clarify_threshold: float = 0.2
    margin: float = 0.2
    context_minutes: float = 30.0
    log_level: str = "INFO"
    retrain_delay: float = 30.0
    staff_lang: str = "zh"
    timezone: str = "Asia/Shanghai"
    retry_schedule: tuple[float, ...] = (1, 2, 5, 10, 30, 60, 300)
    retry_hours: float = 24.0
    http_timeout: float = 10.0
    retention_days: float = 180.0

    def with_db(self, path: Path | str) -> "Settings":
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["db_path"] = Path(path)
        return Settings(**values)


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | str | None = ".env") -> Settings:
    """Read settings from ``environ`` (default: the process environment) over a `.env` file."""
    raw: dict[str, str] = {s.env: s.default for s in SETTINGS}
    if env_file is not None and Path(env_file).is_file():
        raw.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    source = os.environ if environ is None else environ
    raw.update({k: v for k, v in source.items() if k in raw})
    chat = raw["TALENTBOT_STAFF_CHAT_ID"].strip()
    try:
        return Settings(
            token=raw["TELEGRAM_BOT_TOKEN"].strip(),
            api_base_url=raw["TELEGRAM_API_BASE_URL"].strip(),
            db_path=Path(raw["TALENTBOT_DB"]),
            staff_ids=_as_ids(raw["TALENTBOT_STAFF_IDS"]),
            staff_chat_id=int(chat) if chat else None,
            webhook_url=raw["TALENTBOT_WEBHOOK_URL"].strip(),
            webhook_secret=raw["TALENTBOT_WEBHOOK_SECRET"].strip(),
            webhook_listen=raw["TALENTBOT_WEBHOOK_LISTEN"].strip(),
            send_rate=float(raw["TALENTBOT_SEND_RATE"]),
            notice_rate=float(raw["TALENTBOT_NOTICE_RATE"]),
            notice_interval=float(raw["TALENTBOT_NOTICE_INTERVAL"]),
            user_rate=int(raw["TALENTBOT_USER_RATE"]),
            answer_threshold=float(raw["TALENTBOT_ANSWER_THRESHOLD"]),
            clarify_threshold=float(raw["TALENTBOT_CLARIFY_THRESHOLD"]),
            margin=float(raw["TALENTBOT_MARGIN"]),
            context_minutes=float(raw["TALENTBOT_CONTEXT_MINUTES"]),
            log_level=raw["TALENTBOT_LOG_LEVEL"].strip().upper(),
            retrain_delay=float(raw["TALENTBOT_RETRAIN_DELAY"]),
            staff_lang=_staff_lang(raw["TALENTBOT_STAFF_LANG"]),
            timezone=_zone(raw["TALENTBOT_TIMEZONE"]),
            retry_schedule=_as_seconds(raw["TALENTBOT_RETRY_SCHEDULE"]),
            retry_hours=float(raw["TALENTBOT_RETRY_HOURS"]),
            http_timeout=float(raw["TALENTBOT_HTTP_TIMEOUT"]),
            retention_days=float(raw["TALENTBOT_RETENTION_DAYS"]),
        )
    except ValueError as exc:
        raise SettingsError(f"invalid setting: {exc}") from exc


def _staff_lang(raw: str) -> str:
    lang = raw.strip().lower()
    if lang not in ("zh", "en"):
        raise ValueError(f"TALENTBOT_STAFF_LANG must be zh or en, not {raw!r}")
    return lang


def _zone(raw: str) -> str:
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"TALENTBOT_TIMEZONE: unknown time zone {raw!r} (e.g. Asia/Shanghai)") from None
    return name


class SettingsError(ValueError):
    """A setting has a value of the wrong form."""


def child_environment(without: tuple[str, ...] = ()) -> dict[str, str]:
    """This process's environment for a child process, less the named variables (e.g. the database path)."""
    return {k: v for k, v in os.environ.items() if k not in without}
