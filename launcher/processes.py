"""One child process: started with a log file, checked for health, stopped cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from storage.engine import PROJECT_ROOT

HealthCheck = Callable[[], bool]


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
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed on stop
        log.write(f"\n--- starting {self.name} at {time.strftime('%H:%M:%S')} ---\n".encode())
        log.flush()
        self.popen = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C is ours to pass on
        )
        log.close()

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
        if not self.alive():
            return
        assert self.popen is not None
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
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
