"""The bot's input channel into Rasa: the only way a message reaches the dialogue.

Rasa's REST channel takes anyone's word, and its auth token guards only the `--enable-api`
routes. This channel (credentials.yml: `security.rasa_channel.BotChannel`, served at
`/webhooks/talking_stick/webhook`) accepts a message only
- with `Authorization: Bearer <channel key>` (401 otherwise): a browser's blind POST cannot
  set that header, and only the bot knows the key;
- as a JSON object with `sender`, `message` and `metadata` (400 otherwise);
- with metadata the bot signed (security.signing; 403 otherwise).
The actions verify the signature again, so nothing else that reaches Rasa can speak for a
partner either.

Commands and button presses arrive as Rasa's intent syntax (`/intent{"entity": "value"}`).
Rasa would still run the whole NLU pipeline on them (~10 ms of CPU each) and then throw its
result away for what its RegexMessageHandler reads from the text; this channel reads it the
same way first and hands Rasa the parse, so NLU runs only on words people type.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from security import keys, signing

logger = logging.getLogger(__name__)


class BotChannel(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "talking_stick"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()  # nothing from the credentials file: the keys come from the environment

    def __init__(self) -> None:
        # Read at start-up so that a missing secret stops Rasa at once, loudly.
        self._token = keys.bearer_token(keys.CHANNEL)
        self._signing_key = keys.derived_key(keys.METADATA)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("talking_stick_channel", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not keys.bearer_matches(request.headers.get("Authorization"), self._token):
                logger.warning("channel: request without the bot's key rejected")
                return response.json({"error": "not authenticated"}, status=401)
            body = _json_object(request)
            sender = body.get("sender") if body else None
            text = body.get("message") if body else None
            metadata = body.get("metadata") if body else None
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "bad request"}, status=400)
            if signing.verify(sender, text, metadata, key=self._signing_key) is None:
                logger.warning("chat %s: message with unsigned metadata rejected", sender)
                return response.json({"error": "metadata not signed"}, status=403)
            collector = CollectingOutputChannel()
            agent = getattr(request.app.ctx, "agent", None)
            parse_data = intent_syntax(text, agent.domain if agent is not None else None)
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender,
                        input_channel=self.name(),
                        metadata=metadata,
                        parse_data=parse_data,
                    )
                )
            except asyncio.CancelledError:
                logger.error("chat %s: message timed out", sender)
            except Exception as error:  # the bot sees no answer and tries again
                logger.error("chat %s: message failed (%s)", sender, type(error).__name__)
            return response.json(collector.messages)

        return webhook


def intent_syntax(text: str, domain: Domain | None) -> dict[str, Any] | None:
    """What Rasa's RegexMessageHandler makes of `/intent{...}` (intent with confidence 1,
    entities checked against the domain), or None: words to run NLU on, or an intent the
    domain does not know (Rasa then parses it as before, and warns)."""
    if domain is None or not text.strip().startswith(INTENT_MESSAGE_PREFIX):
        return None
    message = Message(data={TEXT: text})
    unpacked = YAMLStoryReader.unpack_regex_message(
        message, domain, entity_extractor_name="RegexMessageHandler"
    )
    if unpacked is message:
        return None
    parsed: dict[str, Any] = unpacked.as_dict(only_output_properties=True)
    return parsed


def _json_object(request: Request) -> dict[str, Any] | None:
    if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
        return None
    try:
        body = request.json
    except Exception:  # Sanic raises its own InvalidUsage for a body that is not JSON
        return None
    return body if isinstance(body, dict) else None
