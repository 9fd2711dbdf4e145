"""Local Telegram: a Bot API-compatible server for loopback use, plus a control API.

The real bot talks to it exactly as to api.telegram.org; tests, benchmarks and the terminal
local chat drive simulated users through ``/_control/`` (see README.md in this folder).
"""

from __future__ import annotations

from typing import Any

from .client import ButtonGone, LocalTelegram, LocalTelegramError, buttons
from .state import BOT_ID, BOT_USERNAME

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "ButtonGone",
    "LocalTelegram",
    "LocalTelegramError",
    "LocalTelegramServer",
    "buttons",
    "create_app",
]


def __getattr__(name: str) -> Any:
    # Imported lazily so `python -m local_telegram.server` does not import itself twice.
    if name in ("LocalTelegramServer", "create_app"):
        from . import server

        return getattr(server, name)
    raise AttributeError(name)
