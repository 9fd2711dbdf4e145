"""Throughput, side by side in one run: stock `rasa init` over REST, Talking Stick on SQLite,
and Talking Stick on PostgreSQL + Redis with several workers of each kind.

Each configuration gets the same open-loop load: steady rates (5, 10, 20, 30, 40 msg/s by
default, 20 s each) over the same 40 private chats, a message sent on schedule whether or
not earlier ones were answered. Latency is from the update being available to the first
reply in that chat:

- stock: the assistant Rasa's own template makes (`rasa init`: its config, domain and data,
  copied from the installed Rasa into var/bench/stock-rasa/ and trained there once, nothing
  downloaded), `rasa run` with its REST channel; from sending the POST to its answer.
- Talking Stick: the real bot, Rasa server and action server, started as the end-to-end
  tests start them (launcher.stack) against the local Bot API server; from the update's
  creation there (`created_at`) to the bot's sendMessage in that chat (`received_at`).

Each chat's first message of the run is reported apart (the "first-message spike") and
left out of the per-rate figures. After each rate the benchmark waits for the backlog to
drain, so a saturated rate does not spill into the next one.

The third configuration (`launcher.stack.StackConfig(workers=N)`, what `WORKERS=N make run`
starts) needs PostgreSQL and Redis (`make services` / scripts/services.sh); it is skipped,
with the reason printed, when they are not reachable.

    .venv/bin/python benchmarks/throughput.py [--rates 5,10,20,30,40] [--seconds 20]
        [--chats 40] [--only stock,sqlite,scale]
        [--database-url postgresql://…] [--redis-url redis://…] [--workers 2]

The machine is shared and noisy: the load average is printed with every rate.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import math
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.throughput_stats import Planned, Sample, Summary, match_replies, schedule, summarize
from launcher.paths import PYTHON
from launcher.processes import ManagedProcess, http_ok
from launcher.stack import Stack, StackConfig, free_port
from launcher.training import child_environment
from local_telegram.client import LocalTelegram
from storage.engine import PROJECT_ROOT

BENCH_DIR = PROJECT_ROOT / "var" / "bench"
STOCK_DIR = BENCH_DIR / "stock-rasa"
STOCK_FILES = ("config.yml", "domain.yml", "credentials.yml", "data")
# What people write to a new assistant in a private chat. No commands: the stock assistant
# has none, and both get the same texts. Each gets exactly one message back from either
# (Talking Stick: a stranger's words in a private chat go through NLU to one answer).
TEXTS = (
    "hello",
    "what can you do?",
    "how does this work",
    "message number {index} for you",
    "thanks",
)
REQUEST_TIMEOUT = 120.0


def text_for(index: int, texts: tuple[str, ...] = TEXTS) -> str:
    return texts[index % len(texts)].format(index=index)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system) used so far by each named process and its descendants
    (Sanic workers): per message, it is what a noisy shared machine distorts least."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    totals = dict.fromkeys(roots, 0.0)
    for pid, seconds in used.items():
        ancestor = pid
        while ancestor > 1:
            name = next((n for n, root in roots.items() if root == ancestor), None)
            if name is not None:
                totals[name] += seconds
                break
            ancestor = parents.get(ancestor, 0)
    return totals


# -- the load -------------------------------------------------------------------------------


class Target:
    """One configuration under test."""

    name = ""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    async def send(self, http: httpx.AsyncClient, chat: int, text: str) -> Sample:
        """Send one message; the sample's `sent_at` is when the update became available."""
        raise NotImplementedError

    def collect(self, samples: list[Sample]) -> None:
        """Fill in `replied_at` of the samples whose answers arrived elsewhere."""

    def processes(self) -> dict[str, int]:
        """The processes under test by name (their CPU time is measured), not the load's."""
        return {}


@dataclasses.dataclass
class Phase:
    rate: float
    started: float
    samples: list[Sample]
    load: str = ""
    cpu: dict[str, float] = dataclasses.field(default_factory=dict)  # seconds per process


async def run_phase(
    target: Target,
    http: httpx.AsyncClient,
    planned: list[Planned],
    seen: set[int],
    texts: tuple[str, ...],
) -> tuple[float, list[Sample]]:
    """Send the phase's messages on schedule (open loop: never waiting for answers)."""
    tasks: list[asyncio.Task[Sample]] = []
    start = time.time()
    begin = time.monotonic()
    for index, item in enumerate(planned):
        delay = begin + item.at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        first = item.chat not in seen
        seen.add(item.chat)
        text = text_for(index, texts)
        tasks.append(asyncio.create_task(_send(target, http, item.chat, text, first)))
    samples = await asyncio.gather(*tasks)
    return start, list(samples)


async def _send(
    target: Target, http: httpx.AsyncClient, chat: int, text: str, first: bool
) -> Sample:
    sample = await target.send(http, chat, text)
    sample.first = first
    return sample


