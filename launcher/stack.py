"""The whole assistant as processes: Rasa server, action server, bot (and the local Bot API
server when there is no Telegram token). Used by `python -m launcher run` and by the tests.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

import settings
from launcher.paths import PYTHON
from launcher.processes import ManagedProcess, http_ok
from launcher.training import child_environment, ensure_model
from security import keys
from storage.engine import PROJECT_ROOT, dispose_engines
from storage.migrate import upgrade_to_head

LOCAL_BOT_TOKEN = "7000000001:local-chat-token"
# Only Rasa's environment holds it; endpoints.yml names it (Rasa expands ${...} there), so
# the rendered file holds no secret.
ACTION_SERVER_TOKEN_ENV = "TALKING_STICK_ACTION_SERVER_TOKEN"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
        )
        if config.shared_secret:
            env[keys.SECRET_ENV] = config.shared_secret
        if config.uses_local_telegram:
            env["TELEGRAM_API_BASE_URL"] = f"{config.local_telegram_url}/bot"
        elif config.telegram_api_base_url:
            env["TELEGRAM_API_BASE_URL"] = config.telegram_api_base_url
        env.update(config.extra_env)
        return env

    def write_endpoints(self) -> Path:
        """Rasa's endpoints.yml, rendered from the environment into var/runtime/."""
        runtime = self.config.var_dir / "runtime"
        runtime.mkdir(parents=True, exist_ok=True)
        path = runtime / "endpoints.yml"
        write_private(
            path,
            "action_endpoint:\n"
            f'  url: "http://127.0.0.1:{self.config.actions_port}/webhook"\n'
            "  headers:\n"
            # Unquoted: Rasa expands ${...} only in plain scalars.
            f"    Authorization: Bearer ${{{ACTION_SERVER_TOKEN_ENV}}}\n"
            + tracker_store_yaml(
                settings.current(self.environment()).tracker_store_url, self.config.var_dir
            )
        )
        return path

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
                    "rasa",
                    "run",
                    "--enable-api",
                    "-i",
                    "127.0.0.1",
                    "-p",
                    str(config.rasa_port),
                    "--auth-token",
                    config.rasa_auth_token,
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
        if key == "bot":
            ready = config.var_dir / "runtime" / "bot.ready"
            ready.unlink(missing_ok=True)
            process = ManagedProcess(
                "the bot", [PYTHON, "-m", "bot"], env, logs / "bot.log", lambda: False
            )
            process.health = lambda: _ready_file_names(ready, process.pid)
            return process
        raise KeyError(key)

    def start(self, timeout: float = 240) -> None:
        # What the children will read, checked here: one clear error instead of three logs.
        settings.checked(self.environment())
        self.config.var_dir.mkdir(parents=True, exist_ok=True)
        _with_env(self.environment(), upgrade_to_head)
        ensure_model()
        first = (["telegram"] if self.config.uses_local_telegram else []) + ["actions", "rasa"]
        for key in first:
            self.start_one(key, wait=False)
        with ThreadPoolExecutor(len(first)) as pool:
            list(pool.map(lambda key: self.processes[key].wait_healthy(timeout), first))
        self.start_one("bot", timeout=timeout)

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
        for key in ("bot", "rasa", "actions", "telegram"):
            if key in self.processes:
                self.processes[key].stop()


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


def write_private(path: Path, text: str) -> None:
    """Readable by the owner only (it may hold the tracker store's password)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an older file keeps its mode through O_CREAT
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def tracker_store_yaml(url: str | None, var_dir: Path) -> str:
    """Rasa's SQL tracker store: an SQLite file by default, or `TRACKER_STORE_URL`."""
    if not url:
        path = var_dir / "rasa_tracker.db"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=stat.S_IRUSR | stat.S_IWUSR)
            # WAL is a lasting property of the file: Rasa's own engine then commits each
            # message with one append instead of rewriting a rollback journal.
            with sqlite3.connect(path) as connection:
                connection.execute("PRAGMA journal_mode=WAL")
        return f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{path}"\n'
    parsed = make_url(url)
    lines = ["tracker_store:", "  type: SQL", f'  dialect: "{parsed.drivername}"']
    for key, value in (
        ("url", parsed.host),
        ("port", parsed.port),
        ("db", parsed.database),
        ("username", parsed.username),
        ("password", parsed.password),
    ):
        if value:
            lines.append(f'  {key}: "{value}"')
    return "\n".join(lines) + "\n"


__all__ = ["LOCAL_BOT_TOKEN", "Stack", "StackConfig", "free_port"]
