"""The floor itself: starting a round, the turn clocks (durable timers), the grace after
time-up, passing the floor, the wrap-up, and stopping, restoring or cancelling a round for a
pause or /cancel.

Time-up does not cut the speaker off: they get a short grace to finish their sentence
(ROUND_ROBIN_GRACE_SECONDS), during which the turn is still theirs (their words count as
theirs, the listener's are kept as during the turn); then the floor passes. The listener's
notes come back where they were written: group interruptions in the group when their turn
starts, private notes in private; after the last turn every note comes back in private,
where nobody has to answer it in front of the other.

Callers take the couple's lock first (`storage.rounds.lock_couple`) and read the round
and turn after it, so two things happening to one round at once (a yield and the time-up
timer) are applied one after the other, and the second sees what the first did.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

import settings
from actions.core.flows import Suspended, register_flow
from actions.core.replies import Outgoing, Reply, button
from actions.round_robin import turns as rules
from storage import rounds, timers
from storage.couples import other_partner
from storage.enums import (
    FirstSpeakerReason,
    FlowName,
    RoundStatus,
    TimerKind,
    TurnEnd,
    TurnStatus,
)
from storage.models import Couple, Interruption, Partner, Round, Turn
from storage.pauses import FlowState
from storage.timer_payloads import TurnTimer

FLOW_NAME = FlowName.ROUND_ROBIN
TURN_END = TimerKind.TURN_END
HEADS_UP = TimerKind.HEADS_UP
GRACE_END = TimerKind.GRACE_END
OPTION_INTENT = "round_robin_option"


@dataclass(frozen=True)
class People:
    speaker: Partner
    listener: Partner

    def values(self) -> dict[str, str]:
        return {"speaker": self.speaker.first_name, "listener": self.listener.first_name}


def partner_by_id(couple: Couple, partner_id: int | None) -> Partner | None:
    return next((p for p in couple.partners if p.id == partner_id), None)


def people_of(couple: Couple, turn: Turn) -> People | None:
    speaker = partner_by_id(couple, turn.speaker_id)
    listener = other_partner(couple, speaker) if speaker is not None else None
    return None if speaker is None or listener is None else People(speaker, listener)


def topic_part(round_: Round) -> str:
    return f" on {round_.topic}" if round_.topic else ""


# -- starting ---------------------------------------------------------------------------


def start_round(
    couple: Couple,
    starter: Partner,
    options: rules.Options,
    now: datetime,
    session: Session,
) -> list[Outgoing]:
    """A new round with its first turn on the floor (the caller checked nothing runs)."""
    other = other_partner(couple, starter)
    assert other is not None
    first_id, reason = _first_speaker(couple, starter, other, options, session)
    round_ = rounds.create_round(
        couple.id,
        topic=options.topic,
        turn_seconds=options.turn_seconds or settings.current().turn_seconds,
        rounds_planned=options.rounds or rules.DEFAULT_ROUNDS,
        started_by_id=starter.id,
        first_speaker_id=first_id,
        first_speaker_reason=reason,
        now=now,
        session=session,
    )
    turn = rounds.create_turn(
        round_.id,
        speaker_id=first_id,
        sequence=1,
        planned_seconds=round_.turn_seconds,
        session=session,
    )
    start_clock(couple, turn, float(round_.turn_seconds), now, session)
    return [announce_start(couple, round_, turn)]


def _first_speaker(
    couple: Couple, starter: Partner, other: Partner, options: rules.Options, session: Session
) -> tuple[int, FirstSpeakerReason]:
    chosen = {rules.ME: starter, rules.YOU: other}.get(options.first or "")
    if chosen is None and options.first:
        chosen = next(
            (p for p in couple.partners if p.first_name.lower() == options.first.lower()), None
        )
    if chosen is not None:
        return chosen.id, rules.REASON_CHOSEN
    recent = rounds.recent_speaking_seconds(couple.id, rounds=rules.RECENT_ROUNDS, session=session)
    return rules.choose_first_speaker(starter.id, other.id, recent)


def announce_start(couple: Couple, round_: Round, turn: Turn) -> Reply:
    people = people_of(couple, turn)
    assert people is not None
    return Reply(
        response="utter_round_robin_started",
        values={
            **people.values(),
            "topic_part": topic_part(round_),
            "duration": rules.format_duration(round_.turn_seconds),
            "rounds": rules.describe_rounds(round_.rounds_planned),
        },
        buttons=option_buttons(round_),
    )


def option_buttons(round_: Round) -> list[dict[str, str]]:
    """Change the round before the first words: who starts, turn length, rounds."""

    lengths = [s for s in (180, 300, 600) if s != round_.turn_seconds][:2]
    other_rounds = 2 if round_.rounds_planned == 1 else 1
    return [
        option_button("Swap who starts", round_, "swap"),
        *(option_button(f"{s // 60} min each", round_, f"s{s}") for s in lengths),
        option_button(rules.describe_rounds(other_rounds), round_, f"r{other_rounds}"),
    ]


def option_button(title: str, round_: Round, code: str) -> dict[str, str]:
    """A round's option: its `round_option` is the round id and the option's code."""
    return button(title, OPTION_INTENT, round_option=f"{round_.id}:{code}")


# -- the clock --------------------------------------------------------------------------


def start_clock(
    couple: Couple, turn: Turn, remaining_seconds: float, now: datetime, session: Session
) -> None:
    """Put the turn on the floor with this much time left: its timers are scheduled now."""
    turn.status = TurnStatus.RUNNING
    turn.started_at = now
    turn.remaining_seconds = remaining_seconds
    state = rounds.turn_state(turn)
    payload = TurnTimer(turn.id)
    end = timers.schedule(
        TURN_END,
        couple.group_chat_id,
        rules.due_at(now, remaining_seconds),
        payload,
        session=session,
    )
    state = replace(state, end_timer=end.id, heads_up_timer=None, grace_timer=None, grace_from=None)
    delay = (
        None
        if state.heads_up_sent
        else rules.heads_up_delay(turn.planned_seconds, remaining_seconds)
    )
    if delay is not None:
        heads_up = timers.schedule(
            HEADS_UP,
            couple.group_chat_id,
            now + timedelta(seconds=delay),
            payload,
            session=session,
        )
        state = replace(state, heads_up_timer=heads_up.id)
    rounds.set_turn_state(turn, state)


def stop_clock(turn: Turn, now: datetime, session: Session) -> None:
    """Stop the turn's clock at `now`: its timers are cancelled, the time held is added."""
    state = rounds.turn_state(turn)
    for timer_id in (state.end_timer, state.heads_up_timer, state.grace_timer):
        if timer_id:
            timers.cancel(timer_id, session=session)
    if turn.status == TurnStatus.RUNNING and turn.started_at is not None:
        held, left = rules.stop_clock(float(turn.remaining_seconds or 0.0), turn.started_at, now)
        turn.seconds_held = float(turn.seconds_held or 0.0) + held
        turn.remaining_seconds = left
    rounds.set_turn_state(
        turn, replace(state, end_timer=None, heads_up_timer=None, grace_timer=None)
    )


