"""Looking at processes from the outside, as `ps` does: for the tests of stopping."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path


def running(pid: int) -> bool:
    """The process exists and is not a zombie (a dead child nobody reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def descendants(ancestor: int) -> set[int]:
    """Every running process below `ancestor` (children, their children, …)."""
    parents = {
        int(entry.name): parent_of(int(entry.name))
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit()
    }
    found: set[int] = set()
    frontier = {ancestor}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return {pid for pid in found if running(pid)}


def wait_until_gone(pids: Iterable[int], timeout: float) -> set[int]:
    """The processes still running after `timeout` seconds (empty: all gone)."""
    left = set(pids)
    deadline = time.monotonic() + timeout
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = {pid for pid in left if running(pid)}
    return left


def listening(port: int) -> bool:
    """Something listens on 127.0.0.1:`port` (a new server could not bind it)."""
    with socket.socket() as probe:
        # As the servers themselves bind: connections lingering in TIME_WAIT don't count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def command_lines() -> str:
    """What `ps -eo args` shows: every process's command line, to every user."""
    return subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
