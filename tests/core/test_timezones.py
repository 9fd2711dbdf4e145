"""Turning what people type into a time zone, without guessing from ordinary sentences."""

import pytest

from actions.core.timezones import resolve_timezone, timezone_buttons


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("We live in New York", "America/New_York"),
        ("kolkata", "Asia/Kolkata"),
        ("India", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("  London  ", "Europe/London"),
        ("São Paulo", "America/Sao_Paulo"),
    ],
)
def test_places_resolve_to_iana_zones(text, zone):
    assert resolve_timezone(text) == zone


@pytest.mark.parametrize(
    "text",
    [
        "hello there",
        "Casey is late again",
        "",
        "🙂",
        "the dishes",
        "x" * 500,
        "we talked about it in the car and I think we should do it in Paris next year",
    ],
)
def test_ordinary_sentences_are_not_time_zones(text):
    assert resolve_timezone(text) is None


def test_every_button_payload_fits_telegram_callback_data_and_resolves():
    for button in timezone_buttons():
        assert len(button["payload"].encode()) <= 64
        zone = button["payload"].split('"timezone":"')[1].rstrip('"}')
        assert resolve_timezone(zone) == zone
