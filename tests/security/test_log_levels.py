"""LOG_LEVEL=DEBUG is for our own code: the libraries that log message texts or tokens at
their lower levels (python-telegram-bot, httpx, Rasa, Sanic) stay pinned. And Rasa's API
token is on no command line. (test_stopping_e2e.py checks the real logs after a chat.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import launcher.stack
from launcher.rasa_server import pin_log_levels, rasa_arguments
from launcher.stack import Stack, StackConfig
from storage.engine import PROJECT_ROOT

MARKER = "Zebra-4711 the dishes again"
BOT_TOKEN = "7000000001:pinned-logging-token"

# The bot's logging as `python -m bot` sets it up, then what the libraries log at DEBUG and
# INFO during a conversation: the update with its text, the request URL with the token.
BOT_LOGS = f"""
import logging
from bot.__main__ import configure_logging

configure_logging()
logging.getLogger("telegram.ext.Application").debug("Processing update %s", "{MARKER}")
logging.getLogger("telegram.ext.ExtBot").debug("Calling sendMessage with %s", "{MARKER}")
logging.getLogger("telegram.ext.Updater").debug("Webhook received data: %s", "{MARKER}")
logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot{BOT_TOKEN}/")
logging.getLogger("sqlalchemy.engine.Engine").debug("Row (%r,)", "{MARKER}")
logging.getLogger("bot.relay").debug("our own debug line")
logging.getLogger("telegram.ext.Application").info("Application started")
"""


def test_the_bot_at_debug_logs_its_own_lines_but_no_library_text_or_token() -> None:
    environment = {**os.environ, "LOG_LEVEL": "DEBUG", "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", BOT_LOGS],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )

    assert "our own debug line" in run.stderr
    assert "Application started" in run.stderr  # libraries keep their INFO
    assert MARKER not in run.stderr
    assert BOT_TOKEN not in run.stderr


@pytest.mark.parametrize(
    ("environment", "rasa", "libraries"),
    [
        ({}, "INFO", "ERROR"),
        ({"LOG_LEVEL": "DEBUG", "LOG_LEVEL_LIBRARIES": "DEBUG"}, "INFO", "WARNING"),
        ({"LOG_LEVEL": "ERROR", "LOG_LEVEL_LIBRARIES": "CRITICAL"}, "ERROR", "CRITICAL"),
        ({"LOG_LEVEL": "chatty"}, "INFO", "ERROR"),
    ],
)
def test_rasa_logs_at_info_or_less_whatever_the_environment_says(
    environment: dict[str, str], rasa: str, libraries: str
) -> None:
    pin_log_levels(environment)

    assert (environment["LOG_LEVEL"], environment["LOG_LEVEL_LIBRARIES"]) == (rasa, libraries)


def test_rasa_gets_its_token_from_the_environment() -> None:
    arguments = rasa_arguments(["--enable-api"], {"RASA_AUTH_TOKEN": "-starts-with-a-dash"})

    assert arguments == ["rasa", "run", "--enable-api", "--auth-token=-starts-with-a-dash"]
    with pytest.raises(SystemExit):
        rasa_arguments(["--enable-api"], {})


def test_no_process_is_started_with_the_rasa_token_in_its_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launcher.stack, "ensure_model", lambda: tmp_path / "model.tar.gz")
    stack = Stack(StackConfig(var_dir=tmp_path / "var", rasa_auth_token="a1b2c3d4e5f6"))

    commands = [stack._process(key) for key in ("telegram", "actions", "rasa", "bot")]

    assert not any("a1b2c3d4e5f6" in " ".join(process.command) for process in commands)
    rasa = next(process for process in commands if process.name == "the Rasa server")
    assert rasa.env["RASA_AUTH_TOKEN"] == "a1b2c3d4e5f6"
