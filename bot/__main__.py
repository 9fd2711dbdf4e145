"""`python -m bot`: run the Telegram bot (polling by default, webhook when configured)."""

from __future__ import annotations

import importlib.util
import logging
import sys
from urllib.parse import urlsplit

from telegram import Update

import settings
from bot.app import build_application, checked_settings

# LOG_LEVEL is the level of our own loggers. Libraries never log below INFO, whatever it
# says: at DEBUG python-telegram-bot logs whole updates and the parameters of each call
# (message texts), SQLAlchemy result rows.
OWN_LOGGERS = ("bot", "actions", "storage")
PINNED_LOGGERS = {
    # They log request URLs (at INFO too), and Telegram's URLs contain the bot token.
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram.ext.ExtBot": logging.WARNING,
    "telegram.Bot": logging.WARNING,
    # A 429 is handled by bot/sender.py (wait as asked, send again); the rate limiter would
    # log each one as an error with a traceback.
    "telegram.ext.AIORateLimiter": logging.CRITICAL,
}


def configure_logging(level_name: str | None = None) -> None:
    wanted = logging.getLevelName(level_name or settings.current().log_level)
    level = wanted if isinstance(wanted, int) else logging.INFO
    logging.basicConfig(
        level=max(level, logging.INFO),
        format="%(asctime)s %(levelname)s [bot] %(name)s: %(message)s",
    )
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    for name, pinned in PINNED_LOGGERS.items():
        logging.getLogger(name).setLevel(pinned)


def without_ml_frameworks() -> None:
    """The bot reads crisis words with spaCy's blank pipeline (bot/withheld.py), and spaCy's
    thinc imports TensorFlow and PyTorch whenever they are installed (Rasa brings them):
    about 400 MB and 20 seconds the bot never needs. Marked absent, they are skipped."""
    for name in ("tensorflow", "torch"):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def without_sniffio() -> None:
    """httpcore asks `import sniffio` on every connection and lock it makes, to tell trio
    from asyncio; sniffio is not installed, so each ask searched the import path again
    (about 5 % of the bot's CPU). Marked absent, the import fails at once: asyncio."""
    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def fast_event_loop() -> None:
    """uvloop (in the lock already: Rasa's and the action server's Sanic run on it) for the
    bot's asyncio loop too: the bot is mostly HTTP round trips (Telegram, Rasa) and thread
    hand-offs for the database, which uvloop does for less CPU than asyncio's own loop."""
    import uvloop

    uvloop.install()


def main() -> None:
    without_ml_frameworks()
    without_sniffio()
    fast_event_loop()
    settings = checked_settings()
    configure_logging(settings.log_level)
    application = build_application(settings)
    if settings.use_webhook:
        application.run_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            # The server listens on the URL's own path, so a proxy can pass requests through.
            url_path=urlsplit(settings.telegram_webhook_url or "").path.strip("/"),
            webhook_url=settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=10)


if __name__ == "__main__":
    main()
