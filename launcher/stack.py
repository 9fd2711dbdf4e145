"""The whole assistant as processes: Rasa server, action server, bot (and the local Bot API
server when there is no Telegram token). Used by `python -m launcher run` and by the tests.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

import settings
from launcher.handoff import HandOff
from launcher.log_levels import at_least
from launcher.paths import PYTHON, private_dir
from launcher.processes import ManagedProcess, free_port, http_ok
from launcher.training import child_environment, ensure_model
from security import keys
from storage.chat_locks import redis_parts
from storage.engine import PROJECT_ROOT, dispose_engines
from storage.migrate import upgrade_to_head

LOCAL_BOT_TOKEN = "7000000001:local-chat-token"
# Only Rasa's environment holds it; endpoints.yml names it (Rasa expands ${...} there), so
# the rendered file holds no secret.
ACTION_SERVER_TOKEN_ENV = "TALKING_STICK_ACTION_SERVER_TOKEN"


@dataclass
class StackConfig:
    var_dir: Path
    rasa_port: int = 5005
    actions_port: int = 5055
    telegram_token: str | None = None  # None: start the local Bot API server
    telegram_api_base_url: str | None = None
    local_telegram_port: int = 8081
    # hex: a token starting with "-" would be read by Rasa's argument parser as an option
    rasa_auth_token: str = field(default_factory=lambda: secrets.token_hex(24))
    # The secret every hop is authenticated with (security.keys), handed to the children in
    # their environment. None: they inherit the configured TALKING_STICK_SECRET(_FILE).
    shared_secret: str | None = field(default_factory=lambda: secrets.token_hex(32), repr=False)
    extra_env: dict[str, str] = field(default_factory=dict)
    # Processes of each kind: bots (behind one poller handing updates off: launcher/handoff.py),
    # Rasa's and the action server's Sanic workers. More than one needs REDIS_URL.
    workers: int = 1

    @property
    def bot_keys(self) -> list[str]:
        """The bots' process names: "bot" alone, or "bot-1" … "bot-N"."""
        if self.workers == 1:
            return ["bot"]
        return [f"bot-{number}" for number in range(1, self.workers + 1)]

    @property
    def uses_local_telegram(self) -> bool:
        return not self.telegram_token

    @property
    def local_telegram_url(self) -> str:
        return f"http://127.0.0.1:{self.local_telegram_port}"


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, ManagedProcess] = {}
        self.handoff: HandOff | None = None

    # -- environment ---------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        config = self.config
        env = child_environment()
        env.update(
            TALKING_STICK_VAR=str(config.var_dir),
            RASA_URL=f"http://127.0.0.1:{config.rasa_port}",
            RASA_AUTH_TOKEN=config.rasa_auth_token,
            ACTION_SERVER_URL=f"http://127.0.0.1:{config.actions_port}/webhook",
            SANIC_HOST="127.0.0.1",  # the action server listens on loopback only
            TELEGRAM_BOT_TOKEN=config.telegram_token or LOCAL_BOT_TOKEN,
            # Rasa's and the action server's Sanic loggers: their access log (INFO) lists
            # request URLs, and Rasa's carry its API token. ERROR is Rasa's default.
            LOG_LEVEL_LIBRARIES=at_least("WARNING", env.get("LOG_LEVEL_LIBRARIES") or "ERROR"),
        )
        if config.workers > 1:
            env["WORKERS"] = str(config.workers)  # each bot keeps to its share of the sends
            env["SANIC_WORKERS"] = str(config.workers)  # Rasa (with its Redis lock store)
            env["ACTION_SERVER_SANIC_WORKERS"] = str(config.workers)  # rasa-sdk's name
        if config.shared_secret:
            env[keys.SECRET_ENV] = config.shared_secret
        if config.uses_local_telegram:
            env["TELEGRAM_API_BASE_URL"] = f"{config.local_telegram_url}/bot"
        elif config.telegram_api_base_url:
            env["TELEGRAM_API_BASE_URL"] = config.telegram_api_base_url
        env.update(config.extra_env)
        return env

    def write_endpoints(self) -> Path:
        """Rasa's endpoints.yml, rendered from the environment into var/runtime/: it may hold
        the tracker store's password, so it is created readable by its owner only. The action
        server's key is not in it: Rasa reads it from its own environment."""
        runtime = private_dir(self.config.var_dir / "runtime")
        configured = settings.current(self.environment())
        endpoints: dict[str, Any] = {
            "action_endpoint": {
                "url": f"http://127.0.0.1:{self.config.actions_port}/webhook",
                "headers": {"Authorization": EnvironmentReference(ACTION_SERVER_TOKEN_ENV)},
                # No domain with each call: the actions read domain.yml's responses once
                # (actions/core/replies.py).
                "enable_selective_domain": True,
            },
            "tracker_store": tracker_store_endpoint(
                configured.tracker_store_url, self.config.var_dir
            ),
        }
        if configured.redis_url:
            endpoints["lock_store"] = lock_store_endpoint(configured.redis_url)
        return write_private_yaml(runtime / "endpoints.yml", endpoints)

    # -- processes -----------------------------------------------------------------------

    def _process(self, key: str) -> ManagedProcess:
        config, env = self.config, self.environment()
        logs = config.var_dir / "logs"
        if key == "telegram":
            return ManagedProcess(
                "the local Bot API server",
                [
                    PYTHON,
                    "-m",
                    "local_telegram.server",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(config.local_telegram_port),
                ],
                env,
                logs / "local_telegram.log",
                http_ok(f"{config.local_telegram_url}/_control/health"),
            )
        if key == "actions":
            return ManagedProcess(
                "the action server",
                [
                    PYTHON,
                    "-m",
                    "launcher.action_server",
                    "--actions",
                    "actions",
                    "-p",
                    str(config.actions_port),
                ],
                env,
                logs / "actions.log",
                http_ok(f"http://127.0.0.1:{config.actions_port}/health"),
            )
        if key == "rasa":
            return ManagedProcess(
                "the Rasa server",
                [
                    PYTHON,
                    "-m",
                    "launcher.rasa_server",  # `rasa run`, its token from RASA_AUTH_TOKEN
                    "--enable-api",
                    "-i",
                    "127.0.0.1",
                    "-p",
                    str(config.rasa_port),
                    "--model",
                    str(ensure_model()),
                    "--endpoints",
                    str(self.write_endpoints()),
                    "--credentials",
                    str(PROJECT_ROOT / "credentials.yml"),
                    "--logging-config-file",
                    str(PROJECT_ROOT / "config" / "rasa_logging.yml"),
                ],
                {**env, ACTION_SERVER_TOKEN_ENV: keys.bearer_token(keys.ACTION_SERVER, env)},
                logs / "rasa.log",
                http_ok(
                    f"http://127.0.0.1:{config.rasa_port}/status?token="
                    f"{config.rasa_auth_token}",
                    want_json_key="model_id",
                ),
            )
        if key in config.bot_keys:
            name, var = "the bot", config.var_dir
            if key != "bot":
                number = config.bot_keys.index(key) + 1
                name, var = f"bot worker {number}", config.var_dir / "workers" / key
                env.update(self._worker_environment(number, var))
            ready = var / "runtime" / "bot.ready"
            ready.unlink(missing_ok=True)
            process = ManagedProcess(
                name, [PYTHON, "-m", "bot"], env, logs / f"{key}.log", lambda: False
            )
            process.health = lambda: _ready_file_names(ready, process.pid)
            return process
        raise KeyError(key)

    def _worker_environment(self, number: int, var: Path) -> dict[str, str]:
        """Bot worker `number` (from 1) of several: its own files and timer name, the
        stack's databases, and its updates from its front of the hand-off."""
        assert self.handoff is not None
        private_dir(var / "runtime")
        configured = settings.current(self.environment())
        return {
            "TALKING_STICK_VAR": str(var),  # its ready file
            "DATABASE_URL": configured.database_url,
            "TRACKER_STORE_URL": configured.rasa_tracker_store_url,
            "TIMER_WORKER_NAME": f"{configured.timer_worker_name}-{number}",
            "TELEGRAM_API_BASE_URL": self.handoff.bot_base_url(number - 1),
        }

    def start(self, timeout: float = 240) -> None:
        # What the children will read, checked here: one clear error instead of three logs.
        configured = settings.checked(self.environment())
        if self.config.workers > 1 and not configured.redis_url:
            raise settings.SettingsError(
                "WORKERS > 1 needs REDIS_URL: Rasa's lock store and the bots' per-chat locks."
            )
        if self.config.workers > 1 and configured.use_webhook:
            raise settings.SettingsError(
                "WORKERS > 1 hands updates off from one poller; with a webhook, start one bot "
                "per port behind your proxy instead (docs/deploy.md)."
            )
        private_dir(self.config.var_dir)
        _with_env(self.environment(), upgrade_to_head)
        ensure_model()
        first = (["telegram"] if self.config.uses_local_telegram else []) + ["actions", "rasa"]
        for key in first:
            self.start_one(key, wait=False)
        # Not `with`: asked to stop meanwhile (Ctrl-C, SIGTERM), the caller must get on with
        # stopping at once, not after everything became healthy. Waiting threads end when
        # their process is stopped.
        pool = ThreadPoolExecutor(len(first))
        try:
            list(pool.map(lambda key: self.processes[key].wait_healthy(timeout), first))
        finally:
            pool.shutdown(wait=False)
        if self.config.workers > 1:
            self.handoff = HandOff(
                configured.telegram_api_base_url,
                configured.telegram_bot_token or LOCAL_BOT_TOKEN,
                self.config.workers,
            ).start()
        for key in self.config.bot_keys:
            self.start_one(key, wait=False)
        for key in self.config.bot_keys:
            self.processes[key].wait_healthy(timeout)

    def start_one(self, key: str, wait: bool = True, timeout: float = 240) -> ManagedProcess:
        process = self._process(key)
        self.processes[key] = process
        process.start()
        if wait:
            process.wait_healthy(timeout)
        return process

    def restart(self, key: str, kill: bool = False, timeout: float = 240) -> None:
        process = self.processes[key]
        process.kill() if kill else process.stop()
        self.start_one(key, timeout=timeout)

    def first_dead(self) -> ManagedProcess | None:
        return next((p for p in self.processes.values() if not p.alive()), None)

    def stop(self) -> None:
        # The bots first, so that they tell no one "one moment" while Rasa goes away; then
        # the others together (Rasa alone takes seconds).
        self._stop_together(self.config.bot_keys)
        if self.handoff is not None:
            self.handoff.stop()
            self.handoff = None
        self._stop_together(["rasa", "actions", "telegram"])

    def _stop_together(self, keys: list[str]) -> None:
        """Ask all of them to stop at once, then wait for each."""
        stopping = [self.processes[key] for key in keys if key in self.processes]
        for process in stopping:
            process.terminate()
        for process in stopping:
            process.wait_stopped(timeout=15)