def drain(target: Target, everything: list[Sample], phase: list[Sample], limit: float) -> None:
    """Wait until the phase's messages are answered (or `limit` seconds passed)."""
    deadline = time.monotonic() + limit
    while True:
        target.collect(everything)
        if all(s.replied_at is not None for s in phase) or time.monotonic() > deadline:
            return
        time.sleep(0.5)


def measure(
    target: Target, rates: list[float], seconds: float, chats: int, texts: tuple[str, ...]
) -> list[Phase]:
    phases: list[Phase] = []
    everything: list[Sample] = []
    seen: set[int] = set()

    async def one(planned: list[Planned]) -> tuple[float, list[Sample]]:
        limits = httpx.Limits(max_connections=400, max_keepalive_connections=100)
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as http:
            return await run_phase(target, http, planned, seen, texts)

    sent_so_far = 0
    for rate in rates:
        planned = schedule(rate, seconds, chats, first_chat=sent_so_far)
        sent_so_far += len(planned)
        before = cpu_seconds(target.processes())
        started, samples = asyncio.run(one(planned))
        everything.extend(samples)
        drain(target, everything, samples, limit=max(30.0, seconds * 1.5))
        after = cpu_seconds(target.processes())
        cpu = {name: after[name] - before[name] for name in after}
        phases.append(Phase(rate, started, samples, load_average(), cpu))
    target.collect(everything)
    return phases


# -- stock `rasa init` over REST ----------------------------------------------------------


def stock_project() -> Path:
    """Rasa's own `rasa init` template, copied into var/ and trained there (once per
    template: the model's name is a fingerprint of its files)."""
    model = stock_model_path()
    if not model.exists():
        print(f"training the stock assistant (once): {model.name} …", flush=True)
        started = time.monotonic()
        model.parent.mkdir(parents=True, exist_ok=True)
        with open(STOCK_DIR / "train.log", "w") as log:
            result = _run_stock(
                ["train", "--quiet", "--out", "models",
                 "--fixed-model-name", model.name.removesuffix(".tar.gz")],
                log,
            )
        if result != 0 or not model.exists():
            raise SystemExit(f"training the stock assistant failed; see {STOCK_DIR / 'train.log'}")
        print(f"trained in {time.monotonic() - started:.0f} s", flush=True)
    return model


def stock_model_path() -> Path:
    """Copy the template into var/bench/stock-rasa/; its model's path (a fingerprint)."""
    from rasa.cli import scaffold

    template = Path(scaffold.__file__).parent / "initial_project"
    STOCK_DIR.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    for name in STOCK_FILES:
        source = template / name
        target = STOCK_DIR / name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
            files = sorted(p for p in source.rglob("*") if p.is_file())
        else:
            shutil.copy2(source, target)
            files = [source]
        for path in files:
            digest.update(path.read_bytes())
    return STOCK_DIR / "models" / f"stock-{digest.hexdigest()[:12]}.tar.gz"


def _run_stock(arguments: list[str], log: Any) -> int:
    import subprocess

    return subprocess.run(
        [PYTHON, "-m", "rasa", *arguments],
        cwd=STOCK_DIR,
        env=child_environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    ).returncode


class StockRasa(Target):
    name = "stock `rasa init` (REST)"

    def __init__(self) -> None:
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.process: ManagedProcess | None = None

    def start(self) -> None:
        model = stock_project()
        env = {**child_environment(), "RASA_AUTH_TOKEN": self.token}
        self.process = ManagedProcess(
            "the stock Rasa server",
            [
                PYTHON,
                "-m",
                "launcher.rasa_server",  # `rasa run`, its API token from the environment
                "--enable-api",
                "-i",
                "127.0.0.1",
                "-p",
                str(self.port),
                "--model",
                str(model),
                "--credentials",
                str(STOCK_DIR / "credentials.yml"),
            ],
            env,
            STOCK_DIR / "rasa.log",
            # The same readiness as Talking Stick's Rasa: a model loaded, no message sent.
            http_ok(
                f"http://127.0.0.1:{self.port}/status?token={self.token}",
                want_json_key="model_id",
            ),
        )
        self.process.start()
        self.process.wait_healthy(900)  # TensorFlow loads slowly on a busy machine

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def processes(self) -> dict[str, int]:
        assert self.process is not None and self.process.pid is not None
        return {"rasa": self.process.pid}

    async def send(self, http: httpx.AsyncClient, chat: int, text: str) -> Sample:
        sample = Sample(chat, time.time())
        try:
            response = await http.post(
                f"http://127.0.0.1:{self.port}/webhooks/rest/webhook",
                json={"sender": f"chat-{chat}", "message": text},
            )
            # Its answer came back (the stock assistant answers some texts with no message:
            # it predicted action_listen; that is its reply too).
            if response.status_code == 200:
                sample.replied_at = time.time()
        except httpx.HTTPError:
            pass
        return sample


