"""An attacker on the same machine: any local user, a web page's blind POST to 127.0.0.1, an
SSRF. They can reach every port of Rasa and of the action server, but not the shared secret.
Every forged request is refused (401/403/404) or, where it gets through an authenticated
hop, treated as from nobody; the couple's rows, Rasa's events and Telegram stay as they were.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from local_telegram.client import LocalTelegram, buttons
from security import keys, signing
from storage.engine import PROJECT_ROOT
from tests.support.stack import Couple, RunningStack, press_im_in, unique

pytestmark = pytest.mark.e2e

WRONG_TOKEN = "0" * 48


@pytest.fixture(scope="module")
def victims(running: RunningStack) -> Couple:
    """A real couple, formed through the real bot, with its time zone set (so no reminder
    timer fires while we look)."""
    telegram = running.telegram
    alex = telegram.create_user(unique("Alex"))
    sam = telegram.create_user(unique("Sam"))
    robin = telegram.create_user(unique("Robin"))
    chat = telegram.create_group("Us", [alex, sam, robin])
    couple = Couple(chat["id"], alex, sam, robin)
    start = telegram.last_seq()
    press_im_in(telegram, couple)
    question = telegram.wait_for_text(couple.group, "which time zone", after=start)
    assert ("Berlin / Paris", '/set_timezone{"timezone":"Europe/Berlin"}') in buttons(question)
    telegram.press(couple.group, alex, question["message_id"], button_text="Berlin / Paris")
    telegram.wait_for_text(couple.group, "Time zone set to Europe/Berlin", after=start)
    return couple


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def rasa_url(running: RunningStack, path: str) -> str:
    return f"http://127.0.0.1:{running.stack.config.rasa_port}{path}"


def actions_url(running: RunningStack, path: str) -> str:
    return f"http://127.0.0.1:{running.stack.config.actions_port}{path}"


def secret(running: RunningStack) -> bytes:
    value = running.stack.config.shared_secret
    assert value, "the test stack makes its own secret"
    return value.encode()


def snapshot(running: RunningStack, couple: Couple) -> dict[str, Any]:
    """Everything of this couple that a forged message could change."""
    chats = (couple.group, couple.alex["id"], couple.sam["id"], couple.robin["id"])
    users = chats[1:]
    (couple_id,) = running.query("SELECT id FROM couples WHERE group_chat_id = ?", couple.group)[0]
    in_chats, in_users = "IN (?, ?, ?, ?)", "IN (?, ?, ?)"
    rounds = "SELECT id FROM rounds WHERE couple_id = ?"
    turns = f"SELECT id FROM turns WHERE round_id IN ({rounds})"
    state: dict[str, Any] = {
        "couples": running.query("SELECT * FROM couples WHERE id = ?", couple_id),
        "partners": running.query("SELECT * FROM partners WHERE couple_id = ?", couple_id),
        "turns": running.query(f"SELECT * FROM turns WHERE round_id IN ({rounds})", couple_id),
        "interruptions": running.query(
            f"SELECT * FROM interruptions WHERE turn_id IN ({turns})", couple_id
        ),
        "safety_checks": running.query(
            f"SELECT * FROM safety_checks WHERE telegram_user_id {in_users}", *users
        ),
        "timers": running.query(f"SELECT * FROM timers WHERE chat_id {in_chats}", *chats),
        "inbox_updates": running.query(
            f"SELECT * FROM inbox_updates WHERE chat_id {in_chats}", *chats
        ),
        "closed_keyboards": running.query(
            f"SELECT * FROM closed_keyboards WHERE chat_id {in_chats}", *chats
        ),
        "rasa_events": running.query_tracker(
            f"SELECT count(*) FROM events WHERE sender_id {in_chats}", *map(str, chats)
        ),
    }
    for table in ("statements", "agreements", "rounds", "pauses", "escalations", "safety_events"):
        state[table] = running.query(f"SELECT * FROM {table} WHERE couple_id = ?", couple_id)
    return state


class Unchanged:
    """Around an attack: nothing of the couple changed and the bot said nothing."""

    def __init__(self, running: RunningStack, couple: Couple) -> None:
        self.running, self.couple = running, couple

    def __enter__(self) -> Unchanged:
        self.before = snapshot(self.running, self.couple)
        self.seq = self.running.telegram.last_seq()
        assert self.before["couples"] and len(self.before["partners"]) == 2
        return self

    def __exit__(self, kind, *_: object) -> None:  # type: ignore[no-untyped-def]
        if kind is not None:
            return
        time.sleep(0.5)  # anything that did get through has had time to act
        assert snapshot(self.running, self.couple) == self.before
        c = self.couple
        chats = {c.group, c.alex["id"], c.sam["id"], c.robin["id"]}
        telegram: LocalTelegram = self.running.telegram
        assert [i for i in telegram.sent(None, after=self.seq) if i["chat_id"] in chats] == []


def plausible_metadata(couple: Couple, update_id: int | None = None) -> dict[str, Any]:
    """What the bot would say for Alex in the group."""
    metadata = {
        "user_id": couple.alex["id"],
        "first_name": couple.alex["first_name"],
        "chat_type": "group",
        "is_callback": False,
        "message_id": None,
        "bot_username": "TalkingStickBot",
        "sees_all_messages": True,
    }
    if update_id is not None:
        metadata["update_id"] = update_id
    return metadata


def latest_update_id(running: RunningStack, couple: Couple) -> int:
    rows = running.query(
        "SELECT max(update_id) FROM inbox_updates WHERE chat_id = ? AND update_id > 0",
        couple.group,
    )
    assert rows[0][0] is not None
    return int(rows[0][0])


# -- Rasa: channels --------------------------------------------------------------------------

CHANNEL = "/webhooks/talking_stick/webhook"
# Commands that would export, delete, or start and stop exercises for the couple.
DANGEROUS = ("/export_data", "/forget_data", "/start_round_robin", "/request_pause", "/cancel")


def test_the_plain_rest_channel_and_other_webhooks_are_gone(running, victims, http):
    body = {"sender": str(victims.group), "message": "/export_data"}
    body["metadata"] = plausible_metadata(victims)
    with Unchanged(running, victims):
        for path in (
            "/webhooks/rest/webhook",
            "/webhooks/callback/webhook",
            "/webhooks/telegram/webhook",
            "/webhooks/socketio/webhook",
        ):
            for content_type in ("application/json", "text/plain"):  # a page's blind POST
                answer = http.post(
                    rasa_url(running, path),
                    content=json.dumps(body),
                    headers={"Content-Type": content_type},
                )
                assert answer.status_code == 404, path


def test_the_bots_channel_refuses_whoever_lacks_its_key(running, victims, http):
    url = rasa_url(running, CHANNEL)
    channel_key = keys.derive(secret(running), keys.CHANNEL).hex()
    with Unchanged(running, victims):
        for text in DANGEROUS:
            body = {"sender": str(victims.group), "message": text}
            body["metadata"] = plausible_metadata(victims)
            raw = json.dumps(body)
            for headers in (
                {"Content-Type": "text/plain"},  # a web page's blind POST
                {"Content-Type": "application/json"},
                {"Content-Type": "application/json", "Authorization": f"Bearer {WRONG_TOKEN}"},
                {"Content-Type": "application/json", "Authorization": channel_key},  # no scheme
                {"Content-Type": "application/json", "Authorization": f"Basic {channel_key}"},
            ):
                assert http.post(url, content=raw, headers=headers).status_code == 401
            # The Rasa API token is not the channel's key either.
            answer = http.post(
                url, json=body, params={"token": running.stack.config.rasa_auth_token}
            )
            assert answer.status_code == 401


def test_even_with_the_channel_key_only_the_bots_signature_speaks_for_a_partner(
    running, victims, http
):
    """Defence in depth: the channel's key alone (say it leaked from a proxy log) cannot
    make Rasa believe a message is Alex's."""
    url = rasa_url(running, CHANNEL)
    auth = {"Authorization": f"Bearer {keys.derive(secret(running), keys.CHANNEL).hex()}"}
    sender = str(victims.group)
    real_key = keys.derive(secret(running), keys.METADATA)
    update_id = latest_update_id(running, victims)
    with Unchanged(running, victims):
        for text in DANGEROUS:
            fields = plausible_metadata(victims, update_id)
            forgeries = [
                fields,  # plausible, unsigned
                {**fields, "signature": "0" * 64, "signed_at": int(time.time())},
                signing.sign(sender, text, fields, key=b"a guessed key" * 3),  # mis-signed
                signing.sign(sender, text, fields, key=real_key, now=time.time() - 3600),  # old
                # A real signature for another chat and another text, replayed here.
                signing.sign(str(victims.alex["id"]), "/help", fields, key=real_key),
                {},
                None,
            ]
            for metadata in forgeries:
                body = {"sender": sender, "message": text, "metadata": metadata}
                assert http.post(url, json=body, headers=auth).status_code == 403
            assert http.post(url, content=b"not json", headers=auth).status_code == 400


