"""End-to-end fixtures: the real bot, Rasa server and action server, started once per session
against the project's own Bot API-compatible server on 127.0.0.1. Each test makes its own
users and chats, so tests don't see each other's messages.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from launcher.stack import Stack, StackConfig, free_port
from local_telegram.client import LocalTelegram
from tests.support import services

# Short enough to wait for in a test, long enough to kill and restart the bot before it.
TIMEZONE_REMINDER_SECONDS = 12
# A round-robin turn: long enough to write a few messages, short enough to wait for.
TURN_SECONDS = 15
GRACE_SECONDS = 5  # round-robin: "finish your sentence" after time-up

# The group's neutral note after a safety hold comes this much later (production: 1800).
SAFETY_NOTICE_DELAY_SECONDS = 12

# A half-done check-in: one reminder this long after it started, then it expires this long
# after the reminder (production: two days each). Long enough to answer a whole check-in.
CHECKIN_REMINDER_SECONDS = 25
CHECKIN_EXPIRE_SECONDS = 10

_names = itertools.count(1)


@dataclass
class RunningStack:
    stack: Stack
    telegram: LocalTelegram
    # The --services pass: the couple's database and Rasa's tracker store on PostgreSQL.
    database_url: str | None = None
    tracker_store_url: str | None = None

    @property
    def database(self) -> Path:
        return self.stack.config.var_dir / "talking_stick.db"

    @property
    def tracker_database(self) -> Path:
        return self.stack.config.var_dir / "rasa_tracker.db"

    def query(self, sql: str, *params: Any) -> list[tuple]:
        """Read the couple's database."""
        if self.database_url:
            return services.query(self.database_url, sql, params)
        return _read(self.database, sql, params)

    def write(self, sql: str, **params: Any) -> None:
        """Change test data in the couple's database while the stack runs (e.g. bring a
        timer forward), on SQLite or PostgreSQL alike; committed on return."""
        engine = create_engine(self.database_url or f"sqlite:///{self.database}")
        try:
            with engine.begin() as connection:
                connection.execute(text(sql), params)
        finally:
            engine.dispose()

    def query_tracker(self, sql: str, *params: Any) -> list[tuple]:
        """Read Rasa's tracker store (conversation events)."""
        if self.tracker_store_url:
            return services.query(self.tracker_store_url, sql, params)
        return _read(self.tracker_database, sql, params)

    def columns(self, table: str) -> list[str]:
        """The column names of a table of the couple's database."""
        if self.database_url:
            rows = self.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", table
            )
            return [row[0] for row in rows]
        return [row[1] for row in self.query(f"PRAGMA table_info({table})")]

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")
            for path in (self.stack.config.var_dir / "logs").glob("*.log")
        )


def _read(path: Path, sql: str, params: tuple) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def running(
    tmp_path_factory: pytest.TempPathFactory, services_option: services.Services | None
) -> Iterator[RunningStack]:
    with ExitStack() as cleanup:
        urls: dict[str, str] = {}
        if services_option is not None:
            # The scale topology: both databases on PostgreSQL, Rasa's lock store on Redis.
            urls = {
                "DATABASE_URL": cleanup.enter_context(
                    services.new_database(services_option, "e2e")
                ),
                "TRACKER_STORE_URL": cleanup.enter_context(
                    services.new_database(services_option, "e2e_tracker")
                ),
                "REDIS_URL": services_option.redis_url,
                # A killed bot's chat locks and inbox leases lapse after this; the restarted
                # bot (a new worker) then takes its chats over (production: a minute).
                "WORKER_LEASE_SECONDS": "10",
            }
            services.flush_redis(services_option.redis_url)
        yield from _running(tmp_path_factory, urls)


