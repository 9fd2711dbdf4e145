"""Who reaches Rasa from a group: its partners, and while the couple has a free seat, the
others' commands and presses (that is how they join). Nothing an observer (someone else in
a group whose couple is complete) writes is passed on or stored: their words, media and
edits are ignored (crisis language only as its kind, so that they get resources), and
their commands and presses get a polite answer from the bot itself.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session
from telegram import Bot

from bot import domain
from bot.database import in_transaction
from bot.sender import OutgoingMessage, deliver
from bot.translate import Incoming
from bot.withheld import crisis_intent
from storage.couples import Role, couple_for_group, role_in_group

logger = logging.getLogger(__name__)

OBSERVER_TOAST = "This is for the couple of this group."


async def admit(bot: Bot, incoming: Incoming) -> bool:
    """True if the update goes on to Rasa; False once it was answered here (or ignored)."""
    if incoming.chat_type not in ("group", "supergroup"):
        return True

    def look_up(session: Session) -> tuple[Role, list[str]]:
        role = role_in_group(incoming.chat_id, incoming.user_id, session=session)
        couple = couple_for_group(incoming.chat_id, session=session)
        return role, [partner.first_name for partner in couple.partners] if couple else []

    role, names = await in_transaction(look_up)
    if role is Role.PARTNER:
        return True
    if not incoming.is_command_or_button:
        # Their words are not passed on, but crisis language still gets its answer
        # (bot/withheld.py relays only its kind).
        return crisis_intent(incoming) is not None
    if role is Role.CANDIDATE:
        return True
    if incoming.callback_query_id:  # the keyboard stays: the partners still need it
        await answer_press(bot, incoming.callback_query_id, OBSERVER_TOAST)
    elif incoming.text == "/start" or incoming.text.startswith("/start{"):
        first, second = [*names, "", ""][:2]
        text = domain.text("utter_already_set_up", first=first, second=second)
        await deliver(bot, OutgoingMessage(incoming.chat_id, text))
    else:
        await deliver(bot, OutgoingMessage(incoming.chat_id, domain.text("utter_observer_note")))
    return False


async def answer_press(bot: Bot, callback_query_id: str, toast: str | None) -> None:
    """Answer a button press (a toast on the button); a late answer changes nothing."""
    try:
        await bot.answer_callback_query(callback_query_id, text=toast)
    except Exception as error:  # the query expired
        logger.info("callback answer failed (%s)", type(error).__name__)