# -- Rasa: the HTTP API ----------------------------------------------------------------------


def api_routes(group: int) -> list[tuple[str, str, Any]]:
    conversation = f"/conversations/{group}"
    return [
        ("POST", f"{conversation}/messages", {"text": "/export_data", "sender": "user"}),
        ("POST", f"{conversation}/trigger_intent", {"name": "forget_data"}),
        ("POST", f"{conversation}/trigger_intent", {"name": "EXTERNAL_timer_due"}),
        ("POST", f"{conversation}/execute", {"name": "action_export_data"}),
        ("POST", f"{conversation}/predict", None),
        ("POST", f"{conversation}/tracker/events", [{"event": "user", "text": "/cancel"}]),
        ("PUT", f"{conversation}/tracker/events", []),
        ("GET", f"{conversation}/tracker", None),  # every message text of the couple
        ("GET", f"{conversation}/story", None),
        ("POST", "/model/parse", {"text": "let's take turns"}),
        ("POST", "/model/predict", []),
        ("POST", "/model/train", {}),
        ("POST", "/model/test/stories", None),
        ("POST", "/model/test/intents", None),
        ("PUT", "/model", {"model_file": "/tmp/none.tar.gz"}),
        ("DELETE", "/model", None),  # would leave the assistant without a model
        ("GET", "/status", None),
        ("GET", "/domain", None),
    ]


