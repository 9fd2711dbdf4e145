"""Telegram-like parse_mode handling and automatic entities of the local Telegram server."""

from __future__ import annotations

import pytest

from local_telegram.formatting import ParseError, detect_entities, parse_text


def test_html_entities_and_unescaping() -> None:
    source = '<b>Hi</b> &amp; <a href="https://x.org">you</a> 😀<i>!</i>'
    text, entities = parse_text(source, "HTML")
    assert text == "Hi & you 😀!"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "text_link", "offset": 5, "length": 3, "url": "https://x.org"},
        {"type": "italic", "offset": 11, "length": 1},  # the emoji counts 2 UTF-16 units
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("<blink>x</blink>", 'Unsupported start tag "blink"'),
        ("1 < 2", "start tag at byte offset 2"),
    ],
)
def test_html_errors(source: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_text(source, "HTML")


def test_markdown_v2() -> None:
    source = "*bold* _it_ __u__ ||s|| `c\\`` [l](https://x.org) ok\\."
    text, entities = parse_text(source, "MarkdownV2")
    assert text == "bold it u s c` l ok."
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "spoiler",
        "code",
        "text_link",
    ]
    pre_text, pre = parse_text("```python\nprint(1)\n```", "MarkdownV2")
    assert pre_text == "print(1)" and pre[0]["language"] == "python"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Done.", "Character '.' is reserved"),
        ("a-b", "Character '-' is reserved"),
        ("*bold", "Can't find end of Bold entity at byte offset 0"),
        ("x `code", "Can't find end of Code entity at byte offset 2"),
    ],
)
def test_markdown_v2_errors(source: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_text(source, "MarkdownV2")


def test_legacy_markdown_and_plain_text() -> None:
    assert parse_text("*b* [x](https://a.b)", "Markdown")[0] == "b x"
    with pytest.raises(ParseError, match="Can't find end of the entity"):
        parse_text("*b", "Markdown")
    assert parse_text("  keep <b> as is  ", None) == ("keep <b> as is", [])


def test_detect_entities_for_user_messages() -> None:
    entities = detect_entities("/start@TalkingStickBot hi @TalkingStickBot https://x.org /help")
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bot_command", 0, 22),
        ("mention", 26, 16),
        ("url", 43, 13),
        ("bot_command", 57, 5),
    ]
    assert detect_entities("1/2 and a/b") == []
