"""Several bot workers on PostgreSQL + Redis, still exactly once (the --services pass).

Two real bot processes (`python -m bot`, each with its own name) share the session's Rasa
server, action server, databases (PostgreSQL) and locks (Redis); the updates reach them
through one poller handing off (launcher/handoff.py), round robin, so consecutive
messages of one chat land on different workers. The session's own bot is stopped meanwhile.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from launcher.handoff import HandOff
from launcher.paths import PYTHON, private_dir
from launcher.processes import ManagedProcess
from local_telegram.client import LocalTelegram
from storage import timers
from storage.engine import dispose_engines, transaction
from storage.enums import TimerKind
from storage.models import utc_now
from storage.timer_payloads import PurgeConversation
from tests.privacy.test_e2e import answer_safety_check
from tests.support.stack import Couple, RunningStack, unique

pytestmark = [pytest.mark.e2e, pytest.mark.services]

# Short, so a killed worker's rows, timer claims and chat locks are taken over quickly.
LEASE_SECONDS = 10


@dataclass
class Workers:
    handoff: HandOff
    bots: list[ManagedProcess]

    def logs(self) -> list[str]:
        return [bot.log_path.read_text(errors="replace") for bot in self.bots]


def start_worker(running: RunningStack, handoff: HandOff, index: int, var) -> ManagedProcess:  # type: ignore[no-untyped-def]
    private_dir(var)
    env = {
        **running.stack.environment(),
        "TELEGRAM_API_BASE_URL": handoff.bot_base_url(index),
        "TALKING_STICK_VAR": str(var),
        "TIMER_WORKER_NAME": f"worker-{index}",
        "WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
        "TIMER_POLL_SECONDS": "0.1",
    }
    ready = var / "runtime" / "bot.ready"
    ready.unlink(missing_ok=True)
    process = ManagedProcess(
        f"bot worker {index}", [PYTHON, "-m", "bot"], env, var / "logs" / "bot.log", lambda: False
    )
    process.health = lambda: ready.exists() and ready.read_text().strip() == str(process.pid)
    process.start()
    process.wait_healthy(120)
    return process


@pytest.fixture(scope="module")
def workers(
    running: RunningStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    assert running.database_url, "the multi-worker tests run on PostgreSQL"
    running.stack.processes["bot"].stop()  # the updates go to the two workers instead
    env = running.stack.environment()
    handoff = HandOff(env["TELEGRAM_API_BASE_URL"], env["TELEGRAM_BOT_TOKEN"], workers=2).start()
    bots: list[ManagedProcess] = []
    try:
        for index in range(2):
            bots.append(start_worker(running, handoff, index, tmp_path_factory.mktemp("w")))
        yield Workers(handoff, bots)
    finally:
        for bot in bots:
            bot.stop()
        handoff.stop()
        running.stack.start_one("bot")


@pytest.fixture
def our_database(running: RunningStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """storage.engine on the stack's PostgreSQL database, for scheduling from the test."""
    assert running.database_url
    monkeypatch.setenv("DATABASE_URL", running.database_url)
    dispose_engines()
    yield
    dispose_engines()


def wait_until(condition, timeout: float = 120, every: float = 0.5) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)


def user_texts(running: RunningStack, chat_id: int) -> list[str]:
    """What Rasa heard in a conversation, in the order it stored it. A message Rasa answered
    without running the action (e.g. its connection to the action server dropped) is sent
    again at once, and Rasa keeps the user event of each try: a repeat in a row is that,
    not a second handling (the action journal answers each update once)."""
    rows = running.query_tracker(
        "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
        str(chat_id),
    )
    heard: list[str] = []
    for (data,) in rows:
        text = json.loads(data).get("text") or ""
        if not heard or heard[-1] != text:
            heard.append(text)
    return heard


def unfinished(running: RunningStack, chats: list[int]) -> int:
    marks = ",".join("?" * len(chats))
    return int(
        running.query(
            f"SELECT count(*) FROM inbox_updates WHERE chat_id IN ({marks}) "
            "AND status NOT IN ('done', 'failed')",
            *chats,
        )[0][0]
    )


def test_two_dispatchers_fire_1000_timers_exactly_once(
    running: RunningStack, workers: Workers, our_database: None
):
    chats = [-7_000_000_000_000 - number for number in range(1000)]
    with transaction() as session:
        for chat in chats:
            # A purge of nothing (events before 1970): a timer the bot fires itself, and
            # logs once per firing.
            timers.schedule(
                TimerKind.PURGE_CONVERSATION,
                chat,
                utc_now() - timedelta(seconds=1),
                PurgeConversation(before=1.0),
                session=session,
            )

    marks = ",".join("?" * len(chats))

    def fired() -> int:
        return int(
            running.query(
                f"SELECT count(*) FROM timers WHERE chat_id IN ({marks}) AND status = 'fired'",
                *chats,
            )[0][0]
        )

    wait_until(lambda: fired() == len(chats), timeout=300)
    time.sleep(LEASE_SECONDS + 1)  # a second firing, had there been one, would show by now
    firings = Counter(
        int(chat)
        for log in workers.logs()
        for chat in re.findall(r"chat (-7\d+): \d+ tracker event\(s\) purged", log)
    )
    assert set(firings) == set(chats) and set(firings.values()) == {1}
    per_worker = [
        len(re.findall(r"chat -7\d+: \d+ tracker event\(s\) purged", log))
        for log in workers.logs()
    ]
    assert all(per_worker), per_worker  # both dispatchers fired some
    assert running.query(
        f"SELECT max(attempts) FROM timers WHERE chat_id IN ({marks})", *chats
    ) == [(1,)]


