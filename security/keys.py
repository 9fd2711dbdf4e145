"""The one shared secret of a deployment and the keys derived from it.

The secret comes from `TALKING_STICK_SECRET`, or from the file `TALKING_STICK_SECRET_FILE`
names (readable by its owner only), never from the command line: argv shows in `ps` to every
local user. Each hop gets its own key, derived with HMAC-SHA256, so a key that travels (the
channel's and the action server's bearer tokens) never is the key that signs who speaks.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Mapping
from pathlib import Path

import settings

SECRET_ENV = "TALKING_STICK_SECRET"
SECRET_FILE_ENV = "TALKING_STICK_SECRET_FILE"
MIN_SECRET_LENGTH = 32

# One purpose per hop; changing a label changes that key.
CHANNEL = "rasa-channel"  # bot -> Rasa: bearer token of the bot's input channel
METADATA = "metadata-signature"  # bot -> actions: HMAC over who speaks
ACTION_SERVER = "action-server"  # Rasa -> actions: bearer token of the action server


class MissingSecret(RuntimeError):
    """No usable shared secret: the process must not start (it could trust nobody)."""


def master_secret(env: Mapping[str, str] | None = None) -> bytes:
    configured = settings.current(env)
    value = configured.talking_stick_secret or ""
    if not value and configured.talking_stick_secret_file:
        value = read_private_file(Path(configured.talking_stick_secret_file)).strip()
    if not value:
        raise MissingSecret(
            f"{SECRET_ENV} (or {SECRET_FILE_ENV}) is not set; the run command sets one per run."
        )
    if len(value) < MIN_SECRET_LENGTH:
        raise MissingSecret(f"{SECRET_ENV} must be at least {MIN_SECRET_LENGTH} characters.")
    return value.encode()


def read_private_file(path: Path) -> str:
    """A secret file must be ours and unreadable by group and others (like ssh's keys)."""
    try:
        info = path.stat()
        text = path.read_text()
    except OSError as error:
        raise MissingSecret(f"cannot read {SECRET_FILE_ENV} ({type(error).__name__})") from error
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise MissingSecret(f"{SECRET_FILE_ENV} must be owned by this user and mode 0600.")
    return text


def derive(master: bytes, purpose: str) -> bytes:
    return hmac.new(master, f"talking-stick/{purpose}".encode(), hashlib.sha256).digest()


def derived_key(purpose: str, env: Mapping[str, str] | None = None) -> bytes:
    return derive(master_secret(env), purpose)


def bearer_token(purpose: str, env: Mapping[str, str] | None = None) -> str:
    return derived_key(purpose, env).hex()


def bearer_matches(authorization: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, given = (authorization or "").partition(" ")
    given_token = given.strip().encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(given_token, token.encode())
