"""The summary's words: a mirror of the numbers, compared with the quarter before."""

from __future__ import annotations

from datetime import datetime, timezone

from actions.progress.summary import summary_lines
from storage.indicators import (
    AgreementFacts,
    CheckinFacts,
    CoupleFacts,
    PauseFacts,
    Quarter,
    ReviewFacts,
    RoundFacts,
    TurnFacts,
    compute,
)

UTC = timezone.utc
ALEX, SAM = 1, 2
NAMES = [(ALEX, "Alex"), (SAM, "Sam")]
Q4 = Quarter(2026, 4)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 18, tzinfo=UTC)


def lines(facts: CoupleFacts, this: str = "this quarter") -> list[str]:
    current = compute(facts, Q4.start(UTC), Q4.end(UTC))
    previous = compute(facts, Q4.previous().start(UTC), Q4.previous().end(UTC))
    return summary_lines(current, previous, NAMES, this)


def test_the_quieter_voice_is_named_with_the_change_since_last_quarter():
    facts = CoupleFacts(
        (ALEX, SAM),
        rounds=(
            RoundFacts(at(8, 1), ALEX, (TurnFacts(ALEX, 69, 100), TurnFacts(SAM, 31, 50))),
            RoundFacts(at(11, 1), SAM, (TurnFacts(ALEX, 62, 300), TurnFacts(SAM, 38, 120))),
        ),
    )
    said = lines(facts)
    assert said[0] == "• Sam held the floor 38 % of the time this quarter, up from 31 %."
    assert said[1] == (
        "• Round-robins: 1 (the quarter before: 1); words on the floor: Alex 300, Sam 120."
    )


def test_the_first_quarter_has_nothing_to_compare_with():
    facts = CoupleFacts(
        (ALEX, SAM),
        rounds=(RoundFacts(at(11, 1), SAM, (TurnFacts(ALEX, 30, 3), TurnFacts(SAM, 90, 9)),
                           interrupted=(SAM, SAM)),),
        pauses=(PauseFacts(at(11, 2), "resumed"), PauseFacts(at(11, 3), "missed")),
        agreements=(AgreementFacts(at(11, 4), (ReviewFacts(at(11, 20), "yes"),)),),
        checkins=(CheckinFacts(at(12, 6), "revealed"),),
    )
    assert lines(facts, "in Oct–Dec 2026") == [
        "• Alex held the floor 25 % of the time in Oct–Dec 2026.",
        "• Round-robins: 1; words on the floor: Alex 3, Sam 9.",
        "• Interrupted during their turn: Alex 0 times, Sam twice.",
        "• Exercises started: Alex 0, Sam 1.",
        "• Pauses: 1 resumed on time, 1 missed.",
        "• Agreements: 1 made, 1 kept, 0 revised.",
        "• Check-ins done: 1.",
    ]


def test_a_quiet_quarter_says_so_plainly():
    facts = CoupleFacts(
        (ALEX, SAM),
        pauses=(PauseFacts(at(8, 2), "missed"),),
        checkins=(CheckinFacts(at(9, 6), "revealed"),),
    )
    assert lines(facts) == [
        "• No round-robin this quarter.",
        "• Exercises started: Alex 0, Sam 0.",
        "• Pauses: none (the quarter before: 0 resumed on time, 1 missed).",
        "• Agreements: 0 made, 0 kept, 0 revised.",
        "• Check-ins done: 0 (the quarter before: 1).",
    ]


def test_an_even_floor_as_before_is_said_without_direction():
    facts = CoupleFacts(
        (ALEX, SAM),
        rounds=(
            RoundFacts(at(8, 1), ALEX, (TurnFacts(ALEX, 50, 1), TurnFacts(SAM, 50, 1))),
            RoundFacts(at(11, 1), ALEX, (TurnFacts(ALEX, 60, 1), TurnFacts(SAM, 60, 1))),
        ),
    )
    assert lines(facts)[0] == (
        "• Alex held the floor 50 % of the time this quarter, as in the quarter before."
    )


def test_no_verdicts_only_numbers():
    facts = CoupleFacts(
        (ALEX, SAM),
        rounds=(RoundFacts(at(11, 1), SAM, (TurnFacts(ALEX, 90, 3), TurnFacts(SAM, 10, 9))),),
    )
    words = " ".join(lines(facts)).lower()
    for verdict in ("better", "worse", "too much", "good", "bad", "should", "score"):
        assert verdict not in words
