"""Webhook delivery of the local Telegram server: POSTs in order, with the secret header,
retried until a 2xx answer; getUpdates answers 409 meanwhile; deleteWebhook ends it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from local_telegram import LocalTelegram, LocalTelegramServer
from local_telegram.webhook import SECRET_HEADER

TOKEN = "123456:TEST-token"
SECRET = "s3cret-token_1"


class Receiver:
    """A bot's webhook endpoint: records each POST; answers from ``statuses``, then 200."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, Any], str | None]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((json.loads(body), self.headers.get(SECRET_HEADER)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def texts(self) -> list[str]:
        return [post["message"]["text"] for post, _ in self.posts]

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.posts) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.posts) >= count, self.texts()


@pytest.fixture()
def server() -> Iterator[LocalTelegramServer]:
    with LocalTelegramServer() as running:
        yield running


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


def call(server: LocalTelegramServer, method: str, **params: Any) -> httpx.Response:
    return httpx.post(f"{server.bot_base_url}{TOKEN}/{method}", json=params, timeout=10)


def test_updates_are_posted_in_order_with_the_secret_and_retried(
    server: LocalTelegramServer, receiver: Receiver
) -> None:
    receiver.statuses = [500, 403]  # the first update is refused twice, then accepted
    assert call(server, "setWebhook", url=receiver.url, secret_token=SECRET).json()["result"]
    with LocalTelegram(server.url) as tg:
        alex = tg.create_user("Alex", started=True)
        for text in ("first", "second", "third"):
            tg.send(alex["id"], alex, text)

    receiver.wait_for(5)
    time.sleep(0.3)  # nothing more arrives: each update is delivered once after its 2xx
    assert receiver.texts() == ["first", "first", "first", "second", "third"]
    assert {secret for _, secret in receiver.posts} == {SECRET}
    ids = [post["update_id"] for post, _ in receiver.posts]
    assert ids == sorted(ids)
    info = call(server, "getWebhookInfo").json()["result"]
    assert info["url"] == receiver.url and info["pending_update_count"] == 0


def test_get_updates_conflicts_while_a_webhook_is_set_and_works_after_delete(
    server: LocalTelegramServer, receiver: Receiver
) -> None:
    call(server, "setWebhook", url=receiver.url, secret_token=SECRET)
    answer = call(server, "getUpdates")
    assert answer.status_code == 409 and "webhook is active" in answer.json()["description"]

    assert call(server, "deleteWebhook").json()["result"] is True
    with LocalTelegram(server.url) as tg:
        alex = tg.create_user("Alex", started=True)
        tg.send(alex["id"], alex, "polled")
    updates = call(server, "getUpdates").json()["result"]
    assert [u["message"]["text"] for u in updates] == ["polled"]
    time.sleep(0.3)
    assert receiver.posts == []  # the deleted webhook got nothing


def test_an_unreachable_webhook_keeps_the_update_until_it_answers(
    server: LocalTelegramServer, receiver: Receiver
) -> None:
    unreachable = receiver.url.replace("/hook", "/x").replace(
        str(receiver.server.server_address[1]), "1"
    )
    call(server, "setWebhook", url=unreachable, secret_token=SECRET)
    with LocalTelegram(server.url) as tg:
        alex = tg.create_user("Alex", started=True)
        tg.send(alex["id"], alex, "kept")
    time.sleep(0.3)
    assert call(server, "getWebhookInfo").json()["result"]["pending_update_count"] == 1

    call(server, "setWebhook", url=receiver.url, secret_token=SECRET)
    receiver.wait_for(1)
    assert receiver.texts() == ["kept"]
