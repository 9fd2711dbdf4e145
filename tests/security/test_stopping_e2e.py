"""The run command as the README gives it, stopped the ways a service manager stops it:
`make run` (local chat, LOG_LEVEL=DEBUG) gets SIGTERM after a conversation; in another run
`python -m launcher run` is killed outright. Afterwards no process it started is left, its
ports are free, no log holds the typed text or a token, and no command line held Rasa's token.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.stack import LOCAL_BOT_TOKEN, free_port
from storage.engine import PROJECT_ROOT
from tests.security.process_watch import (
    command_lines,
    descendants,
    listening,
    running,
    wait_until_gone,
)

pytestmark = pytest.mark.e2e

MARKER = "Zebra4711 I never want this in a log"


class Run:
    """The run command in a terminal: what it prints, and a keyboard to type into its chat."""

    def __init__(self, command: list[str], var: Path, log_level: str = "INFO") -> None:
        self.var = var
        self.ports = {"rasa": free_port(), "actions": free_port(), "telegram": free_port()}
        self.rasa_token = secrets.token_hex(24)
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TRACKER_STORE_URL")
        }
        environment.update(
            TALKING_STICK_VAR=str(var),
            DATABASE_URL="",
            RASA_PORT=str(self.ports["rasa"]),
            ACTION_SERVER_PORT=str(self.ports["actions"]),
            LOCAL_TELEGRAM_PORT=str(self.ports["telegram"]),
            RASA_AUTH_TOKEN=self.rasa_token,
            LOG_LEVEL=log_level,
        )
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=environment,
            stdin=subprocess.PIPE,  # kept open: the local chat ends at end of input
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # signals come from this test only
        )
        self._printed: list[str] = []
        self.seen: set[int] = set()  # every process of the run seen so far, for cleaning up
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in iter(self.process.stdout.readline, b""):
            self._printed.append(line.decode(errors="replace"))

    @property
    def printed(self) -> str:
        return "".join(self._printed)

    def wait_for(self, text: str, timeout: float, after: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.printed[after:]:
            assert self.process.poll() is None, f"the run command ended:\n{self.printed[-3000:]}"
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.printed[-3000:]}"
            time.sleep(0.5)

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        self.process.stdin.flush()

    def started(self) -> set[int]:
        """Every process the run command started (and they started), all running."""
        started = descendants(self.process.pid)
        self.seen |= started
        assert len(started) >= 4, "Rasa, the action server, the bot, the local Bot API server"
        return started

    def clean_up(self) -> None:
        """After a failed test: nothing of this run may outlive it."""
        for pid in self.seen | descendants(self.process.pid) | {self.process.pid}:
            if running(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        run.clean_up()


def wait_until_rasa_stored(var: Path, text: str, timeout: float) -> None:
    """Rasa saves a conversation once its actions ran: the text went all the way through."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.closing(sqlite3.connect(var / "rasa_tracker.db")) as connection:
            rows = connection.execute("SELECT data FROM events WHERE type_name = 'user'")
            if any(text in (row[0] or "") for row in rows):
                return
        time.sleep(1)
    raise AssertionError(f"Rasa did not store the typed text within {timeout:.0f} s")


def test_sigterm_to_make_run_stops_everything_and_logs_hold_no_text(
    runs: list[Run], tmp_path: Path
) -> None:
    # -o setup: the set-up (venv, installs) is done; the recipe itself is what runs.
    run = Run(["make", "-s", "-o", "setup", "run"], tmp_path / "var", log_level="DEBUG")
    runs.append(run)
    run.wait_for("Local chat:", timeout=500)
    started = run.started()
    assert run.rasa_token not in command_lines()

    run.type(":in private")
    run.type(MARKER)  # typed into the bot's private chat: relayed to Rasa and the actions
    wait_until_rasa_stored(run.var, MARKER, timeout=180)

    os.kill(run.process.pid, signal.SIGTERM)  # to make, as systemd or Docker would

    assert run.process.wait(120) is not None
    assert wait_until_gone(started, timeout=10) == set()
    assert not [name for name, port in run.ports.items() if listening(port)]
    logs = list((run.var / "logs").glob("*.log"))
    assert len(logs) == 4
    for log in logs:
        content = log.read_text(errors="replace")
        assert MARKER not in content, log.name
        assert LOCAL_BOT_TOKEN.split(":")[1] not in content, log.name
        assert run.rasa_token not in content, log.name
        assert oct(log.stat().st_mode & 0o777) == "0o600", log.name
    assert oct(run.var.stat().st_mode & 0o777) == "0o700"
    assert oct((run.var / "runtime" / "endpoints.yml").stat().st_mode & 0o777) == "0o600"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_launcher_leaves_no_process_and_no_port_behind(
    runs: list[Run], tmp_path: Path
) -> None:
    run = Run([sys.executable, "-m", "launcher", "run"], tmp_path / "var")
    runs.append(run)
    run.wait_for("Local chat:", timeout=500)
    started = run.started()

    run.process.kill()  # SIGKILL: the launcher stops nothing itself

    assert wait_until_gone(started, timeout=15) == set()
    assert not [name for name, port in run.ports.items() if listening(port)]
