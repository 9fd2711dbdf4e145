"""`python -m bot`: run the Telegram bot (polling by default, webhook when configured)."""

from __future__ import annotations

import logging
import os
import sys

from telegram import Update

from bot.app import build_application
from bot.settings import from_environment


def configure_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s [bot] %(name)s: %(message)s",
    )
    # httpx logs request URLs, and Telegram URLs contain the bot token.
    for noisy in ("httpx", "httpcore", "telegram.ext.ExtBot", "telegram.Bot"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A 429 is handled by bot/sender.py (wait as asked, send again); the rate limiter would
    # log each one as an error with a traceback.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)


def without_ml_frameworks() -> None:
    """The bot reads crisis words with spaCy's blank pipeline (bot/withheld.py), and spaCy's
    thinc imports TensorFlow and PyTorch whenever they are installed (Rasa brings them):
    about 400 MB and 20 seconds the bot never needs. Marked absent, they are skipped."""
    for name in ("tensorflow", "torch"):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def main() -> None:
    without_ml_frameworks()
    configure_logging()
    settings = from_environment()
    application = build_application(settings)
    if settings.use_webhook:
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=10)


if __name__ == "__main__":
    main()
