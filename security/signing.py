"""Who speaks, signed by the bot: only the bot may say which Telegram user wrote a message.

The bot adds `signed_at` and `signature` to the metadata it sends with each message: an
HMAC-SHA256 over the chat (Rasa's sender id), the text and every field below. The Rasa
channel and the actions verify it; metadata that does not verify is from nobody.

Only the fields listed here are signed and only they are returned as trusted: Rasa adds keys
of its own to the metadata (model id, ...), and a field the bot added but forgot to list
here would be silently unsigned, so `sign` refuses it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from security import keys

SIGNED_FIELDS = (
    "user_id",
    "first_name",
    "chat_type",
    "is_callback",
    "message_id",
    "bot_username",
    "sees_all_messages",
    "update_id",
    "screened_text",  # a caption or an edit's new words, screened for crisis language only
    "crisis_answered",  # the bot already delivered this update's crisis answer
    "signed_at",
)
SIGNATURE = "signature"
# Generous against clock differences between machines and slow answers; the bot signs
# each attempt afresh, and a repeated update id is answered from the journal anyway.
MAX_AGE_SECONDS = 600


def sign(
    sender: str,
    text: str,
    metadata: Mapping[str, Any],
    *,
    key: bytes | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    unknown = set(metadata) - set(SIGNED_FIELDS)
    if unknown:
        raise ValueError(f"unsigned metadata fields: {sorted(unknown)}")
    fields = {**metadata, "signed_at": int(time.time() if now is None else now)}
    return {**fields, SIGNATURE: _mac(key, sender, text, fields)}


def verify(
    sender: str,
    text: str,
    metadata: Mapping[str, Any] | None,
    *,
    key: bytes | None = None,
    now: float | None = None,
) -> dict[str, Any] | None:
    """The signed fields when the signature is valid and fresh, else None."""
    if not isinstance(metadata, Mapping):
        return None
    signature = metadata.get(SIGNATURE)
    signed_at = metadata.get("signed_at")
    if not isinstance(signature, str) or not isinstance(signed_at, int):
        return None
    current = time.time() if now is None else now
    if abs(current - signed_at) > MAX_AGE_SECONDS:
        return None
    fields = {name: metadata.get(name) for name in SIGNED_FIELDS}
    try:
        expected = _mac(key, sender, text, fields)
    except (TypeError, ValueError):  # a field JSON cannot hold: not ours
        return None
    return fields if hmac.compare_digest(signature.encode(), expected.encode()) else None


def _mac(key: bytes | None, sender: str, text: str, fields: Mapping[str, Any]) -> str:
    # Rasa strips the text it receives; sign it as the actions will read it.
    payload = json.dumps(
        {
            "sender": str(sender),
            "text": (text or "").strip(),
            "fields": {name: fields.get(name) for name in SIGNED_FIELDS},
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode()
    secret = keys.derived_key(keys.METADATA) if key is None else key
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()