def grace_seconds() -> float:
    return settings.current().round_robin_grace_seconds


def start_grace(
    couple: Couple, turn: Turn, started_by: int, seconds: float, now: datetime, session: Session
) -> None:
    """The floor time is used up; the speaker keeps the floor `seconds` longer to finish
    their sentence. The grace is not floor time: the turn's time held stays as it was."""
    stop_clock(turn, now, session)
    end = timers.schedule(
        GRACE_END,
        couple.group_chat_id,
        now + timedelta(seconds=seconds),
        TurnTimer(turn.id),
        session=session,
    )
    state = rounds.turn_state(turn)
    rounds.set_turn_state(turn, replace(state, grace_timer=end.id, grace_from=started_by))


def begin_grace(
    couple: Couple, round_: Round, turn: Turn, timer_id: int, now: datetime, session: Session
) -> list[Outgoing]:
    """Time-up with a grace: "finish your sentence", then the grace timer passes the floor."""
    start_grace(couple, turn, timer_id, grace_seconds(), now, session)
    return grace_replies(couple, round_, turn)


def grace_replies(couple: Couple, round_: Round, turn: Turn) -> list[Outgoing]:
    people = people_of(couple, turn)
    if people is None:
        return []
    last = rules.is_last_turn(turn.sequence, round_.rounds_planned)
    response = "utter_round_robin_grace_last" if last else "utter_round_robin_grace"
    return [Reply(response=response, values=people.values())]


def says_time_up(turn: Turn, ended_by: TurnEnd) -> bool:
    """ "Time's up" opens the hand-over only when the grace did not already say it."""
    return ended_by == TurnEnd.TIME and not rounds.turn_state(turn).in_grace


