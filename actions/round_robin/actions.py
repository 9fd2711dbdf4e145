"""The round-robin (talking stick): /roundrobin, the floor holder's words, yielding, the
listener's interruptions (and the notes they send privately instead), the option buttons,
and the turn clocks' timers.

The rules live in `round_robin_turns` (pure) and the floor mechanics in
`round_robin_floor`; these actions read the message, take the couple's lock and call them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.flows import running_flow
from actions.core.replies import Outgoing, Reply, Toast
from actions.core.routing import capturer, media_capturer
from actions.core.timers import timer_handler
from actions.round_robin import turns as rules
from actions.round_robin.floor import (
    FLOW_NAME,
    GRACE_END,
    HEADS_UP,
    TURN_END,
    announce_start,
    begin_grace,
    grace_seconds,
    partner_by_id,
    pass_floor,
    people_of,
    replay_grace,
    replay_hand_over,
    seconds_left,
    start_clock,
    start_round,
    stop_clock,
)
from storage import rounds
from storage.couples import (
    couple_for_group,
    couples_of_user,
    is_complete,
    other_partner,
    partner_in,
)
from storage.enums import RoundStatus, TurnEnd, TurnStatus
from storage.models import Couple, Partner, Round, Turn, utc_now
from storage.timer_payloads import TurnTimer
from storage.timers import DueTimer

# "I'm done" yields only when it is clear and says nothing else (rules.is_yield_phrase);
# "I'm done pretending everything is fine" from the floor holder is what they have to say.
YIELD_CONFIDENCE = 0.6


def is_yield_request(ctx: MessageContext, couple: Couple) -> bool:
    if ctx.intent != "finish_turn":
        return False
    return ctx.is_button_or_command or (
        ctx.intent_confidence >= YIELD_CONFIDENCE
        and rules.is_yield_phrase(ctx.text, [p.first_name for p in couple.partners])
    )


@dataclass(frozen=True)
class Floor:
    """A running round's turn on the floor, read after taking the couple's lock."""

    couple: Couple
    round: Round
    turn: Turn


def locked_floor(couple: Couple, session: Session) -> Floor | None:
    rounds.lock_couple(couple.id, session=session)
    round_ = rounds.active_round(couple.id, session=session)
    if round_ is None or round_.status != RoundStatus.RUNNING:
        return None
    turn = rounds.current_turn(round_.id, session=session)
    if turn is None or turn.status != TurnStatus.RUNNING:
        return None
    return Floor(couple, round_, turn)


# Words (not a command) start something only when they are a clear, short request: a long
# message that NLU happens to classify as start_round_robin is ordinary chat.
START_MAX_WORDS = 30
CLEAR_CONFIDENCE = 0.6


def said_clearly(ctx: MessageContext, max_words: int) -> bool:
    return ctx.is_button_or_command or (
        ctx.intent_confidence >= CLEAR_CONFIDENCE and len(ctx.text.split()) <= max_words
    )


def free_text(ctx: MessageContext) -> list[Outgoing]:
    """What words no flow waits for get: a pointer to /help in private, silence in a group."""
    return [Reply(response="utter_private_free_text")] if ctx.in_private else []


def outside_group(ctx: MessageContext, session: Session) -> list[Outgoing]:
    """The round-robin asked for in a private chat: where it happens (or how to begin)."""
    if ctx.user_id is not None and couples_of_user(ctx.user_id, session=session):
        return [Reply(response="utter_round_robin_in_group")]
    return [Reply(response="utter_private_intro_stranger")]


def group_partner(ctx: MessageContext, session: Session) -> tuple[Couple, Partner] | None:
    if not ctx.in_group or ctx.user_id is None:
        return None
    couple = ctx.couple(session)
    partner = ctx.partner(session)
    return None if couple is None or partner is None else (couple, partner)


# -- what partners write during a turn --------------------------------------------------


@capturer("round_robin_floor")
def capture_floor_words(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    """During a turn, every partner's words belong to it: the holder's are counted (no
    text kept), the listener's are kept as interruptions for their own turn; what the
    listener sends the bot privately is kept as a private note."""
    if ctx.in_private:
        return private_note(ctx, session)
    found = group_partner(ctx, session)
    if found is None or is_yield_request(ctx, found[0]):
        return None  # the finish_turn action answers a yield (or a note to the listener)
    return floor_message(found, session, text=ctx.text, words=ctx.word_count, kind="text")


@media_capturer("round_robin_floor")
def capture_floor_media(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    """A sticker or photo during a turn: a message of the holder, or an interruption."""
    found = group_partner(ctx, session)
    if found is None:
        return None
    kind = str(ctx.entity("media_kind") or "media")[:16]
    return floor_message(found, session, text=None, words=0, kind=kind)


def floor_message(
    found: tuple[Couple, Partner], session: Session, *, text: str | None, words: int, kind: str
) -> list[Outgoing] | None:
    couple, partner = found
    if not _has_running_round(couple, session):
        return None
    floor = locked_floor(couple, session)
    if floor is None:
        return None
    turn = floor.turn
    if partner.id == turn.speaker_id:
        turn.message_count = (turn.message_count or 0) + 1
        turn.word_count = (turn.word_count or 0) + words
        return []
    rounds.add_interruption(
        turn.id, partner.id, text=text, kind=kind, now=utc_now(), session=session
    )
    state = rounds.turn_state(turn)
    if state.reminder_sent:
        return []
    rounds.set_turn_state(turn, replace(state, reminder_sent=True))
    speaker = partner_by_id(couple, turn.speaker_id)
    last = rules.is_last_turn(turn.sequence, floor.round.rounds_planned)
    return [
        Reply(
            response="utter_round_robin_kept_for_end" if last else "utter_round_robin_kept",
            values={
                "listener": partner.first_name,
                "speaker": speaker.first_name if speaker else "",
            },
        )
    ]


def private_note(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    """A listener's words to the bot in private during the other's floor: kept for their
    own turn (given back privately), and acknowledged privately once per turn. Not a
    message of the floor: nothing in the group changes."""
    if ctx.user_id is None or not ctx.text.strip():
        return None
    for couple in couples_of_user(ctx.user_id, session=session):
        partner = partner_in(couple, ctx.user_id)
        if partner is None or not _has_running_round(couple, session):
            continue
        floor = locked_floor(couple, session)
        if floor is None or floor.turn.speaker_id == partner.id:
            continue
        turn = floor.turn
        rounds.add_interruption(
            turn.id, partner.id, text=ctx.text, kind=rounds.PRIVATE_NOTE, now=utc_now(),
            session=session,
        )
        state = rounds.turn_state(turn)
        if state.private_noted:
            return []
        rounds.set_turn_state(turn, replace(state, private_noted=True))
        last = rules.is_last_turn(turn.sequence, floor.round.rounds_planned)
        return [
            Reply(
                response="utter_round_robin_note_kept_for_end"
                if last
                else "utter_round_robin_note_kept",
                values={"name": partner.first_name},
            )
        ]
    return None


def _has_running_round(couple: Couple, session: Session) -> bool:
    """A lock-free look first: most messages arrive when no round runs."""
    round_ = rounds.active_round(couple.id, session=session)
    return round_ is not None and round_.status == RoundStatus.RUNNING


# -- actions ----------------------------------------------------------------------------


class ActionStartRoundRobin(TalkingStickAction):
    """/roundrobin [topic, options] or "let's take turns": the first turn starts at once."""

    action_name = "action_start_round_robin"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not said_clearly(ctx, START_MAX_WORDS):
            return free_text(ctx)
        if not ctx.in_group:
            return outside_group(ctx, session)
        couple = ctx.couple(session)
        starter = ctx.partner(session)
        if couple is None or starter is None or not is_complete(couple):
            return [Reply(response="utter_round_robin_needs_both")]
        if couple.safety_hold:
            return [Reply(response="utter_round_robin_unavailable")]
        rounds.lock_couple(couple.id, session=session)
        refusal = refuse_second_round(couple, session)
        if refusal is not None:
            return refusal
        names = [p.first_name for p in couple.partners]
        topic_entity = ctx.entity("topic")
        if ctx.is_button_or_command:
            options = rules.parse_options(str(topic_entity or ""), names)
        else:
            said = rules.parse_options(ctx.text, names)
            topic = (
                rules.parse_options(str(topic_entity), names).topic
                if topic_entity
                else rules.topic_from_words(ctx.text, names)
            )
            options = rules.Options(said.turn_seconds, said.rounds, said.first, topic)
        return start_round(couple, starter, options, utc_now(), session)


def refuse_second_round(couple: Couple, session: Session) -> list[Outgoing] | None:
    """One round at a time, and not on top of another exercise."""
    active = rounds.active_round(couple.id, session=session)
    if active is not None and active.status == RoundStatus.PAUSED:
        return [Reply(response="utter_round_robin_already_paused")]
    if active is not None:
        turn = rounds.current_turn(active.id, session=session)
        speaker = partner_by_id(couple, turn.speaker_id) if turn else None
        return [
            Reply(
                response="utter_round_robin_already_running",
                values={"speaker": speaker.first_name if speaker else ""},
            )
        ]
    other = running_flow(couple, session)
    if other is not None and other.name != FLOW_NAME:
        return [Reply(response="utter_round_robin_other_flow")]
    return None


class ActionFinishTurn(TalkingStickAction):
    """/done, "I'm done", "that's all": the floor holder passes the floor early."""

    action_name = "action_finish_turn"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        found = group_partner(ctx, session)
        if found is None:
            return outside_group(ctx, session) if ctx.is_button_or_command else free_text(ctx)
        couple, partner = found
        floor = locked_floor(couple, session)
        if floor is None:
            active = rounds.active_round(couple.id, session=session)
            if active is not None and active.status == RoundStatus.PAUSED:
                return [Reply(response="utter_round_robin_is_paused")]
            return [Reply(response="utter_round_robin_no_turn")] if ctx.is_button_or_command else []
        if partner.id != floor.turn.speaker_id:
            speaker = partner_by_id(couple, floor.turn.speaker_id)
            return [
                Reply(
                    response="utter_round_robin_not_your_floor",
                    values={
                        "name": partner.first_name,
                        "speaker": speaker.first_name if speaker else "",
                    },
                )
            ]
        return pass_floor(couple, floor.round, floor.turn, TurnEnd.YIELD, utc_now(), session)


class ActionRoundRobinOption(TalkingStickAction):
    """The buttons under a round's start (who starts, length, rounds) and after its end."""

    action_name = "action_round_robin_option"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        round_id, _, code = str(ctx.entity("round_option") or "").partition(":")
        couple = ctx.couple(session) if ctx.in_group else None
        if couple is None or not round_id.isdigit():
            return [Toast("utter_toast_round_robin_earlier_round")]
        rounds.lock_couple(couple.id, session=session)
        round_ = rounds.round_by_id(int(round_id), session=session)
        if round_ is None or round_.couple_id != couple.id:
            return [Toast("utter_toast_round_robin_earlier_round")]
        if code == "stop":
            return stop_after_wrap_up(round_)
        return change_option(couple, round_, code, session)


