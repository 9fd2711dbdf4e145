"""What an action knows about the message it answers, read from the Rasa tracker.

The bot sends every message with `sender` = Telegram chat id and puts who wrote it in the
metadata (ARCHITECTURE.md, "one Rasa tracker per Telegram chat"). That metadata counts only
when the bot's signature over it verifies (security.signing), checked here before anything
reads it: unsigned metadata is from nobody (no user, no chat type, no update id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from security import signing
from storage.couples import Role, couple_for_group, is_complete, partner_in
from storage.models import Couple, Partner


@dataclass(frozen=True)
class MessageContext:
    chat_id: int
    chat_type: str  # "private", "group", "supergroup", or "timer" for a fired durable timer
    user_id: int | None
    first_name: str
    text: str
    intent: str
    intent_confidence: float
    entities: dict[str, Any]
    is_button_or_command: bool
    is_callback: bool
    message_id: int | None
    bot_username: str
    sees_all_messages: bool
    update_id: int | None = None  # the Telegram update this answers (signed messages only)
    signed: bool = False  # the bot signed who speaks; False for timers and for forgeries
    # A photo's caption or an edited message's new words: screened for crisis language,
    # never content (the message itself reaches Rasa as `shared_media` / `edited_message`).
    screened_text: str = ""
    # The bot already delivered this message's crisis answer (an earlier try failed after).
    crisis_answered: bool = False
    # This chat's couple, once found in this message's transaction: (session, couple).
    _couple: list[tuple[Session, Couple]] = field(default_factory=list, compare=False, repr=False)

    @property
    def in_group(self) -> bool:
        return self.chat_type in ("group", "supergroup")

    @property
    def in_private(self) -> bool:
        return self.chat_type == "private"

    def entity(self, name: str) -> Any:
        return self.entities.get(name)

    @property
    def word_count(self) -> int:
        return 0 if self.is_button_or_command else len(self.text.split())

    # -- who this is, looked up once per message -----------------------------------------

    def couple(self, session: Session) -> Couple | None:
        """This chat's couple (None in a private chat, or before /start), looked up once per
        message: the checks in actions/core/base.py and the flow's action all ask here. Not
        remembered while there is none: /start may create it during this very message."""
        for looked_in, couple in self._couple:
            if looked_in is session:
                return couple
        found = couple_for_group(self.chat_id, session=session)
        if found is not None:
            self._couple[:] = [(session, found)]
        return found

    def partner(self, session: Session) -> Partner | None:
        """The writer's seat in this chat's couple, if they have one."""
        return None if self.user_id is None else partner_in(self.couple(session), self.user_id)

    def role(self, session: Session) -> Role:
        """Partner, observer (the couple is complete without them), or candidate."""
        if self.partner(session) is not None:
            return Role.PARTNER
        return Role.OBSERVER if is_complete(self.couple(session)) else Role.CANDIDATE


def context_from(tracker: Tracker) -> MessageContext:
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    signed = signing.verify(str(tracker.sender_id), text, message.get("metadata"))
    metadata: dict[str, Any] = signed or {}
    entities = {e.get("entity"): e.get("value") for e in message.get("entities") or []}
    intent = (message.get("intent") or {}).get("name") or ""
    confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
    user_id = metadata.get("user_id")
    chat_type = metadata.get("chat_type") or ("timer" if intent.startswith("EXTERNAL_") else "")
    return MessageContext(
        chat_id=int(tracker.sender_id),
        chat_type=chat_type,
        user_id=int(user_id) if user_id is not None else None,
        first_name=str(metadata.get("first_name") or "there"),
        text=text,
        intent=intent,
        intent_confidence=confidence,
        entities=entities,
        is_button_or_command=text.startswith("/"),
        is_callback=bool(metadata.get("is_callback")),
        message_id=metadata.get("message_id"),
        bot_username=str(metadata.get("bot_username") or "TalkingStickBot"),
        sees_all_messages=bool(metadata.get("sees_all_messages", True)),
        update_id=_int_or_none(metadata.get("update_id")),
        signed=signed is not None,
        screened_text=str(metadata.get("screened_text") or ""),
        crisis_answered=bool(metadata.get("crisis_answered")),
    )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