def test_every_rasa_api_route_needs_the_token(running, victims, http):
    with Unchanged(running, victims):
        for method, path, body in api_routes(victims.group):
            for params, headers in (
                ({}, {}),
                ({"token": WRONG_TOKEN}, {}),
                ({"token": ""}, {}),
                # No JWT is configured: a bearer header of any kind is no way in.
                ({}, {"Authorization": f"Bearer {WRONG_TOKEN}"}),
                ({}, {"Authorization": f"Bearer {keys.derive(secret(running), 'x').hex()}"}),
            ):
                answer = http.request(
                    method,
                    rasa_url(running, path),
                    params=params,
                    headers=headers,
                    content=None if body is None else json.dumps(body),
                )
                assert answer.status_code == 401, (method, path, params, headers)
    # Rasa still has its model (DELETE /model was refused).
    status = http.get(
        rasa_url(running, "/status"), params={"token": running.stack.config.rasa_auth_token}
    )
    assert status.status_code == 200 and status.json().get("model_id")


# -- the action server -----------------------------------------------------------------------


def action_call(couple: Couple, action: str, text: str, metadata: Any) -> dict[str, Any]:
    """What Rasa posts to the action server (rasa-sdk's format)."""
    intent = text.lstrip("/").split("{")[0]
    entities = json.loads(text[text.index("{") :]) if "{" in text else {}
    return {
        "next_action": action,
        "sender_id": str(couple.group),
        "tracker": {
            "sender_id": str(couple.group),
            "slots": {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 1.0},
                "entities": [{"entity": k, "value": v} for k, v in entities.items()],
                "metadata": metadata,
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text()),
        "version": "3.6.2",
    }


FORGED_CALLS = (
    ("action_export_data", "/export_data"),
    ("action_forget_data", "/forget_data"),
    ("action_confirm_forget", "/confirm_forget"),
    ("action_start_round_robin", "/start_round_robin"),
    ("action_request_pause", "/request_pause"),
    ("action_set_timezone", '/set_timezone{"timezone":"Asia/Tokyo"}'),
    # Unsigned, as a timer is: any action but the timer's ignores it.
    ("action_export_data", "/EXTERNAL_timer_due"),
    ("action_cancel", "/EXTERNAL_timer_due"),
)