def _ready_file_names(path: Path, pid: int | None) -> bool:
    """The bot writes its process id into the ready file once it polls."""
    try:
        return pid is not None and path.read_text().strip() == str(pid)
    except OSError:
        return False


def _with_env(env: dict[str, str], function):  # type: ignore[no-untyped-def]
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return function()
    finally:
        dispose_engines()
        os.environ.clear()
        os.environ.update(saved)


# Rasa's SQLTrackerStore, loading only the recent turns of a conversation for each message.
RASA_TRACKER_STORE = "storage.recent_tracker_store.RecentEventsTrackerStore"


def tracker_store_endpoint(url: str | None, var_dir: Path) -> dict[str, Any]:
    """Rasa's SQL tracker store: an SQLite file by default, or `TRACKER_STORE_URL` (its
    parts as Rasa's SQLTrackerStore takes them, query options such as `sslmode` included)."""
    if not url:
        path = var_dir / "rasa_tracker.db"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=stat.S_IRUSR | stat.S_IWUSR)
            # WAL is a lasting property of the file: Rasa's own engine then commits each
            # message with one append instead of rewriting a rollback journal.
            with sqlite3.connect(path) as connection:
                connection.execute("PRAGMA secure_delete=ON")
                connection.execute("PRAGMA journal_mode=WAL")
        return {"type": RASA_TRACKER_STORE, "dialect": "sqlite", "db": str(path)}
    parsed = make_url(url)
    endpoint: dict[str, Any] = {"type": RASA_TRACKER_STORE, "dialect": parsed.drivername}
    for key, value in (
        ("url", parsed.host),
        ("port", parsed.port),
        ("db", parsed.database),
        ("username", parsed.username),
        ("password", parsed.password),
    ):
        if value:
            endpoint[key] = value
    if parsed.query:
        endpoint["query"] = {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in parsed.query.items()
        }
    return endpoint


