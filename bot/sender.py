"""From Rasa's answer to Telegram: messages, inline keyboards, documents, button toasts.

Plain text only (no parse mode): names and messages with Markdown or HTML characters are
shown exactly as written and can never break formatting.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

import settings
from bot.database import in_transaction
from bot.export import export_document
from bot.progress import CHART_FILE_NAME, chart_png
from storage.supergroups import move_chat

logger = logging.getLogger(__name__)

TELEGRAM_TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
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
    # {"couple_id", "quarter"}: the couple's progress chart, drawn here and sent as a photo
    # with the text as its caption (bot/progress.py).
    chart: dict[str, Any] | None = None


@dataclass
class Answer:
    """What one Rasa answer asks the bot to do."""

    messages: list[OutgoingMessage] = field(default_factory=list)
    toast: str | None = None
    keep_keyboard: bool = False
    acknowledged: bool = False
    # Set when the action failed and saved nothing ("transient" or "fault"): the bot tries
    # the update again; messages that came along (crisis resources) are sent at once.
    retry: str | None = None


def read_answer(rasa_messages: list[dict[str, Any]], chat_id: int) -> Answer:
    """What Rasa rendered, in order. Rasa's REST channel returns a response's text (cut into
    pieces at blank lines) and then, as an item of its own, the custom `telegram` payload the
    action sent with it, which says what that text is (actions/core/replies.py)."""
    answer = Answer()
    pending: list[dict[str, Any]] = []  # rendered texts, until a payload says what they are
    for item in rasa_messages:
        custom = item.get("custom")
        telegram = custom.get("telegram") if isinstance(custom, dict) else None
        if not isinstance(telegram, dict):
            if isinstance(item.get("text"), str):
                pending.append(item)
            continue
        text = "\n\n".join(piece["text"] for piece in pending)  # the cuts, put back
        buttons = [button for piece in pending for button in piece.get("buttons") or []]
        if "message" in telegram:
            message = _message(telegram["message"], text, buttons, chat_id)
            if message.text.strip() or message.document or message.export or message.chart:
                answer.messages.append(message)
        elif "if_undeliverable" in telegram and answer.messages:
            fallback = _message(telegram["if_undeliverable"], text, buttons, chat_id)
            answer.messages[-1] = replace(answer.messages[-1], fallback=fallback)
        elif "if_delivered" in telegram and answer.messages:
            then = _message(telegram["if_delivered"], text, buttons, chat_id)
            answer.messages[-1] = replace(answer.messages[-1], then=then)
        elif telegram.get("toast"):
            answer.toast = text[:200] or None
        else:
            answer.messages.extend(_as_they_came(pending, chat_id))
        pending = []
        answer.acknowledged |= bool(telegram.get("ack"))
        answer.keep_keyboard |= bool(telegram.get("keep_keyboard"))
        if telegram.get("retry"):
            answer.retry = str(telegram["retry"])
    answer.messages.extend(_as_they_came(pending, chat_id))
    return answer


def _as_they_came(items: list[dict[str, Any]], chat_id: int) -> list[OutgoingMessage]:
    """Texts no payload of ours claims (not from our actions): each one a message."""
    return [
        OutgoingMessage(chat_id, item["text"], list(item.get("buttons") or []))
        for item in items
        if item["text"]
    ]


def _message(
    where: Any, text: str, buttons: list[dict[str, str]], chat_id: int
) -> OutgoingMessage:
    where = where if isinstance(where, dict) else {}
    document = where.get("document")
    export = _export_request(where.get("export"))
    return OutgoingMessage(
        # An export goes to its partner's private chat, whatever else the answer said.
        export["user_id"] if export else int(where.get("chat_id") or chat_id),
        text,
        list(buttons),
        document if isinstance(document, dict) else None,
        export=export,
        chart=_chart_request(where.get("chart")),
    )


def _export_request(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    try:
        return {"couple_id": int(value["couple_id"]), "user_id": int(value["user_id"])}
    except (KeyError, TypeError, ValueError):
        return None


def _chart_request(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    try:
        return {"couple_id": int(value["couple_id"]), "quarter": str(value["quarter"])}
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


def retry_after_seconds(error: RetryAfter) -> float:
    value = getattr(error, "retry_after", 1)
    return value.total_seconds() if isinstance(value, timedelta) else float(value or 1)


async def with_retries(call: Any, what: str) -> Any:
    """Send until Telegram takes it: a 429 waits as long as asked, network faults, timeouts
    and 5xx back off (up to MAX_BACKOFF seconds between tries). The caller's chat queue
    waits meanwhile, so the chat's messages stay in order. Refusals (4xx) are not retried."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.current().delivery_give_up_seconds
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
        couple_id, user_id = message.export["couple_id"], message.export["user_id"]
        document = await in_transaction(
            lambda session: export_document(couple_id, user_id, session)
        )
        if document is None:
            return
        message = replace(message, document=document, export=None)
    if message.chart is not None:
        await deliver_chart(bot, message)
        return
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
    except ChatMigrated as error:
        # The group became a supergroup: its couple moves, and the message goes there.
        logger.info("chat %s is now chat %s", message.chat_id, error.new_chat_id)
        old, new = message.chat_id, error.new_chat_id
        await in_transaction(lambda session: move_chat(old, new, session=session))
        await deliver(bot, replace(message, chat_id=error.new_chat_id))
    except Forbidden:
        # e.g. a partner never opened a private chat with the bot
        logger.warning("chat %s does not accept messages from the bot", message.chat_id)
        if message.fallback is not None:
            await deliver(bot, message.fallback)
    except BadRequest as error:
        logger.error(
            "chat %s: Telegram refused a message (%s)", message.chat_id, type(error).__name__
        )


async def deliver_chart(bot: Bot, message: OutgoingMessage) -> None:
    """The progress chart as a photo, its summary the caption. A caption longer than
    Telegram's 1024 characters follows as a message of its own; a chart that can't be
    drawn leaves the summary as plain text (it says the same, for screen readers too)."""
    assert message.chart is not None
    couple_id, label = int(message.chart["couple_id"]), str(message.chart["quarter"])
    as_text = replace(message, chart=None)
    try:
        png = await chart_png(couple_id, label, message.chat_id)
    except Exception as error:  # a drawing fault must not lose the summary
        logger.error("progress chart of couple %s failed: %s", couple_id, type(error).__name__)
        png = b""
    if png is None:  # not this chat's couple: nothing of it is sent here
        return
    if not png:
        await deliver(bot, as_text)
        return
    fits = len(message.text) <= CAPTION_LIMIT
    try:
        await with_retries(
            lambda: bot.send_photo(
                message.chat_id,
                InputFile(png, filename=CHART_FILE_NAME),
                caption=message.text if fits else None,
            ),
            "sendPhoto",
        )
    except ChatMigrated as error:
        logger.info("chat %s is now chat %s", message.chat_id, error.new_chat_id)
        old, new = message.chat_id, error.new_chat_id
        await in_transaction(lambda session: move_chat(old, new, session=session))
        await deliver(bot, replace(message, chat_id=error.new_chat_id))
        return
    except (Forbidden, BadRequest) as error:
        logger.error(
            "chat %s: Telegram refused a photo (%s)", message.chat_id, type(error).__name__
        )
        return
    if not fits:
        await deliver(bot, replace(as_text, then=None))
    if message.then is not None:
        await deliver(bot, message.then)
