"""Turn clock precision: how late the floor passes relative to its due moment.

Starts the real stack (local Bot API server, Rasa, action server, bot) on free loopback
ports with short turns (TURN_SECONDS=3), forms many couples, and lets them run two-round
round-robins (four turns, every hand-over by the clock) in waves of `--couples` couples
at once; in the middle wave the bot is killed and restarted while turns are running. For
every turn that ended by time it compares the hand-over message's arrival at the Bot API
server with the turn's due moment (started_at + planned seconds, from the database), and
counts missed and duplicated hand-overs (messages and database rows).

    .venv/bin/python benchmarks/turn_precision.py [--couples 16] [--waves 3] [--turn 3]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from launcher.stack import Stack, StackConfig, free_port
from local_telegram.client import LocalTelegram

HAND_OVER = "Time's up."
WRAP_UP = "That's the end of the round-robin"
HEADS_UP = " left."


@dataclass
class Couple:
    group: int
    alex: dict
    sam: dict


@dataclass
class Restart:
    killed_at: float = 0.0
    back_at: float = 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def form_couple(telegram: LocalTelegram, index: int) -> Couple:
    alex = telegram.create_user(f"Alex{index}")
    sam = telegram.create_user(f"Sam{index}")
    group = telegram.create_group(f"Bench {index}", [alex, sam])["id"]
    after = telegram.last_seq()
    telegram.send(group, alex, "/start")
    intro = telegram.wait_for_text(group, "I'm in", after=after)
    telegram.press(group, alex, intro["message_id"], button_text="I'm in")
    telegram.wait_for_text(group, "is in", after=after)
    telegram.press(group, sam, intro["message_id"], button_text="I'm in")
    telegram.wait_for_text(group, "start=consent", after=after, timeout=60)
    for person in (alex, sam):  # exercises start once both partners agreed in private
        mark = telegram.last_seq()
        telegram.send(person["id"], person, "/start consent")
        agree = telegram.wait_for_text(person["id"], "Do you agree", after=mark, timeout=60)
        telegram.press(person["id"], person, agree["message_id"], button_text="I agree")
        telegram.wait_for_text(person["id"], "afraid of your partner", after=mark, timeout=60)
    return Couple(group, alex, sam)


def run_wave(
    telegram: LocalTelegram,
    stack: Stack,
    couples: list[Couple],
    stagger: float,
    restart: Restart | None,
) -> None:
    marks = {c.group: telegram.last_seq() for c in couples}
    for couple in couples:
        telegram.send(couple.group, couple.alex, "/roundrobin bench, 2 rounds")
        time.sleep(stagger)
    if restart is not None:
        # Mid-wave: every couple has a turn on the floor; kill the bot as a crash would.
        time.sleep(1.0)
        restart.killed_at = time.time()
        stack.restart("bot", kill=True)
        restart.back_at = time.time()
    for couple in couples:
        telegram.wait_for_text(couple.group, WRAP_UP, after=marks[couple.group], timeout=120)


def epoch(value: str) -> float:
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--couples", type=int, default=16)
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--turn", type=int, default=3, help="TURN_SECONDS")
    parser.add_argument("--stagger", type=float, default=0.2)
    parser.add_argument(
        "--wait-stale", action="store_true", help="wait for stale claims to fire again"
    )
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="ts-turns-"))
    config = StackConfig(
        var_dir=var,
        rasa_port=free_port(),
        actions_port=free_port(),
        local_telegram_port=free_port(),
        # INFO: the stack knows the bot is ready from its log line "bot ready as @…".
        extra_env={"TURN_SECONDS": str(args.turn), "LOG_LEVEL": "INFO"},
    )
    stack = Stack(config)
    stack.start(timeout=300)
    telegram = LocalTelegram(config.local_telegram_url)
    restart = Restart()
    try:
        # Each wave has its own couples: a 3-second turn makes ~10 bot messages a round, and
        # Telegram allows 20 a minute into one group (the bot's rate limiter would queue more).
        couples = [form_couple(telegram, i) for i in range(args.couples * args.waves)]
        middle = args.waves // 2
        for wave in range(args.waves):
            playing = couples[wave * args.couples : (wave + 1) * args.couples]
            run_wave(telegram, stack, playing, args.stagger, restart if wave == middle else None)
            time.sleep(2)
        # A timer the killed bot had claimed is fired again once its claim is stale.
        time.sleep(3 + (65 if args.wait_stale else 0))
        report(telegram, var / "talking_stick.db", couples, restart, args)
    finally:
        telegram.close()
        stack.stop()


def report(
    telegram: LocalTelegram,
    database: Path,
    couples: list[Couple],
    restart: Restart,
    args: argparse.Namespace,
) -> None:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT c.group_chat_id, r.id, t.sequence, t.started_at, t.planned_seconds, "
            "t.ended_at, t.ended_by FROM turns t JOIN rounds r ON r.id = t.round_id "
            "JOIN couples c ON c.id = r.couple_id ORDER BY c.group_chat_id, r.id, t.sequence"
        ).fetchall()
        pending = connection.execute(
            "SELECT COUNT(*) FROM timers WHERE kind LIKE 'round_robin%' AND status = 'pending'"
        ).fetchone()[0]
        refired, stuck = connection.execute(
            "SELECT SUM(attempts > 1), SUM(status = 'firing') FROM timers "
            "WHERE kind LIKE 'round_robin%'"
        ).fetchone()

    late_up: list[float] = []  # due while the bot was up
    late_across: list[float] = []  # started before the kill, due after the bot was back
    late_down: list[float] = []  # due while the bot was down: measured from its return
    server_late: list[float] = []
    missed = duplicated = heads_up_extra = 0
    turns_per_round: dict[int, int] = {}
    for couple in couples:
        items = telegram.sent(couple.group)
        hand_overs = [i for i in items if (i["text"] or "").startswith(HAND_OVER)]
        heads_ups = [i for i in items if (i["text"] or "").endswith(HEADS_UP)]
        turns = [row for row in rows if row[0] == couple.group]
        for _, round_id, *_ in turns:
            turns_per_round[round_id] = turns_per_round.get(round_id, 0) + 1
        timed = [row for row in turns if row[6] == "time"]
        missed += sum(1 for row in turns if row[6] != "time")
        duplicated += max(0, len(hand_overs) - len(timed))
        missed += max(0, len(timed) - len(hand_overs))
        heads_up_extra += max(0, len(heads_ups) - len(turns))
        for row, message in zip(timed, hand_overs, strict=False):
            started, planned, ended = epoch(row[3]), float(row[4]), epoch(row[5])
            due = started + planned
            lateness = float(message["received_at"]) - due
            server_late.append(ended - due)
            if restart.killed_at <= due <= restart.back_at:
                late_down.append(float(message["received_at"]) - restart.back_at)
            elif started < restart.killed_at and due > restart.back_at:
                late_across.append(lateness)
            else:
                late_up.append(lateness)
    rounds_wrong = sum(1 for count in turns_per_round.values() if count != 4)

    def stats(values: list[float]) -> str:
        if not values:
            return "none"
        return (
            f"p50 {statistics.median(values) * 1000:.0f} ms  "
            f"p95 {percentile(values, 0.95) * 1000:.0f} ms  max {max(values) * 1000:.0f} ms"
        )

    every = late_up + late_across
    print(
        f"turns of {args.turn} s: {len(rows)} in {len(turns_per_round)} rounds "
        f"({args.waves} waves of {args.couples} couples at once, 4 turns each); "
        f"bot killed and restarted once (down {restart.back_at - restart.killed_at:.1f} s)"
    )
    print(f"hand-over lateness, message at the Bot API server - due ({len(every)} turns): ")
    print(f"  all turns due while the bot ran:       {stats(every)}")
    print(f"  of them, running across the restart:   {stats(late_across)} ({len(late_across)})")
    print(f"  action saved the hand-over - due:      {stats(server_late)}")
    print(
        f"due while the bot was down ({len(late_down)} turns): delivered after the bot was "
        f"back: {stats(late_down)}"
    )
    print(
        f"missed hand-overs: {missed}; duplicated hand-over messages: {duplicated}; "
        f"rounds without exactly 4 turns: {rounds_wrong}; extra heads-ups: {heads_up_extra}; "
        f"turn timers still pending: {pending}"
    )
    print(
        f"turn timers fired more than once: {refired or 0}; "
        f"left claimed by the killed bot: {stuck or 0}"
    )


if __name__ == "__main__":
    main()