def lock_store_endpoint(url: str) -> dict[str, Any]:
    """Rasa's RedisLockStore from `REDIS_URL` (storage/chat_locks.py takes the same lock
    before purging a conversation, so the parts are read in one place)."""
    parts = redis_parts(url)
    return {"type": "redis", "url": parts.pop("host"), **parts}  # Rasa calls the host "url"


class _QuotedStrings(yaml.SafeDumper):
    """Every string double-quoted: Rasa reads a plain scalar with `${NAME}` in it as an
    environment variable to substitute, and a password may contain just that."""


_QuotedStrings.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"'),
)


class EnvironmentReference(str):
    """`Bearer ${NAME}`, written as the one plain scalar, so that Rasa substitutes it from its
    environment: the secret itself never lands in a file."""

    def __new__(cls, name: str) -> EnvironmentReference:
        return super().__new__(cls, "Bearer ${" + name + "}")


_QuotedStrings.add_representer(
    EnvironmentReference,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value)),
)


def write_private_yaml(path: Path, content: dict[str, Any]) -> Path:
    """Write `content` as YAML to a new file made 0600 from the start (mkstemp), then put it
    in place at once: the old file, whatever its mode, is replaced, never rewritten."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as file:
            yaml.dump(content, file, Dumper=_QuotedStrings, sort_keys=False, allow_unicode=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


__all__ = ["LOCAL_BOT_TOKEN", "Stack", "StackConfig", "free_port"]