def visible(responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What would reach Telegram (the bare acknowledgement marker would not)."""
    return [r for r in responses if not (r.get("custom") or {}).get("telegram", {}).get("ack")]


def test_the_action_server_answers_only_rasa(running, victims, http):
    url = actions_url(running, "/webhook")
    action_key = keys.derive(secret(running), keys.ACTION_SERVER).hex()
    with Unchanged(running, victims):
        for action, text in FORGED_CALLS:
            call = action_call(victims, action, text, plausible_metadata(victims))
            for params, headers in (
                ({}, {}),
                ({}, {"Authorization": f"Bearer {WRONG_TOKEN}"}),
                ({}, {"Authorization": action_key}),
                # Rasa's other token, and the right one where rasa-sdk would look for a token.
                ({}, {"Authorization": f"Bearer {running.stack.config.rasa_auth_token}"}),
                ({"token": action_key}, {}),
            ):
                answer = http.post(url, json=call, params=params, headers=headers)
                assert answer.status_code == 401, (action, params, headers)
                assert "responses" not in answer.text
        assert http.get(actions_url(running, "/actions")).status_code == 401
        health = http.get(actions_url(running, "/health"))
        assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_with_the_action_servers_key_unsigned_metadata_is_from_nobody(running, victims, http):
    """Defence in depth: Rasa's key to the action server alone cannot speak for a partner,
    nor take a real update's journal row."""
    url = actions_url(running, "/webhook")
    auth = {"Authorization": f"Bearer {keys.derive(secret(running), keys.ACTION_SERVER).hex()}"}
    real_key = keys.derive(secret(running), keys.METADATA)
    sender = str(victims.group)
    update_id = latest_update_id(running, victims)
    with Unchanged(running, victims):
        for action, text in FORGED_CALLS:
            fields = plausible_metadata(victims, update_id)
            for metadata in (
                fields,
                {**fields, "signature": "f" * 64, "signed_at": int(time.time())},
                signing.sign(sender, text, fields, key=b"a guessed key" * 3),
                signing.sign(str(victims.alex["id"]), text, fields, key=real_key),
                signing.sign(sender, "/help", fields, key=real_key),
            ):
                call = action_call(victims, action, text, metadata)
                answer = http.post(url, json=call, headers=auth)
                assert answer.status_code == 200, action
                assert answer.json() == {"events": [], "responses": []}, action


def test_with_the_action_servers_key_a_timer_fires_only_when_the_bot_claimed_it(
    running, victims, http
):
    """The timer action takes unsigned calls (Rasa's token-guarded `trigger_intent` sends
    them), so it checks that the bot's dispatcher claimed that very timer of that chat."""
    url = actions_url(running, "/webhook")
    auth = {"Authorization": f"Bearer {keys.derive(secret(running), keys.ACTION_SERVER).hex()}"}
    rows = running.query("SELECT id FROM timers WHERE chat_id = ?", victims.group)
    timer_ids = [row[0] for row in rows]
    assert timer_ids, "the couple's time zone reminder (cancelled when the zone was set)"
    with Unchanged(running, victims):
        for timer_id in [*timer_ids, max(timer_ids) + 10_000]:
            text = f'/EXTERNAL_timer_due{{"timer_id":"{timer_id}"}}'
            call = action_call(victims, "action_fire_timer", text, {"is_external": True})
            answer = http.post(url, json=call, headers=auth)
            assert answer.status_code == 200
            assert answer.json()["events"] == [] and visible(answer.json()["responses"]) == []


def test_no_key_of_ours_is_on_a_command_line_or_in_a_file(running):
    """`ps` shows every process's command line to every local user."""
    shared = secret(running)
    derived = [
        keys.derive(shared, purpose).hex()
        for purpose in (keys.CHANNEL, keys.METADATA, keys.ACTION_SERVER)
    ]
    for name, process in running.stack.processes.items():
        assert process.pid is not None
        command = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode(errors="replace")
        for value in (shared.decode(), *derived):
            assert value not in command, name
    endpoints = running.stack.config.var_dir / "runtime" / "endpoints.yml"
    assert all(value not in endpoints.read_text() for value in (shared.decode(), *derived))
