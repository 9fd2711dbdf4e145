"""Guided statements and their agreements: the queries and changes the statement flow needs,
and the typed shape of a statement's `state` JSON.

Keyword-only `session`; the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from storage.enums import (
    AgreementSource,
    AgreementStatus,
    DraftedIn,
    StatementStatus,
    StatementStep,
)
from storage.models import Agreement, Couple, Partner, Statement

# In the group and moving: the speaker writing there, or the listener's turn.
_RUNNING_IN_GROUP = or_(
    and_(Statement.status == StatementStatus.DRAFTING, Statement.drafted_in == DraftedIn.GROUP),
    Statement.status == StatementStatus.AWAITING_LISTENER,
)
COUNTER_ASKED = "asked"


@dataclass(frozen=True)
class StatementState:
    """A statement's `state` JSON: flow details that need no column."""

    # A private draft by someone in several couples: the couples to choose between.
    choose: tuple[int, ...] | None = None
    coached: bool = False  # the current step's text has a suggestion not yet revised or kept
    listener_noted: bool = False  # the listener heard once that their words are not kept
    counter_asked: bool = False  # "Another idea" pressed: the listener's idea is awaited
    counter: int | None = None  # the listener's idea (an agreement id), awaiting the speaker
    status_before_pause: StatementStatus | None = None
    # A private draft started by /talk in the group: the group was told it is being prepared,
    # and the speaker may still choose to write it in the group (until the first step).
    from_group: bool = False
    clarify_asked: bool = False  # "Almost": the speaker's one added line is awaited
    second_try: bool = False  # the listener reflects once more after the speaker's line
    think_asked: bool = False  # "I need time": "When will you answer?" is awaited
    declined: bool = False  # the speaker said "Not quite": Another idea / Later still open

    @property
    def answered(self) -> bool:
        """The listener chose "Another idea" (asked for it, or wrote it)."""
        return self.counter_asked or self.counter is not None


def state_of(statement: Statement) -> StatementState:
    state = statement.state or {}
    counter, choose = state.get("counter"), state.get("choose")
    before = state.get("status_before_pause")
    return StatementState(
        choose=None if choose is None else tuple(int(c) for c in choose),
        coached=bool(state.get("coached")),
        listener_noted=bool(state.get("listener_noted")),
        counter_asked=counter == COUNTER_ASKED,
        counter=counter if isinstance(counter, int) else None,
        status_before_pause=StatementStatus(before) if before else None,
        from_group=bool(state.get("from_group")),
        clarify_asked=bool(state.get("clarify_asked")),
        second_try=bool(state.get("second_try")),
        think_asked=bool(state.get("think_asked")),
        declined=bool(state.get("declined")),
    )


def set_state(statement: Statement, state: StatementState) -> None:
    stored: dict[str, object] = {}
    if state.choose is not None:
        stored["choose"] = list(state.choose)
    if state.coached:
        stored["coached"] = True
    if state.listener_noted:
        stored["listener_noted"] = True
    if state.counter is not None:
        stored["counter"] = state.counter
    elif state.counter_asked:
        stored["counter"] = COUNTER_ASKED
    if state.status_before_pause is not None:
        stored["status_before_pause"] = state.status_before_pause.value
    for flag in ("from_group", "clarify_asked", "second_try", "think_asked", "declined"):
        if getattr(state, flag):
            stored[flag] = True
    # A new dict each time: in-place changes to JSON columns are not tracked.
    statement.state = stored


def create(
    couple: Couple,
    speaker: Partner,
    listener: Partner | None,
    *,
    topic: str | None,
    chat_id: int,
    drafted_in: DraftedIn,
    now: datetime,
    session: Session,
) -> Statement:
    statement = Statement(
        couple_id=couple.id,
        speaker_id=speaker.id,
        listener_id=listener.id if listener else None,
        topic=topic,
        chat_id=chat_id,
        drafted_in=drafted_in,
        step=StatementStep.DESCRIBE,
        status=StatementStatus.DRAFTING,
        findings={},
        revisions={},
        kept_despite_findings=[],
        state={},
        created_at=now,
        updated_at=now,
    )
    session.add(statement)
    session.flush()
    return statement


def get(statement_id: int, *, session: Session) -> Statement | None:
    return session.get(Statement, statement_id)


def running_in_group(couple_id: int, *, session: Session) -> Statement | None:
    """The statement the couple's group is in the middle of (not paused), if any."""
    return session.execute(
        select(Statement)
        .where(Statement.couple_id == couple_id, _RUNNING_IN_GROUP)
        .order_by(Statement.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def open_in_group(couple_id: int, *, session: Session) -> list[Statement]:
    """Running or paused in the group: what /cancel ends and what blocks a second start."""
    return list(
        session.execute(
            select(Statement)
            .where(
                Statement.couple_id == couple_id,
                or_(_RUNNING_IN_GROUP, Statement.status == StatementStatus.PAUSED),
            )
            .order_by(Statement.id)
        ).scalars()
    )


def private_draft(chat_id: int, *, session: Session) -> Statement | None:
    """The draft someone is writing in their private chat (one at a time)."""
    return session.execute(
        select(Statement)
        .where(
            Statement.chat_id == chat_id,
            Statement.drafted_in == DraftedIn.PRIVATE,
            Statement.status == StatementStatus.DRAFTING,
            Statement.shared.is_(False),
        )
        .order_by(Statement.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _add_agreement(
    statement: Statement,
    *,
    text: str,
    source: AgreementSource,
    proposed_by: int | None,
    agreed_by: int | None,
    status: AgreementStatus,
    review_at: datetime | None,
    now: datetime,
    session: Session,
) -> Agreement:
    agreement = Agreement(
        couple_id=statement.couple_id,
        statement_id=statement.id,
        proposed_by_id=proposed_by,
        agreed_by_id=agreed_by,
        text=text,
        source=source,
        status=status,
        review_at=review_at,
        created_at=now,
        agreed_at=now if status == AgreementStatus.AGREED else None,
    )
    session.add(agreement)
    session.flush()
    return agreement


def agree_to_request(
    statement: Statement, *, agreed_by: int, review_at: datetime, now: datetime, session: Session
) -> Agreement:
    """The listener said yes to the speaker's request: agreed now, looked at again later."""
    return _add_agreement(
        statement,
        text=statement.request_text or "",
        source=AgreementSource.REQUEST,
        proposed_by=statement.speaker_id,
        agreed_by=agreed_by,
        status=AgreementStatus.AGREED,
        review_at=review_at,
        now=now,
        session=session,
    )


def propose_counter(
    statement: Statement, *, text: str, proposed_by: int, now: datetime, session: Session
) -> Agreement:
    """The listener's own idea instead of the request: proposed, until the speaker answers."""
    return _add_agreement(
        statement,
        text=text,
        source=AgreementSource.COUNTER_PROPOSAL,
        proposed_by=proposed_by,
        agreed_by=None,
        status=AgreementStatus.PROPOSED,
        review_at=None,
        now=now,
        session=session,
    )


def accept_counter(
    idea: Agreement, *, agreed_by: int, review_at: datetime, now: datetime
) -> None:
    """The speaker agrees to the listener's idea."""
    idea.status = AgreementStatus.AGREED
    idea.agreed_by_id = agreed_by
    idea.agreed_at = now
    idea.review_at = review_at


def decline_counter(idea: Agreement) -> None:
    idea.status = AgreementStatus.DECLINED


def get_agreement(agreement_id: int, *, session: Session) -> Agreement | None:
    return session.get(Agreement, agreement_id)
