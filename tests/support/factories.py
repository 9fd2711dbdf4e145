"""Test data made through our own actions, as people would make it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from actions.joining.actions import ActionJoinCouple, ActionSetTimezone
from tests.support.couples import agree_in_private
from tests.support.trackers import build_tracker, run_action

ALEX_AND_SAM = ((1, "Alex"), (2, "Sam"))


def form_couple(
    domain: dict[str, Any],
    group: int,
    partners: Sequence[tuple[int, str]] = ALEX_AND_SAM,
    *,
    zone: str | None = None,
    agreed: bool = False,
) -> list[dict[str, Any]]:
    """Both `partners` (user id, first name) press "I'm in" in `group`, in that order; with
    `agreed`, both then agreed in private (exercises need it); with `zone`, the first then
    picks that time zone. Returns what the bot said to the last step."""
    said: list[dict[str, Any]] = []
    for user_id, name in partners:
        tracker = build_tracker(
            group,
            "/join_couple",
            "join_couple",
            user_id=user_id,
            first_name=name,
            is_callback=True,
        )
        said = run_action(ActionJoinCouple(), tracker, domain)
    if agreed:
        agree_in_private(group)
    if zone:
        user_id, name = partners[0]
        choice = {"timezone": zone}
        tracker = build_tracker(
            group,
            f"/set_timezone{json.dumps(choice)}",
            "set_timezone",
            user_id=user_id,
            first_name=name,
            entities=choice,
            is_callback=True,
        )
        said = run_action(ActionSetTimezone(), tracker, domain)
    return said
