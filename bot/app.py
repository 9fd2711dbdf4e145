"""Builds the python-telegram-bot Application: one handler (the relay), set-up and tear-down."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from telegram import BotCommand, Update
from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from bot.commands import COMMANDS
from bot.housekeeping import schedule_retention
from bot.intake import InboxQueue
from bot.rasa_client import RasaClient
from bot.relay import Relay
from bot.timer_dispatcher import TimerDispatcher
from security import keys
from settings import Settings, SettingsError, checked
from storage import tracker_store
from storage.chat_locks import ChatLocks
from storage.engine import dispose_engines, var_dir
from storage.models import utc_now

logger = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 300
DATABASE_THREADS = 16


def checked_settings() -> Settings:
    """The settings, refused at start if a value is invalid, the token is missing, or a
    webhook has no secret (anyone could post updates to it otherwise)."""
    try:
        settings = checked()
    except SettingsError as error:
        raise SystemExit(str(error)) from None
    if not settings.telegram_bot_token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set (the run command sets a local one).")
    if settings.use_webhook and not settings.telegram_webhook_secret:
        raise SystemExit("Webhook mode needs TELEGRAM_WEBHOOK_SECRET (Telegram's secret_token).")
    try:
        keys.master_secret()  # without it the bot could sign for nobody
    except keys.MissingSecret as error:
        raise SystemExit(str(error)) from None
    return settings


def rate_limiter(workers: int) -> AIORateLimiter:
    """Telegram's limits per bot token: ~30 messages a second overall, 20 a minute into one
    group. Several bot workers share one token, and the hand-off deals updates out round
    robin, so each worker keeps to its share: together they stay within the limits."""
    return AIORateLimiter(
        overall_max_rate=FloodLimit.MESSAGES_PER_SECOND / workers,
        group_max_rate=FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP / workers,
        max_retries=0,
    )


def build_application(settings: Settings) -> Application:
    assert settings.telegram_bot_token, "checked_settings() refuses to start without one"
    application = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .rate_limiter(rate_limiter(settings.workers))
        .read_timeout(settings.telegram_timeout_seconds)
        .write_timeout(settings.telegram_timeout_seconds)
        .connect_timeout(min(10.0, settings.telegram_timeout_seconds))
        .post_init(lambda app: _post_init(app, settings))
        .post_shutdown(_post_shutdown)
        # Updates are saved to the inbox before Telegram is told they arrived.
        .update_queue(InboxQueue())
        .build()
    )
    application.add_handler(TypeHandler(Update, _on_update))
    application.add_error_handler(_on_error)
    return application


async def _on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every update goes to the relay (already in the inbox: bot/intake.py)."""
    relay: Relay = context.application.bot_data["relay"]
    await relay.on_update(update, context)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the kind of failure only: updates and errors may carry message text."""
    logger.error("update handling failed: %s", type(context.error).__name__)


async def _post_init(application: Application, settings: Settings) -> None:
    # The database work of every chat runs on these threads (bot/database.py): more than
    # asyncio's default (cores + 4), so a few slow transactions don't hold up the others.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(DATABASE_THREADS, thread_name_prefix="database")
    )
    rasa = RasaClient(
        settings.rasa_url.rstrip("/"),
        settings.rasa_auth_token,
        settings.rasa_timeout_seconds,
        settings.action_server_url,
        keys.master_secret(),
    )
    await wait_until_ready(rasa)
    lease = settings.worker_lease_seconds
    relay = Relay(
        application.bot,
        rasa,
        worker=settings.timer_worker_name,
        locks=ChatLocks(settings.redis_url, lease),
        lease_seconds=lease,
    )
    relay.can_read_all_group_messages = bool(application.bot.can_read_all_group_messages)
    await application.bot.set_my_commands(
        [BotCommand(command.name, command.description) for command in COMMANDS]
    )
    dispatcher = TimerDispatcher(relay, settings.timer_poll_seconds, settings.timer_worker_name)
    application.bot_data.update(relay=relay, rasa=rasa, dispatcher=dispatcher)
    # Off the event loop, like all the bot's database work (bot/database.py).
    if await asyncio.to_thread(schedule_retention, utc_now()):
        logger.info("retention scheduled")
    replayed = await relay.take_over(own_too=True)
    if replayed:
        logger.info("replaying %d unfinished update(s) from before the restart", replayed)
    relay.start_heartbeat()
    await dispatcher.start()
    mark_ready()
    logger.info("bot ready as @%s", application.bot.username)


def ready_file() -> Path:
    return var_dir() / "runtime" / "bot.ready"


def mark_ready() -> None:
    """Tell the launcher we poll now: the file holds this process id."""
    path = ready_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(os.getpid()))


async def wait_until_ready(rasa: RasaClient) -> None:
    """Poll only once Rasa has a model loaded and the action server answers."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT_SECONDS
    while loop.time() < deadline:
        if await rasa.actions_up() and await rasa.is_ready():
            return
        await asyncio.sleep(0.5)
    raise SystemExit("Rasa or the action server did not become ready in time.")


async def _post_shutdown(application: Application) -> None:
    dispatcher: TimerDispatcher | None = application.bot_data.get("dispatcher")
    relay: Relay | None = application.bot_data.get("relay")
    rasa: RasaClient | None = application.bot_data.get("rasa")
    if dispatcher:
        await dispatcher.stop()
    if relay:
        await relay.stop()
    if rasa:
        await rasa.close()
    dispose_engines()
    tracker_store.dispose()
