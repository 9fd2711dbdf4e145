"""The quarterly indicators, on hand-made rounds, pauses, agreements and check-ins."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from storage.indicators import (
    AgreementFacts,
    CheckinFacts,
    CoupleFacts,
    PauseFacts,
    Quarter,
    ReviewFacts,
    RoundFacts,
    StatementFacts,
    TurnFacts,
    compute,
)

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
ALEX, SAM = 1, 2
Q4 = Quarter(2026, 4)


def at(month: int, day: int, hour: int = 18) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def q4(facts: CoupleFacts, zone: ZoneInfo = UTC):
    return compute(facts, Q4.start(zone), Q4.end(zone))


# -- quarters -------------------------------------------------------------------------------


def test_a_quarter_starts_at_midnight_in_the_couples_time_zone():
    assert Q4.start(BERLIN) == datetime(2026, 9, 30, 22, tzinfo=UTC)  # CEST, UTC+2
    assert Q4.end(BERLIN) == datetime(2026, 12, 31, 23, tzinfo=UTC)  # CET, UTC+1
    assert Quarter(2027, 1).start(BERLIN) == Q4.end(BERLIN)


def test_the_quarter_of_a_moment_is_the_couples_local_one():
    new_year_in_berlin = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert Quarter.of(new_year_in_berlin, BERLIN) == Quarter(2027, 1)
    assert Quarter.of(new_year_in_berlin, UTC) == Q4


@pytest.mark.parametrize(
    ("quarter", "previous", "following"),
    [
        (Quarter(2026, 1), Quarter(2025, 4), Quarter(2026, 2)),
        (Q4, Quarter(2026, 3), Quarter(2027, 1)),
    ],
)
def test_quarters_follow_each_other_across_years(quarter, previous, following):
    assert quarter.previous() == previous and quarter.next() == following


def test_a_quarter_is_named_and_read_back():
    assert Q4.label == "2026-Q4" and Q4.months == "Oct–Dec 2026"
    assert Quarter.parse("2026-Q4") == Q4
    assert Quarter.parse("2026-Q5") is None and Quarter.parse("nonsense") is None


# -- round-robins ---------------------------------------------------------------------------


def test_floor_time_and_words_are_summed_per_partner_across_round_robins():
    facts = CoupleFacts(
        (ALEX, SAM),
        rounds=(
            RoundFacts(at(10, 5), ALEX, (TurnFacts(ALEX, 300, 120), TurnFacts(SAM, 100, 40))),
            RoundFacts(at(11, 5), SAM, (TurnFacts(SAM, 210, 90), TurnFacts(ALEX, 390, 200))),
        ),
    )
    numbers = q4(facts)
    assert numbers.of(ALEX).seconds == 690 and numbers.of(SAM).seconds == 310
    assert numbers.of(ALEX).words == 320 and numbers.of(SAM).words == 130
    assert numbers.floor_share(SAM) == pytest.approx(0.31)
    assert numbers.word_share(ALEX) == pytest.approx(320 / 450)
    # Each session's own balance, oldest first, for the chart.
    assert [s.at for s in numbers.sessions] == [at(10, 5), at(11, 5)]
    assert numbers.sessions[0].share(ALEX) == pytest.approx(0.75)


def test_only_the_quarters_round_robins_count_and_an_empty_one_is_no_session():
    facts = CoupleFacts(
        (ALEX, SAM),
        rounds=(
            RoundFacts(at(9, 29), ALEX, (TurnFacts(ALEX, 300, 10),)),  # the quarter before
            RoundFacts(at(10, 2), SAM, ()),  # cancelled before anyone spoke
        ),
    )
    numbers = q4(facts)
    assert numbers.floor_seconds == 0 and numbers.floor_share(ALEX) is None
    assert numbers.sessions == ()
    assert numbers.of(SAM).started == 1  # starting it still counts


def test_who_is_interrupted_is_whose_floor_it_was():
    facts = CoupleFacts(
        (ALEX, SAM),
        rounds=(
            RoundFacts(at(10, 5), ALEX, (TurnFacts(ALEX, 300, 1), TurnFacts(SAM, 300, 1)),
                       interrupted=(ALEX, ALEX, SAM)),
        ),
    )
    numbers = q4(facts)
    assert (numbers.of(ALEX).interrupted, numbers.of(SAM).interrupted) == (2, 1)


def test_who_starts_counts_round_robins_and_statements():
    facts = CoupleFacts(
        (ALEX, SAM),
        rounds=(RoundFacts(at(10, 5), SAM), RoundFacts(at(10, 6), SAM)),
        statements=(StatementFacts(at(10, 7), ALEX), StatementFacts(at(12, 1), SAM)),
    )
    numbers = q4(facts)
    assert (numbers.of(ALEX).started, numbers.of(SAM).started) == (1, 3)


def test_a_partner_who_left_is_not_counted():
    facts = CoupleFacts((SAM,), rounds=(RoundFacts(at(10, 5), ALEX, (TurnFacts(ALEX, 300, 1),)),))
    numbers = q4(facts)
    assert [p.partner_id for p in numbers.partners] == [SAM] and numbers.floor_seconds == 0


# -- pauses, agreements, check-ins --------------------------------------------------------


def test_pauses_resumed_on_time_after_a_new_time_or_missed():
    facts = CoupleFacts(
        (ALEX, SAM),
        pauses=(
            PauseFacts(at(10, 1), "resumed"),
            PauseFacts(at(10, 2), "resumed"),
            PauseFacts(at(10, 3), "resumed", reschedules=1),
            PauseFacts(at(10, 4), "missed"),
            PauseFacts(at(10, 5), "cancelled"),
            PauseFacts(at(10, 6), "agreed"),  # still running: no outcome yet
            PauseFacts(at(9, 1), "missed"),  # the quarter before
        ),
    )
    numbers = q4(facts)
    assert (numbers.pauses_on_time, numbers.pauses_rescheduled, numbers.pauses_missed) == (2, 1, 1)


def test_agreements_made_kept_and_revised_in_the_quarter():
    facts = CoupleFacts(
        (ALEX, SAM),
        agreements=(
            # Made last quarter, kept this quarter (both said yes).
            AgreementFacts(
                at(9, 1), (ReviewFacts(at(10, 1), "yes"), ReviewFacts(at(10, 2), "yes"))
            ),
            # Made this quarter; one partner says it works only partly: revised.
            AgreementFacts(
                at(10, 3), (ReviewFacts(at(11, 1), "yes"), ReviewFacts(at(11, 1), "partly"))
            ),
            # Made this quarter, to talk about: neither kept nor revised.
            AgreementFacts(at(10, 4), (ReviewFacts(at(11, 2), "talk"),)),
            # Never agreed (declined, or still a proposal).
            AgreementFacts(None),
            # Kept, but last quarter.
            AgreementFacts(at(7, 4), (ReviewFacts(at(8, 2), "yes"),)),
        ),
    )
    numbers = q4(facts)
    assert (numbers.agreements_made, numbers.agreements_kept, numbers.agreements_revised) == (
        2,
        1,
        1,
    )


def test_only_revealed_check_ins_are_done():
    facts = CoupleFacts(
        (ALEX, SAM),
        checkins=(
            CheckinFacts(at(10, 4), "revealed"),
            CheckinFacts(at(11, 1), "expired"),
            CheckinFacts(at(12, 6), "revealed"),
            CheckinFacts(at(12, 20), "open"),
            CheckinFacts(at(9, 6), "revealed"),
        ),
    )
    assert q4(facts).checkins_done == 2


def test_the_quarter_bounds_are_the_couples_midnights():
    # 23:30 UTC on 30 September is already 1 October in Berlin.
    late = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    facts = CoupleFacts((ALEX, SAM), checkins=(CheckinFacts(late, "revealed"),))
    assert q4(facts, BERLIN).checkins_done == 1
    assert q4(facts, UTC).checkins_done == 0


def test_a_quiet_quarter_is_empty_and_its_dump_holds_numbers_only():
    numbers = q4(CoupleFacts((ALEX, SAM)))
    assert numbers.is_empty
    dumped = numbers.dump()
    assert dumped["partners"] == [
        {"partner_id": ALEX, "floor_seconds": 0.0, "words": 0, "exercises_started": 0,
         "times_interrupted": 0},
        {"partner_id": SAM, "floor_seconds": 0.0, "words": 0, "exercises_started": 0,
         "times_interrupted": 0},
    ]
    assert dumped["pauses"] == {"resumed_on_time": 0, "resumed_after_new_time": 0, "missed": 0}
    assert datetime.fromisoformat(dumped["end"]) - datetime.fromisoformat(dumped["start"]) == (
        timedelta(days=92)
    )