# -- Talking Stick through its Bot API path -------------------------------------------------


class TalkingStick(Target):
    def __init__(self, name: str, chats: int, extra_env: dict[str, str], **config: Any) -> None:
        self.name = name
        self.chats = chats
        self.extra_env = extra_env
        self.config = config
        self.var = Path(tempfile.mkdtemp(prefix="throughput-", dir=_bench_dir()))
        self.stack: Stack | None = None
        self.telegram: LocalTelegram | None = None
        self.users: list[dict[str, Any]] = []
        self.replies: dict[int, list[float]] = {}
        self.cursor = 0
        self.chat_index: dict[int, int] = {}

    def start(self) -> None:
        config = StackConfig(
            var_dir=self.var,
            rasa_port=free_port(),
            actions_port=free_port(),
            local_telegram_port=free_port(),
            extra_env={"LOG_LEVEL": "WARNING", **self.extra_env},
            **self.config,
        )
        self.stack = Stack(config)
        try:
            self.stack.start(timeout=300)
        except BaseException:
            self.stack.stop()
            raise
        self.telegram = LocalTelegram(config.local_telegram_url)
        self.users = [self.telegram.create_user(f"Bench{i}") for i in range(self.chats)]
        # A private chat's id is its person's id.
        self.chat_index = {int(user["id"]): index for index, user in enumerate(self.users)}

    def processes(self) -> dict[str, int]:
        assert self.stack is not None
        return {
            key: process.pid
            for key, process in self.stack.processes.items()
            if key != "telegram" and process.pid is not None  # Telegram's side is the load's
        }

    def stop(self) -> None:
        if self.telegram is not None:
            self.telegram.close()
        if self.stack is not None:
            self.stack.stop()
        shutil.rmtree(self.var, ignore_errors=True)

    async def send(self, http: httpx.AsyncClient, chat: int, text: str) -> Sample:
        assert self.stack is not None
        user = self.users[chat]
        response = await http.post(
            f"{self.stack.config.local_telegram_url}/_control/messages",
            json={"chat_id": user["id"], "from_id": user["id"], "text": text},
        )
        response.raise_for_status()
        return Sample(chat, float(response.json()["created_at"]))

    def collect(self, samples: list[Sample]) -> None:
        assert self.telegram is not None
        page = self.telegram.sent_page(after=self.cursor)
        for item in page["items"]:
            self.cursor = max(self.cursor, int(item["seq"]))
            chat = self.chat_index.get(int(item.get("chat_id") or 0))
            if item.get("method") == "sendMessage" and chat is not None:
                self.replies.setdefault(chat, []).append(float(item["received_at"]))
        match_replies(samples, self.replies)

    def extra_replies(self, samples: list[Sample]) -> int:
        """Replies beyond one per message: matching assumes one (see TEXTS)."""
        return sum(len(times) for times in self.replies.values()) - sum(
            1 for s in samples if s.replied_at is not None
        )


def _bench_dir() -> Path:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    return BENCH_DIR


# -- PostgreSQL + Redis, several workers ----------------------------------------------------


def scale_unavailable(database_url: str, redis_url: str) -> str | None:
    """Why the PostgreSQL + Redis configuration cannot run here, or None if it can."""
    if not database_url.startswith("postgresql"):
        return (
            "no PostgreSQL URL (--database-url or BENCH_DATABASE_URL): start the services "
            "with `make services` (scripts/services.sh) and pass the URL it prints"
        )
    if not redis_url.startswith("redis"):
        return "no Redis URL (--redis-url or REDIS_URL): start it with `make services`"
    try:
        import psycopg2

        psycopg2.connect(database_url, connect_timeout=3).close()
    except Exception as error:
        return f"PostgreSQL not reachable at the given URL ({type(error).__name__})"
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as error:
        return f"Redis not reachable at the given URL ({type(error).__name__})"
    return None


@contextmanager
def fresh_database(database_url: str) -> Iterator[str]:
    """A database of its own on the given server, dropped afterwards."""
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    name = f"throughput_{secrets.token_hex(4)}"
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield str(url.set(database=name))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# -- report ----------------------------------------------------------------------------------


def fmt(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0f}"


