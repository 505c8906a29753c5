"""The composition root of the Telegram channel: one builder chain, the handlers
in their groups, start-up work, the jobs, the error handler, and the way to run it.

Handler groups: -2 flood control, -1 staff authorisation, 0 everything else.
Updates come in through ``intake`` (long polling) or ``webhook``; both store
them before they are confirmed, and ``Processor`` keeps the books of each
update. Two jobs run on the JobQueue: the outbox courier and the retention purge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta
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

from bot.channels.tg import callbacks, check, guards, handlers, news, redact, staff
from bot.channels.tg.audience import ADDRESSED, MEDIA
from bot.channels.tg.context import Services, TalentContext, client_lang
from bot.channels.tg.desk import Desk
from bot.channels.tg.flood import FloodGate
from bot.channels.tg.handoff import staff_reply
from bot.channels.tg.intake import Intake, Processor
from bot.channels.tg.ledger import current
from bot.channels.tg.outbox import Courier, send_text
from bot.channels.tg.pacing import Pacer
from bot.channels.tg.phrases import COMMANDS, STAFF, say
from bot.channels.tg.post import Post, Schedule
from bot.channels.tg.webhook import Webhook
from bot.channels.tg.wire import JsonRequest
from bot.engine.assistant import Assistant
from bot.engine.heap import settle_heap
from bot.settings import Settings
from bot.staff.training import Outcome, Retrainer, open_assistant
from knowledge import privacy

log = logging.getLogger(__name__)

CONNECTIONS = 16  # HTTP connections for sending; more only adds pool overhead (see the Telegram benchmark)
CONCURRENT_UPDATES = 64  # updates handled at once (each chat still in order, see lanes)


COURIER_TICK = 1.0  # seconds between outbox passes at most (less when the retry schedule is shorter)
PURGE_EVERY = timedelta(hours=6)
START_TRIES = 5  # attempts to reach the Bot API at start (2, 4, 8, 16 s apart) before giving up


def build_application(settings: Settings, assistant: Assistant) -> Application:
    """The Application, with the Assistant behind it; nothing is sent until it starts."""
    redact.install(settings.token)  # before anything can log a URL or an error carrying the token
    for noisy in ("httpx", "httpcore"):  # Bot API URLs contain the token (redacted all the same)
        logging.getLogger(noisy).setLevel(logging.WARNING)
    post = Post(assistant.kb, Schedule(settings.retry_schedule, settings.retry_hours * 3600))
    timeout = settings.http_timeout
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .context_types(ContextTypes(context=TalentContext))
        .request(JsonRequest(connection_pool_size=CONNECTIONS, pool_timeout=timeout, read_timeout=timeout,
                             write_timeout=timeout, connect_timeout=timeout))
        .concurrent_updates(Processor(CONCURRENT_UPDATES, post))
        .rate_limiter(Pacer(settings.send_rate))
        .updater(None)  # intake.Intake polls, webhook.Webhook serves
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    retrainer = Retrainer(assistant.kb, settings.retrain_delay)
    assistant.on_stale = retrainer.request  # staff changed the examples: retrain in the background
    application.bot_data["services"] = Services(Desk(assistant, settings), settings, FloodGate(settings.user_rate),
                                                retrainer=retrainer, post=post, courier=Courier(post))
    _add_handlers(application, settings)
    application.add_error_handler(_on_error)
    _add_jobs(application, settings)
    return application


def _add_jobs(application: Application, settings: Settings) -> None:
    jobs = application.job_queue
    assert jobs is not None, "python-telegram-bot[job-queue] is required"
    tick = min(COURIER_TICK, max(min(settings.retry_schedule), 0.05))
    jobs.run_repeating(_deliver_waiting, interval=tick, first=tick, name="outbox")
    jobs.run_repeating(_purge, interval=PURGE_EVERY, first=60, name="retention")


async def _deliver_waiting(context: TalentContext) -> None:
    """Start an outbox pass in the background (the job returns at once, so runs never pile up); not while the
    application stops (a job may still fire then: what waits stays in the outbox for the next start)."""
    courier = context.services.courier
    if courier is not None and not courier.busy and context.application.running:
        context.application.create_task(courier.run_once(context.bot), name="talentbot:courier")


async def _purge(context: TalentContext) -> None:
    """Delete what is older than TALENTBOT_RETENTION_DAYS (and finished delivery records)."""
    services = context.services
    removed = await asyncio.to_thread(privacy.purge, services.desk.kb, services.settings.retention_days)
    if removed.total:
        log.info("retention: removed %s", ", ".join(f"{k} {n}" for k, n in removed.counts.items()))


def _add_handlers(application: Application, settings: Settings) -> None:
    new = filters.UpdateType.MESSAGE  # an edited message is not asked again
    staff_chat = filters.Chat(settings.staff_chat_id) if settings.staff_chat_id is not None else None
    talk = new & ADDRESSED & ~staff_chat if staff_chat is not None else new & ADDRESSED
    application.add_handler(MessageHandler(talk, guards.flood), group=-2)
    application.add_handler(CallbackQueryHandler(guards.flood_press), group=-2)
    staff.add_handlers(application, new & ADDRESSED)  # before the catch-alls below and the hand-off replies
    if staff_chat is not None:
        application.add_handler(MessageHandler(new & staff_chat & filters.REPLY, guards.staff_only), group=-1)
        application.add_handler(MessageHandler(new & staff_chat & filters.REPLY & ~filters.COMMAND, staff_reply))
    for name, callback in (("start", handlers.start), ("help", handlers.help_command), ("topics", handlers.topics),
                           ("lang", handlers.language), ("human", handlers.human), ("forget", handlers.forget),
                           ("eligibility", check.start)):
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
    await news.start(application)
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
    """Log, set the update aside, tell the person once, tell staff the kind of error; keep running."""
    error = context.error
    ledger = current()
    if ledger is not None:
        ledger.error = type(error).__name__
    if isinstance(error, (Forbidden, RetryAfter, TimedOut)):
        log.warning("Bot API: %s", type(error).__name__)  # blocked by the user / still limited / slow network
        return
    log.error("error while handling update %s", ledger.update_id if ledger else "?", exc_info=error)
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


def webhook_options(settings: Settings) -> dict[str, str]:
    """Where the webhook listens, its path and public URL, and the secret Telegram sends in its header."""
    host, _, port = settings.webhook_listen.rpartition(":")
    return {"host": host or "127.0.0.1", "port": port, "path": urlparse(settings.webhook_url).path.lstrip("/"),
            "url": settings.webhook_url, "secret": settings.webhook_secret}


async def start(application: Application, poll_timeout: float = 10.0) -> Intake | Webhook:
    """Start the Application and its intake (the webhook when configured, else long polling).

    The intake starts first (it may fail on the network and be started again);
    updates it takes in wait in the Application's queue until the Application runs."""
    services: Services = application.bot_data["services"]
    settings, post = services.settings, services.post
    assert post is not None
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    settle_heap()
    intake: Intake | Webhook
    if settings.webhook_url:
        options = webhook_options(settings)
        hook = intake = Webhook(application, post, options["secret"], options["path"])
        starting = hook.start(options["host"], int(options["port"]), options["url"])
    else:
        poller = intake = Intake(application, post, timeout=poll_timeout, http_timeout=settings.http_timeout)
        starting = poller.start()
    try:
        await starting
    except BaseException:
        await intake.stop()
        raise
    await application.start()
    return intake