def stop_after_wrap_up(round_: Round) -> list[Outgoing]:
    state = rounds.round_state(round_)
    if round_.status != RoundStatus.COMPLETE or state.closed:
        return [Toast("utter_toast_round_robin_over")]
    rounds.set_round_state(round_, replace(state, closed=True))
    return [Reply(response="utter_round_robin_stopped")]


def change_option(couple: Couple, round_: Round, code: str, session: Session) -> list[Outgoing]:
    """Options change only before anyone said a word: the first turn starts over."""
    turn = rounds.current_turn(round_.id, session=session)
    if round_.status != RoundStatus.RUNNING or turn is None or turn.status != TurnStatus.RUNNING:
        return [Toast("utter_toast_round_robin_not_running")]
    if (
        turn.sequence != 1
        or turn.message_count
        or rounds.interruptions_in_turn(turn.id, session=session)
    ):
        return [Toast("utter_toast_round_robin_under_way")]
    if code == "swap":
        speaker = partner_by_id(couple, turn.speaker_id)
        other = other_partner(couple, speaker) if speaker else None
        if other is None:
            return [Toast("utter_toast_round_robin_not_running")]
        turn.speaker_id = other.id
        round_.first_speaker_id = other.id
        round_.first_speaker_reason = rules.REASON_CHOSEN
    elif code.startswith("s") and code[1:].isdigit():
        round_.turn_seconds = rules.clamp_turn_seconds(int(code[1:]))
        turn.planned_seconds = round_.turn_seconds
    elif code.startswith("r") and code[1:].isdigit():
        round_.rounds_planned = rules.clamp_rounds(int(code[1:]))
    else:
        return [Toast("utter_toast_round_robin_earlier_round")]
    now = utc_now()
    stop_clock(turn, now, session)
    turn.seconds_held = 0.0  # nobody has spoken yet: the turn starts over
    start_clock(couple, turn, float(turn.planned_seconds), now, session)
    return [announce_start(couple, round_, turn)]