def seconds_left(turn: Turn, now: datetime) -> float:
    remaining = float(turn.remaining_seconds or 0.0)
    if turn.status != TurnStatus.RUNNING or turn.started_at is None:
        return remaining
    return max(0.0, remaining - rules.elapsed(turn.started_at, now))


# -- passing the floor ------------------------------------------------------------------


def end_turn(
    round_: Round, turn: Turn, ended_by: TurnEnd, now: datetime, session: Session
) -> None:
    stop_clock(turn, now, session)
    turn.status = TurnStatus.DONE
    turn.ended_at = now
    turn.ended_by = ended_by
    turn.remaining_seconds = None
    round_.rounds_done = max(round_.rounds_done or 0, rules.rounds_done_after(turn.sequence))


def pass_floor(
    couple: Couple,
    round_: Round,
    turn: Turn,
    ended_by: TurnEnd,
    now: datetime,
    session: Session,
    *,
    timer_id: int | None = None,
) -> list[Outgoing]:
    """Time up or a yield: the next turn starts (its notes handed back), or the wrap-up."""
    previous = partner_by_id(couple, turn.speaker_id)
    previous_name = previous.first_name if previous else ""
    time_up = says_time_up(turn, ended_by)
    end_turn(round_, turn, ended_by, now, session)
    if timer_id is not None:  # remembered, so a re-fired timer can say it again
        rounds.set_turn_state(turn, replace(rounds.turn_state(turn), ended_by_timer=timer_id))
    if rules.is_last_turn(turn.sequence, round_.rounds_planned):
        return wrap_up(couple, round_, time_up, previous_name, now, session)
    assert round_.first_speaker_id is not None
    first = partner_by_id(couple, round_.first_speaker_id)
    second = other_partner(couple, first) if first is not None else None
    if first is None or second is None:  # a partner left the couple mid-round
        return cancel_round(couple, round_, now, session)
    sequence = turn.sequence + 1
    following = rounds.create_turn(
        round_.id,
        speaker_id=rules.speaker_for(sequence, first.id, second.id),
        sequence=sequence,
        planned_seconds=round_.turn_seconds,
        session=session,
    )
    start_clock(couple, following, float(round_.turn_seconds), now, session)
    notes = take_notes(round_, following.speaker_id, session)
    handed = tuple(n.id for n in notes)
    rounds.set_turn_state(following, replace(rounds.turn_state(following), notes_handed=handed))
    return hand_over_replies(couple, following, previous_name, time_up, notes, now)


def take_notes(round_: Round, partner_id: int, session: Session) -> list[Interruption]:
    """What this partner wrote during the other's floor, marked as handed back now."""
    notes = rounds.notes_to_hand_back(round_.id, partner_id, session=session)
    for note in notes:
        note.handed_back = True
    return notes


GROUP_NOTES = "utter_round_robin_notes_back"


def notes_reply(partner: Partner, notes: list[Interruption], response: str) -> Reply:
    """Notes given back: in the group (`utter_round_robin_notes_back`, for words the group
    saw anyway), or privately to their writer (any other response)."""
    return Reply(
        response=response,
        values={
            "name": partner.first_name,
            "notes": rules.notes_block([n.text for n in notes], [n.kind for n in notes]),
        },
        chat_id=None if response == GROUP_NOTES else partner.telegram_user_id,
    )


def is_private(note: Interruption) -> bool:
    return note.kind == rounds.PRIVATE_NOTE


def notes_at_turn_start(partner: Partner, notes: list[Interruption]) -> list[Outgoing]:
    """Each note comes back where it was written: the group's in the group, private ones
    in private (nothing in the group hints that there were any)."""
    public = [n for n in notes if not is_private(n)]
    private = [n for n in notes if is_private(n)]
    replies: list[Outgoing] = []
    if public:
        replies.append(notes_reply(partner, public, GROUP_NOTES))
    if private:
        replies.append(notes_reply(partner, private, "utter_round_robin_private_notes_back"))
    return replies


def hand_over_replies(
    couple: Couple,
    following: Turn,
    previous_name: str,
    time_up: bool,
    notes: list[Interruption],
    now: datetime,
) -> list[Outgoing]:
    people = people_of(couple, following)
    if people is None:
        return []
    opening = "utter_round_robin_time_up" if time_up else "utter_round_robin_yielded"
    replies: list[Outgoing] = [
        Reply(
            response=opening,
            values={
                **people.values(),
                "previous": previous_name,
                "duration": rules.format_duration(seconds_left(following, now)),
            },
        )
    ]
    return replies + notes_at_turn_start(people.speaker, notes)


