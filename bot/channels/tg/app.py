"""The composition root of the Telegram channel: one builder chain, the handlers
in their groups, start-up work, the error handler, and the way to run it.

Handler groups: -2 flood control, -1 staff authorisation, 0 everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlparse

from telegram import Bot, BotCommand, Update
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.tg import callbacks, guards, handlers, staff
from bot.channels.tg.audience import ADDRESSED, MEDIA
from bot.channels.tg.context import Services, TalentContext, client_lang
from bot.channels.tg.desk import Desk
from bot.channels.tg.flood import FloodGate
from bot.channels.tg.handoff import staff_reply
from bot.channels.tg.outbox import send_text
from bot.channels.tg.pacing import Pacer
from bot.channels.tg.phrases import COMMANDS, STAFF, say
from bot.engine.assistant import Assistant
from bot.settings import Settings
from bot.staff.training import Outcome, Retrainer, open_assistant

log = logging.getLogger(__name__)

CONNECTIONS = 16  # HTTP connections for sending; more only adds pool overhead (see the Telegram benchmark)
CONCURRENT_UPDATES = 64  # updates handled at once (each chat still in order, see lanes)


def build_application(settings: Settings, assistant: Assistant) -> Application:
    """The Application, with the Assistant behind it; nothing is sent until it starts."""
    for noisy in ("httpx", "httpcore"):  # Bot API URLs contain the token: never log them
        logging.getLogger(noisy).setLevel(logging.WARNING)
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .context_types(ContextTypes(context=TalentContext))
        .connection_pool_size(CONNECTIONS)
        .pool_timeout(10.0)
        .concurrent_updates(CONCURRENT_UPDATES)
        .rate_limiter(Pacer(settings.send_rate))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    retrainer = Retrainer(assistant.kb, settings.retrain_delay)
    assistant.on_stale = retrainer.request  # staff changed the examples: retrain in the background
    application.bot_data["services"] = Services(Desk(assistant, settings), settings, FloodGate(settings.user_rate),
                                                retrainer=retrainer)
    _add_handlers(application, settings)
    application.add_error_handler(_on_error)
    return application


def _add_handlers(application: Application, settings: Settings) -> None:
    new = filters.UpdateType.MESSAGE  # an edited message is not asked again
    staff_chat = filters.Chat(settings.staff_chat_id) if settings.staff_chat_id is not None else None
    talk = new & ADDRESSED & ~staff_chat if staff_chat is not None else new & ADDRESSED
    application.add_handler(MessageHandler(talk, guards.flood), group=-2)
    staff.add_handlers(application, new & ADDRESSED)  # before the catch-alls below and the hand-off replies
    if staff_chat is not None:
        application.add_handler(MessageHandler(new & staff_chat & filters.REPLY, guards.staff_only), group=-1)
        application.add_handler(MessageHandler(new & staff_chat & filters.REPLY & ~filters.COMMAND, staff_reply))
    for name, callback in (("start", handlers.start), ("help", handlers.help_command), ("topics", handlers.topics),
                           ("lang", handlers.language), ("human", handlers.human), ("forget", handlers.forget)):
        application.add_handler(CommandHandler(name, callback, filters=talk))
    application.add_handler(MessageHandler(talk & filters.TEXT & ~filters.COMMAND, handlers.text))
    application.add_handler(MessageHandler(talk & filters.COMMAND & filters.ChatType.PRIVATE, handlers.help_command))
    application.add_handler(MessageHandler(talk & MEDIA, handlers.media))
    application.add_handler(CallbackQueryHandler(callbacks.press))


async def _post_init(application: Application) -> None:
    """Start-up work: the command menu in Chinese and English, and a warm segmenter."""
    bot = application.bot
    await bot.set_my_commands([BotCommand(*c) for c in COMMANDS["en"]])
    await bot.set_my_commands([BotCommand(*c) for c in COMMANDS["zh"]], language_code="zh")
    services: Services = application.bot_data["services"]
    await asyncio.to_thread(services.desk.assistant.understanding.warm)
    _watch_training(application, services)
    if services.settings.staff_chat_id is not None and not services.settings.staff_ids:
        log.warning("TALENTBOT_STAFF_CHAT_ID is set but TALENTBOT_STAFF_IDS is empty: no one can answer hand-offs")
    log.info("bot @%s ready", bot.username)


def _watch_training(application: Application, services: Services) -> None:
    """Staff hear of each background training in the staff chat; a model already stale at start is retrained."""
    retrainer, loop = services.retrainer, asyncio.get_running_loop()
    if retrainer is None:
        return

    def tell(outcome: Outcome) -> None:  # called in the retrainer's thread
        asyncio.run_coroutine_threadsafe(staff.tell_training(application.bot, services.settings, outcome), loop)

    retrainer.notify = tell
    if services.desk.assistant.understanding.stale:
        retrainer.request()


async def _post_shutdown(application: Application) -> None:
    services: Services = application.bot_data["services"]
    if services.retrainer is not None:
        await asyncio.to_thread(services.retrainer.close)


async def _on_error(update: object, context: TalentContext) -> None:
    """Log, tell the person once, tell staff the kind of error; keep running."""
    error = context.error
    if isinstance(error, (Forbidden, RetryAfter, TimedOut)):
        log.warning("Bot API: %s", type(error).__name__)  # blocked by the user / still limited / slow network
        return
    log.error("error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        await _report(update, context, type(error).__name__)


async def _report(update: Update, context: TalentContext, kind: str) -> None:
    """One polite text to the person, the kind of error to the staff chat; never raises."""
    assert update.effective_chat is not None
    staff_chat = context.services.settings.staff_chat_id
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            await update.callback_query.answer()
    with contextlib.suppress(TelegramError):
        if update.effective_chat.id != staff_chat:
            await send_text(context.bot, update.effective_chat.id, say("error", client_lang(update)))
    with contextlib.suppress(TelegramError):
        if staff_chat is not None:
            await send_text(context.bot, staff_chat, STAFF["error"].format(kind=kind))


def webhook_options(settings: Settings) -> dict[str, object]:
    """Where the webhook listens and how Telegram's requests are verified (its secret-token header)."""
    host, _, port = settings.webhook_listen.rpartition(":")
    return {"listen": host or "127.0.0.1", "port": int(port),
            "url_path": urlparse(settings.webhook_url).path.lstrip("/"), "webhook_url": settings.webhook_url,
            "secret_token": settings.webhook_secret or None,
            "allowed_updates": Update.ALL_TYPES}


