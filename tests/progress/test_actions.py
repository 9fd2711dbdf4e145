"""/progress and the quarterly review, through our actions and database (no Rasa server)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.core.timers import ActionFireTimer
from actions.privacy.export import ActionExportData
from actions.progress.actions import ActionShowProgress
from actions.progress.quarterly import review_time, upcoming_review
from bot.progress import chart_data, chart_png
from bot.sender import read_answer
from storage import timers
from storage.couples import couple_for_group
from storage.engine import transaction
from storage.enums import (
    CheckinStatus,
    CheckinTrigger,
    DraftedIn,
    PauseStatus,
    ReviewAnswer,
    ReviewReason,
    RoundStatus,
)
from storage.forget import forget_person
from storage.indicators import Quarter
from storage.models import (
    Agreement,
    AgreementReview,
    Checkin,
    Interruption,
    Pause,
    ProgressSummary,
    Round,
    Statement,
    Timer,
    Turn,
    utc_now,
)
from storage.rounds import PRIVATE_NOTE
from tests.support.couples import exported
from tests.support.factories import form_couple
from tests.support.rendering import rendered_by_rasa
from tests.support.trackers import build_tracker, run_action, texts

GROUP = -100120
ALEX, SAM, ROBIN = 1, 2, 3
BERLIN = ZoneInfo("Europe/Berlin")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def progress(domain, user: int = ALEX, chat: int = GROUP, chat_type: str = "group") -> list:
    tracker = build_tracker(
        chat, "/show_progress", "show_progress", user_id=user, chat_type=chat_type
    )
    return run_action(ActionShowProgress(), tracker, domain)


def charts(messages: list[dict]) -> list[dict]:
    return [
        m["custom"]["telegram"]
        for m in messages
        if (m.get("custom") or {}).get("telegram", {}).get("chart")
    ]


def add_history() -> None:
    """This quarter: a round-robin (Sam 38 % of the floor, interrupted twice by Alex, who also
    sent the bot a note privately, as invited: no interruption), a
    statement shared by Alex, a private draft by Sam never shared, pauses, an agreement
    kept, a check-in revealed."""
    now = utc_now() - timedelta(minutes=5)
    with transaction() as session:
        couple = couple_for_group(GROUP, session=session)
        alex, sam = couple.partners
        round_ = Round(couple_id=couple.id, topic="money", turn_seconds=300, started_by_id=sam.id,
                       status=RoundStatus.COMPLETE, created_at=now)
        session.add(round_)
        session.flush()
        alex_turn = Turn(round_id=round_.id, speaker_id=alex.id, sequence=1, planned_seconds=300,
                         seconds_held=62.0, word_count=300)
        sam_turn = Turn(round_id=round_.id, speaker_id=sam.id, sequence=2, planned_seconds=300,
                        seconds_held=38.0, word_count=120)
        session.add_all([alex_turn, sam_turn])
        session.flush()
        session.add_all([
            Interruption(turn_id=sam_turn.id, by_id=alex.id, text="no!", created_at=now),
            Interruption(turn_id=sam_turn.id, by_id=alex.id, text="wait", created_at=now),
            Interruption(turn_id=sam_turn.id, by_id=alex.id, text="later", kind=PRIVATE_NOTE,
                         created_at=now),
            Statement(couple_id=couple.id, speaker_id=alex.id, chat_id=GROUP, created_at=now),
            Statement(couple_id=couple.id, speaker_id=sam.id, chat_id=SAM,
                      drafted_in=DraftedIn.PRIVATE, shared=False, created_at=now),
            Pause(couple_id=couple.id, requested_at=now, status=PauseStatus.RESUMED),
            Pause(couple_id=couple.id, requested_at=now, status=PauseStatus.MISSED),
            Checkin(couple_id=couple.id, trigger=CheckinTrigger.MANUAL,
                    status=CheckinStatus.REVEALED, started_at=now, ended_at=now),
        ])
        agreement = Agreement(couple_id=couple.id, text="walk on Sundays", agreed_at=now,
                              created_at=now)
        session.add(agreement)
        session.flush()
        session.add(AgreementReview(agreement_id=agreement.id, partner_id=sam.id,
                                    reason=ReviewReason.CHECKIN, asked_at=now,
                                    answer=ReviewAnswer.YES, answered_at=now))


# -- /progress --------------------------------------------------------------------------------


def test_progress_answers_the_group_with_a_chart_and_its_caption(database, domain):
    form_couple(domain, GROUP, zone="Europe/Berlin", agreed=True)
    add_history()
    [answer] = charts(progress(domain))
    quarter = Quarter.of(utc_now(), BERLIN)
    with transaction() as session:
        couple_id = couple_for_group(GROUP, session=session).id
    assert answer["chart"] == {"couple_id": couple_id, "quarter": quarter.label}
    caption = answer["text"]
    assert caption.startswith(f"{quarter.months} so far, as a mirror, not a score:")
    assert "• Sam held the floor 38 % of the time this quarter." in caption
    assert "Interrupted during their turn: Alex 0 times, Sam twice." in caption
    # Alex's shared statement counts; Sam's private draft, never shared, does not.
    assert "Exercises started: Alex 1, Sam 1." in caption
    assert "Pauses: 1 resumed on time, 1 missed." in caption
    assert "Agreements: 1 made, 1 kept, 0 revised." in caption
    assert "Check-ins done: 1." in caption
    # No text the couple wrote.
    for words in ("money", "no!", "wait", "walk on Sundays"):
        assert words not in caption
    assert len(caption) <= 1024  # Telegram's caption limit: one photo with its caption


def test_the_bot_reads_the_chart_request_and_draws_a_real_png(database, domain):
    form_couple(domain, GROUP, zone="Europe/Berlin", agreed=True)
    add_history()
    tracker = build_tracker(GROUP, "/show_progress", "show_progress", user_id=SAM,
                            first_name="Sam")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionShowProgress().run(dispatcher, tracker, domain))
    answer = read_answer(rendered_by_rasa(dispatcher.messages, domain, GROUP), GROUP)
    [message] = answer.messages
    assert message.chart is not None and message.chat_id == GROUP
    assert "as a mirror, not a score" in message.text
    png = asyncio.run(chart_png(message.chart["couple_id"], message.chart["quarter"], GROUP))
    assert png is not None and png.startswith(PNG_SIGNATURE) and len(png) > 10_000


def test_a_chart_goes_only_to_its_own_couples_group(database, domain):
    form_couple(domain, GROUP, zone="Europe/Berlin", agreed=True)
    with transaction() as session:
        couple_id = couple_for_group(GROUP, session=session).id
        assert chart_data(couple_id, "2026-Q4", -999, session) is None
        assert chart_data(couple_id, "not a quarter", GROUP, session) is None
        assert chart_data(couple_id + 1, "2026-Q4", GROUP, session) is None
        assert chart_data(couple_id, "2026-Q4", GROUP, session) is not None


def test_observers_get_nothing_and_a_private_chat_is_sent_to_the_group(database, domain):
    form_couple(domain, GROUP, zone="Europe/Berlin", agreed=True)
    said = progress(domain, user=ROBIN)
    assert not charts(said) and len(said) == 1  # the observers' one polite line
    private = progress(domain, user=ALEX, chat=ALEX, chat_type="private")
    assert not charts(private)
    assert "send /progress in your couple's group" in texts(private)[0]


# -- the quarterly review ---------------------------------------------------------------------


def test_upcoming_review_is_the_next_quarters_first_day_at_ten_local():
    now = datetime(2026, 11, 15, 12, tzinfo=timezone.utc)
    due, reviewed = upcoming_review(BERLIN, now)
    assert due == datetime(2027, 1, 1, 9, tzinfo=timezone.utc)  # 10:00 CET
    assert reviewed == Quarter(2026, 4)
    # On a quarter's first day before ten, the quarter just ended is still to be reviewed.
    early = datetime(2027, 1, 1, 7, tzinfo=timezone.utc)
    assert upcoming_review(BERLIN, early) == (due, Quarter(2026, 4))
    later = datetime(2027, 1, 1, 9, 30, tzinfo=timezone.utc)
    following = review_time(Quarter(2027, 2), BERLIN)
    assert upcoming_review(BERLIN, later) == (following, Quarter(2027, 1))


def pending_reviews(session) -> list[Timer]:
    return timers.pending("progress_quarterly", GROUP, session=session)


def test_a_couple_gets_one_quarterly_timer_that_follows_its_time_zone(database, domain):
    form_couple(domain, GROUP, agreed=True)  # no time zone yet: UTC
    now = utc_now()
    with transaction() as session:
        [timer] = pending_reviews(session)
        assert timer.due_at == upcoming_review(ZoneInfo("UTC"), now)[0]
    form_couple(domain, GROUP, zone="Asia/Tokyo")  # the zone chosen: moved to their midnight
    progress(domain)  # /progress finds one pending and adds none
    with transaction() as session:
        [timer] = pending_reviews(session)
        due, reviewed = upcoming_review(ZoneInfo("Asia/Tokyo"), now)
        assert timer.due_at == due
        assert timers.payload_of(timer)["quarter"] == reviewed.label


def fire_due_reviews(domain) -> list[dict]:
    with transaction() as session:
        for timer in pending_reviews(session):
            timer.due_at = utc_now()
    with transaction() as session:
        [claimed] = timers.claim_due(session=session)
    tracker = build_tracker(
        GROUP, "", "EXTERNAL_timer_due", user_id=None, entities={"timer_id": claimed.id}
    )
    return run_action(ActionFireTimer(), tracker, domain)


def test_the_quarterly_timer_posts_saves_and_schedules_the_next_once(database, domain):
    form_couple(domain, GROUP, zone="Europe/Berlin", agreed=True)
    add_history()
    with transaction() as session:
        [timer] = pending_reviews(session)
        reviewed = Quarter.parse(timers.payload_of(timer)["quarter"])
    [posted] = charts(fire_due_reviews(domain))
    assert posted["text"].startswith(f"A new quarter begins. Here is {reviewed.months}")
    assert f"the floor 38 % of the time in {reviewed.months}" in posted["text"]
    assert posted["chart"]["quarter"] == reviewed.label
    with transaction() as session:
        [summary] = session.execute(select(ProgressSummary)).scalars()
        assert summary.quarter == reviewed.label
        numbers = summary.indicators["quarter"]
        assert numbers["pauses"] == {"resumed_on_time": 1, "resumed_after_new_time": 0,
                                     "missed": 1}
        assert numbers["checkins_done"] == 1
        [following] = pending_reviews(session)
        assert timers.payload_of(following)["quarter"] == reviewed.next().label
        assert following.due_at == review_time(reviewed.next().next(), BERLIN)
        # A duplicate of the same review (a timer fired again) says nothing twice.
        following.payload = timer.payload
    assert fire_due_reviews(domain) == []
    with transaction() as session:
        assert len(list(session.execute(select(ProgressSummary)).scalars())) == 1


def test_summaries_are_exported_and_go_with_a_partner_who_leaves(database, domain):
    form_couple(domain, GROUP, zone="Europe/Berlin", agreed=True)
    add_history()
    fire_due_reviews(domain)
    tracker = build_tracker(GROUP, "/export_data", "export_data", user_id=ALEX)
    export = exported(run_action(ActionExportData(), tracker, domain))
    [summary] = export["progress_summaries"]
    assert set(summary) == {"id", "quarter", "period_start", "period_end", "indicators",
                            "created_at"}
    assert "money" not in str(summary) and "Alex" not in str(summary)
    with transaction() as session:
        forget_person(SAM, session=session)
    with transaction() as session:
        assert list(session.execute(select(ProgressSummary)).scalars()) == []
