"""Reliability pieces: the answer journal, sending with retries, the 403 fallback, webhooks."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.replies import Outgoing, Reply
from actions.safety import respond
from bot import sender
from bot.app import checked_settings
from bot.sender import OutgoingMessage, deliver, read_answer, with_retries
from storage import inbox
from storage.couples import join
from storage.engine import transaction
from storage.models import InboxUpdate, SafetyEvent
from tests.support.rendering import in_dispatch_shape, rendered_by_rasa
from tests.support.trackers import add_response, build_tracker, run_action


class CountingAction(TalkingStickAction):
    """Acts visibly: each run that really acts is counted."""

    action_name = "action_counting"
    partners_only = False
    runs: ClassVar[list[int]] = []

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        self.runs.append(1)
        return [
            Reply(response="utter_test_answer", values={"number": len(self.runs)}),
            Reply(response="utter_test_second_line"),
        ]


@pytest.fixture(autouse=True)
def counting_responses(monkeypatch, domain):
    add_response(monkeypatch, domain, "utter_test_answer", "answer {number}")
    add_response(monkeypatch, domain, "utter_test_second_line", "second line")


def tracker_for_update(update_id: int | None) -> Any:
    return build_tracker(
        100, "hello", "content", chat_type="private", user_id=100, update_id=update_id
    )


def test_an_update_answered_once_is_not_acted_on_again(database, domain):
    CountingAction.runs.clear()
    with transaction() as session:
        inbox.record(7, 100, '{"update_id": 7}', session=session)
    first = run_action(CountingAction(), tracker_for_update(7), domain)
    second = run_action(CountingAction(), tracker_for_update(7), domain)
    assert [m["text"] for m in first] == ["answer 1", "second line"]
    assert [m["text"] for m in second] == ["answer 1", "second line"]
    assert len(CountingAction.runs) == 1
    with transaction() as session:
        # The bot keeps Rasa's rendering of the journalled answer and delivers from it.
        assert inbox.journal(7, session=session) is None
        rendered = [{"text": "answer 1"}, {"custom": {"telegram": {"message": {}}}}]
        assert inbox.store_delivery(7, rendered, session=session) == (rendered, 0)
        stored = inbox.journal(7, session=session)
        assert stored is not None and stored[1] == 0
        inbox.mark_sent(7, 1, session=session)
        assert inbox.journal(7, session=session)[1] == 1  # type: ignore[index]
        # A second rendering (Rasa asked again) never replaces the one partly sent.
        assert inbox.store_delivery(7, [], session=session) == (rendered, 1)
        row = session.get(InboxUpdate, 7)
        assert inbox.raw_update(row) == {"update_id": 7}  # still there for a replay
        assert [r.update_id for r in inbox.unfinished(session=session)] == [7]
        inbox.mark_done(7, session=session)
        assert session.get(InboxUpdate, 7).payload is None


def test_without_a_journal_row_the_action_simply_acts(database, domain):
    CountingAction.runs.clear()
    run_action(CountingAction(), tracker_for_update(None), domain)
    run_action(CountingAction(), tracker_for_update(99), domain)
    assert len(CountingAction.runs) == 2


def run_failing(action: Any, tracker: Any, domain: dict) -> list[dict[str, Any]]:
    """Everything the action said, rendered as Rasa does, its markers included."""
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, domain))
    return in_dispatch_shape(rendered_by_rasa(dispatcher.messages, domain, tracker.sender_id))


def markers(said: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"]["telegram"] for m in said if "ack" in m.get("custom", {}).get(
        "telegram", {}) or "retry" in m.get("custom", {}).get("telegram", {})]


class Locked(CountingAction):
    """Its database write fails the way SQLite does when another process holds the lock."""

    action_name = "action_locked"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        raise OperationalError("UPDATE couples", {}, Exception("database is locked"))


def test_a_failed_action_leaves_the_update_to_be_answered_again(database, domain):
    class Failing(CountingAction):
        action_name = "action_failing"

        def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
            raise RuntimeError("boom")

    with transaction() as session:
        inbox.record(8, 100, "{}", session=session)
    said = run_failing(Failing(), tracker_for_update(8), domain)
    # Not "done", and no comforting line: the bot tries the update again (a fault only a
    # few times, then it tells the person plainly that it was not handled).
    assert markers(said) == [{"retry": "fault"}]
    assert [m for m in said if m.get("text")] == []
    with transaction() as session:
        assert session.get(InboxUpdate, 8).status == "pending"
    locked = run_failing(Locked(), tracker_for_update(8), domain)
    assert markers(locked) == [{"retry": "transient"}]  # tried again until it passes


def test_crisis_words_get_their_resources_even_when_the_database_fails(
    database, domain, monkeypatch
):
    with transaction() as session:
        join(-100800, 100, "Alex", session=session)
        join(-100800, 101, "Sam", session=session)

    def locked(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("INSERT INTO safety_events", {}, Exception("database is locked"))

    tracker = build_tracker(
        100, "I want to kill myself", "content", chat_type="private", user_id=100
    )
    with monkeypatch.context() as patched:
        patched.setattr(respond.safety, "record_event", locked)
        said = run_failing(CountingAction(), tracker, domain)
    assert markers(said) == [{"retry": "transient"}]
    assert len([m for m in said if "glad you told me" in (m.get("text") or "")]) == 1
    with transaction() as session:
        assert session.execute(select(SafetyEvent.kind)).scalars().all() == []
    # The bot's next try says the resources went out: the saved answer does not repeat them.
    tracker = build_tracker(
        100,
        "I want to kill myself",
        "content",
        chat_type="private",
        user_id=100,
        crisis_answered=True,
    )
    again = run_failing(CountingAction(), tracker, domain)
    assert markers(again) == [{"ack": True}]
    assert not [m for m in again if "glad you told me" in (m.get("text") or "")]
    with transaction() as session:
        assert session.execute(select(SafetyEvent.kind)).scalars().all() == ["crisis_self_harm"]


class FakeCall:
    """Telegram's answers to one send, in order (an exception or a result)."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return str(outcome)