async def stop(application: Application, intake: Intake | Webhook) -> None:
    await intake.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


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


def run_telegram(settings: Settings) -> int:
    """Run the bot until SIGINT or SIGTERM; exit code 1 when it cannot start (bad token, no network).

    Raises :class:`TelegramUnreachable` when the Bot API cannot be reached at start-up (after retries).
    """
    redact.install(settings.token)
    if settings.webhook_url and not settings.webhook_secret:
        log.warning("webhook without TALENTBOT_WEBHOOK_SECRET: requests are not verified")
    asyncio.run(_reach(settings))
    assistant = open_assistant(settings)
    try:
        return asyncio.run(serve(build_application(settings, assistant)))
    finally:
        assistant.close()


async def serve(application: Application, tries: int = START_TRIES) -> int:
    """Start, run until SIGINT or SIGTERM, stop; 1 (logged in one line) when the bot cannot start:
    a rejected token at once, an unreachable Bot API after ``tries`` attempts."""
    stopping, loop = asyncio.Event(), asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    try:
        intake = await _start_patiently(application, tries)
        if intake is None:
            with contextlib.suppress(Exception):
                await application.shutdown()
            return 1
        try:
            await stopping.wait()
        finally:
            await stop(application, intake)
        return 0
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def _start_patiently(application: Application, tries: int) -> Intake | Webhook | None:
    for attempt in range(1, tries + 1):
        try:
            return await start(application)
        except TelegramError as exc:  # the message is redacted: 401/404 carry the token
            if isinstance(exc, InvalidToken) or attempt == tries:
                log.error("cannot start the bot: %s: %s", type(exc).__name__, exc)
                return None
            log.warning("cannot reach the Bot API (%s); trying again in %d s", type(exc).__name__, 2 ** attempt)
            await asyncio.sleep(2 ** attempt)
    return None
