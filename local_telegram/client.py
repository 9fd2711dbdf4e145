"""Synchronous client for the control API (tests, benchmarks, the terminal local chat).

    tg = LocalTelegram("http://127.0.0.1:8081")
    alex = tg.create_user("Alex")
    tg.send(alex["id"], alex, "/start")
    reply = tg.wait_for_text(alex["id"], "Hi")
    tg.press(alex["id"], alex, reply["message_id"], data=buttons(reply)[0][1])
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import httpx

JSON = dict[str, Any]
UserRef = JSON | int


class LocalTelegramError(RuntimeError):
    """The control API refused a request."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(f"{status}: {error}")
        self.status = status
        self.error = error


class ButtonGone(LocalTelegramError):
    """409 on a press: the button is no longer on the message (keyboard removed or edited)."""


def user_id(user: UserRef) -> int:
    return int(user["id"]) if isinstance(user, dict) else int(user)


def buttons(item: JSON) -> list[tuple[str, str | None]]:
    """(text, callback_data) of every inline button of a sent item or message, row by row."""
    markup = item.get("reply_markup") or {}
    return [
        (button.get("text", ""), button.get("callback_data"))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def describe(item: JSON) -> str:
    text = item.get("plain_text") or item.get("text") or ""
    parts = [f"#{item.get('seq')} {item.get('method')} chat={item.get('chat_id')}"]
    if item.get("message_id") is not None:
        parts.append(f"msg={item['message_id']}")
    if text:
        parts.append(repr(text[:80]))
    if buttons(item):
        parts.append(f"buttons={[b[0] for b in buttons(item)]}")
    return " ".join(parts)


class LocalTelegram:
    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=f"{self.base_url}/_control", timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LocalTelegram:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(
        self,
        method: str,
        path: str,
        json: JSON | None = None,
        params: JSON | None = None,
        timeout: float | None = None,
    ) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        extra: JSON = {} if timeout is None else {"timeout": timeout}
        response = self._http.request(method, path, json=json, params=query, **extra)
        if response.status_code >= 400:
            try:
                error = str(response.json().get("error", response.text))
            except ValueError:
                error = response.text
            kind = ButtonGone if response.status_code == 409 and path == "/presses" else (
                LocalTelegramError
            )
            raise kind(response.status_code, error)
        return response.json()

    # --- world ---------------------------------------------------------------------------

    def health(self) -> JSON:
        result: JSON = self._call("GET", "/health")
        return result

    def create_user(self, first_name: str, **kw: Any) -> JSON:
        """kw: last_name, username, language_code, id, started (may message first)."""
        result: JSON = self._call("POST", "/users", {"first_name": first_name, **kw})
        return result

    def create_group(
        self, title: str, members: Sequence[UserRef], bot_status: str = "member", **kw: Any
    ) -> JSON:
        """The first member is the creator. kw: type ("group"|"supergroup"), admin_ids."""
        body = {
            "title": title,
            "member_ids": [user_id(m) for m in members],
            "bot_status": bot_status,
            **kw,
        }
        result: JSON = self._call("POST", "/groups", body)
        return result

    def add_member(self, chat_id: int, user: UserRef, by: UserRef | None = None) -> JSON:
        body: JSON = {"user_id": user_id(user)}
        if by is not None:
            body["by_id"] = user_id(by)
        result: JSON = self._call("POST", f"/groups/{chat_id}/members", body)
        return result

    def remove_member(self, chat_id: int, user: UserRef) -> JSON:
        result: JSON = self._call("DELETE", f"/groups/{chat_id}/members/{user_id(user)}")
        return result

    def migrate_group(self, chat_id: int, by: UserRef | None = None) -> JSON:
        """Upgrade a group to a supergroup → {old_chat_id, new_chat_id}."""
        body: JSON = {} if by is None else {"by_id": user_id(by)}
        result: JSON = self._call("POST", f"/groups/{chat_id}/migrate", body)
        return result

    def restart_update_ids(self, next_id: int) -> JSON:
        """The next update gets this id (Telegram's random restart after a quiet week)."""
        result: JSON = self._call("POST", "/updates/restart", {"next_id": next_id})
        return result

    def set_bot_can_read_all(self, value: bool) -> JSON:
        result: JSON = self._call("POST", "/bot", {"can_read_all_group_messages": value})
        return result

    def set_bot_status(self, chat_id: int, status: str) -> JSON:
        result: JSON = self._call("POST", f"/groups/{chat_id}/bot_status", {"status": status})
        return result

    def block(self, user: UserRef, blocked: bool = True) -> JSON:
        """The user blocks (or unblocks) the bot in their private chat."""
        result: JSON = self._call("POST", f"/users/{user_id(user)}/blocked", {"blocked": blocked})
        return result

    # --- acting as users -----------------------------------------------------------------

    def send(
        self, chat_id: int, user: UserRef, text: str | None = None, kind: str = "text", **kw: Any
    ) -> JSON:
        """kw: caption, reply_to_message_id, file_name, content (document text)."""
        body = {"chat_id": chat_id, "from_id": user_id(user), "text": text, "kind": kind, **kw}
        result: JSON = self._call("POST", "/messages", body)
        return result

    def edit(self, chat_id: int, user: UserRef, message_id: int, text: str) -> JSON:
        body = {"chat_id": chat_id, "from_id": user_id(user), "message_id": message_id,
                "text": text}
        result: JSON = self._call("POST", "/edits", body)
        return result

    def press(
        self,
        chat_id: int,
        user: UserRef,
        message_id: int,
        data: str | None = None,
        button_text: str | None = None,
        forged: bool = False,
    ) -> JSON:
        """Press an inline button; raises ButtonGone if it is no longer on the message.
        ``forged``: send ``data`` of the client's choosing, as a modified client can."""
        body = {
            "chat_id": chat_id,
            "from_id": user_id(user),
            "message_id": message_id,
            "data": data,
            "button_text": button_text,
            "forged": forged,
        }
        result: JSON = self._call("POST", "/presses", body)
        return result

    # --- what the bot did ----------------------------------------------------------------

    def sent_page(
        self, chat_id: int | None = None, after: int = 0, wait: float = 0, min_count: int = 1
    ) -> JSON:
        params = {"chat_id": chat_id, "after": after, "wait": wait or None,
                  "min_count": min_count}
        result: JSON = self._call("GET", "/sent", params=params, timeout=wait + 30)
        return result

    def sent(
        self, chat_id: int | None = None, after: int = 0, wait: float = 0, min_count: int = 1
    ) -> list[JSON]:
        items: list[JSON] = self.sent_page(chat_id, after, wait, min_count)["items"]
        return items

    def last_seq(self) -> int:
        return int(self._call("GET", "/sent", params={"limit": 0})["last_seq"])

    def wait_for(
        self,
        chat_id: int | None,
        predicate: Callable[[JSON], bool],
        after: int = 0,
        timeout: float = 30,
    ) -> JSON:
        """First sent item after ``after`` matching ``predicate``; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        cursor = after
        seen: list[JSON] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                arrived = "\n  ".join(describe(i) for i in seen) or "(nothing)"
                raise AssertionError(
                    f"no matching bot output in chat {chat_id} within {timeout}s; "
                    f"arrived after seq {after}:\n  {arrived}"
                )
            page = self.sent_page(chat_id, cursor, wait=min(remaining, 20))
            for item in page["items"]:
                seen.append(item)
                cursor = max(cursor, int(item["seq"]))
                if predicate(item):
                    return item

    def wait_for_text(
        self, chat_id: int | None, substring: str, after: int = 0, timeout: float = 30
    ) -> JSON:
        def has_text(item: JSON) -> bool:
            return any(substring in (item.get(key) or "") for key in ("text", "plain_text"))

        return self.wait_for(chat_id, has_text, after, timeout)

    def message(self, chat_id: int, message_id: int) -> JSON:
        result: JSON = self._call("GET", f"/messages/{chat_id}/{message_id}")
        return result

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a file the bot sent (sendDocument, sendPhoto), as it uploaded them."""
        response = self._http.get(f"/files/{file_id}")
        if response.status_code >= 400:
            raise LocalTelegramError(response.status_code, response.text)
        return response.content

    def chat(self, chat_id: int) -> JSON:
        result: JSON = self._call("GET", f"/chats/{chat_id}")
        return result

    def commands(self) -> JSON:
        result: JSON = self._call("GET", "/commands")
        return result

    def undelivered(self, chat_id: int | None = None) -> list[JSON]:
        items: list[JSON] = self._call("GET", "/undelivered", params={"chat_id": chat_id})["items"]
        return items

    def stats(self) -> JSON:
        result: JSON = self._call("GET", "/stats")
        return result

    # --- fault injection -----------------------------------------------------------------

    def inject_fault(
        self,
        method: str,
        status: int | str,
        times: int = 1,
        chat_id: int | None = None,
        retry_after: int | None = None,
        delay: float | None = None,
    ) -> JSON:
        """The next ``times`` matching Bot API calls fail (429/500/502/503) or are delayed."""
        body: JSON = {"method": method, "status": status, "times": times, "chat_id": chat_id}
        if retry_after is not None:
            body["retry_after"] = retry_after
        if delay is not None:
            body["delay"] = delay
        result: JSON = self._call("POST", "/faults", body)
        return result

    def clear_faults(self) -> JSON:
        result: JSON = self._call("DELETE", "/faults")
        return result
