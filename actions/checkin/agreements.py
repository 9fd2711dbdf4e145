"""Agreements followed up: "Is this still working?" on the review date, in a check-in, and
after a life change; `/agreements` lists what is in force.

Each partner answers with a button: **Yes**, **Partly** (their next message in the group
is the new wording, saved on the agreement and on the review), or **Let's talk** (a guided
statement or a round-robin on it, started through their own entry points). Every answer
is an `AgreementReview` row. Once both said yes, or the wording was revised, the agreement
gets its next review date.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from actions.checkin.schedule import zone_of
from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.flows import register_agreement_hook
from actions.core.replies import KeepKeyboard, Outgoing, Reply, Toast, button
from actions.core.routing import capturer
from actions.core.timers import timer_handler
from actions.statement.replies import one_line
from actions.statement.steps import format_day, review_at
from storage import checkins, timers
from storage.couples import partner_in
from storage.enums import AgreementStatus, ReviewAnswer, ReviewReason, TimerKind
from storage.models import Agreement, Couple, Partner, utc_now
from storage.timer_payloads import ReviewDue
from storage.timers import DueTimer

# A review date whole days away comes in the couple's evening of that day.
REVIEW_HOUR = 19
# Questions asked at once (a group takes about 20 messages a minute).
MAX_QUESTIONS = 5
# After "Partly", the partner's next group message within this time is the new wording;
# later words are conversation again (a forgotten "Partly" never swallows them).
REVISION_WINDOW = timedelta(minutes=30)


def review_due(review: datetime, zone: str | None, now: datetime) -> datetime:
    """When the review question is asked: the couple's evening of the review date, or the
    review time itself when it is less than a day away (short test settings)."""
    if review - now < timedelta(days=1):
        return review
    local = review.astimezone(zone_of(zone))
    evening = local.replace(hour=REVIEW_HOUR, minute=0, second=0, microsecond=0)
    return max(evening.astimezone(review.tzinfo), now)


@register_agreement_hook
def on_agreement(agreement: Agreement, couple: Couple, session: Session, now: datetime) -> None:
    schedule_review(agreement, couple, now, session)


def schedule_review(agreement: Agreement, couple: Couple, now: datetime, session: Session) -> None:
    """The durable timer of the agreement's review date (set on `agreement.review_at`)."""
    if agreement.review_at is None:
        return
    timers.schedule(
        TimerKind.AGREEMENT_REVIEW,
        couple.group_chat_id,
        review_due(agreement.review_at, couple.timezone, now),
        ReviewDue(agreement.id, agreement.review_at),
        session=session,
    )


def next_review(agreement: Agreement, couple: Couple, now: datetime, session: Session) -> str:
    """The agreement stays in force and comes back later; its new review date, shown."""
    agreement.review_at = review_at(now)
    schedule_review(agreement, couple, now, session)
    return format_day(agreement.review_at, couple.timezone)


def question(agreement: Agreement, couple: Couple) -> Reply:
    ref = agreement.id
    return Reply(
        response="utter_agreement_review_question",
        values={
            "agreement": one_line(agreement.text),
            "since": format_day(agreement.agreed_at or agreement.created_at, couple.timezone),
        },
        buttons=[
            button("Yes", "agreement_review", review_ref=f"{ref}.yes"),
            button("Partly", "agreement_review", review_ref=f"{ref}.partly"),
            button("Let's talk", "agreement_review", review_ref=f"{ref}.talk"),
        ],
        chat_id=couple.group_chat_id,
    )


def ask_all(
    couple: Couple, reason: ReviewReason, now: datetime, session: Session
) -> list[Reply]:
    """Put the agreements in force up for review (the first few, oldest first)."""
    asked = []
    for agreement in checkins.in_force(couple.id, session=session)[:MAX_QUESTIONS]:
        checkins.ask_review(agreement, couple, reason, now, session=session)
        asked.append(question(agreement, couple))
    return asked


@timer_handler(TimerKind.AGREEMENT_REVIEW)
def review_date_came(timer: DueTimer, session: Session) -> list[Outgoing]:
    due = ReviewDue.read(timer.payload)
    agreement = session.get(Agreement, due.agreement_id) if due else None
    if due is None or agreement is None or agreement.status != AgreementStatus.AGREED:
        return []
    couple = session.get(Couple, agreement.couple_id)
    # A newer review date (answered meanwhile) has its own timer; a closed couple none.
    if couple is None or couple.closed_at is not None or agreement.review_at != due.review_at:
        return []
    if couple.group_chat_id != timer.chat_id:
        return []
    now = utc_now()
    checkins.ask_review(agreement, couple, ReviewReason.REVIEW_DATE, now, session=session)
    return [question(agreement, couple)]


def parse_ref(value: object) -> tuple[int, ReviewAnswer] | None:
    agreement, _, answer = str(value or "").partition(".")
    try:
        return int(agreement), ReviewAnswer(answer)
    except ValueError:
        return None