def _running(
    tmp_path_factory: pytest.TempPathFactory, urls: dict[str, str]
) -> Iterator[RunningStack]:
    var = tmp_path_factory.mktemp("var")
    config = StackConfig(
        var_dir=var,
        rasa_port=free_port(),
        actions_port=free_port(),
        local_telegram_port=free_port(),
        extra_env={
            "TIMEZONE_REMINDER_SECONDS": str(TIMEZONE_REMINDER_SECONDS),
            "SAFETY_NOTICE_DELAY_SECONDS": str(SAFETY_NOTICE_DELAY_SECONDS),
            "MIN_PAUSE_SECONDS": "5",  # pause: "in 15 seconds" needs no "that's short" note
            "PAUSE_PROPOSAL_REMINDER_SECONDS": "10",  # pause: one reminder if no time agreed
            "PAUSE_FOLLOWUP_SECONDS": "8",  # pause: nobody ready → follow-up, then missed
            "LOG_LEVEL": "INFO",
            "AGREEMENT_REVIEW_DAYS": "10",  # guided statement (tests/statement/test_e2e.py)
            "TURN_SECONDS": str(TURN_SECONDS),
            "ROUND_ROBIN_GRACE_SECONDS": str(GRACE_SECONDS),
            "CHECKIN_REMINDER_SECONDS": str(CHECKIN_REMINDER_SECONDS),  # tests/checkin
            "CHECKIN_EXPIRE_SECONDS": str(CHECKIN_EXPIRE_SECONDS),
            **urls,
        },
    )
    stack = Stack(config)
    try:
        stack.start(timeout=300)
    except Exception:
        stack.stop()
        raise
    yield RunningStack(
        stack,
        LocalTelegram(config.local_telegram_url),
        urls.get("DATABASE_URL"),
        urls.get("TRACKER_STORE_URL"),
    )
    stack.stop()


@pytest.fixture
def telegram(running: RunningStack) -> LocalTelegram:
    return running.telegram


@dataclass
class Couple:
    """A group with two people about to become partners, and an observer."""

    group: int
    alex: dict
    sam: dict
    robin: dict


def utc_epoch(stored: str) -> float:
    """A UTC time as the test queries read it (naive text) → seconds since the epoch."""
    return datetime.fromisoformat(stored).replace(tzinfo=timezone.utc).timestamp()


def unique(name: str) -> str:
    return f"{name}{next(_names)}"


@pytest.fixture
def group(telegram: LocalTelegram) -> Couple:
    alex = telegram.create_user(unique("Alex"))
    sam = telegram.create_user(unique("Sam"))
    robin = telegram.create_user(unique("Robin"))
    chat = telegram.create_group("Us", [alex, sam, robin])
    return Couple(chat["id"], alex, sam, robin)


# The group's time-zone reminder comes TIMEZONE_REMINDER_SECONDS after the couple formed if
# nobody chose a zone; on a slow machine it may fall inside a test's "nothing else said".
ZONE_REMINDER = "I still need your time zone"


def besides_zone_reminder(items: list[dict]) -> list[dict]:
    """What the bot sent, without the time-zone reminder."""
    return [i for i in items if ZONE_REMINDER not in (i["text"] or "")]


def press_im_in(telegram: LocalTelegram, couple: Couple) -> None:
    """/start in the group and both partners press "I'm in"; waits for all the bot says then."""
    after = telegram.last_seq()
    telegram.send(couple.group, couple.alex, "/start")
    intro = telegram.wait_for_text(couple.group, "I'm in", after=after)
    telegram.press(couple.group, couple.alex, intro["message_id"], button_text="I'm in")
    telegram.wait_for_text(couple.group, "is in", after=after)
    telegram.press(couple.group, couple.sam, intro["message_id"], button_text="I'm in")
    telegram.wait_for_text(couple.group, "which time zone", after=after)
    telegram.wait_for_text(couple.group, "start=consent", after=after)  # the last of them


@pytest.fixture
def formed(telegram: LocalTelegram, group: Couple) -> Couple:
    press_im_in(telegram, group)
    return group


def open_private_chat(telegram: LocalTelegram, user: dict) -> dict:
    """The user opens the private chat from the group's link (/start consent)."""
    after = telegram.last_seq()
    telegram.send(user["id"], user, "/start consent")
    return telegram.wait_for_text(user["id"], "Do you agree", after=after)


def agree_in_private(telegram: LocalTelegram, user: dict) -> None:
    """The user opens the private chat and presses "I agree"; waits for the first question
    of the private safety check that follows (left unanswered)."""
    intro = open_private_chat(telegram, user)
    after = telegram.last_seq()
    telegram.press(user["id"], user, intro["message_id"], button_text="I agree")
    telegram.wait_for_text(user["id"], "afraid of your partner", after=after)


@pytest.fixture
def consented(telegram: LocalTelegram, formed: Couple) -> Couple:
    """A formed couple whose partners both agreed in private: exercises can start, and
    their words are kept (PRODUCT.md, "Consent first")."""
    for partner in (formed.alex, formed.sam):
        agree_in_private(telegram, partner)
    return formed
