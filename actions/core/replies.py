"""What an action says, and where. Every text is a response in domain.yml, rendered by Rasa.

An action sends `utter_message(response=name, **values)`: Rasa picks one of the response's
variants and fills in the values. How the bot delivers that text travels in the same
message's custom `telegram` payload, which Rasa's REST channel returns right after the
rendered text (cut into pieces at blank lines; the bot joins them again, bot/sender.py):

  {"message": {}}              the text before is one message to this chat;
                               "chat_id": to another chat, "document": a file, the text its caption,
                               "export": {"couple_id", "user_id"}: the bot builds that couple's
                               export itself and sends it, the text its caption, to that
                               person's private chat (bot/export.py),
                               "chart": {"couple_id", "quarter"}: the bot draws that
                               couple's progress chart itself and sends it as a photo to
                               the couple's group, the text its caption (bot/progress.py)
  {"if_undeliverable": {}}     the text before is sent instead of the message before it
                               when Telegram refuses that one (403), to this chat unless
                               "chat_id" says otherwise
  {"if_delivered": {}}         the text before is sent once the message before it was
                               delivered, to this chat unless "chat_id" says otherwise
  {"toast": true}              the text before is the note on the pressed button
  {"keep_keyboard": true}      leave the pressed keyboard open
  {"ack": true}                one of our actions ran (the base action adds it)

The fallback is a message of its own, marked as the fallback of the one before, so Rasa
renders it like any other text (variants included) and the bot needs no texts of its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml  # type: ignore[import-untyped]
from rasa_sdk.executor import CollectingDispatcher

from settings import PROJECT_ROOT

DomainDict = dict[str, Any]

# Rasa's own placeholder pattern (rasa/core/nlg/interpolator.py).
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")
# Keys that utter_message, Rasa's message merge or its output channel use themselves: a
# value with one of these names would overwrite part of the message.
RESERVED_NAMES = frozenset(
    {
        "text",
        "image",
        "json_message",
        "template",
        "response",
        "attachment",
        "buttons",
        "elements",
        "custom",
        "quick_replies",
        "recipient_id",
        "timestamp",
        "utter_action",
    }
)
# Invisible and zero-width: keeps a person's "10[" from looking, to Rasa, like a
# placeholder it failed to fill (it would then show the response's raw template).
WORD_JOINER = "\u2060"


@dataclass(frozen=True)
class Reply:
    response: str  # an utter_* name from domain.yml
    values: dict[str, Any] = field(default_factory=dict)
    buttons: list[dict[str, str]] | None = None  # added after the response's own buttons
    chat_id: int | None = None  # None: the chat the message came from
    document: dict[str, str] | None = None  # {"file_name": ..., "content": ...}
    # The couple's data as a document, built and sent by the bot itself to the partner's
    # private chat, so it never passes through Rasa (its tracker keeps every answer).
    export: ExportRequest | None = None
    # The couple's progress chart, drawn by the bot from our database and sent as a photo
    # with this text as its caption: no PNG bytes in Rasa's tracker.
    chart: ChartRequest | None = None
    # Sent instead when Telegram refuses the reply (403: the person never opened a private
    # chat with the bot, or blocked it). Goes to the chat the message came from by default.
    if_undeliverable: Reply | None = None
    # Sent after the reply was delivered (to the chat the message came from by default).
    if_delivered: Reply | None = None


@dataclass(frozen=True)
class ExportRequest:
    """Send couple `couple_id`'s export to `user_id`'s private chat, if they are its partner."""

    couple_id: int
    user_id: int


@dataclass(frozen=True)
class ChartRequest:
    """Draw couple `couple_id`'s progress chart for `quarter` ("2026-Q3") and send it to
    the couple's own group (the bot refuses any other chat)."""

    couple_id: int
    quarter: str


