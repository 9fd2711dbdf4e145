"""Foundation numbers: start-up time, memory, and message -> reply latency.

Starts the assistant exactly as `make run` does (`python -m launcher run`, no Telegram
token, so against the local Bot API server), on free loopback ports in a temporary folder,
with an already trained model. Then it sends a steady 10 messages/s spread over 20 private
chats and measures, at the local Bot API server, the time from the update being available
to the bot's sendMessage in that chat. Memory is the summed resident size of the Rasa
server, the action server and the bot, sampled every 0.5 s.

    .venv/bin/python benchmarks/foundation.py [--seconds 60] [--rate 10] [--chats 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from launcher.stack import free_port
from launcher.training import child_environment, ensure_model
from local_telegram.client import LocalTelegram
from storage.engine import PROJECT_ROOT

PROCESS_MARKERS = {
    "rasa": "launcher.rasa_server",
    "actions": "launcher.action_server",
    "bot": "-m bot",
}


def parent_of(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = parent_of(pid)
    return False


def rss_of(markers: dict[str, str], ancestor: int) -> dict[str, int]:
    """Resident memory in bytes of each named process started by `ancestor` (the launcher)."""
    found: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or not descends_from(int(entry.name), ancestor):
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = (entry / "status").read_text()
        except OSError:
            continue
        for name, marker in markers.items():
            if marker in command:
                kb = next(
                    int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
                )
                found[name] = found.get(name, 0) + kb * 1024
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--chats", type=int, default=20)
    args = parser.parse_args()

    ensure_model()  # trained beforehand: start-up time is measured with a model present
    port = free_port()
    env = child_environment()
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.update(
        TALKING_STICK_VAR=tempfile.mkdtemp(prefix="ts-bench-"),
        RASA_PORT=str(free_port()),
        ACTION_SERVER_PORT=str(free_port()),
        LOCAL_TELEGRAM_PORT=str(port),
        LOG_LEVEL="WARNING",
    )
    started = time.monotonic()
    run = subprocess.Popen(
        [sys.executable, "-m", "launcher", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert run.stdout is not None
    output: list[str] = []
    for line in run.stdout:
        output.append(line)
        if line.startswith("Ready in"):
            break
    else:
        raise SystemExit("the run command ended before it was ready:\n" + "".join(output))
    ready_seconds = time.monotonic() - started
    threading.Thread(target=lambda: [None for _ in run.stdout], daemon=True).start()

    peak = {"total": 0}
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            sizes = rss_of(PROCESS_MARKERS, run.pid)
            total = sum(sizes.values())
            if total > peak["total"]:
                peak.update(sizes, total=total)
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    telegram = LocalTelegram(f"http://127.0.0.1:{port}")
    people = [telegram.create_user(f"Bench{i}") for i in range(args.chats)]
    # Warm-up: one message per chat, not measured.
    for person in people:
        telegram.send(person["id"], person, "hello")
    time.sleep(3)

    sent: list[tuple[int, float]] = []
    interval = 1.0 / args.rate
    total = int(args.seconds * args.rate)
    begin = time.monotonic()
    for index in range(total):
        time.sleep(max(0.0, begin + index * interval - time.monotonic()))
        person = people[index % len(people)]
        text = "what can you do?" if index % 3 == 0 else f"message number {index} for you"
        response = telegram.send(person["id"], person, text)
        sent.append((person["id"], float(response["created_at"])))
    time.sleep(5)

    replies: dict[int, list[float]] = {}
    for item in telegram.sent():
        if item["method"] == "sendMessage" and item["chat_id"] is not None:
            replies.setdefault(item["chat_id"], []).append(float(item["received_at"]))
    latencies, missing = [], 0
    for chat_id, created in sent:
        after = [t for t in replies.get(chat_id, []) if t >= created]
        if after:
            latencies.append((min(after) - created) * 1000)
        else:
            missing += 1
    sampling.set()
    sampler.join()
    run.stdin.close() if run.stdin else None
    run.wait(60)

    print(
        f"messages sent: {len(sent)} at {args.rate}/s over {args.chats} chats; "
        f"unanswered: {missing}"
    )
    print(
        f"latency ms: p50 {statistics.median(latencies):.0f}  "
        f"p95 {percentile(latencies, 0.95):.0f}  max {max(latencies):.0f}"
    )
    print(f"run command -> ready: {ready_seconds:.1f} s (model already trained)")
    print(
        "peak memory of the three processes together: "
        f"{peak['total'] / 2**30:.2f} GiB ("
        + ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in peak.items() if k != "total")
        + ")"
    )
    print(f"cpu count: {os.cpu_count()}")


if __name__ == "__main__":
    main()