def wrap_up(
    couple: Couple,
    round_: Round,
    time_up: bool,
    previous_name: str,
    now: datetime,
    session: Session,
) -> list[Outgoing]:
    round_.status = RoundStatus.COMPLETE
    round_.ended_at = now
    # Words kept during the last turn (or never given back) go back now, privately: nobody
    # has a turn left to answer them, so the group is not handed a list of grievances.
    notes = [note for p in couple.partners for note in take_notes(round_, p.id, session)]
    given_back = tuple(n.id for n in notes)
    rounds.set_round_state(round_, replace(rounds.round_state(round_), wrap_up_notes=given_back))
    return wrap_up_replies(couple, round_, time_up, previous_name, notes, session)


def wrap_up_replies(
    couple: Couple,
    round_: Round,
    time_up: bool,
    previous_name: str,
    notes: list[Interruption],
    session: Session,
) -> list[Outgoing]:
    turns = rounds.turns_of(round_.id, session=session)
    interruptions = rounds.interruptions_of_round(round_.id, session=session)
    summaries = rules.summarise(
        [(p.id, p.first_name) for p in couple.partners],
        [
            rules.TurnFacts(t.speaker_id, t.seconds_held or 0.0, t.word_count, t.message_count)
            for t in turns
        ],
        [i.by_id for i in interruptions],
    )
    response = "utter_round_robin_wrap_up_time" if time_up else "utter_round_robin_wrap_up_yield"
    summary = Reply(
        response=response,
        values={
            "previous": previous_name,
            "topic_part": topic_part(round_),
            "summary": "\n".join(rules.summary_line(s) for s in summaries),
        },
    )
    given_back = [
        notes_reply(partner, mine, "utter_round_robin_notes_after")
        for partner in couple.partners
        if (mine := [n for n in notes if n.by_id == partner.id])
    ]
    offer = Reply(
        response="utter_round_robin_offer_statement",
        buttons=[
            button("A guided statement", "start_statement"),
            option_button("Stop here", round_, "stop"),
        ],
    )
    return [summary, offer, *given_back]


def replay_hand_over(
    couple: Couple, turn: Turn, timer_id: int, now: datetime, session: Session
) -> list[Outgoing]:
    """The time-up timer that ended `turn` fires again: the bot that fired it stopped
    before recording that its message went out, so the hand-over may never have been
    seen. Say it again (nothing changes twice); a next turn nobody has used yet starts
    over with its full time, since its speaker may never have known it began."""
    if turn.status != TurnStatus.DONE or rounds.turn_state(turn).ended_by_timer != timer_id:
        return []
    round_ = rounds.round_by_id(turn.round_id, session=session)
    if round_ is None:
        return []
    previous = partner_by_id(couple, turn.speaker_id)
    previous_name = previous.first_name if previous else ""
    if rules.is_last_turn(turn.sequence, round_.rounds_planned):
        state = rounds.round_state(round_)
        if round_.status != RoundStatus.COMPLETE or state.closed:
            return []
        notes = rounds.interruptions_by_ids(list(state.wrap_up_notes or ()), session=session)
        time_up = says_time_up(turn, TurnEnd.TIME)
        return wrap_up_replies(couple, round_, time_up, previous_name, notes, session)
    following = rounds.turn_in_round(round_.id, turn.sequence + 1, session=session)
    if (
        round_.status != RoundStatus.RUNNING
        or following is None
        or following.status != TurnStatus.RUNNING
    ):
        return []
    untouched = (
        not following.message_count
        and not rounds.turn_state(following).heads_up_sent
        and not rounds.interruptions_in_turn(following.id, session=session)
    )
    if untouched:
        stop_clock(following, now, session)
        following.seconds_held = 0.0
        start_clock(couple, following, float(following.planned_seconds), now, session)
    notes = rounds.interruptions_by_ids(
        list(rounds.turn_state(following).notes_handed or ()), session=session
    )
    time_up = says_time_up(turn, TurnEnd.TIME)
    return hand_over_replies(couple, following, previous_name, time_up, notes, now)


