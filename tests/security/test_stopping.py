"""Stopping the run command leaves nothing behind: on Ctrl-C, SIGTERM and SIGHUP it stops
every child with whatever the child started, and a launcher killed outright (SIGKILL) takes
its children with it. The children here only sleep (tests/security/sleepers.py); the
end-to-end test (test_stopping_e2e.py) does the same with the real stack.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.paths import open_private_log, private_dir
from storage.engine import PROJECT_ROOT
from tests.security.process_watch import running, wait_until_gone


class Sleepers:
    """`python -m tests.security.sleepers` running, with the process ids it started."""

    def __init__(self, var: Path) -> None:
        self.var = var
        self.launcher = subprocess.Popen(
            [sys.executable, "-m", "tests.security.sleepers", str(var)],
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the signals come from this test only
        )
        self.children: set[int] = set()
        self.workers: set[int] = set()  # the children's own children
        deadline = time.monotonic() + 60
        while len(self.workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            for log in var.glob("logs/*.log"):
                for line in log.read_text().splitlines():
                    if line.startswith("pids "):
                        child, worker = line.split()[1:]
                        self.children.add(int(child))
                        self.workers.add(int(worker))
        assert len(self.workers) == 2, "the sleepers did not start"

    def output(self) -> str:
        assert self.launcher.stdout is not None
        return self.launcher.stdout.read().decode(errors="replace")

    def clean_up(self) -> None:
        for pid in {self.launcher.pid} | self.children | self.workers:
            if running(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.launcher.wait(5)


@pytest.fixture
def sleepers(tmp_path: Path) -> Iterator[Sleepers]:
    started = Sleepers(tmp_path / "var")
    yield started
    started.clean_up()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stop_signal_stops_every_child_and_what_it_started(
    sleepers: Sleepers, stop_signal: signal.Signals
) -> None:
    sleepers.launcher.send_signal(stop_signal)

    assert sleepers.launcher.wait(30) == 0
    assert wait_until_gone(sleepers.children | sleepers.workers, timeout=5) == set()
    assert "Stopping" in sleepers.output()


def test_a_second_signal_does_not_cut_the_stopping_short(sleepers: Sleepers) -> None:
    sleepers.launcher.send_signal(signal.SIGTERM)
    time.sleep(0.5)  # the children take 1.5 s to stop
    sleepers.launcher.send_signal(signal.SIGINT)

    assert sleepers.launcher.wait(30) == 0
    assert wait_until_gone(sleepers.children | sleepers.workers, timeout=5) == set()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_children_die_with_a_killed_launcher(sleepers: Sleepers) -> None:
    sleepers.launcher.kill()  # SIGKILL: no chance to stop anything itself
    sleepers.launcher.wait(5)

    assert wait_until_gone(sleepers.children, timeout=10) == set()
    # What a child started itself is the child's to stop, and the kernel does not know of
    # it; none of the real children starts any (the end-to-end test checks the whole tree).


def test_children_logs_are_the_owners_only(sleepers: Sleepers) -> None:
    logs = list(sleepers.var.glob("logs/*.log"))

    assert logs
    assert {oct(path.stat().st_mode & 0o777) for path in logs} == {"0o600"}
    assert oct((sleepers.var / "logs").stat().st_mode & 0o777) == "0o700"


def test_a_log_left_readable_by_an_older_run_is_made_private(tmp_path: Path) -> None:
    old_log = tmp_path / "logs" / "bot.log"
    old_log.parent.mkdir()
    old_log.write_text("an older run's lines\n")
    old_log.chmod(0o644)

    os.close(open_private_log(old_log))

    assert oct(old_log.stat().st_mode & 0o777) == "0o600"
    assert old_log.read_text() == "an older run's lines\n"  # appended to, not emptied


def test_the_runtime_folder_is_made_the_owners_only(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)

    private_dir(var)

    assert oct(var.stat().st_mode & 0o777) == "0o700"