class TelegramUnreachable(Exception):
    """The Bot API could not be reached (or refused the token) at start-up, after retries."""


RETRY_DELAYS = (2.0, 5.0, 10.0)  # seconds between the start-up attempts to reach the Bot API


async def _reach(settings: Settings) -> str:
    """The bot's username from getMe, retried after network errors; else :class:`TelegramUnreachable`."""
    where = urlparse(settings.api_base_url).netloc or settings.api_base_url
    for attempt, delay in enumerate((*RETRY_DELAYS, None), start=1):
        try:
            async with Bot(settings.token, base_url=settings.api_base_url) as bot:
                return bot.username
        except InvalidToken:
            raise TelegramUnreachable(f"the Bot API at {where} refused the token (check TELEGRAM_BOT_TOKEN)") from None
        except (NetworkError, TimedOut) as exc:
            if delay is None:
                raise TelegramUnreachable(f"cannot reach the Bot API at {where} after {attempt} attempts "
                                          f"({type(exc).__name__}: {exc})") from None
            log.warning("cannot reach the Bot API at %s (%s); trying again in %.0f s", where, type(exc).__name__, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def run_telegram(settings: Settings) -> None:
    """Run the bot until interrupted: long polling, or a webhook when one is configured.

    Raises :class:`TelegramUnreachable` when the Bot API cannot be reached at start-up.
    """
    asyncio.run(_reach(settings))
    assistant = open_assistant(settings)
    application = build_application(settings, assistant)
    try:
        if settings.webhook_url:
            if not settings.webhook_secret:
                log.warning("webhook without TALENTBOT_WEBHOOK_SECRET: requests are not verified")
            application.run_webhook(**webhook_options(settings))  # type: ignore[arg-type]
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        assistant.close()
