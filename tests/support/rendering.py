"""What Rasa makes of an action's answer, for unit tests that run actions without a Rasa server.

Rendering uses Rasa's own NLG (variants, interpolation); the merge of a dispatched message
into the rendered one is RemoteAction._utter_responses (rasa/core/actions/action.py),
written out here because importing that module loads TensorFlow; the output is Rasa's own
REST output channel, which cuts texts at blank lines. tests/rasa_project checks that this
copy of the merge still matches Rasa's.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.events import BotUttered

Message = dict[str, Any]


def merged(dispatched: list[Message], domain: dict[str, Any]) -> list[BotUttered]:
    """RemoteAction._utter_responses, with no slots (the domain has none)."""
    nlg = TemplatedNaturalLanguageGenerator(domain.get("responses") or {})
    uttered = []
    for response in copy.deepcopy(dispatched):
        name = response.pop("response", None)
        if name:
            draft = nlg.generate_from_slots(name, {}, CollectingOutputChannel.name(), **response)
            if not draft:
                continue
            draft["utter_action"] = name
        else:
            draft = {}
        buttons = response.pop("buttons", []) or []
        if buttons:
            draft.setdefault("buttons", [])
            draft["buttons"].extend(buttons)
        draft.update({key: value for key, value in response.items() if value})
        uttered.append(bot_utterance(draft))
    return uttered


def bot_utterance(message: Message) -> BotUttered:
    """rasa.core.actions.action.create_bot_utterance."""
    return BotUttered(
        text=message.pop("text", None),
        data={
            "elements": message.pop("elements", None),
            "quick_replies": message.pop("quick_replies", None),
            "buttons": message.pop("buttons", None),
            "attachment": message.pop("attachment", None) or message.get("image", None),
            "image": message.pop("image", None),
            "custom": message.pop("custom", None),
        },
        metadata=message,
    )


def rest_output(uttered: list[BotUttered], chat_id: int) -> list[Message]:
    """What Rasa's REST channel answers the bot: each bot message as the processor sends it."""
    channel = CollectingOutputChannel()

    async def send_all() -> None:
        for event in uttered:
            await channel.send_response(str(chat_id), event.message())

    asyncio.run(send_all())
    return channel.messages


def rendered_by_rasa(
    dispatched: list[Message], domain: dict[str, Any], chat_id: int
) -> list[Message]:
    return rest_output(merged(dispatched, domain), chat_id)


def in_dispatch_shape(rasa_messages: list[Message]) -> list[Message]:
    """Rasa's rendered answer, one entry per thing the bot is asked to do, in the shape the
    unit tests assert on: {"text", "buttons"} for a message to this chat; {"custom":
    {"telegram": {"text", "chat_id", "document", "export", "buttons", "if_undeliverable",
    "if_delivered"}}} for one that goes elsewhere, is a file or has a follow-up;
    {"custom": {"telegram": {"toast": text}}} for a button's note; the payload itself for
    anything else (keep_keyboard, ack)."""
    shaped: list[Message] = []
    pending: list[Message] = []
    for item in rasa_messages:
        telegram = (item.get("custom") or {}).get("telegram")
        if telegram is None:
            pending.append(item)
            continue
        claimed, pending = pending, []
        text = "\n\n".join(piece["text"] for piece in claimed)
        buttons = [button for piece in claimed for button in piece.get("buttons") or []]
        if "message" in telegram:
            shaped.append(_shaped(text, buttons, telegram["message"]))
        elif "if_undeliverable" in telegram or "if_delivered" in telegram:
            kind = "if_undeliverable" if "if_undeliverable" in telegram else "if_delivered"
            last = shaped.pop()
            if "custom" not in last:
                last = _shaped(last["text"], last["buttons"], {}, always_custom=True)
            follow_up = _shaped(text, buttons, telegram[kind], always_custom=True)
            last["custom"]["telegram"][kind] = follow_up["custom"]["telegram"]
            shaped.append(last)
        elif telegram.get("toast"):
            shaped.append({"custom": {"telegram": {"toast": text}}})
        else:
            shaped.extend({"text": piece["text"], "buttons": []} for piece in claimed)
            shaped.append({"custom": {"telegram": telegram}})
    shaped.extend({"text": piece["text"], "buttons": []} for piece in pending)
    return shaped


def _shaped(
    text: str, buttons: list[Message], where: Message, always_custom: bool = False
) -> Message:
    if not where and not always_custom:
        return {"text": text, "buttons": buttons}
    telegram = {"text": text, **({"buttons": buttons} if buttons else {}), **where}
    return {"custom": {"telegram": telegram}}
