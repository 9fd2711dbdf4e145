"""What Rasa hears of a message whose words must not be kept.

Rasa's tracker store keeps every message it is sent, so words that must not be kept never
reach it:
- Observers' words in a group (and those of people who haven't joined its couple): never
  relayed. Their commands and button presses are, without what was typed after a command,
  and crisis language becomes `/crisis{"crisis_kind": ...}` (below), so they get resources.
- A partner's words until both partners agreed in private (PRODUCT.md, "Consent first"),
  in the group, and in their private chat until they agreed themselves. Two things in such
  words still matter, and reach Rasa as an intent without the words:
  crisis language (the lexicon alone, in typed words, captions and edits alike) becomes
  `/crisis{"crisis_kind": ...}`, so the writer still gets resources; a time zone named
  while the formed couple has none becomes `/set_timezone{"timezone": ...}`.
  In their private chat other words become `/withheld_words`, so the bot can say why it
  doesn't take them.
"""

from __future__ import annotations

import enum
import json
from dataclasses import replace

from sqlalchemy.orm import Session

from actions.core.timezones import resolve_timezone
from actions.safety.crisis import classify
from bot.translate import Incoming
from storage.couples import (
    all_consented,
    couple_for_group,
    couples_of_user,
    is_complete,
    partner_in,
)
from storage.engine import transaction

SET_TIMEZONE = "/set_timezone"


class Standing(enum.Enum):
    KEPT = "kept"  # words reach Rasa as written
    WITHHELD = "withheld"  # a partner before consent: the words never reach Rasa
    OUTSIDER = "outsider"  # an observer in a group: only bare commands and buttons do


def what_rasa_hears(incoming: Incoming, session: Session | None = None) -> str | None:
    """The text to relay for this update, or None to relay nothing."""
    if session is None:
        with transaction() as own:
            return what_rasa_hears(incoming, own)
    heard = relayed(incoming, session)
    return None if heard is None else heard.text


def relayed(incoming: Incoming, session: Session) -> Incoming | None:
    """The update as Rasa may hear it, or None to relay nothing. Withheld words go nowhere,
    not even as the screened words of a caption or an edit."""
    standing, wants_timezone = _standing(incoming, session)
    if standing is Standing.KEPT or incoming.callback_query_id is not None:
        return incoming  # button payloads are ours, never someone's words
    heard = _heard(incoming, standing, wants_timezone)
    return None if heard is None else replace(incoming, text=heard, screened_text=None)


def crisis_intent(incoming: Incoming) -> str | None:
    """`/crisis{"crisis_kind": …}` if the words are crisis language (the lexicon alone: no
    NLU without Rasa), else None. A caption or an edit is screened like typed words."""
    words = incoming.text if incoming.is_plain_text else incoming.screened_text or ""
    kind = classify(words, "", 0.0) if words.strip() else None
    return None if kind is None else "/crisis" + json.dumps({"crisis_kind": kind})


def _heard(incoming: Incoming, standing: Standing, wants_timezone: bool) -> str | None:
    if incoming.is_command_or_button:
        return _bare_command(incoming.text)
    # Crisis words get their answer whoever wrote them; the words themselves go nowhere.
    crisis = crisis_intent(incoming)
    if crisis is not None or standing is Standing.OUTSIDER:
        return crisis
    if not incoming.is_plain_text:
        return None
    zone = resolve_timezone(incoming.text) if wants_timezone else None
    if zone is not None:
        return SET_TIMEZONE + json.dumps({"timezone": zone})
    return "/withheld_words" if incoming.chat_type == "private" else None


def _standing(incoming: Incoming, session: Session) -> tuple[Standing, bool]:
    """Where the writer stands, and whether their couple still needs a time zone."""
    if incoming.chat_type == "private":
        couples = couples_of_user(incoming.user_id, session=session)
        agreed = any(
            (partner := partner_in(couple, incoming.user_id)) is not None
            and partner.consented_at is not None
            for couple in couples
        )
        # Strangers, and people whose only couples are closed, write as before.
        return (Standing.WITHHELD if couples and not agreed else Standing.KEPT), False
    if incoming.chat_type not in ("group", "supergroup"):
        return Standing.KEPT, False
    couple = couple_for_group(incoming.chat_id, session=session)
    if partner_in(couple, incoming.user_id) is None:
        return Standing.OUTSIDER, False
    if all_consented(couple):
        return Standing.KEPT, False
    assert couple is not None
    return Standing.WITHHELD, is_complete(couple) and couple.timezone is None


def _bare_command(text: str) -> str:
    """A command without what was typed after it; a time zone only as the zone it names."""
    intent, _, entities = text.partition("{")
    if intent == SET_TIMEZONE and entities:
        try:
            named = json.loads("{" + entities).get("timezone")
        except (ValueError, AttributeError):
            named = None
        zone = resolve_timezone(str(named or ""))
        if zone is not None:
            return SET_TIMEZONE + json.dumps({"timezone": zone})
    return intent
