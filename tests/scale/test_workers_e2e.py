"""`WORKERS=2` as `make run` starts it (launcher.stack: two bot workers behind the
launcher's hand-off poller, two Sanic workers each for Rasa and the action server), on
PostgreSQL + Redis (the --services pass): every message answered once, in order, by whichever
worker got it, and nothing left running after it stops."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from launcher.processes import free_port
from launcher.stack import Stack, StackConfig
from local_telegram.client import LocalTelegram
from tests.support import services

pytestmark = [pytest.mark.e2e, pytest.mark.services]

CHATS = 8
MESSAGES = 3


@pytest.fixture(scope="module")
def workers_stack(
    tmp_path_factory: pytest.TempPathFactory, services_option: services.Services | None
) -> Iterator[Stack]:
    assert services_option is not None, "runs in the --services pass"
    with ExitStack() as cleanup:
        env = {
            "DATABASE_URL": cleanup.enter_context(services.new_database(services_option, "w")),
            "TRACKER_STORE_URL": cleanup.enter_context(
                services.new_database(services_option, "wt")
            ),
            "REDIS_URL": services_option.redis_url,
        }
        stack = Stack(
            StackConfig(
                var_dir=tmp_path_factory.mktemp("workers"),
                rasa_port=free_port(),
                actions_port=free_port(),
                local_telegram_port=free_port(),
                extra_env=env,
                workers=2,
            )
        )
        try:
            stack.start(timeout=300)
            yield stack
        finally:
            stack.stop()
        assert not [key for key, process in stack.processes.items() if process.alive()]


def test_two_workers_answer_every_message_once_in_order(workers_stack: Stack):
    assert set(workers_stack.processes) == {"telegram", "actions", "rasa", "bot-1", "bot-2"}
    with LocalTelegram(workers_stack.config.local_telegram_url) as telegram:
        people = [telegram.create_user(f"Worker{n}", started=True) for n in range(CHATS)]
        start = telegram.last_seq()
        for _ in range(MESSAGES):
            for person in people:
                telegram.send(person["id"], person, "/help")
        for person in people:
            answers = telegram.sent(person["id"], after=start, wait=90, min_count=MESSAGES)
            helps = [item for item in answers if "/export" in (item.get("text") or "")]
            assert len(helps) == MESSAGES, [item.get("text", "")[:40] for item in answers]
    handoff = workers_stack.handoff
    assert handoff is not None
    assert sum(handoff.handed) == CHATS * MESSAGES
    assert min(handoff.handed) > 0  # both workers took their share

