"""The signature that says who speaks, the keys it comes from, and how the actions use it."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
import yaml

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext, context_from
from actions.core.replies import Outgoing, Reply
from launcher.stack import ACTION_SERVER_TOKEN_ENV, Stack, StackConfig
from security import keys, signing
from storage import inbox
from storage.engine import PROJECT_ROOT, transaction
from storage.models import InboxUpdate
from tests.support.trackers import add_response, build_tracker, run_action

KEY = b"k" * 32
GROUP = "-100123"
FIELDS = {
    "user_id": 101,
    "first_name": "Alex",
    "chat_type": "group",
    "is_callback": False,
    "message_id": 55,
    "bot_username": "TalkingStickBot",
    "sees_all_messages": True,
    "update_id": 9001,
}


def signed(**changes) -> dict:
    return signing.sign(GROUP, "/export", {**FIELDS, **changes}, key=KEY)


def test_the_bots_signature_verifies_and_only_signed_fields_are_returned():
    metadata = {**signed(), "model_id": "rasa adds this", "assistant_id": "and this"}
    trusted = signing.verify(GROUP, "/export", metadata, key=KEY)
    assert trusted is not None
    assert {k: trusted[k] for k in FIELDS} == FIELDS
    assert "model_id" not in trusted and "signature" not in trusted


@pytest.mark.parametrize(
    "field, value",
    [
        ("user_id", 202),
        ("chat_type", "private"),
        ("update_id", 9002),
        ("message_id", 56),
        ("is_callback", True),
        ("first_name", "Sam"),
        ("signed_at", 1),
    ],
)
def test_changing_any_signed_field_breaks_the_signature(field, value):
    metadata = {**signed(), field: value}
    assert signing.verify(GROUP, "/export", metadata, key=KEY) is None


def test_the_signature_binds_the_chat_and_the_text():
    metadata = signed()
    assert signing.verify("-100999", "/export", metadata, key=KEY) is None
    assert signing.verify(GROUP, "/forget", metadata, key=KEY) is None
    assert signing.verify(GROUP, "  /export \n", metadata, key=KEY) is not None  # Rasa strips


def test_a_field_missing_from_the_signature_cannot_be_added_later():
    metadata = signing.sign(GROUP, "hi", {"chat_type": "group"}, key=KEY)
    assert signing.verify(GROUP, "hi", {**metadata, "user_id": 101}, key=KEY) is None


def test_other_keys_unsigned_stale_and_garbage_metadata_verify_to_nothing():
    assert signing.verify(GROUP, "/export", signed(), key=b"x" * 32) is None
    assert signing.verify(GROUP, "/export", FIELDS, key=KEY) is None  # plausible, unsigned
    old = signing.sign(GROUP, "/export", FIELDS, key=KEY, now=time.time() - 3600)
    assert signing.verify(GROUP, "/export", old, key=KEY) is None
    future = signing.sign(GROUP, "/export", FIELDS, key=KEY, now=time.time() + 3600)
    assert signing.verify(GROUP, "/export", future, key=KEY) is None
    for garbage in (None, [], "x", {"signature": 5, "signed_at": 1}, {"signature": "é"}):
        assert signing.verify(GROUP, "/export", garbage, key=KEY) is None  # type: ignore[arg-type]
    weird = {**signed(), "signature": "é" * 64}
    assert signing.verify(GROUP, "/export", weird, key=KEY) is None


def test_the_bot_cannot_send_a_field_it_does_not_sign():
    with pytest.raises(ValueError):
        signing.sign(GROUP, "hi", {"user_id": 1, "is_admin": True}, key=KEY)


def test_keys_are_derived_per_hop_and_bearer_tokens_compare_exactly():
    env = {keys.SECRET_ENV: "s" * 40}
    tokens = {keys.bearer_token(p, env) for p in (keys.CHANNEL, keys.METADATA, keys.ACTION_SERVER)}
    assert len(tokens) == 3
    token = keys.bearer_token(keys.CHANNEL, env)
    assert keys.bearer_matches(f"Bearer {token}", token)
    assert keys.bearer_matches(f"bearer {token}", token)
    for wrong in (None, "", token, f"Basic {token}", f"Bearer {token[:-1]}", "Bearer é"):
        assert not keys.bearer_matches(wrong, token)


def test_the_secret_comes_from_the_environment_or_a_private_file(tmp_path: Path):
    with pytest.raises(keys.MissingSecret):
        keys.master_secret({})
    with pytest.raises(keys.MissingSecret):
        keys.master_secret({keys.SECRET_ENV: "too short"})
    secret_file = tmp_path / "secret"
    secret_file.write_text("f" * 40 + "\n")
    secret_file.chmod(0o600)
    assert keys.master_secret({keys.SECRET_FILE_ENV: str(secret_file)}) == b"f" * 40
    secret_file.chmod(0o640)  # readable by the group: refused, like ssh refuses such keys
    with pytest.raises(keys.MissingSecret):
        keys.master_secret({keys.SECRET_FILE_ENV: str(secret_file)})
    with pytest.raises(keys.MissingSecret):
        keys.master_secret({keys.SECRET_FILE_ENV: str(tmp_path / "missing")})


# -- in the actions --------------------------------------------------------------------------


class CountingAction(TalkingStickAction):
    action_name = "action_counting_signed"
    partners_only = False
    runs: list[MessageContext] = []  # noqa: RUF012 - a test's record of runs

    def handle(self, ctx: MessageContext, session) -> list[Outgoing]:  # type: ignore[no-untyped-def]
        self.runs.append(ctx)
        return [Reply(response="utter_test_acted")]


def unsigned_tracker(metadata: dict):  # type: ignore[no-untyped-def]
    tracker = build_tracker(100, "/export", "export_data", user_id=None)
    tracker.latest_message["metadata"] = metadata
    return tracker


def test_unsigned_metadata_is_from_nobody():
    ctx = context_from(unsigned_tracker({**FIELDS, "signature": "0" * 64, "signed_at": 1}))
    assert (ctx.user_id, ctx.chat_type, ctx.update_id, ctx.signed) == (None, "", None, False)
    ctx = context_from(build_tracker(100, "hi", "content", user_id=7, update_id=3))
    assert (ctx.user_id, ctx.chat_type, ctx.update_id, ctx.signed) == (7, "group", 3, True)


def test_an_unsigned_message_does_nothing_and_says_nothing(database, domain):
    CountingAction.runs.clear()
    forged = {**FIELDS, "user_id": 100, "chat_type": "private"}
    assert run_action(CountingAction(), unsigned_tracker(forged), domain) == []
    mis_signed = signing.sign("100", "/export", forged, key=b"not the bot's key" * 2)
    assert run_action(CountingAction(), unsigned_tracker(mis_signed), domain) == []
    assert CountingAction.runs == []


def test_a_forged_update_id_cannot_take_a_real_pending_update(database, domain, monkeypatch):
    add_response(monkeypatch, domain, "utter_test_acted", "acted")
    CountingAction.runs.clear()
    with transaction() as session:
        inbox.record(77, 100, '{"update_id": 77}', session=session)
    forged = {**FIELDS, "user_id": 100, "chat_type": "private", "update_id": 77}
    run_action(CountingAction(), unsigned_tracker(forged), domain)
    with transaction() as session:
        row = session.get(InboxUpdate, 77)
        assert (row.status, row.payload) == ("pending", '{"update_id": 77}')
    # The bot's own message for that update takes it, once.
    real = build_tracker(100, "/export", "export_data", user_id=100, update_id=77)
    assert [m["text"] for m in run_action(CountingAction(), real, domain)] == ["acted"]
    with transaction() as session:
        assert session.get(InboxUpdate, 77).status == "answered"
    assert len(CountingAction.runs) == 1


class TimerAction(CountingAction):
    action_name = "action_counting_timer"
    fired_by_timers = True


def test_only_the_timer_action_runs_unsigned_for_a_timer(database, domain, monkeypatch):
    add_response(monkeypatch, domain, "utter_test_acted", "acted")
    CountingAction.runs.clear()
    tracker = build_tracker(100, "", "EXTERNAL_timer_due", user_id=None)
    assert run_action(CountingAction(), tracker, domain) == []  # e.g. an export: nothing
    assert [m["text"] for m in run_action(TimerAction(), tracker, domain)] == ["acted"]
    assert [ctx.chat_type for ctx in CountingAction.runs] == ["timer"]


# -- configuration ---------------------------------------------------------------------------


def test_rasa_listens_only_on_the_bots_channel():
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    assert list(credentials) == ["security.rasa_channel.BotChannel"]


def test_rasa_calls_the_action_server_with_its_key_and_the_file_holds_no_secret(tmp_path):
    config = StackConfig(var_dir=tmp_path)
    stack = Stack(config)
    path = stack.write_endpoints()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert config.shared_secret and config.shared_secret not in text
    endpoint = yaml.safe_load(text)["action_endpoint"]
    assert endpoint["headers"] == {"Authorization": f"Bearer ${{{ACTION_SERVER_TOKEN_ENV}}}"}
    env = stack.environment()
    assert env[keys.SECRET_ENV] == config.shared_secret
    command = stack._process("actions").command
    assert command[:3] == [command[0], "-m", "launcher.action_server"]
    assert all(config.shared_secret not in part for part in command)


def test_rasa_reads_the_action_server_key_from_its_environment(tmp_path, monkeypatch):
    from rasa.utils.endpoints import read_endpoint_config

    path = Stack(StackConfig(var_dir=tmp_path)).write_endpoints()
    monkeypatch.setenv(ACTION_SERVER_TOKEN_ENV, "abc123")
    endpoint = read_endpoint_config(str(path), "action_endpoint")
    assert endpoint is not None and endpoint.headers == {"Authorization": "Bearer abc123"}