@pytest.fixture
def no_sleep(monkeypatch):
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(sender.asyncio, "sleep", fake_sleep)
    return slept


def test_429_5xx_and_timeouts_are_sent_again_until_telegram_takes_it(no_sleep):
    call = FakeCall(
        RetryAfter(3), NetworkError("Bad Gateway"), TimedOut(), NetworkError("x"), "sent"
    )
    assert asyncio.run(with_retries(call, "sendMessage")) == "sent"
    assert call.calls == 5
    assert no_sleep[0] == 3  # as long as Telegram asked


def test_refusals_are_not_retried(no_sleep):
    call = FakeCall(BadRequest("message is too long"))
    with pytest.raises(BadRequest):
        asyncio.run(with_retries(call, "sendMessage"))
    assert call.calls == 1


def test_a_message_is_given_up_only_after_the_configured_time(no_sleep, monkeypatch):
    monkeypatch.setenv("DELIVERY_GIVE_UP_SECONDS", "1")
    clock = iter(range(0, 1000, 2))

    class Loop:
        def time(self) -> float:
            return float(next(clock))

    monkeypatch.setattr(sender.asyncio, "get_running_loop", lambda: Loop())
    call = FakeCall(*[NetworkError("down")] * 10)
    with pytest.raises(NetworkError):
        asyncio.run(with_retries(call, "sendMessage"))
    assert call.calls == 1


class FakeBot:
    def __init__(self, refuses: set[int]) -> None:
        self.refuses = refuses
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
        if chat_id in self.refuses:
            raise Forbidden("bot can't initiate conversation with a user")
        self.sent.append((chat_id, text))


def test_a_refused_private_message_is_replaced_by_its_fallback_in_the_group():
    items = [
        {"text": "resources"},
        {"custom": {"telegram": {"message": {"chat_id": 5}}}},
        {"text": "please open a private chat"},
        {"custom": {"telegram": {"if_undeliverable": {}}}},
    ]
    [message] = read_answer(items, -100).messages
    bot = FakeBot(refuses={5})
    asyncio.run(deliver(bot, message))  # type: ignore[arg-type]
    assert bot.sent == [(-100, "please open a private chat")]
    reachable = FakeBot(refuses=set())
    asyncio.run(deliver(reachable, message))  # type: ignore[arg-type]
    assert reachable.sent == [(5, "resources")]


def test_an_outgoing_message_without_a_fallback_is_dropped_quietly_on_403():
    bot = FakeBot(refuses={5})
    asyncio.run(deliver(bot, OutgoingMessage(5, "hello")))  # type: ignore[arg-type]
    assert bot.sent == []


def test_webhook_mode_requires_a_secret_token(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://example.org/hook")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    with pytest.raises(SystemExit):
        checked_settings()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    assert checked_settings().telegram_webhook_secret == "s3cret"
