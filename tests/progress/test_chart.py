"""The chart is a real PNG, phone-shaped, drawn without pyplot and without the couple's words."""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from actions.progress.chart import draw_chart, shown
from storage.indicators import (
    CoupleFacts,
    PauseFacts,
    Quarter,
    RoundFacts,
    TurnFacts,
    compute,
)

UTC = timezone.utc
Q4 = Quarter(2026, 4)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def chart(facts: CoupleFacts, names=((1, "Alex"), (2, "Sam"))) -> bytes:
    zone = ZoneInfo("America/New_York")
    current = compute(facts, Q4.start(zone), Q4.end(zone))
    previous = compute(facts, Q4.previous().start(zone), Q4.previous().end(zone))
    return draw_chart(current, previous, list(names), Q4, zone)


def test_a_chart_with_data_is_a_portrait_png():
    at = datetime(2026, 11, 1, 18, tzinfo=UTC)
    facts = CoupleFacts(
        (1, 2),
        rounds=tuple(
            RoundFacts(
                at.replace(day=day), 1, (TurnFacts(1, 60 + day, 5), TurnFacts(2, 90, 5)), (1,)
            )
            for day in range(1, 29)
        ),
        pauses=(PauseFacts(at, "resumed"), PauseFacts(at, "missed")),
    )
    png = chart(facts)
    assert png.startswith(PNG_SIGNATURE)
    width, height = size(png)
    assert (width, height) == (720, 1100) and height > width
    assert 10_000 < len(png) < 1_000_000  # small enough to send on a phone connection


def test_an_empty_quarter_still_draws():
    png = chart(CoupleFacts((1, 2)))
    assert png.startswith(PNG_SIGNATURE) and size(png) == (720, 1100)


def test_a_name_is_shown_as_written_never_as_mathematics():
    assert shown("Sam $x^2$") == r"Sam \$x^2\$"
    at = datetime(2026, 11, 1, 18, tzinfo=UTC)
    turns = (TurnFacts(1, 5, 1), TurnFacts(2, 5, 1))
    facts = CoupleFacts((1, 2), rounds=(RoundFacts(at, 1, turns),))
    assert chart(facts, ((1, "Sam $\\frac{"), (2, "Al_ex ^"))).startswith(PNG_SIGNATURE)
