"""Every environment variable the project reads: its default, its unit, one parser per type.

A field's name is its variable's name in lower case (`MIN_PAUSE_SECONDS` is
`min_pause_seconds`), durations are in the unit their name ends with, and README.md's
configuration table lists exactly these variables (tests/core/test_settings.py checks both).

The environment is read when asked (`current()`), never at import: the launcher and the
tests set variables per process. An empty variable counts as unset. An invalid value:
`checked()` (the launcher and the bot, at start) refuses it with every problem at once;
`current()` (everything else, at call time) warns once and uses the default, so a message
being answered never fails on configuration the start-up check would have named.
"""

from __future__ import annotations

import logging
import math
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any, get_type_hints

PROJECT_ROOT = Path(__file__).resolve().parent
TELEGRAM_DEFAULT_BASE_URL = "https://api.telegram.org/bot"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    # -- Telegram -------------------------------------------------------------------------
    telegram_bot_token: str | None = None  # unset: the launcher runs the local chat
    telegram_api_base_url: str = TELEGRAM_DEFAULT_BASE_URL  # PTB `base_url` form
    telegram_webhook_url: str | None = None  # set: a webhook instead of polling
    telegram_webhook_secret: str | None = None  # required with a webhook
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    # Generous, so a slow Telegram answer is waited for rather than sent again (a retry
    # after a read timeout can show the same message twice: Telegram may have taken it).
    telegram_timeout_seconds: float = 30.0
    delivery_give_up_seconds: float = 86400.0  # retrying one message on 429/5xx

    # -- processes (the launcher sets the URLs and the token for its children) ------------
    rasa_port: int = 5005
    action_server_port: int = 5055
    local_telegram_port: int = 8081
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    rasa_auth_token: str | None = None  # unset: the launcher makes one per run
    # The deployment's shared secret (32+ characters), or a file holding it (owner-only,
    # 0600); unset: the launcher makes one per run. Never on a command line.
    talking_stick_secret: str | None = field(default=None, repr=False)
    talking_stick_secret_file: str | None = None
    rasa_timeout_seconds: float = 30.0
    log_level: str = "INFO"  # the bot's; no message text at any level

    # -- files and databases ----------------------------------------------------------------
    talking_stick_var: Path = PROJECT_ROOT / "var"  # databases, logs, endpoints
    # Shared by runs and test sessions of this clone, so not under TALKING_STICK_VAR.
    talking_stick_models: Path = PROJECT_ROOT / "var" / "models"
    database_url: str = ""  # unset: SQLite <var>/talking_stick.db
    # How long an SQLite writer waits for another's lock before "database is locked".
    sqlite_busy_timeout_seconds: float = 10.0
    tracker_store_url: str | None = None  # unset: SQLite <var>/rasa_tracker.db
    # Set: Rasa's RedisLockStore and the bot's per-chat locks across workers (scale-out).
    redis_url: str | None = None
    # How many of each process the launcher starts: bots (one poller hands updates off to
    # them), Rasa's and the action server's Sanic workers. More than 1 needs REDIS_URL.
    workers: int = 1
    # Where scripts/services.sh keeps PostgreSQL's and Redis's data, and their ports.
    services_dir: Path | None = None  # unset: var/services (as root: /var/lib/talking-stick)
    services_postgres_port: int = 55432
    services_redis_port: int = 56379
    safety_resources_file: Path = PROJECT_ROOT / "config" / "resources.yml"

    # -- timers ---------------------------------------------------------------------------
    timer_poll_seconds: float = 0.25
    # Stable across restarts of this bot; give each bot worker its own when running several.
    timer_worker_name: str = ""  # unset: <host name>:bot
    timer_max_attempts: int = 8  # tries of one timer before it is given up ("failed")
    # An inbox row or timer claim a worker holds: renewed by its heartbeat every third of
    # this; one not renewed for this long (its worker died) is taken over by another.
    worker_lease_seconds: float = 60.0
    retention_days: float = 365.0  # message texts and Rasa events older: purged
    retention_interval_seconds: float = 86400.0

    # -- flows ----------------------------------------------------------------------------
    timezone_reminder_seconds: float = 600.0  # one reminder to pick a time zone
    # The shortest break without a note: Gottman's 20 minutes for a flooded body to calm.
    # Whole seconds: it names a button ("s1200") and is said in minutes.
    min_pause_seconds: int = 1200
    pause_proposal_reminder_seconds: float = 600.0  # no time agreed yet: one nudge
    # Nobody answered "ready?": one follow-up after this long, then missed after as long.
    pause_followup_seconds: float = 900.0
    turn_seconds: int = 300  # a round-robin turn unless the couple asks otherwise
    # After time-up the speaker may finish their sentence this long; 0: no grace.
    round_robin_grace_seconds: float = 30.0
    # When an agreement comes back for review ("still working?"); fractions allowed (tests).
    agreement_review_days: float = 14.0
    # A check-in left half-done: one reminder this long after it started, then it expires
    # this long after the reminder.
    checkin_reminder_seconds: float = 172800.0
    checkin_expire_seconds: float = 172800.0
    # The group's neutral note after a safety hold comes this much later, so its timing
    # points at no one (not right after someone finished their private check).
    safety_notice_delay_seconds: float = 1800.0
    # Within this time a second crisis message gets a short answer, not the whole text.
    crisis_repeat_seconds: float = 600.0
    forget_confirm_seconds: float = 600.0  # how long /forget's buttons work
    # The quarterly progress summary is posted on a quarter's first day at this hour
    # (0-23) of the couple's time zone.
    quarterly_review_hour: int = 10

    @property
    def telegram_file_base_url(self) -> str:
        return file_base_url(self.telegram_api_base_url)

    @property
    def rasa_tracker_store_url(self) -> str:
        """Rasa's tracker store as an SQLAlchemy URL: TRACKER_STORE_URL, or the SQLite file
        `<var>/rasa_tracker.db`."""
        return self.tracker_store_url or f"sqlite:///{self.talking_stick_var / 'rasa_tracker.db'}"

    @property
    def use_webhook(self) -> bool:
        return bool(self.telegram_webhook_url)


