"""`python -m bot`: run the Telegram bot (polling by default, webhook when configured)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.app import build_application, checked_settings


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s [bot] %(name)s: %(message)s",
    )
    # httpx logs request URLs, and Telegram URLs contain the bot token.
    for noisy in ("httpx", "httpcore", "telegram.ext.ExtBot", "telegram.Bot"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A 429 is handled by bot/sender.py (wait as asked, send again); the rate limiter would
    # log each one as an error with a traceback.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)


def main() -> None:
    settings = checked_settings()
    configure_logging(settings.log_level)
    application = build_application(settings)
    if settings.use_webhook:
        application.run_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            webhook_url=settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=10)


if __name__ == "__main__":
    main()
