"""What an action says, and where: rendered from the domain's `utter_*` responses.

Texts live in domain.yml. A reply goes to the chat the message came from unless it names
another chat (e.g. a partner's private chat); the bot reads the `telegram` custom payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

DomainDict = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    response: str | None = None  # an utter_* name from domain.yml
    values: dict[str, Any] = field(default_factory=dict)
    text: str | None = None  # already composed text (used instead of a response)
    buttons: list[dict[str, str]] | None = None  # overrides/adds to the response's buttons
    chat_id: int | None = None  # None: the chat the message came from
    document: dict[str, str] | None = None  # {"file_name": ..., "content": ...}
    # The couple's data as a document, built and sent by the bot itself to the partner's
    # private chat, so it never passes through Rasa (its tracker keeps every answer).
    export: ExportRequest | None = None
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
class Toast:
    """A short note on the pressed button itself (Telegram's callback answer)."""

    text: str


@dataclass(frozen=True)
class KeepKeyboard:
    """Leave the pressed keyboard open: others still need to press it (e.g. "I'm in")."""


Outgoing = Reply | Toast | KeepKeyboard


class _KeepBraces(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(domain: DomainDict, response: str, values: dict[str, Any]) -> tuple[str, list]:
    variants = (domain.get("responses") or {}).get(response) or []
    if not variants:
        raise KeyError(f"no response {response} in the domain")
    variant = variants[0]
    text = str(variant.get("text", "")).format_map(_KeepBraces(values))
    return text, list(variant.get("buttons") or [])


def send(dispatcher: CollectingDispatcher, domain: DomainDict, outgoing: list[Outgoing]) -> None:
    for item in outgoing:
        if isinstance(item, Toast):
            dispatcher.utter_message(json_message={"telegram": {"toast": item.text}})
        elif isinstance(item, KeepKeyboard):
            dispatcher.utter_message(json_message={"telegram": {"keep_keyboard": True}})
        else:
            _send_reply(dispatcher, domain, item)


def _send_reply(dispatcher: CollectingDispatcher, domain: DomainDict, reply: Reply) -> None:
    text, buttons = (
        render(domain, reply.response, reply.values) if reply.response else (reply.text or "", [])
    )
    if reply.buttons is not None:
        buttons = reply.buttons
    if (
        reply.chat_id is None
        and reply.document is None
        and reply.export is None
        and reply.if_undeliverable is None
        and reply.if_delivered is None
    ):
        dispatcher.utter_message(text=text, buttons=buttons or None)
        return
    dispatcher.utter_message(json_message={"telegram": _payload(domain, reply, text, buttons)})


def _payload(domain: DomainDict, reply: Reply, text: str, buttons: list) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text}
    if buttons:
        payload["buttons"] = buttons
    if reply.chat_id is not None:
        payload["chat_id"] = reply.chat_id
    if reply.document is not None:
        payload["document"] = reply.document
    if reply.export is not None:
        payload["export"] = {"couple_id": reply.export.couple_id, "user_id": reply.export.user_id}
    for key, follow_up in (
        ("if_undeliverable", reply.if_undeliverable),
        ("if_delivered", reply.if_delivered),
    ):
        if follow_up is not None:
            text, buttons = (
                render(domain, follow_up.response, follow_up.values)
                if follow_up.response
                else (follow_up.text or "", [])
            )
            plain = replace(follow_up, if_undeliverable=None, if_delivered=None)
            payload[key] = _payload(domain, plain, text, buttons)
    return payload
