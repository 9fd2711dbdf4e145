"""What `WORKERS` asks of the launcher before anything starts."""

from __future__ import annotations

import pytest

import settings
from bot.app import rate_limiter
from launcher.stack import Stack, StackConfig


def test_one_worker_is_the_one_bot_of_old():
    config = StackConfig(var_dir=settings.PROJECT_ROOT / "var")
    assert config.bot_keys == ["bot"]
    assert "SANIC_WORKERS" not in Stack(config).environment()


def test_several_workers_are_numbered_and_rasa_and_actions_get_as_many(tmp_path):
    config = StackConfig(var_dir=tmp_path, workers=3, extra_env={"REDIS_URL": "redis://x"})
    assert config.bot_keys == ["bot-1", "bot-2", "bot-3"]
    env = Stack(config).environment()
    assert env["SANIC_WORKERS"] == env["ACTION_SERVER_SANIC_WORKERS"] == "3"
    assert env["WORKERS"] == "3"  # the bots: each sends its share (bot/app.py rate_limiter)


def test_more_than_one_worker_needs_redis(tmp_path):
    stack = Stack(StackConfig(var_dir=tmp_path, workers=2, extra_env={"REDIS_URL": ""}))
    with pytest.raises(settings.SettingsError, match="REDIS_URL"):
        stack.start()
    assert not stack.processes


def test_more_than_one_worker_polls(tmp_path):
    env = {
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
        "TELEGRAM_WEBHOOK_SECRET": "s" * 40,
    }
    stack = Stack(StackConfig(var_dir=tmp_path, workers=2, extra_env=env))
    with pytest.raises(settings.SettingsError, match="webhook"):
        stack.start()
    assert not stack.processes


def test_workers_is_read_from_the_environment():
    assert settings.checked({"WORKERS": "2"}).workers == 2
    with pytest.raises(settings.SettingsError, match="WORKERS"):
        settings.checked({"WORKERS": "0"})


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_bot_workers_together_keep_to_telegrams_limits_for_one_token(workers):
    limiter = rate_limiter(workers)
    assert limiter._base_limiter.max_rate * workers == pytest.approx(30)  # messages a second
    assert limiter._group_max_rate * workers == pytest.approx(20)  # a minute, into one group
