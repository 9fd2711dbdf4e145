"""One child process: started with a log file, checked for health, stopped cleanly.

Each child runs in its own session (so its own process group): Ctrl-C in the terminal
reaches only the launcher, which stops the children itself, and stopping one signals its
whole group, with whatever it started. A child also dies when the launcher dies without
stopping it (SIGKILL, the OOM killer): on Linux the kernel sends it SIGKILL then
(`PR_SET_PDEATHSIG`), so no orphan keeps the ports and the database.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from launcher.paths import PRIVATE_UMASK, open_private_log
from storage.engine import PROJECT_ROOT


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


HealthCheck = Callable[[], bool]

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# Loaded now, in the parent: nothing is loaded between fork and exec.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None

# Linux sends the death signal when the *thread* that started the child ends, not its
# process: children are all started from this one thread, which lives as long as the
# process (a child restarted from a short-lived thread would otherwise die with it).
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawner")


def set_death_signal(signal_number: int, parent: int) -> None:
    """This process gets `signal_number` when its parent, process `parent`, dies (Linux)."""
    if _LIBC is None:
        return
    _LIBC.prctl(PR_SET_PDEATHSIG, signal_number, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl: no signal will come
        os.kill(os.getpid(), signal_number)


def die_with_parent(signal_number: int) -> Callable[[], None] | None:
    """For `preexec_fn`: the child gets `signal_number` when this process dies."""
    if _LIBC is None:
        return None
    parent = os.getpid()
    return lambda: set_death_signal(signal_number, parent)


def http_ok(url: str, want_json_key: str | None = None) -> HealthCheck:
    def check() -> bool:
        try:
            response = httpx.get(url, timeout=2)
        except httpx.HTTPError:
            return False
        if response.status_code != 200:
            return False
        return want_json_key is None or bool(response.json().get(want_json_key))

    return check


@dataclass
class ManagedProcess:
    name: str  # as a person reads it: "the Rasa server"
    command: list[str]
    env: dict[str, str]
    log_path: Path
    health: HealthCheck
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        log = open_private_log(self.log_path)
        try:
            banner = f"\n--- starting {self.name} at {time.strftime('%H:%M:%S')} ---\n"
            os.write(log, banner.encode())
            started = _SPAWNER.submit(
                subprocess.Popen,
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C is ours to pass on
                umask=PRIVATE_UMASK,  # what the child writes (logs, databases) is its owner's
                # SIGKILL, not SIGTERM: nobody is left to insist if a child ignored a polite
                # request, and every process is built to be killed at any moment.
                preexec_fn=die_with_parent(signal.SIGKILL),
            )
            try:
                self.popen = started.result()
            except KeyboardInterrupt:
                # Asked to stop while the child was starting: keep hold of it, to stop it too.
                self.popen = started.result()
                raise
        finally:
            os.close(log)

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise ChildDied(self)
            if self.health():
                return
            time.sleep(0.25)
        raise TimeoutError(
            f"{self.name} did not become ready within {timeout:.0f} s " f"(log: {self.log_path})"
        )

    def stop(self, timeout: float = 15) -> None:
        self.terminate()
        self.wait_stopped(timeout)

    def terminate(self) -> None:
        """Ask the process and whatever it started (its process group) to stop."""
        if self.alive():
            assert self.popen is not None
            os.killpg(self.popen.pid, signal.SIGTERM)

    def wait_stopped(self, timeout: float) -> None:
        """Wait for a terminated process; kill its group if it takes longer than `timeout`."""
        if self.popen is None:
            return
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)

    def kill(self) -> None:
        """Die at once, as in a crash (tests of durability use this)."""
        if self.alive():
            assert self.popen is not None
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)

    def exit_reason(self) -> str:
        code = self.popen.returncode if self.popen else None
        how = f"exit code {code}" if code is not None and code >= 0 else f"signal {-(code or 0)}"
        return f"{self.name} stopped ({how}). Last lines of {self.log_path}:\n{self.tail()}"

    def tail(self, lines: int = 8) -> str:
        try:
            content = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join("    " + line[:300] for line in content[-lines:])


class ChildDied(RuntimeError):
    def __init__(self, process: ManagedProcess) -> None:
        super().__init__(process.exit_reason())
        self.process = process
