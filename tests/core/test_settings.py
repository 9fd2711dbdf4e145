"""settings.py: every variable the project reads, documented in README.md, parsed one way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import settings
from settings import PROJECT_ROOT, Settings, SettingsError


def readme_variables() -> list[str]:
    """The names in the first column of README.md's configuration table."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [name for row in rows for name in re.findall(r"`([A-Z0-9_]+)`", row.split("|")[1])]


def test_the_readme_table_lists_exactly_the_variables_settings_reads():
    documented = readme_variables()
    assert len(documented) == len(set(documented)), "a variable is listed twice"
    assert sorted(documented) == sorted(settings.variable_names())


def test_unset_or_empty_variables_give_the_defaults(monkeypatch):
    for name in settings.variable_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TURN_SECONDS", "  ")
    current = settings.checked()
    assert current.turn_seconds == 300
    assert current.min_pause_seconds == 1200
    assert current.agreement_review_days == 14
    assert current.timer_poll_seconds == 0.25
    assert current.talking_stick_var == PROJECT_ROOT / "var"
    assert current.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'talking_stick.db'}"
    assert current.timer_worker_name.endswith(":bot")
    assert current.telegram_bot_token is None


def test_values_are_read_when_asked_not_at_import(monkeypatch, tmp_path):
    monkeypatch.setenv("TALKING_STICK_VAR", str(tmp_path))
    monkeypatch.setenv("TIMEZONE_REMINDER_SECONDS", "0.5")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    current = settings.current()
    assert current.talking_stick_var == tmp_path.resolve()
    assert current.database_url == f"sqlite:///{tmp_path.resolve() / 'talking_stick.db'}"
    assert current.timezone_reminder_seconds == 0.5
    assert current.log_level == "DEBUG"
    monkeypatch.setenv("TIMEZONE_REMINDER_SECONDS", "12")
    assert settings.current().timezone_reminder_seconds == 12


def test_a_given_environment_is_read_instead_of_the_process_one():
    assert settings.current({"RASA_PORT": "6000"}).rasa_port == 6000


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TURN_SECONDS", "soon"),
        ("TURN_SECONDS", "1.5"),  # whole seconds
        ("AGREEMENT_REVIEW_DAYS", "0"),
        ("RASA_PORT", "-1"),
        ("TIMER_POLL_SECONDS", "0"),
        ("RETENTION_DAYS", "nan"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_an_invalid_value_is_named_at_start_and_left_at_its_default_later(name, value):
    with pytest.raises(SettingsError, match=name):
        settings.checked({name: value})
    later = settings.current({name: value})
    assert getattr(later, name.lower()) == getattr(Settings(), name.lower())


def test_every_invalid_value_is_named_at_once():
    with pytest.raises(SettingsError) as raised:
        settings.checked({"RASA_PORT": "x", "TURN_SECONDS": "y"})
    assert "RASA_PORT" in str(raised.value) and "TURN_SECONDS" in str(raised.value)


def test_paths_are_absolute(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    current = settings.current({"SAFETY_RESOURCES_FILE": "config/resources.yml"})
    assert current.safety_resources_file == Path(PROJECT_ROOT / "config" / "resources.yml")
