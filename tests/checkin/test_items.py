"""Reading check-in answers: items per line, blame in needs, appreciations about the other."""

from __future__ import annotations

import pytest

from actions.checkin.items import is_about, sounds_like_blame, split_items


def test_one_item_per_line_without_list_marks():
    text = "1. More time together\n- A quiet hour after work\n\n• Help   with planning\n2) sleep"
    assert split_items(text) == [
        "More time together",
        "A quiet hour after work",
        "Help with planning",
        "sleep",
    ]


def test_an_empty_message_has_no_items():
    assert split_items(" \n \n") == []


@pytest.mark.parametrize(
    "need",
    [
        "you never help me with the dishes",
        "I need you to stop being so lazy",
        "You always ignore me",
    ],
)
def test_needs_phrased_as_blame_are_flagged(need):
    assert sounds_like_blame(need)


@pytest.mark.parametrize(
    "need",
    ["More time together on weekends", "A quiet hour after work", "Help planning the holidays"],
)
def test_needs_said_as_wishes_are_not(need):
    assert not sounds_like_blame(need)


@pytest.mark.parametrize(
    "text",
    ["Thank you for cooking on Tuesday", "The way you listen", "Sam made me laugh", "her patience"],
)
def test_appreciations_about_the_other(text):
    assert is_about(text, "Sam")


@pytest.mark.parametrize("text", ["I got a promotion", "The weather was nice", "Samantha's cake"])
def test_appreciations_about_something_else(text):
    assert not is_about(text, "Sam")
