"""The bot's configuration, read once from the environment. Secrets only come from here."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field

from security import keys

TELEGRAM_DEFAULT_BASE_URL = "https://api.telegram.org/bot"


@dataclass(frozen=True)
class BotSettings:
    token: str
    telegram_api_base_url: str
    rasa_url: str
    rasa_token: str | None
    action_server_url: str
    webhook_url: str | None
    webhook_secret: str | None
    webhook_listen: str
    webhook_port: int
    timer_poll_seconds: float
    timer_worker: str
    rasa_timeout_seconds: float
    # The deployment's shared secret: the bot derives its channel key and signing key from it.
    shared_secret: bytes = field(repr=False)
    # Generous, so a slow Telegram answer is waited for rather than sent again (a retry
    # after a read timeout can show the same message twice: Telegram may have taken it).
    telegram_timeout_seconds: float = 30.0

    @property
    def telegram_file_base_url(self) -> str:
        # PTB's base_file_url: ".../bot" -> ".../file/bot"
        base = self.telegram_api_base_url
        return base[: -len("bot")] + "file/bot" if base.endswith("bot") else base

    @property
    def use_webhook(self) -> bool:
        return bool(self.webhook_url)


def from_environment() -> BotSettings:
    env = os.environ
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set (the run command sets a local one).")
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL") or None
    webhook_secret = env.get("TELEGRAM_WEBHOOK_SECRET") or None
    if webhook_url and not webhook_secret:
        raise SystemExit("Webhook mode needs TELEGRAM_WEBHOOK_SECRET (Telegram's secret_token).")
    try:
        shared_secret = keys.master_secret(env)
    except keys.MissingSecret as error:
        raise SystemExit(str(error)) from error
    return BotSettings(
        token=token,
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL") or TELEGRAM_DEFAULT_BASE_URL,
        rasa_url=(env.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
        rasa_token=env.get("RASA_AUTH_TOKEN") or None,
        action_server_url=env.get("ACTION_SERVER_URL") or "http://127.0.0.1:5055/webhook",
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
        webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT", "8443")),
        timer_poll_seconds=float(env.get("TIMER_POLL_SECONDS", "0.25")),
        # Stable across restarts of this bot; give each bot worker its own when running several.
        timer_worker=env.get("TIMER_WORKER_NAME") or f"{socket.gethostname()}:bot",
        rasa_timeout_seconds=float(env.get("RASA_TIMEOUT_SECONDS", "30")),
        shared_secret=shared_secret,
        telegram_timeout_seconds=float(env.get("TELEGRAM_TIMEOUT_SECONDS", "30")),
    )
