"""From Rasa's answer to Telegram: messages, inline keyboards, documents, button toasts.

Plain text only (no parse mode): names and messages with Markdown or HTML characters are
shown exactly as written and can never break formatting.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from bot.export import export_document

logger = logging.getLogger(__name__)

TELEGRAM_TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class OutgoingMessage:
    chat_id: int
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    document: dict[str, str] | None = None
    # Sent instead when Telegram answers 403 (no private chat with the bot yet, or blocked).
    fallback: OutgoingMessage | None = None
    # {"couple_id", "user_id"}: a couple's export, built here and sent to user_id privately.
    export: dict[str, int] | None = None
    # Sent once this message was delivered (e.g. "sent to you privately" in the group).
    then: OutgoingMessage | None = None


@dataclass
class Answer:
    """What one Rasa answer asks the bot to do."""

    messages: list[OutgoingMessage] = field(default_factory=list)
    toast: str | None = None
    keep_keyboard: bool = False
    acknowledged: bool = False


def read_answer(rasa_messages: list[dict[str, Any]], chat_id: int) -> Answer:
    answer = Answer()
    for item in rasa_messages:
        custom = (item.get("custom") or {}).get("telegram") if item.get("custom") else None
        if custom is None:
            if item.get("text"):
                answer.messages.append(
                    OutgoingMessage(chat_id, str(item["text"]), list(item.get("buttons") or []))
                )
            continue
        answer.acknowledged |= bool(custom.get("ack"))
        answer.keep_keyboard |= bool(custom.get("keep_keyboard"))
        if custom.get("toast"):
            answer.toast = str(custom["toast"])[:200]
        if custom.get("text") or custom.get("document") or custom.get("export"):
            answer.messages.append(_custom_message(custom, chat_id))
    return answer


def _custom_message(custom: dict[str, Any], chat_id: int) -> OutgoingMessage:
    fallback, then = custom.get("if_undeliverable"), custom.get("if_delivered")
    export = _export_request(custom.get("export"))
    return OutgoingMessage(
        # An export goes to its partner's private chat, whatever else the answer said.
        export["user_id"] if export else int(custom.get("chat_id") or chat_id),
        str(custom.get("text") or ""),
        list(custom.get("buttons") or []),
        custom.get("document"),
        _custom_message(fallback, chat_id) if isinstance(fallback, dict) else None,
        export,
        _custom_message(then, chat_id) if isinstance(then, dict) else None,
    )


def _export_request(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    try:
        return {"couple_id": int(value["couple_id"]), "user_id": int(value["user_id"])}
    except (KeyError, TypeError, ValueError):
        return None


def keyboard(buttons: list[dict[str, str]]) -> InlineKeyboardMarkup | None:
    usable = [
        InlineKeyboardButton(str(b.get("title", "?"))[:64], callback_data=str(b["payload"]))
        for b in buttons
        if b.get("payload") and len(str(b["payload"]).encode()) <= CALLBACK_DATA_LIMIT
    ]
    if not usable:
        return None
    short = all(len(button.text) <= 16 for button in usable)
    width = 2 if short and len(usable) > 2 else 1
    return InlineKeyboardMarkup([usable[i : i + width] for i in range(0, len(usable), width)])


def chunks(text: str) -> list[str]:
    """Split a long text at line breaks or spaces so each piece fits one Telegram message."""
    pieces: list[str] = []
    while len(text) > TELEGRAM_TEXT_LIMIT:
        cut = max(text.rfind("\n", 0, TELEGRAM_TEXT_LIMIT), text.rfind(" ", 0, TELEGRAM_TEXT_LIMIT))
        cut = cut if cut > 0 else TELEGRAM_TEXT_LIMIT
        pieces.append(text[:cut])
        text = text[cut:].lstrip()
    return [*pieces, text] if text.strip() else pieces


def give_up_seconds() -> float:
    """How long one message is retried while Telegram fails [86400 s]."""
    try:
        return max(1.0, float(os.environ.get("DELIVERY_GIVE_UP_SECONDS", "") or 86400))
    except ValueError:
        return 86400.0


def retry_after_seconds(error: RetryAfter) -> float:
    value = getattr(error, "retry_after", 1)
    return value.total_seconds() if isinstance(value, timedelta) else float(value or 1)


async def with_retries(call: Any, what: str) -> Any:
    """Send until Telegram takes it: a 429 waits as long as asked, network faults, timeouts
    and 5xx back off (up to MAX_BACKOFF seconds between tries). The caller's chat queue
    waits meanwhile, so the chat's messages stay in order. Refusals (4xx) are not retried."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + give_up_seconds()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except RetryAfter as error:
            delay = retry_after_seconds(error)
        except (BadRequest, Forbidden, InvalidToken, Conflict):
            raise
        except NetworkError as error:  # includes TimedOut and Telegram's 5xx
            if loop.time() >= deadline:
                raise
            delay = min(MAX_BACKOFF, 0.5 * 2 ** min(attempt - 1, 8))
            logger.warning(
                "%s failed (%s), trying again in %.1f s", what, type(error).__name__, delay
            )
        await asyncio.sleep(delay)


async def deliver(bot: Bot, message: OutgoingMessage) -> None:
    if message.export is not None:
        document = export_document(message.export["couple_id"], message.export["user_id"])
        if document is None:
            return
        message = replace(message, document=document, export=None)
    try:
        if message.document:
            content = str(message.document.get("content", "")).encode("utf-8")
            name = str(message.document.get("file_name") or "document.txt")
            await with_retries(
                lambda: bot.send_document(
                    message.chat_id,
                    InputFile(content, filename=name),
                    caption=message.text[:1024] or None,
                ),
                "sendDocument",
            )
            if message.then is not None:
                await deliver(bot, message.then)
            return
        pieces = chunks(message.text)
        for index, piece in enumerate(pieces):
            markup = keyboard(message.buttons) if index == len(pieces) - 1 else None
            await with_retries(
                lambda piece=piece, markup=markup: bot.send_message(
                    message.chat_id, piece, reply_markup=markup
                ),
                "sendMessage",
            )
        if message.then is not None:
            await deliver(bot, message.then)
    except Forbidden:
        # e.g. a partner never opened a private chat with the bot
        logger.warning("chat %s does not accept messages from the bot", message.chat_id)
        if message.fallback is not None:
            await deliver(bot, message.fallback)
    except BadRequest as error:
        logger.error(
            "chat %s: Telegram refused a message (%s)", message.chat_id, type(error).__name__
        )