def report(name: str, phases: list[Phase], ready: float) -> dict[float, Summary]:
    print(f"\n== {name}   (ready in {ready:.0f} s)")
    print(
        " rate  sent  answered  answered msg/s  p50 ms  p95 ms  max ms  cpu ms/msg  load average"
    )
    results: dict[float, Summary] = {}
    firsts: list[Sample] = []
    for phase in phases:
        steady = [s for s in phase.samples if not s.first]
        firsts += [s for s in phase.samples if s.first]
        summary = summarize(steady, phase.started)
        results[phase.rate] = summary
        # Per answered message: the work finished (a phase left with a backlog is rough).
        answered = sum(1 for s in phase.samples if s.replied_at is not None)
        cpu_ms = sum(phase.cpu.values()) * 1000 / max(1, answered)
        print(
            f"{phase.rate:5g}  {summary.sent:4d}  {summary.answered:8d}  "
            f"{summary.answered_per_second:14.1f}  {fmt(summary.p50_ms):>6}  "
            f"{fmt(summary.p95_ms):>6}  {fmt(summary.max_ms):>6}  {cpu_ms:10.1f}  {phase.load}"
        )
    messages = sum(1 for phase in phases for s in phase.samples if s.replied_at is not None)
    by_process = {
        name: sum(phase.cpu.get(name, 0.0) for phase in phases) * 1000 / max(1, messages)
        for name in phases[0].cpu
    }
    print(
        "cpu ms per message, all rates: "
        + ", ".join(f"{name} {ms:.1f}" for name, ms in by_process.items())
    )
    first = summarize(firsts, 0.0)
    print(
        f"first message of each chat ({first.answered}/{first.sent} answered): "
        f"p50 {fmt(first.p50_ms)}  p95 {fmt(first.p95_ms)}  max {fmt(first.max_ms)} ms"
    )
    return results


def comparison(columns: dict[str, dict[float, Summary]], rates: list[float]) -> None:
    if len(columns) < 2:
        return
    names = list(columns)
    stock = columns.get(names[0])
    print(f"\n== p50 / p95 ms (and p95 ratio to {names[0]})")
    print(" rate  " + "  ".join(f"{name:>30}" for name in names))
    for rate in rates:
        cells = []
        for name in names:
            summary = columns[name].get(rate)
            if summary is None:
                cells.append(f"{'—':>30}")
                continue
            ratio = ""
            base = stock.get(rate) if stock else None
            if base and name != names[0] and base.p95_ms > 0 and not math.isnan(summary.p95_ms):
                ratio = f" ({summary.p95_ms / base.p95_ms:.1f}×)"
            cell = f"{fmt(summary.p50_ms)} / {fmt(summary.p95_ms)}{ratio}"
            cells.append(f"{cell:>30}")
        print(f"{rate:5g}  " + "  ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="5,10,20,30,40")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--only", default="stock,sqlite,scale")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--texts",
        type=lambda value: tuple(value.split("|")),
        default=TEXTS,
        help="what is sent, in turn, separated by | (e.g. '/help' to measure commands)",
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    wanted = set(args.only.split(","))

    print(
        f"throughput: {args.chats} private chats, {args.seconds:g} s per rate, rates "
        f"{args.rates} msg/s; {os.cpu_count()} cores; load average {load_average()}"
    )
    # Talking Stick on SQLite whatever this shell's environment says (empty = unset).
    sqlite_env = {"DATABASE_URL": "", "TRACKER_STORE_URL": "", "SANIC_WORKERS": "1"}
    targets: list[Callable[[], Target]] = []
    if "stock" in wanted:
        targets.append(StockRasa)
    if "sqlite" in wanted:
        targets.append(lambda: TalkingStick("Talking Stick, SQLite", args.chats, sqlite_env))
    columns: dict[str, dict[float, Summary]] = {}
    for make in targets:
        columns.update(run_target(make(), rates, args))
    if "scale" in wanted:
        reason = scale_unavailable(args.database_url, args.redis_url)
        name = f"Talking Stick, PostgreSQL + Redis, {args.workers} workers of each kind"
        if reason:
            print(f"\n== {name}: skipped, {reason}")
        else:
            with fresh_database(args.database_url) as url:
                scale_env = {
                    "DATABASE_URL": url,
                    "TRACKER_STORE_URL": url,
                    "REDIS_URL": args.redis_url,
                }
                target = TalkingStick(name, args.chats, scale_env, workers=args.workers)
                columns.update(run_target(target, rates, args))
    comparison(columns, rates)
    print(f"\nload average at the end: {load_average()}")


def run_target(target: Target, rates: list[float], args: argparse.Namespace) -> dict[str, Any]:
    print(f"\nstarting {target.name} …", flush=True)
    started = time.monotonic()
    try:
        target.start()
        ready = time.monotonic() - started
        phases = measure(target, rates, args.seconds, args.chats, args.texts)
    finally:
        target.stop()
    results = report(target.name, phases, ready)
    if isinstance(target, TalkingStick):
        extra = target.extra_replies([s for p in phases for s in p.samples])
        if extra:
            print(f"note: {extra} replies beyond one per message (latency matching assumes one)")
    return {target.name: results}


if __name__ == "__main__":
    main()