def replay_grace(couple: Couple, turn: Turn, timer_id: int, session: Session) -> list[Outgoing]:
    """The time-up timer that began the grace fires again (the bot stopped before recording
    the first firing): "finish your sentence" may never have been seen. Say it again."""
    state = rounds.turn_state(turn)
    if turn.status != TurnStatus.RUNNING or state.grace_from != timer_id or not state.grace_timer:
        return []
    round_ = rounds.round_by_id(turn.round_id, session=session)
    return [] if round_ is None else grace_replies(couple, round_, turn)


# -- suspend, restore, cancel -----------------------------------------------------------


def suspend_round(
    couple: Couple, round_: Round, now: datetime, session: Session
) -> Suspended | None:
    """Stop the clock at once, keeping the floor time that is left (ended_by stays null)."""
    turn = rounds.current_turn(round_.id, session=session)
    if round_.status != RoundStatus.RUNNING or turn is None or turn.status != TurnStatus.RUNNING:
        return None
    stop_clock(turn, now, session)
    turn.status = TurnStatus.PAUSED
    round_.status = RoundStatus.PAUSED
    people = people_of(couple, turn)
    values = {
        **(people.values() if people else {}),
        "duration": rules.format_duration(time_to_restore(turn)),
    }
    return Suspended(
        flow=FLOW_NAME,
        topic=round_.topic,
        state={"round_id": round_.id, "turn_id": turn.id},
        replies=[Reply(response="utter_round_robin_clock_stopped", values=values)],
    )


def restore_round(couple: Couple, round_: Round, now: datetime, session: Session) -> list[Outgoing]:
    """Restart the stopped turn with exactly the time it had left (new timers)."""
    turn = rounds.current_turn(round_.id, session=session)
    if round_.status != RoundStatus.PAUSED or turn is None or turn.status != TurnStatus.PAUSED:
        return []
    round_.status = RoundStatus.RUNNING
    left = time_to_restore(turn)
    state = rounds.turn_state(turn)
    if state.grace_from is not None and grace_seconds() > 0:
        # Paused while finishing a sentence: back to finishing it, with a whole grace.
        turn.status = TurnStatus.RUNNING
        start_grace(couple, turn, state.grace_from, left, now, session)
    else:
        start_clock(couple, turn, left, now, session)
    people = people_of(couple, turn)
    return [
        Reply(
            response="utter_round_robin_resumed",
            values={
                **(people.values() if people else {}),
                "topic_part": topic_part(round_),
                "duration": rules.format_duration(left),
            },
        )
    ]


def time_to_restore(turn: Turn) -> float:
    """What a stopped turn has left: its floor time, or a whole grace if time was up."""
    if rounds.turn_state(turn).grace_from is not None and grace_seconds() > 0:
        return grace_seconds()
    return float(turn.remaining_seconds or 0.0)


def cancel_round(couple: Couple, round_: Round, now: datetime, session: Session) -> list[Outgoing]:
    turn = rounds.current_turn(round_.id, session=session)
    if turn is not None:
        end_turn(round_, turn, TurnEnd.CANCEL, now, session)
    round_.status = RoundStatus.CANCELLED
    round_.ended_at = now
    return [Reply(response="utter_round_robin_cancelled")]


class RoundRobinFlow:
    """The round-robin as the pause and /cancel see it (actions/core/flows.py)."""

    name = FLOW_NAME

    def is_running(self, couple: Couple, session: Session) -> bool:
        round_ = rounds.active_round(couple.id, session=session)
        return round_ is not None and round_.status == RoundStatus.RUNNING

    def suspend(self, couple: Couple, session: Session, now: datetime) -> Suspended | None:
        rounds.lock_couple(couple.id, session=session)
        round_ = rounds.active_round(couple.id, session=session)
        return None if round_ is None else suspend_round(couple, round_, now, session)

    def restore(
        self, couple: Couple, state: FlowState, session: Session, now: datetime
    ) -> list[Outgoing]:
        rounds.lock_couple(couple.id, session=session)
        try:
            round_ = rounds.round_by_id(int(state.get("round_id") or 0), session=session)
        except (TypeError, ValueError):
            return []
        if round_ is None or round_.couple_id != couple.id:
            return []
        return restore_round(couple, round_, now, session)

    def cancel(self, couple: Couple, session: Session, now: datetime) -> list[Outgoing]:
        rounds.lock_couple(couple.id, session=session)
        round_ = rounds.active_round(couple.id, session=session)
        return [] if round_ is None else cancel_round(couple, round_, now, session)


ROUND_ROBIN = register_flow(RoundRobinFlow())
