"""Property-based tests: arbitrary text, entities and update shapes through the bot's
translation and sending, the crisis matcher and the coach. Nothing crashes; what comes out
keeps its invariants (Telegram's limits, valid intent payloads, offsets inside the text)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from telegram import Update

from actions.safety.crisis import analyse, classify, normalise
from actions.statement.coaching import STEPS, analyze
from bot.commands import BY_NAME, as_rasa_payload, split_command
from bot.sender import CALLBACK_DATA_LIMIT, TELEGRAM_TEXT_LIMIT, chunks, keyboard, read_answer
from bot.translate import Incoming, UnknownCommand, translate

# Hypothesis caches things next to the tests by default; not in the project, please.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "talking-stick-hypothesis")

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    # In CI the same examples every run (a red CI must be reproducible); locally, new ones.
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text as people type it: any unicode, plus the characters that matter to us.
texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list("/@{}\"'\\ _*`[]()<>&;\n\t🙂é日")), max_size=80),
    st.sampled_from(["/", "/talk", "/talk@OtherBot x", "/start consent", "/EXTERNAL_x", "{}"]),
    st.builds(lambda a, b: f"/{a} {b}", st.sampled_from(sorted(BY_NAME)), st.text(max_size=400)),
)
chat_types = st.sampled_from(["private", "group", "supergroup", "channel"])
ids = st.integers(min_value=-(10**13), max_value=10**13)
entity_types = st.sampled_from(["bot_command", "mention", "url", "bold", "hashtag", "spoiler"])


def user(user_id: int, is_bot: bool, name: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": is_bot, "first_name": name}


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    chat_id = draw(ids)
    chat = {"id": chat_id, "type": draw(chat_types), "title": draw(st.text(max_size=20))}
    sender = user(draw(ids), draw(st.booleans()), draw(st.text(max_size=30)))
    message: dict[str, Any] = {
        "message_id": draw(st.integers(1, 10**6)),
        "date": 1_700_000_000,
        "chat": chat,
        "from": sender,
    }
    shape = draw(st.sampled_from(["text", "media", "service", "edit", "callback", "empty"]))
    if shape in ("text", "edit"):
        text = draw(texts)
        message["text"] = text
        message["entities"] = [
            {
                "type": draw(entity_types),
                "offset": draw(st.integers(0, 50)),
                "length": draw(st.integers(0, 50)),
            }
            for _ in range(draw(st.integers(0, 3)))
        ]
    elif shape == "media":
        kind = draw(st.sampled_from(["sticker", "voice", "document", "dice", "location"]))
        message.update(_media(kind))
    elif shape == "service":
        message["new_chat_members"] = [user(draw(ids), draw(st.booleans()), "x")]
    update: dict[str, Any] = {"update_id": draw(st.integers(1, 10**9))}
    if shape == "edit":
        update["edited_message"] = {**message, "edit_date": 1_700_000_001}
    elif shape == "callback":
        update["callback_query"] = {
            "id": str(draw(st.integers(1, 10**9))),
            "from": sender,
            "chat_instance": "1",
            "data": draw(st.one_of(texts, st.none())),
            "message": message if draw(st.booleans()) else None,
        }
    elif shape != "empty":
        update["message"] = message
    return update


def _media(kind: str) -> dict[str, Any]:
    file = {"file_id": "f", "file_unique_id": "u"}
    return {
        "sticker": {
            "sticker": {
                **file,
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        "voice": {"voice": {**file, "duration": 1}},
        "document": {"document": file},
        "dice": {"dice": {"emoji": "🎲", "value": 3}},
        "location": {"location": {"latitude": 1.0, "longitude": 2.0}},
    }[kind]


@FUZZ
@given(updates())
def test_any_update_translates_without_crashing_into_something_rasa_can_read(raw):
    update = Update.de_json(raw, None)
    assert update is not None
    result = translate(update, "TalkingStickBot")
    if isinstance(result, UnknownCommand):
        assert result.name and "@" not in result.name
    if not isinstance(result, Incoming):
        return
    assert result.text.strip() and not result.text.startswith("/EXTERNAL")
    assert result.user_id == update.effective_user.id and not update.effective_user.is_bot
    if result.callback_query_id is None and result.is_command_or_button:
        # A typed command: one of ours, its argument as valid JSON entities.
        intent, brace, entities = result.text[1:].partition("{")
        assert intent in {c.intent for c in BY_NAME.values()}
        assert not brace or isinstance(json.loads(brace + entities), dict)


@FUZZ
@given(st.sampled_from(sorted(BY_NAME)), st.text(max_size=500))
def test_a_commands_argument_always_round_trips_as_valid_json(name, argument):
    split = split_command(f"/{name} {argument}", "TalkingStickBot")
    assert split is not None and split[0] == name
    payload = as_rasa_payload(BY_NAME[name], split[1])
    if "{" in payload:
        entities = json.loads(payload[payload.index("{") :])
        assert list(entities.values()) == [split[1][:200]]


@FUZZ
@given(st.text(max_size=20_000))
def test_long_texts_are_split_within_telegrams_limit_and_nothing_is_dropped(text):
    pieces = chunks(text)
    assert all(0 < len(piece) <= TELEGRAM_TEXT_LIMIT for piece in pieces)
    assert "".join(pieces).split() == text.split()


buttons = st.lists(
    st.fixed_dictionaries(
        {"title": st.one_of(st.text(max_size=100), st.integers()), "payload": texts}
    ),
    max_size=12,
)


@FUZZ
@given(buttons)
def test_any_buttons_make_a_valid_keyboard_or_none(items):
    markup = keyboard(items)
    if markup is None:
        return
    for row in markup.inline_keyboard:
        for button in row:
            assert len(button.text) <= 64
            assert 0 < len(str(button.callback_data).encode()) <= CALLBACK_DATA_LIMIT


answer_items = st.one_of(
    st.fixed_dictionaries({"text": st.one_of(texts, st.none()), "buttons": buttons}),
    st.fixed_dictionaries(
        {
            "custom": st.fixed_dictionaries(
                {
                    "telegram": st.fixed_dictionaries(
                        {},
                        optional={
                            "message": st.fixed_dictionaries(
                                {}, optional={"chat_id": ids, "document": st.none()}
                            ),
                            "ack": st.booleans(),
                            "toast": st.booleans(),
                            "keep_keyboard": st.booleans(),
                            "if_undeliverable": st.fixed_dictionaries({}),
                        },
                    )
                }
            )
        }
    ),
)


@FUZZ
@given(st.lists(answer_items, max_size=8), ids)
def test_any_answer_of_our_actions_reads_into_messages(items, chat_id):
    answer = read_answer(items, chat_id)
    assert answer.toast is None or len(answer.toast) <= 200
    for message in answer.messages:
        assert isinstance(message.text, str)
        assert message.fallback is None or message.fallback.chat_id == chat_id


@FUZZ
@given(st.one_of(texts, st.text(max_size=6000)), st.sampled_from(["crisis", "content", ""]))
def test_the_crisis_matcher_takes_any_text(text, intent):
    analysis = analyse(text)
    normal = normalise(text)
    for finding in analysis.findings:
        assert 0 <= finding.start < finding.end <= len(normal)
    assert classify(text, intent, 0.9) in {
        None,
        "other",
        "self_harm",
        "violence",
        "threat",
        "abuse",
        "fear",
    }


@FUZZ
@given(st.sampled_from(STEPS), st.one_of(texts, st.text(max_size=4000)))
def test_the_coach_takes_any_text(step, text):
    for finding in analyze(step, text):
        assert 0 <= finding.start <= finding.end <= len(text)
        assert finding.suggestion


@FUZZ
@given(texts, chat_types, st.booleans())
def test_words_from_outside_a_couple_write_nothing_about_anyone(
    database, domain, text, kind, known
):
    """Strangers, observers' commands and unknown chats: whatever they send, no couple's
    data appears and nothing crashes (a crisis answer saves no event for a non-partner)."""
    from actions.general.help import ActionAnswerFreeText
    from actions.privacy.export import ActionExportData
    from actions.privacy.forget import ActionConfirmForget
    from storage.engine import transaction
    from storage.models import Couple, Partner, SafetyCheck, SafetyEvent
    from tests.support.trackers import build_tracker, run_action

    chat = -100123 if kind != "private" else 4242
    tracker = build_tracker(
        chat, text, "content" if known else "crisis", user_id=4242, chat_type=kind
    )
    for action in (ActionAnswerFreeText(), ActionExportData(), ActionConfirmForget()):
        for message in run_action(action, tracker, domain):
            assert "document" not in str(message.get("custom") or {})
    with transaction() as session:
        for model in (Couple, Partner, SafetyCheck, SafetyEvent):
            assert session.query(model).count() == 0
