"""From a Telegram update to what Rasa hears: the text (or intent payload) and metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.commands import BY_NAME, as_rasa_payload, split_command
from bot.presses import is_our_button, keyboard_of


@dataclass(frozen=True)
class Incoming:
    """One update, ready to relay. `text` is what Rasa receives."""

    chat_id: int
    chat_type: str
    user_id: int
    first_name: str
    text: str
    is_plain_text: bool  # typed words (not a command, button, media or edit)
    is_command_or_button: bool = False
    callback_query_id: str | None = None
    pressed_message_id: int | None = None
    message_id: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # A caption or an edit's words: screened for crisis language by the actions, never content.
    screened_text: str | None = None


@dataclass(frozen=True)
class UnknownCommand:
    chat_id: int
    name: str


@dataclass(frozen=True)
class ForeignPress:
    """A press whose data is none of our buttons': answered with a toast, never relayed."""

    chat_id: int
    callback_query_id: str


@dataclass(frozen=True)
class ChatMoved:
    """A group became a supergroup (Telegram's `migrate_to/from_chat_id`)."""

    old_chat_id: int
    new_chat_id: int


Translated = Incoming | UnknownCommand | ForeignPress | ChatMoved


MEDIA_ATTRIBUTES = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "document",
    "animation",
    "location",
    "contact",
    "poll",
    "dice",
)


def translate(update: Update, bot_username: str) -> Translated | None:
    """None for updates the bot does not relay (service messages, channel posts, ...)."""
    user = update.effective_user
    chat = update.effective_chat
    if update.message is not None and chat is not None:
        if update.message.migrate_to_chat_id:
            return ChatMoved(chat.id, update.message.migrate_to_chat_id)
        if update.message.migrate_from_chat_id:
            return ChatMoved(update.message.migrate_from_chat_id, chat.id)
    if user is None or chat is None or user.is_bot:
        return None
    base: dict[str, Any] = {
        "chat_id": chat.id,
        "chat_type": chat.type,
        "user_id": user.id,
        "first_name": user.first_name or "there",
    }
    if update.callback_query is not None:
        data = update.callback_query.data or ""
        # Only our own buttons' payloads (bot/presses.py); the rest get a toast.
        if not is_our_button(data, keyboard_of(update.callback_query)):
            return ForeignPress(chat.id, update.callback_query.id)
        message = update.callback_query.message
        return Incoming(
            **base,
            text=data,
            is_plain_text=False,
            is_command_or_button=True,
            callback_query_id=update.callback_query.id,
            pressed_message_id=message.message_id if message else None,
        )
    edited = update.edited_message
    if edited is not None:
        words = edited.text or edited.caption or ""
        return Incoming(
            **base, text="/edited_message", is_plain_text=False, screened_text=words or None
        )
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        text = message.text.strip()
        if text.startswith("/"):
            split = split_command(text, bot_username)
            if split is None:
                return None  # a command for another bot in the group
            name, argument = split
            if not name:
                return None  # a lone "/" is no command, and Rasa would read it as intent syntax
            command = BY_NAME.get(name)
            if command is None:
                return UnknownCommand(chat.id, name)
            return Incoming(
                **base,
                text=as_rasa_payload(command, argument),
                is_plain_text=False,
                is_command_or_button=True,
            )
        if not text:
            return None
        return Incoming(**base, text=text, is_plain_text=True, message_id=message.message_id)
    kind = next((name for name in MEDIA_ATTRIBUTES if getattr(message, name, None)), None)
    if kind is None:
        return None  # service messages: members joining, title changes, pins ...
    return Incoming(
        **base,
        text=f'/shared_media{{"media_kind":"{kind}"}}',
        is_plain_text=False,
        screened_text=message.caption or None,
    )