def test_two_workers_share_500_updates_over_20_chats_in_order(
    running: RunningStack, telegram: LocalTelegram, workers: Workers
):
    people = [telegram.create_user(unique("Wren")) for _ in range(20)]
    chats = [person["id"] for person in people]
    sent: dict[int, list[str]] = {chat: [] for chat in chats}
    for number in range(25):
        for person in people:
            text = f"note {number} from {person['first_name']}"
            telegram.send(person["id"], person, text)
            sent[person["id"]].append(text)

    wait_until(lambda: unfinished(running, chats) == 0 and all(
        user_texts(running, chat) == sent[chat] for chat in chats
    ), timeout=600, every=1)
    for chat in chats:  # each message heard once, in the order it was written
        assert user_texts(running, chat) == sent[chat]
    marks = ",".join("?" * len(chats))
    owners = dict(
        running.query(
            f"SELECT owner, count(*) FROM inbox_updates WHERE chat_id IN ({marks}) "
            "GROUP BY owner",
            *chats,
        )
    )
    assert set(owners) == {"worker-0", "worker-1"}, owners  # both did part of the work
    assert sum(owners.values()) == 500


def test_a_worker_killed_mid_job_has_its_work_finished_by_the_other_without_duplicates(
    running: RunningStack,
    telegram: LocalTelegram,
    workers: Workers,
    tmp_path_factory: pytest.TempPathFactory,
):
    people = [telegram.create_user(unique("Kit")) for _ in range(6)]
    chats = [person["id"] for person in people]
    sent: dict[int, list[str]] = {chat: [] for chat in chats}
    start = telegram.last_seq()
    for number in range(10):
        for person in people:
            text = f"line {number} from {person['first_name']}"
            telegram.send(person["id"], person, text)
            sent[person["id"]].append(text)
    # Mid-job: some answers went out, most are still to come.
    telegram.sent(after=start, wait=60, min_count=3)
    victim = workers.bots[0]
    victim.kill()  # SIGKILL: no clean-up, its leases and chat locks just stop being renewed

    def finished() -> int:
        return int(
            running.query(
                "SELECT count(*) FROM inbox_updates WHERE status IN ('done', 'failed') "
                f"AND chat_id IN ({','.join('?' * len(chats))})",
                *chats,
            )[0][0]
        )

    wait_until(lambda: finished() == 60, timeout=300, every=1)
    for chat in chats:
        assert user_texts(running, chat) == sent[chat]  # all of it, once, in order
    answered_by_survivor = running.query(
        "SELECT count(*) FROM inbox_updates WHERE owner = 'worker-1' AND chat_id IN "
        f"({','.join('?' * len(chats))})",
        *chats,
    )[0][0]
    assert answered_by_survivor > 0
    # Back to two workers for the tests that follow.
    workers.bots[0] = start_worker(
        running, workers.handoff, 0, tmp_path_factory.mktemp("w")
    )


def test_a_forget_purge_racing_a_message_leaves_nothing_behind(
    running: RunningStack, telegram: LocalTelegram, workers: Workers, group: Couple
):
    from tests.support.stack import press_im_in

    press_im_in(telegram, group)
    answer_safety_check(telegram, group.alex)
    answer_safety_check(telegram, group.sam)
    alex = group.alex
    for number in range(5):
        telegram.send(group.group, alex, f"BEFORE-MARK {number}")
    start = telegram.last_seq()
    telegram.send(alex["id"], alex, "/forget")
    question = telegram.wait_for_text(alex["id"], "Delete everything I keep about you", after=start)
    telegram.press(alex["id"], alex, question["message_id"], button_text="Delete my data")
    # Racing the purge of the group's conversation: more of Alex's words in the group, on
    # whichever worker gets them, while the other may be purging.
    for number in range(5):
        telegram.send(group.group, alex, f"RACE-MARK {number}")
    telegram.wait_for_text(alex["id"], "I deleted what I kept about you", after=start)

    def left() -> int:
        return int(
            running.query_tracker(
                "SELECT count(*) FROM events WHERE sender_id = ? "
                "AND (data LIKE ? OR data LIKE ?)",
                str(group.group),
                "%BEFORE-MARK%",
                "%RACE-MARK%",
            )[0][0]
        )

    chats = [group.group, alex["id"]]
    wait_until(lambda: left() == 0 and unfinished(running, chats) == 0, timeout=120)
    time.sleep(2)  # nothing written back afterwards
    assert left() == 0
    assert running.query(
        "SELECT count(*) FROM partners WHERE telegram_user_id = ?", alex["id"]
    ) == [(0,)]