class ActionAgreementReview(TalkingStickAction):
    """A partner's Yes / Partly / Let's talk on "Is this still working?"."""

    action_name = "action_agreement_review"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        ref = parse_ref(ctx.entity("review_ref"))
        couple, partner = ctx.couple(session), ctx.partner(session)
        if ref is None or couple is None or partner is None:
            return [Toast("utter_toast_agreement_review_over")]
        agreement = session.get(Agreement, ref[0])
        review = checkins.open_review(ref[0], partner.id, session=session)
        if agreement is None or agreement.couple_id != couple.id or review is None:
            return [Toast("utter_toast_agreement_review_over"), KeepKeyboard()]
        if agreement.status != AgreementStatus.AGREED:
            return [Toast("utter_toast_agreement_review_over"), KeepKeyboard()]
        now = utc_now()
        review.answer, review.answered_at = ref[1], now
        others_open = [
            p for p in couple.partners
            if p.id != partner.id
            and checkins.open_review(agreement.id, p.id, session=session) is not None
        ]
        # The other partner still has to press: their buttons stay.
        keep: list[Outgoing] = [KeepKeyboard()] if others_open else []
        values = {"name": partner.first_name, "agreement": one_line(agreement.text)}
        if ref[1] == ReviewAnswer.PARTLY:
            return [Reply(response="utter_agreement_review_revise", values=values), *keep]
        if ref[1] == ReviewAnswer.TALK:
            return [talk_offer(agreement, partner), *keep]
        if others_open or not both_said_yes(agreement, couple, session):
            return [Reply(response="utter_agreement_review_yes", values=values), *keep]
        values["review_date"] = next_review(agreement, couple, now, session)
        return [Reply(response="utter_agreement_review_kept", values=values)]


def both_said_yes(agreement: Agreement, couple: Couple, session: Session) -> bool:
    """Each partner's latest answer about this agreement is yes."""
    latest: dict[int, ReviewAnswer | None] = {}
    for review in checkins.reviews_of([agreement.id], session=session):
        if review.partner_id is not None:
            latest[review.partner_id] = review.answer
    return all(latest.get(p.id) == ReviewAnswer.YES for p in couple.partners)


def talk_offer(agreement: Agreement, partner: Partner) -> Reply:
    return Reply(
        response="utter_agreement_review_talk",
        values={"name": partner.first_name, "agreement": one_line(agreement.text)},
        buttons=[
            button("Say it step by step", "agreement_talk", review_ref=f"{agreement.id}.statement"),
            button("Take turns", "agreement_talk", review_ref=f"{agreement.id}.round_robin"),
        ],
    )


class ActionAgreementTalk(TalkingStickAction):
    """ "Let's talk": a guided statement or a round-robin on the agreement, started as if
    the partner had asked for it (/talk or /roundrobin with the agreement as the topic)."""

    action_name = "action_agreement_talk"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        # Imported here: the statement and round-robin packages import much of the tree.
        from actions.round_robin.actions import ActionStartRoundRobin
        from actions.statement.actions import ActionStartStatement

        agreement_id, _, how = str(ctx.entity("review_ref") or "").partition(".")
        couple = ctx.couple(session)
        agreement = session.get(Agreement, int(agreement_id)) if agreement_id.isdigit() else None
        if couple is None or agreement is None or agreement.couple_id != couple.id:
            return [Toast("utter_toast_agreement_review_over")]
        start = ActionStartRoundRobin() if how == "round_robin" else ActionStartStatement()
        intent = "start_round_robin" if how == "round_robin" else "start_statement"
        asked = replace(
            ctx, intent=intent, entities={**ctx.entities, "topic": one_line(agreement.text)}
        )
        return start.handle(asked, session)


@capturer("agreement_revision")
def capture_revision(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    """After "Partly", the partner's next message in the group is the agreement's new wording."""
    if not ctx.in_group or ctx.user_id is None:
        return None
    couple = ctx.couple(session)
    partner = partner_in(couple, ctx.user_id)
    if couple is None or partner is None:
        return None
    now = utc_now()
    review = checkins.revision_waiting(
        couple.id, partner.id, now - REVISION_WINDOW, session=session
    )
    agreement = session.get(Agreement, review.agreement_id) if review else None
    if review is None or agreement is None or not ctx.text.strip():
        return None
    review.revised_text = ctx.text.strip()
    agreement.text = review.revised_text
    return [
        Reply(
            response="utter_agreement_revised",
            values={
                "name": partner.first_name,
                "agreement": one_line(agreement.text),
                "review_date": next_review(agreement, couple, now, session),
            },
        )
    ]


class ActionShowAgreements(TalkingStickAction):
    """/agreements: what the couple agreed and keeps, with review dates."""

    action_name = "action_show_agreements"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        couple = ctx.couple(session)
        if couple is None or not ctx.in_group:
            return [Reply(response="utter_agreements_in_group")]
        agreements = checkins.in_force(couple.id, session=session)
        if not agreements:
            return [Reply(response="utter_agreements_none")]
        lines = [
            f"• {one_line(a.text)} (review: "
            + (format_day(a.review_at, couple.timezone) if a.review_at else "none")
            + ")"
            for a in agreements
        ]
        return [Reply(response="utter_agreements_list", values={"agreements": "\n".join(lines)})]


class ActionLifeChange(TalkingStickAction):
    """/lifechange ("we're moving"): every agreement in force comes up for review."""

    action_name = "action_life_change"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        couple = ctx.couple(session)
        if couple is None or not ctx.in_group:
            return [Reply(response="utter_agreements_in_group")]
        asked = ask_all(couple, ReviewReason.LIFE_CHANGE, utc_now(), session)
        if not asked:
            return [Reply(response="utter_life_change_nothing")]
        return [Reply(response="utter_life_change_intro"), *asked]
