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
    # Sent instead when Telegram refuses the reply (403: the person never opened a private
    # chat with the bot, or blocked it). Goes to the chat the message came from by default.
    if_undeliverable: Reply | None = None


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
    if reply.chat_id is None and reply.document is None and reply.if_undeliverable is None:
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
    if reply.if_undeliverable is not None:
        fallback = reply.if_undeliverable
        fallback_text, fallback_buttons = (
            render(domain, fallback.response, fallback.values)
            if fallback.response
            else (fallback.text or "", [])
        )
        payload["if_undeliverable"] = _payload(
            domain, replace(fallback, if_undeliverable=None), fallback_text, fallback_buttons
        )
    return payload
