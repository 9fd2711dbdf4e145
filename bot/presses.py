"""Which button presses reach Rasa: our own buttons only.

A press's `callback_data` comes from the person's client, which can send any string, and
Rasa reads it as intent syntax. So a press is relayed only when
1. its data is one of the buttons of the pressed message as Telegram holds it (only the bot
   writes its keyboards; Telegram includes the message unless it is too old or deleted), and
2. it has the shape of our payloads: `/intent` or `/intent{"entity":"value",...}`, with an
   intent of domain.yml that buttons may carry (not words-only intents, not those only the
   bot itself sends), entities of domain.yml (not the bot's own), and short plain values.
"""

from __future__ import annotations

import json
import re

from telegram import CallbackQuery, Message

from bot import domain

# Intents no button carries: words classified by NLU, and what only the bot sends.
NOT_PRESSABLE = frozenset({"content", "crisis", "nlu_fallback", "shared_media", "edited_message"})
BOT_ONLY_ENTITIES = frozenset({"timer_id", "media_kind"})
PAYLOAD = re.compile(r"/([A-Za-z_]+)(\{.*\})?", re.DOTALL)
VALUE = re.compile(r"[A-Za-z0-9_.:/+\-]{1,48}")


def pressable_intents() -> frozenset[str]:
    return frozenset(
        intent
        for intent in domain.intents()
        if intent not in NOT_PRESSABLE and not intent.startswith("EXTERNAL_")
    )


def keyboard_of(query: CallbackQuery) -> list[str] | None:
    """The callback data of the pressed message's buttons; None if Telegram did not include
    the message (too old or deleted)."""
    message = query.message
    if not isinstance(message, Message):
        return None
    markup = message.reply_markup
    if markup is None:
        return []
    return [
        str(button.callback_data)
        for row in markup.inline_keyboard
        for button in row
        if button.callback_data is not None
    ]


def is_our_button(data: str, keyboard: list[str] | None) -> bool:
    if keyboard is not None and data not in keyboard:
        return False
    return has_payload_shape(data)


def has_payload_shape(data: str) -> bool:
    match = PAYLOAD.fullmatch(data)
    if match is None:
        return False
    intent, raw = match.groups()
    if intent not in pressable_intents():
        return False
    if raw is None:
        return True
    try:
        values = json.loads(raw)
    except ValueError:
        return False
    if not isinstance(values, dict) or not values:
        return False
    allowed = domain.entities() - BOT_ONLY_ENTITIES
    return all(
        name in allowed
        and isinstance(value, str | int)
        and not isinstance(value, bool)
        and VALUE.fullmatch(str(value)) is not None
        for name, value in values.items()
    )