def file_base_url(api_base_url: str) -> str:
    """PTB's base_file_url for a base_url: ".../bot" -> ".../file/bot"."""
    if api_base_url.endswith("bot"):
        return api_base_url[: -len("bot")] + "file/bot"
    return api_base_url


class SettingsError(ValueError):
    """One or more variables have values the project can't use."""


def variable_names() -> list[str]:
    return [item.name.upper() for item in fields(Settings)]


# -- one parser per type (each raises ValueError saying what it wanted) -----------------------


def _text(raw: str) -> str:
    return raw


def _whole(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError("a whole number") from None
    if value < 1:
        raise ValueError("a whole number of at least 1")
    return value


def _zero_or_more(raw: str) -> float:
    return 0.0 if raw.strip() in ("0", "0.0") else _number(raw)


def _number(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("a number (fractions allowed)") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError("a number above 0")
    return value


def _hour(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError("an hour of the day, 0 to 23") from None
    if not 0 <= value <= 23:
        raise ValueError("an hour of the day, 0 to 23")
    return value


def _path(raw: str) -> Path:
    return Path(raw).expanduser().resolve()


def _log_level(raw: str) -> str:
    level = raw.upper()
    if not isinstance(logging.getLevelName(level), int):
        raise ValueError("a log level: DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return level


# Defaults that depend on the machine or on variables read before them.
_DERIVED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "database_url": lambda read: f"sqlite:///{read['talking_stick_var'] / 'talking_stick.db'}",
    "timer_worker_name": lambda read: f"{socket.gethostname()}:bot",
}

_PARSERS: dict[object, Callable[[str], Any]] = {
    str: _text,
    str | None: _text,
    Path | None: _path,
    int: _whole,
    float: _number,
    Path: _path,
}
# Where a variable needs more than its type's parser.
_SPECIAL: dict[str, Callable[[str], Any]] = {
    "log_level": _log_level,
    "quarterly_review_hour": _hour,
    "sqlite_busy_timeout_seconds": _zero_or_more,  # 0: fail at once (a test of locking)
    "round_robin_grace_seconds": _zero_or_more,  # 0: the floor passes at time-up
}


@cache
def _variables() -> list[tuple[str, Any, Callable[[str], Any]]]:
    """(field, default, parser) of each variable: its type's parser unless it has its own.
    Made once: reading type hints is slow, and settings are read at every transaction."""
    hints = get_type_hints(Settings)
    return [
        (item.name, item.default, _SPECIAL.get(item.name) or _PARSERS[hints[item.name]])
        for item in fields(Settings)
    ]


# Settings already read, by the variables' values (and the directory relative paths are
# read from): read at every transaction and every message, parsing ~60 variables and
# resolving paths each time was several per cent of the bot's CPU.
_already_read: dict[tuple[str | None, ...], tuple[Settings, list[str]]] = {}


def _read(environ: Mapping[str, str]) -> tuple[Settings, list[str]]:
    key = (os.getcwd(), *(environ.get(name.upper()) for name, _, _ in _variables()))
    found = _already_read.get(key)  # one lookup: another thread may clear meanwhile
    if found is None:
        found = _parse(environ)
        if len(_already_read) > 64:  # tests set many environments; keep a few
            _already_read.clear()
        _already_read[key] = found
    settings, problems = found
    return settings, list(problems)


def _parse(environ: Mapping[str, str]) -> tuple[Settings, list[str]]:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, default, parse in _variables():
        if name in _DERIVED:
            default = _DERIVED[name](values)
        raw = environ.get(name.upper(), "").strip()
        if not raw:
            values[name] = default
            continue
        try:
            values[name] = parse(raw)
        except ValueError as wanted:
            problems.append(f"{name.upper()}={raw!r} is not {wanted}")
            values[name] = default
    return Settings(**values), problems


def checked(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings now in force; SettingsError naming every invalid variable."""
    settings, problems = _read(os.environ if environ is None else environ)
    if problems:
        raise SettingsError("Invalid configuration: " + "; ".join(problems) + ".")
    return settings


_warned: set[str] = set()


def current(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings now in force; an invalid value is warned about once and left at its default."""
    settings, problems = _read(os.environ if environ is None else environ)
    for problem in problems:
        if problem not in _warned:
            _warned.add(problem)
            logger.warning("%s: using its default", problem)
    return settings
