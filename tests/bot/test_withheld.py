"""What Rasa hears of words that must not be kept: observers', and a partner's before
consent (bot/withheld.py). Rasa's tracker keeps whatever it is sent, so those words never go."""

from __future__ import annotations

import json

from bot.translate import Incoming
from bot.withheld import what_rasa_hears
from storage.couples import couple_for_group, join
from storage.engine import transaction
from storage.models import utc_now
from tests.support.couples import agree_in_private

GROUP = -100300
ALEX, SAM, ROBIN, KIM = 41, 42, 43, 44


def said(user: int, text: str, chat: int = GROUP, **kind) -> str | None:
    incoming = Incoming(
        chat_id=chat,
        chat_type="group" if chat < 0 else "private",
        user_id=user,
        first_name="Someone",
        text=text,
        **{
            "is_plain_text": not text.startswith("/"),
            "is_command_or_button": text.startswith("/"),
            **kind,
        },
    )
    return what_rasa_hears(incoming)


def form_couple() -> None:
    with transaction() as session:
        join(GROUP, ALEX, "Alex", session=session)
        join(GROUP, SAM, "Sam", session=session)


def test_before_both_agreed_a_partners_words_never_reach_rasa(database):
    form_couple()
    with transaction() as session:  # one of them agreeing is not enough
        couple_for_group(GROUP, session=session).partners[0].consented_at = utc_now()
    assert said(SAM, "did you see the link?") is None
    # Crisis words still reach the crisis action, as their kind only.
    crisis = said(SAM, "honestly I don't want to live anymore")
    assert crisis == '/crisis{"crisis_kind": "self_harm"}'
    # A city named while the couple has no time zone: only the zone it names.
    assert said(ALEX, "We live in Berlin") == '/set_timezone{"timezone": "Europe/Berlin"}'
    # Commands go without what was typed after them; the time zone command as the zone.
    assert said(SAM, '/start_statement{"topic": "the dishes"}') == "/start_statement"
    assert said(SAM, '/set_timezone{"timezone": "New York"}') == (
        '/set_timezone{"timezone": "America/New_York"}'
    )
    assert said(SAM, '/set_timezone{"timezone": "our secret place"}') == "/set_timezone"
    # Our own buttons' payloads are not anyone's words.
    button = '/pause_time{"pause_ref":"3.s1200"}'
    assert said(SAM, button, callback_query_id="q1") == button
    assert said(SAM, '/shared_media{"media_kind":"sticker"}') == "/shared_media"


def test_before_consent_a_caption_or_an_edit_is_screened_like_typed_words(database):
    form_couple()
    photo = '/shared_media{"media_kind":"photo"}'
    caption = said(ALEX, photo, is_plain_text=False, is_command_or_button=False,
                   screened_text="he hit me last night")
    assert caption == '/crisis{"crisis_kind": "violence"}'
    edit = said(SAM, "/edited_message", is_plain_text=False, is_command_or_button=False,
                screened_text="I don't want to live anymore")
    assert edit == '/crisis{"crisis_kind": "self_harm"}'
    # Without crisis words, neither the caption nor the edit goes anywhere.
    quiet = said(SAM, photo, is_plain_text=False, is_command_or_button=False,
                 screened_text="our kitchen, finally clean")
    assert quiet is None
    assert said(SAM, photo, is_plain_text=False, is_command_or_button=False) is None


def test_once_both_agreed_words_reach_rasa_as_written(database):
    form_couple()
    agree_in_private(GROUP)
    assert said(SAM, "We live in Berlin") == "We live in Berlin"
    assert said(SAM, '/start_statement{"topic": "the dishes"}') == (
        '/start_statement{"topic": "the dishes"}'
    )


def test_observers_words_never_reach_rasa_and_their_commands_go_bare(database):
    form_couple()
    agree_in_private(GROUP)
    assert said(ROBIN, "Robin's secret remark") is None
    # Crisis words get resources whoever wrote them: only their kind goes on.
    assert said(ROBIN, "I don't want to live anymore") == '/crisis{"crisis_kind": "self_harm"}'
    photo = '/shared_media{"media_kind":"photo"}'
    caption = said(ROBIN, photo, is_plain_text=False, is_command_or_button=False,
                   screened_text="he hit me last night")
    assert caption == '/crisis{"crisis_kind": "violence"}'
    assert said(ROBIN, '/start_statement{"topic": "their money"}') == "/start_statement"


def test_in_private_a_partner_who_has_not_agreed_gets_a_reason_instead(database):
    form_couple()
    assert said(SAM, "hello? what happens now", chat=SAM) == "/withheld_words"
    assert json.loads(said(SAM, "he hit me", chat=SAM).removeprefix("/crisis")) == {
        "crisis_kind": "violence"
    }
    with transaction() as session:
        couple_for_group(GROUP, session=session).partners[1].consented_at = utc_now()
    assert said(SAM, "hello? what happens now", chat=SAM) == "hello? what happens now"
    # Someone with no couple writes as before (nothing of a couple to protect).
    assert said(KIM, "what is this bot", chat=KIM) == "what is this bot"