# -- the turn clocks --------------------------------------------------------------------


def timer_floor(timer: DueTimer, session: Session) -> Floor | None:
    """The floor this timer belongs to, if the timer is still that turn's current one.

    A timer of a yielded, paused or restarted turn finds nothing here and does nothing:
    that is what makes firing twice (or late) harmless."""
    couple = couple_for_group(timer.chat_id, session=session)
    if couple is None:
        return None
    rounds.lock_couple(couple.id, session=session)
    payload = TurnTimer.read(timer.payload)
    if payload is None:
        return None
    turn = rounds.turn_by_id(payload.turn_id, session=session)
    if turn is None or turn.status != TurnStatus.RUNNING or current_timer(turn, timer) != timer.id:
        return None
    round_ = rounds.round_by_id(turn.round_id, session=session)
    if round_ is None or round_.couple_id != couple.id or round_.status != RoundStatus.RUNNING:
        return None
    return Floor(couple, round_, turn)


def current_timer(turn: Turn, timer: DueTimer) -> int | None:
    """The turn's current timer of this timer's kind (time-up, heads-up or grace)."""
    state = rounds.turn_state(turn)
    if timer.kind == TURN_END:
        return state.end_timer
    return state.grace_timer if timer.kind == GRACE_END else state.heads_up_timer


