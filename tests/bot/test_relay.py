"""The relay's failure handling, with a stand-in Telegram and Rasa: failures are tried
again (never reported as done), a stuck job holds its chat's queue with one "one moment",
crisis resources go out at once, and faults end in an honest line."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from telegram import Update
from telegram.error import ChatMigrated

from bot import domain, relay
from bot.rasa_client import RasaUnavailable
from bot.relay import Relay, TimerJob, UpdateJob
from bot.sender import OutgoingMessage, deliver
from bot.texts import ONE_MOMENT
from storage import inbox, timers
from storage.couples import couple_for_group, join
from storage.engine import transaction
from storage.models import InboxUpdate, Timer, utc_now

CHAT = 700
ACK = {"custom": {"telegram": {"ack": True}}}
TRANSIENT = {"custom": {"telegram": {"retry": "transient"}}}
FAULT = {"custom": {"telegram": {"retry": "fault"}}}
REAL_SLEEP = asyncio.sleep  # `no_waiting` replaces asyncio.sleep for the relay's back-offs


class FakeBot:
    username = "TalkingStickBot"
    id = 1

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
        self.sent.append((chat_id, text))

    async def answer_callback_query(self, query_id: str, text: str | None = None) -> None:
        self.sent.append((0, f"toast: {text}"))


class FakeRasa:
    """Answers each message with the next scripted answer (a list of messages, or an error)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.metadata: list[dict[str, Any]] = []

    async def send_message(self, chat_id: int, text: str, metadata: dict) -> list[dict]:
        self.metadata.append(metadata)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return list(answer)

    async def trigger_intent(self, chat_id: int, intent: str, entities: dict) -> list[dict]:
        return await self.send_message(chat_id, intent, entities)

    async def actions_up(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    async def fake_sleep(seconds: float) -> None:
        await REAL_SLEEP(0)

    monkeypatch.setattr(relay.asyncio, "sleep", fake_sleep)


def update(update_id: int, text: str) -> Update:
    user = {"id": CHAT, "is_bot": False, "first_name": "Noor"}
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": CHAT, "type": "private", "first_name": "Noor"},
        "from": user,
        "text": text,
    }
    raw = Update.de_json({"update_id": update_id, "message": message}, None)
    with transaction() as session:  # as the intake does before Telegram is told
        inbox.record(update_id, CHAT, raw.to_json(), session=session)
    return raw


def status(update_id: int) -> str:
    with transaction() as session:
        return session.get(InboxUpdate, update_id).status


def answer(text: str) -> list[dict]:
    return [{"text": text}, ACK]


def test_a_locked_database_is_waited_out_with_one_moment_and_never_marked_done_before(
    database,
):
    bot = FakeBot()
    rasa = FakeRasa(
        [TRANSIENT], [TRANSIENT], RasaUnavailable("down"), answer("hello back"), answer("second")
    )
    the_relay = Relay(bot, rasa)  # type: ignore[arg-type]

    async def run() -> None:
        the_relay.enqueue(CHAT, UpdateJob(update(1, "hello")))
        the_relay.enqueue(CHAT, UpdateJob(update(2, "and then")))
        # The relay's database work runs in threads: wait in real time, as long as a
        # loaded machine needs, rather than for a count of turns of the event loop.
        deadline = time.monotonic() + 60
        while status(2) != "done" and time.monotonic() < deadline:
            await REAL_SLEEP(0.01)
        await the_relay.stop()

    asyncio.run(run())
    assert bot.sent == [(CHAT, ONE_MOMENT), (CHAT, "hello back"), (CHAT, "second")]
    assert len(rasa.metadata) == 5 and status(1) == "done"


def test_crisis_resources_go_out_at_once_and_only_once_while_the_save_is_retried(database):
    bot = FakeBot()
    resources = {"text": "I'm really glad you told me."}
    rasa = FakeRasa([resources, TRANSIENT], [resources, TRANSIENT], answer("kept"))
    the_relay = Relay(bot, rasa)  # type: ignore[arg-type]
    asyncio.run(the_relay._run_job(CHAT, UpdateJob(update(3, "I want to die"))))
    assert bot.sent == [(CHAT, resources["text"]), (CHAT, ONE_MOMENT), (CHAT, "kept")]
    assert [m.get("crisis_answered", False) for m in rasa.metadata] == [False, True, True]


def test_a_fault_is_tried_a_few_times_then_told_plainly_and_recorded_as_failed(database):
    bot = FakeBot()
    rasa = FakeRasa(*[[FAULT]] * relay.FAULT_ATTEMPTS)
    the_relay = Relay(bot, rasa)  # type: ignore[arg-type]
    asyncio.run(the_relay._run_job(CHAT, UpdateJob(update(4, "hello"))))
    assert bot.sent == [(CHAT, ONE_MOMENT), (CHAT, domain.text("utter_something_went_wrong"))]
    assert "couldn't handle your last message" in bot.sent[-1][1]
    assert status(4) == "failed"
    with transaction() as session:
        assert inbox.unfinished(session=session) == []


def test_a_failing_timer_counts_its_tries_on_its_row_and_is_given_up(database, monkeypatch):
    monkeypatch.setenv("TIMER_MAX_ATTEMPTS", "3")
    with transaction() as session:
        timer_id = timers.schedule("turn_end", CHAT, utc_now(), session=session).id
    with transaction() as session:
        [due] = timers.claim_due(session=session)
    rasa = FakeRasa(*[[TRANSIENT]] * 3)
    the_relay = Relay(FakeBot(), rasa)  # type: ignore[arg-type]
    asyncio.run(the_relay._run_job(CHAT, TimerJob(due)))
    with transaction() as session:
        row = session.get(Timer, timer_id)
        assert (row.status, row.attempts, row.last_error) == (
            "failed",
            3,
            "action failed: transient",
        )
    assert rasa.answers == []


def test_a_message_to_a_group_that_became_a_supergroup_goes_there_and_the_couple_follows(
    database,
):
    class MigratedBot(FakeBot):
        async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
            if chat_id == -100900:
                raise ChatMigrated(-1000000000900)
            await super().send_message(chat_id, text, reply_markup)

    with transaction() as session:
        join(-100900, 1, "Alex", session=session)
        timers.schedule("turn_end", -100900, utc_now(), session=session)
    bot = MigratedBot()
    asyncio.run(deliver(bot, OutgoingMessage(-100900, "Sam's turn")))  # type: ignore[arg-type]
    assert bot.sent == [(-1000000000900, "Sam's turn")]
    with transaction() as session:
        assert couple_for_group(-1000000000900, session=session) is not None
        assert timers.pending("turn_end", -1000000000900, session=session)


def test_a_queued_timer_deleted_meanwhile_does_not_fire_the_new_timer_that_got_its_id(database):
    with transaction() as session:
        old_id = timers.schedule("safety_hold_notice", CHAT, utc_now(), session=session).id
    with transaction() as session:
        [stale] = timers.claim_due(session=session)
        session.delete(session.get(Timer, old_id))  # /forget deletes the chat's timers...
    with transaction() as session:  # ...and schedules its purge, which may reuse the id
        purge = timers.schedule("purge_conversation", CHAT, utc_now(), session=session)
        purge.id = old_id
    rasa = FakeRasa()
    asyncio.run(Relay(FakeBot(), rasa)._run_job(CHAT, TimerJob(stale)))  # type: ignore[arg-type]
    with transaction() as session:
        assert session.get(Timer, old_id).status == "pending"  # left for its own firing
    assert rasa.metadata == []
