"""A small client for the Rasa server: the bot's input channel and `trigger_intent`.

Messages go to the bot's own channel (security.rasa_channel) with the channel key, and their
metadata signed (security.signing): only the bot can say who speaks.
"""

from __future__ import annotations

from typing import Any

import httpx

from security import keys, signing

CHANNEL_PATH = "/webhooks/talking_stick/webhook"


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer; the update will be retried."""


class NoActionRan(RasaUnavailable):
    """Rasa answered, but none of our actions ran (action server down, or a dialogue fault).

    Retried a few times (the action server may be restarting), then given up on, so that a
    fault in the dialogue can never hold up a chat for good.
    """


class RasaClient:
    def __init__(
        self,
        base_url: str,
        token: str | None,
        timeout: float,
        action_server_url: str,
        shared_secret: bytes,
    ) -> None:
        self._token = token
        self._channel_auth = {
            "Authorization": f"Bearer {keys.derive(shared_secret, keys.CHANNEL).hex()}"
        }
        self._signing_key = keys.derive(shared_secret, keys.METADATA)
        self._action_health = action_server_url.rsplit("/webhook", 1)[0] + "/health"
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=5.0),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def is_ready(self) -> bool:
        try:
            response = await self._http.get("/status", params=self._auth())
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and bool(response.json().get("model_id"))

    async def actions_up(self) -> bool:
        try:
            return (await self._http.get(self._action_health)).status_code == 200
        except httpx.HTTPError:
            return False

    async def send_message(
        self, chat_id: int, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        sender = str(chat_id)
        # Signed at each attempt, so a retry after Rasa was down a while is still fresh.
        signed = signing.sign(sender, text, metadata, key=self._signing_key)
        body = {"sender": sender, "message": text, "metadata": signed}
        answer = await self._post(CHANNEL_PATH, body, params={}, headers=self._channel_auth)
        return answer if isinstance(answer, list) else []

    async def trigger_intent(
        self, chat_id: int, intent: str, entities: dict[str, Any]
    ) -> list[dict[str, Any]]:
        answer = await self._post(
            f"/conversations/{chat_id}/trigger_intent",
            {"name": intent, "entities": entities},
            params={"include_events": "NONE", **self._auth()},
        )
        return list(answer.get("messages") or []) if isinstance(answer, dict) else []

    def _auth(self) -> dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def _post(
        self,
        path: str,
        body: dict[str, Any],
        params: dict[str, str],
        headers: dict[str, str] | None = None,
    ) -> Any:
        try:
            response = await self._http.post(path, json=body, params=params, headers=headers)
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from error
        if response.status_code >= 500 or response.status_code in (404, 409):
            raise RasaUnavailable(f"HTTP {response.status_code}")
        if response.status_code in (401, 403):
            # The update is kept and tried again: nothing is lost once the keys agree.
            raise RasaUnavailable(
                f"HTTP {response.status_code} (not authenticated: do the bot and Rasa "
                "share one TALKING_STICK_SECRET?)"
            )
        if response.status_code >= 400:
            raise RasaUnavailable(f"HTTP {response.status_code} (rejected)")
        return response.json()