@timer_handler(TURN_END)
def turn_time_up(timer: DueTimer, session: Session) -> list[Outgoing]:
    """Time is up: a short grace to finish the sentence first, unless there is none."""
    floor = timer_floor(timer, session)
    if floor is None:
        return replay_if_refired(timer, session)
    now = utc_now()
    if grace_seconds() > 0:
        return begin_grace(floor.couple, floor.round, floor.turn, timer.id, now, session)
    return pass_floor(
        floor.couple, floor.round, floor.turn, TurnEnd.TIME, now, session, timer_id=timer.id
    )


@timer_handler(GRACE_END)
def grace_over(timer: DueTimer, session: Session) -> list[Outgoing]:
    """The sentence had its time: the floor passes (the turn ended by time)."""
    floor = timer_floor(timer, session)
    if floor is None:
        return replay_if_refired(timer, session)
    return pass_floor(
        floor.couple, floor.round, floor.turn, TurnEnd.TIME, utc_now(), session, timer_id=timer.id
    )


def replay_if_refired(timer: DueTimer, session: Session) -> list[Outgoing]:
    """A timer fires twice only when the bot stopped before recording the first firing."""
    couple = couple_for_group(timer.chat_id, session=session)
    payload = TurnTimer.read(timer.payload)
    turn = rounds.turn_by_id(payload.turn_id, session=session) if payload else None
    if couple is None or turn is None:
        return []
    if timer.kind == TURN_END and turn.status == TurnStatus.RUNNING:
        return replay_grace(couple, turn, timer.id, session)
    return replay_hand_over(couple, turn, timer.id, utc_now(), session)


@timer_handler(HEADS_UP)
def turn_heads_up(timer: DueTimer, session: Session) -> list[Outgoing]:
    floor = timer_floor(timer, session)
    if floor is None:
        return []
    turn = floor.turn
    state = rounds.turn_state(turn)
    if state.heads_up_sent:
        return []
    rounds.set_turn_state(turn, replace(state, heads_up_sent=True))
    left = seconds_left(turn, utc_now())
    if not rules.heads_up_still_useful(turn.planned_seconds, left):
        return []
    lead = rules.heads_up_lead(turn.planned_seconds)
    shown = lead if abs(left - lead) < min(5.0, lead / 4) else left  # "1 minute", not "59 s"
    people = people_of(floor.couple, turn)
    return [
        Reply(
            response="utter_round_robin_heads_up",
            values={
                "speaker": people.speaker.first_name if people else "",
                "duration": rules.format_duration(shown),
            },
        )
    ]
