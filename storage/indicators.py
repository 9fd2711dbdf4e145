"""The couple's indicators for a quarter, computed from what is already saved (issue #12).

Pure functions over plain facts (`CoupleFacts`, unit-tested on hand-made data) and one
loader that reads those facts from the database. Everything is counted per couple and per
quarter of the couple's own time zone:

- floor time and words per partner in round-robins, and each round-robin's balance;
- who started exercises (round-robins, guided statements shown to the couple), and how
  often each partner was interrupted during their own floor;
- pauses resumed on time (no new time needed), resumed after a new time, missed;
- agreements made, kept (a review answered "yes") and revised ("partly");
- check-ins done (both answered, revealed together).

No text the couple wrote is read here, and a draft written in private that was never shared
does not count: the other partner must learn nothing from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.enums import CheckinStatus, DraftedIn, PauseStatus, ReviewAnswer
from storage.models import (
    Agreement,
    AgreementReview,
    Checkin,
    Couple,
    Interruption,
    Pause,
    ProgressSummary,
    Round,
    Statement,
    Turn,
)
from storage.rounds import PRIVATE_NOTE

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone_of(couple: Couple) -> ZoneInfo:
    """The couple's time zone (UTC until they chose one)."""
    try:
        return ZoneInfo(couple.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# -- quarters ------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def months(self) -> str:
        """"Jul–Sep 2026": how a person names it."""
        first = (self.number - 1) * 3
        return f"{MONTHS[first]}–{MONTHS[first + 2]} {self.year}"

    @classmethod
    def parse(cls, label: str) -> Quarter | None:
        year, _, number = str(label).partition("-Q")
        try:
            quarter = cls(int(year), int(number))
        except ValueError:
            return None
        return quarter if 1 <= quarter.number <= 4 and 1970 <= quarter.year <= 9999 else None

    @classmethod
    def of(cls, moment: datetime, zone: ZoneInfo) -> Quarter:
        local = moment.astimezone(zone)
        return cls(local.year, (local.month - 1) // 3 + 1)

    def start(self, zone: ZoneInfo) -> datetime:
        """Midnight of its first day in `zone`, in UTC."""
        local = datetime(self.year, (self.number - 1) * 3 + 1, 1, tzinfo=zone)
        return local.astimezone(timezone.utc)

    def end(self, zone: ZoneInfo) -> datetime:
        return self.next().start(zone)

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)


# -- facts: what was saved, without any text ----------------------------------------------


@dataclass(frozen=True)
class TurnFacts:
    speaker_id: int
    seconds: float
    words: int


@dataclass(frozen=True)
class RoundFacts:
    at: datetime
    started_by_id: int | None
    turns: tuple[TurnFacts, ...] = ()
    # For each interruption, whose floor it was (the partner interrupted).
    interrupted: tuple[int, ...] = ()


@dataclass(frozen=True)
class StatementFacts:
    at: datetime
    speaker_id: int


@dataclass(frozen=True)
class PauseFacts:
    at: datetime
    status: str
    reschedules: int = 0


@dataclass(frozen=True)
class ReviewFacts:
    at: datetime  # when it was answered
    answer: str


@dataclass(frozen=True)
class AgreementFacts:
    agreed_at: datetime | None
    reviews: tuple[ReviewFacts, ...] = ()


@dataclass(frozen=True)
class CheckinFacts:
    at: datetime
    status: str


@dataclass(frozen=True)
class CoupleFacts:
    partner_ids: tuple[int, ...]
    rounds: tuple[RoundFacts, ...] = ()
    statements: tuple[StatementFacts, ...] = ()
    pauses: tuple[PauseFacts, ...] = ()
    agreements: tuple[AgreementFacts, ...] = ()
    checkins: tuple[CheckinFacts, ...] = ()


# -- indicators ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerNumbers:
    partner_id: int
    seconds: float = 0.0  # on the floor, in round-robins
    words: int = 0  # written while holding the floor
    started: int = 0  # exercises this partner started
    interrupted: int = 0  # messages the other wrote during this partner's floor


@dataclass(frozen=True)
class SessionBalance:
    """One round-robin: when, and each partner's seconds on the floor."""

    at: datetime
    seconds: Mapping[int, float]

    def share(self, partner_id: int) -> float | None:
        total = sum(self.seconds.values())
        return None if total <= 0 else self.seconds.get(partner_id, 0.0) / total


@dataclass(frozen=True)
class Indicators:
    start: datetime
    end: datetime
    partners: tuple[PartnerNumbers, ...]
    sessions: tuple[SessionBalance, ...] = ()
    pauses_on_time: int = 0  # resumed at the agreed time (no new time needed)
    pauses_rescheduled: int = 0  # resumed after agreeing a new time
    pauses_missed: int = 0
    agreements_made: int = 0
    agreements_kept: int = 0  # reviewed: "yes, still working"
    agreements_revised: int = 0  # reviewed: "partly"
    checkins_done: int = 0

    def of(self, partner_id: int) -> PartnerNumbers:
        for numbers in self.partners:
            if numbers.partner_id == partner_id:
                return numbers
        return PartnerNumbers(partner_id)

    @property
    def floor_seconds(self) -> float:
        return sum(p.seconds for p in self.partners)

    @property
    def words(self) -> int:
        return sum(p.words for p in self.partners)

    def floor_share(self, partner_id: int) -> float | None:
        """This partner's part of the floor time (0..1); None without any floor time."""
        total = self.floor_seconds
        return None if total <= 0 else self.of(partner_id).seconds / total

    def word_share(self, partner_id: int) -> float | None:
        total = self.words
        return None if total <= 0 else self.of(partner_id).words / total

    @property
    def pauses(self) -> int:
        return self.pauses_on_time + self.pauses_rescheduled + self.pauses_missed

    @property
    def is_empty(self) -> bool:
        return not (
            self.sessions
            or any(p.started or p.interrupted for p in self.partners)
            or self.pauses
            or self.agreements_made
            or self.agreements_kept
            or self.agreements_revised
            or self.checkins_done
        )

    def dump(self) -> dict[str, Any]:
        """Numbers and partner ids only (saved with a quarterly summary, and exported)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "partners": [
                {
                    "partner_id": p.partner_id,
                    "floor_seconds": round(p.seconds, 1),
                    "words": p.words,
                    "exercises_started": p.started,
                    "times_interrupted": p.interrupted,
                }
                for p in self.partners
            ],
            "round_robins": [
                {
                    "at": s.at.isoformat(),
                    "floor_seconds": {str(k): round(v, 1) for k, v in s.seconds.items()},
                }
                for s in self.sessions
            ],
            "pauses": {
                "resumed_on_time": self.pauses_on_time,
                "resumed_after_new_time": self.pauses_rescheduled,
                "missed": self.pauses_missed,
            },
            "agreements": {
                "made": self.agreements_made,
                "kept": self.agreements_kept,
                "revised": self.agreements_revised,
            },
            "checkins_done": self.checkins_done,
        }


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def compute(facts: CoupleFacts, start: datetime, end: datetime) -> Indicators:
    """The indicators of [start, end) (aware datetimes), from the facts of any period."""
    seconds = dict.fromkeys(facts.partner_ids, 0.0)
    words = dict.fromkeys(facts.partner_ids, 0)
    started = dict.fromkeys(facts.partner_ids, 0)
    interrupted = dict.fromkeys(facts.partner_ids, 0)
    sessions = []
    for round_ in sorted(facts.rounds, key=lambda r: r.at):
        if not _within(round_.at, start, end):
            continue
        if round_.started_by_id in started:
            started[round_.started_by_id] += 1
        held = dict.fromkeys(facts.partner_ids, 0.0)
        for turn in round_.turns:
            if turn.speaker_id in held:
                held[turn.speaker_id] += max(turn.seconds, 0.0)
                words[turn.speaker_id] += max(turn.words, 0)
        for partner_id, value in held.items():
            seconds[partner_id] += value
        for partner_id in round_.interrupted:
            if partner_id in interrupted:
                interrupted[partner_id] += 1
        if sum(held.values()) > 0:
            sessions.append(SessionBalance(round_.at, held))
    for statement in facts.statements:
        if _within(statement.at, start, end) and statement.speaker_id in started:
            started[statement.speaker_id] += 1
    pauses = [p for p in facts.pauses if _within(p.at, start, end)]
    kept = revised = 0
    for agreement in facts.agreements:
        answers = {r.answer for r in agreement.reviews if _within(r.at, start, end)}
        if ReviewAnswer.PARTLY in answers:
            revised += 1
        elif ReviewAnswer.YES in answers:
            kept += 1
    return Indicators(
        start=start,
        end=end,
        partners=tuple(
            PartnerNumbers(pid, seconds[pid], words[pid], started[pid], interrupted[pid])
            for pid in facts.partner_ids
        ),
        sessions=tuple(sessions),
        pauses_on_time=sum(
            1 for p in pauses if p.status == PauseStatus.RESUMED and p.reschedules == 0
        ),
        pauses_rescheduled=sum(
            1 for p in pauses if p.status == PauseStatus.RESUMED and p.reschedules > 0
        ),
        pauses_missed=sum(1 for p in pauses if p.status == PauseStatus.MISSED),
        agreements_made=sum(1 for a in facts.agreements if _within(a.agreed_at, start, end)),
        agreements_kept=kept,
        agreements_revised=revised,
        checkins_done=sum(
            1
            for c in facts.checkins
            if c.status == CheckinStatus.REVEALED and _within(c.at, start, end)
        ),
    )


# -- reading the facts from the database -----------------------------------------------------


def load_facts(couple: Couple, start: datetime, end: datetime, *, session: Session) -> CoupleFacts:
    """The couple's facts of [start, end): ids, times, counts and statuses only."""
    partner_ids = tuple(p.id for p in couple.partners)
    rounds = list(
        session.execute(
            select(Round)
            .where(Round.couple_id == couple.id, Round.created_at >= start, Round.created_at < end)
            .order_by(Round.created_at)
        ).scalars()
    )
    turns = _by_key(
        session.execute(select(Turn).where(Turn.round_id.in_([r.id for r in rounds]))).scalars(),
        lambda t: t.round_id,
    )
    speaker_of_turn = {t.id: t.speaker_id for ts in turns.values() for t in ts}
    interruptions = _by_key(
        session.execute(
            # A note sent to the bot privately was invited, not an interruption.
            select(Interruption).where(
                Interruption.turn_id.in_(list(speaker_of_turn)),
                Interruption.kind != PRIVATE_NOTE,
            )
        ).scalars(),
        lambda i: i.turn_id,
    )
    round_facts = tuple(
        RoundFacts(
            at=r.created_at,
            started_by_id=r.started_by_id,
            turns=tuple(
                TurnFacts(t.speaker_id, t.seconds_held or 0.0, t.word_count or 0)
                for t in turns.get(r.id, [])
            ),
            interrupted=tuple(
                speaker_of_turn[t.id]
                for t in turns.get(r.id, [])
                for _ in interruptions.get(t.id, [])
            ),
        )
        for r in rounds
    )
    statements = tuple(
        StatementFacts(s.created_at, s.speaker_id)
        for s in session.execute(
            select(Statement).where(
                Statement.couple_id == couple.id,
                Statement.created_at >= start,
                Statement.created_at < end,
                # A private draft is its writer's alone until shared.
                or_(Statement.drafted_in != DraftedIn.PRIVATE, Statement.shared.is_(True)),
            )
        ).scalars()
    )
    pauses = tuple(
        PauseFacts(p.requested_at, str(p.status), p.reschedules or 0)
        for p in session.execute(
            select(Pause).where(
                Pause.couple_id == couple.id, Pause.requested_at >= start, Pause.requested_at < end
            )
        ).scalars()
    )
    agreements = list(
        session.execute(select(Agreement).where(Agreement.couple_id == couple.id)).scalars()
    )
    reviews = _by_key(
        session.execute(
            select(AgreementReview).where(
                AgreementReview.agreement_id.in_([a.id for a in agreements]),
                AgreementReview.answered_at >= start,
                AgreementReview.answered_at < end,
            )
        ).scalars(),
        lambda r: r.agreement_id,
    )
    agreement_facts = tuple(
        AgreementFacts(
            a.agreed_at,
            tuple(
                ReviewFacts(r.answered_at, str(r.answer))
                for r in reviews.get(a.id, [])
                if r.answered_at is not None and r.answer is not None
            ),
        )
        for a in agreements
    )
    checkins = tuple(
        CheckinFacts(c.ended_at or c.started_at, str(c.status))
        for c in session.execute(
            select(Checkin).where(
                Checkin.couple_id == couple.id,
                Checkin.started_at < end,
                or_(Checkin.ended_at.is_(None), Checkin.ended_at >= start),
            )
        ).scalars()
    )
    return CoupleFacts(partner_ids, round_facts, statements, pauses, agreement_facts, checkins)


def quarter_indicators(
    couple: Couple, quarter: Quarter, *, session: Session
) -> tuple[Indicators, Indicators]:
    """This quarter's indicators and the previous quarter's, in the couple's time zone."""
    zone = zone_of(couple)
    before = quarter.previous()
    facts = load_facts(couple, before.start(zone), quarter.end(zone), session=session)
    return (
        compute(facts, quarter.start(zone), quarter.end(zone)),
        compute(facts, before.start(zone), before.end(zone)),
    )


def _by_key(rows: Iterable[Any], key: Any) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    return grouped


# -- quarterly summaries, as posted ------------------------------------------------------------


def summary_exists(couple_id: int, quarter: Quarter, *, session: Session) -> bool:
    return (
        session.execute(
            select(ProgressSummary.id).where(
                ProgressSummary.couple_id == couple_id, ProgressSummary.quarter == quarter.label
            )
        ).first()
        is not None
    )


def save_summary(
    couple: Couple,
    quarter: Quarter,
    current: Indicators,
    previous: Indicators,
    *,
    session: Session,
) -> ProgressSummary:
    """The quarter's numbers as posted, with the previous quarter's they were compared to."""
    row = ProgressSummary(
        couple_id=couple.id,
        quarter=quarter.label,
        period_start=current.start,
        period_end=current.end,
        indicators={"quarter": current.dump(), "previous_quarter": previous.dump()},
    )
    session.add(row)
    session.flush()
    return row