@dataclass(frozen=True)
class Toast:
    """A short note on the pressed button itself (Telegram's callback answer)."""

    response: str  # an utter_toast_* name from domain.yml
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class KeepKeyboard:
    """Leave the pressed keyboard open: others still need to press it (e.g. "I'm in")."""


Outgoing = Reply | Toast | KeepKeyboard


def payload(intent: str, **entities: object) -> str:
    """A button's payload in Rasa's intent syntax, `/intent{"entity":"value"}`: JSON keeps
    any value safe, and the compact form keeps it under Telegram's 64 bytes."""
    if not entities:
        return f"/{intent}"
    values = {name: str(value) for name, value in entities.items()}
    return f"/{intent}{json.dumps(values, separators=(',', ':'))}"


def button(title: str, intent: str, **entities: object) -> dict[str, str]:
    return {"title": title, "payload": payload(intent, **entities)}


def send(dispatcher: CollectingDispatcher, domain: DomainDict, outgoing: list[Outgoing]) -> None:
    for item in outgoing:
        if isinstance(item, KeepKeyboard):
            dispatcher.utter_message(json_message={"telegram": {"keep_keyboard": True}})
        elif isinstance(item, Toast):
            _utter(dispatcher, domain, item.response, item.values, {"toast": True})
        else:
            _send_reply(dispatcher, domain, item, "message")
            if item.if_undeliverable is not None:
                _send_reply(dispatcher, domain, item.if_undeliverable, "if_undeliverable")
            if item.if_delivered is not None:
                _send_reply(dispatcher, domain, item.if_delivered, "if_delivered")


def _send_reply(
    dispatcher: CollectingDispatcher, domain: DomainDict, reply: Reply, kind: str
) -> None:
    where: dict[str, Any] = {}
    if reply.chat_id is not None:
        where["chat_id"] = reply.chat_id
    if reply.document is not None:
        where["document"] = reply.document
    if reply.export is not None:
        where["export"] = {"couple_id": reply.export.couple_id, "user_id": reply.export.user_id}
    if reply.chart is not None:
        where["chart"] = {"couple_id": reply.chart.couple_id, "quarter": reply.chart.quarter}
    _utter(dispatcher, domain, reply.response, reply.values, {kind: where}, reply.buttons)


def _utter(
    dispatcher: CollectingDispatcher,
    domain: DomainDict,
    response: str,
    values: dict[str, Any],
    telegram: dict[str, Any],
    buttons: list[dict[str, str]] | None = None,
) -> None:
    check_values(domain, response, values)
    safe = {name: _safe(value) for name, value in values.items()}
    dispatcher.utter_message(
        response=response, buttons=buttons, json_message={"telegram": telegram}, **safe
    )


@cache
def project_responses() -> dict[str, Any]:
    """domain.yml's responses, read once. Rasa sends the action server no domain with each
    call (its selective domain: launcher/stack.py), because the actions need only these:
    serialising the whole domain for every action was a tenth of Rasa's CPU per message."""
    with open(PROJECT_ROOT / "domain.yml", encoding="utf-8") as file:
        return dict(yaml.safe_load(file).get("responses") or {})


def check_values(domain: DomainDict, response: str, values: dict[str, Any]) -> None:
    """Fail here, not in front of a person: Rasa shows a response's whole text unfilled
    (placeholders and all) when a single one of its placeholders has no value."""
    variants = (domain.get("responses") or project_responses()).get(response)
    if not variants:
        raise KeyError(f"no response {response} in the domain")
    reserved = RESERVED_NAMES & values.keys()
    if reserved:
        raise ValueError(f"{response}: {sorted(reserved)} are names Rasa uses itself")
    for variant in variants:
        missing = set(PLACEHOLDER.findall(str(variant.get("text") or ""))) - values.keys()
        if missing:
            raise KeyError(f"{response} needs a value for {sorted(missing)}")


def _safe(value: Any) -> Any:
    return value.replace("0[", f"0{WORD_JOINER}[") if isinstance(value, str) else value
