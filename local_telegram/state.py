"""The simulated Telegram world, in memory: users, chats, messages, updates, sent log, faults.

Everything here runs on the server's event loop (single thread), so no locks are needed.
Long-polling waiters (``getUpdates``, ``/_control/sent?wait=``) park on an ``asyncio.Event``
that is replaced whenever something new happens, so they wake up immediately.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .files import PLACEHOLDER_OGG, PLACEHOLDER_PNG, PLACEHOLDER_WEBP, StoredFile, image_size
from .formatting import detect_entities

JSON = dict[str, Any]

BOT_ID = 7000000001
BOT_FIRST_NAME = "Talking Stick"
BOT_USERNAME = "TalkingStickBot"
FIRST_USER_ID = 100001
MEMBER_STATUSES = ("creator", "administrator", "member")
USER_MESSAGE_KINDS = ("text", "sticker", "photo", "voice", "document")


class ApiError(Exception):
    """An error answered like Telegram does: ``{"ok": false, "error_code", "description"}``."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    blocked_bot: bool = False

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass
class StoredMessage:
    """A message as Telegram keeps it; ``data`` is the Bot API Message object (un-nested)."""

    chat_id: int
    message_id: int
    data: JSON
    from_bot: bool
    reply_to_id: int | None = None
    deleted: bool = False

    @property
    def reply_markup(self) -> JSON | None:
        markup = self.data.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    def callback_buttons(self) -> list[JSON]:
        markup = self.reply_markup or {}
        return [
            button
            for row in markup.get("inline_keyboard", [])
            for button in row
            if isinstance(button, dict)
        ]


@dataclass
class Chat:
    id: int
    type: str  # private | group | supergroup
    chat_instance: str
    title: str | None = None
    user: User | None = None  # the other party of a private chat
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    bot_status: str = "member"  # member | administrator | left | kicked
    started: bool = False  # private chats: the user has written to the bot
    migrated_to: int | None = None  # a group upgraded to this supergroup
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_api(self) -> JSON:
        if self.user is not None:
            data = self.user.to_api()
            data.pop("is_bot")
            data.pop("language_code", None)
            return {**data, "type": "private"}
        return {"id": self.id, "title": self.title, "type": self.type}

    def full_info(self) -> JSON:
        """``getChat`` answer (ChatFullInfo)."""
        return {
            **self.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }


@dataclass
class Fault:
    method: str  # lower-case method name, or "*"
    status: int | str  # 429 | 500 | 502 | "delay"
    times: int
    chat_id: int | None = None
    retry_after: int = 1
    delay: float = 1.0

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method not in ("*", method.lower()):
            return False
        return self.chat_id is None or self.chat_id == chat_id


def bot_user(full: bool = False, can_read_all: bool = True) -> JSON:
    data: JSON = {
        "id": BOT_ID,
        "is_bot": True,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
    }
    if full:
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=can_read_all,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
    return data


def member_object(user: JSON, status: str) -> JSON:
    """A ChatMember object of the right subtype for ``status``."""
    if status == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if status == "administrator":
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": True,
            "can_invite_users": True,
            "can_post_stories": True,
            "can_edit_stories": True,
            "can_delete_stories": True,
            "can_pin_messages": True,
        }
    if status == "kicked":
        return {"status": "kicked", "user": user, "until_date": 0}
    return {"status": status, "user": user}


class World:
    def __init__(self, can_read_all_group_messages: bool = True) -> None:
        self.can_read_all_group_messages = can_read_all_group_messages
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, JSON] = {}
        self.commands: dict[str, JSON] = {}  # scope key -> {"scope", "language_code", "commands"}
        self.webhook: JSON = {"url": "", "secret_token": ""}
        self.webhook_task: asyncio.Task[None] | None = None  # local_telegram/webhook.py
        self.allowed_updates: list[str] | None = None
        self.updates: list[JSON] = []
        self._returned: set[int] = set()  # identities of pending updates getUpdates returned
        self.sent: list[JSON] = []
        self.undelivered: list[JSON] = []
        self.faults: list[Fault] = []
        self.stats = {
            "updates_created": 0,
            "updates_fetched": 0,
            "get_updates_calls": 0,
            "sent": 0,
            "faults_served": 0,
            "delays_served": 0,
            "bot_api_calls": 0,
            "webhook_deliveries": 0,
            "webhook_failures": 0,
        }
        self._next_user_id = FIRST_USER_ID
        self._update_ids = itertools.count(1)
        self._group_numbers = itertools.count(1)
        self._file_numbers = itertools.count(1)
        self._query_numbers = itertools.count(1)
        self._poll_generation = 0
        self._updates_changed = asyncio.Event()
        self._sent_changed = asyncio.Event()

    # --- waiting -------------------------------------------------------------------------

    def _notify_updates(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _notify_sent(self) -> None:
        self._sent_changed.set()
        self._sent_changed = asyncio.Event()

    @staticmethod
    async def _wait(
        event_of: Callable[[], asyncio.Event], done: Callable[[], bool], timeout: float
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                await asyncio.wait_for(event_of().wait(), remaining)
            except asyncio.TimeoutError:
                return

    # --- users and chats -----------------------------------------------------------------

    def create_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        id: int | None = None,
        started: bool = False,
    ) -> User:
        if not first_name:
            raise bad_request("first_name is required")
        if id is None:
            while self._next_user_id in self.users:
                self._next_user_id += 1
            id = self._next_user_id
            self._next_user_id += 1
        if id <= 0 or id in self.users or id == BOT_ID:
            raise ApiError(409, f"user id {id} is taken or invalid")
        user = User(id, first_name, last_name, username, language_code)
        self.users[id] = user
        self.chats[id] = Chat(id, "private", self._chat_instance(id), user=user, started=started)
        return user

    def user(self, user_id: Any) -> User:
        try:
            return self.users[int(user_id)]
        except (KeyError, TypeError, ValueError):
            raise ApiError(404, f"unknown user {user_id}") from None

    def chat(self, chat_id: Any) -> Chat:
        try:
            return self.chats[int(chat_id)]
        except (KeyError, TypeError, ValueError):
            raise ApiError(404, f"unknown chat {chat_id}") from None

    @staticmethod
    def _chat_instance(chat_id: int) -> str:
        """A stable opaque id per chat, shaped like Telegram's (a signed 64-bit number)."""
        return str((abs(chat_id) * 6_364_136_223_846_793) % 9_000_000_000_000_000_000 - 4 * 10**18)

    def create_group(
        self,
        title: str,
        member_ids: list[int],
        type: str = "group",
        bot_status: str = "member",
        admin_ids: list[int] | None = None,
    ) -> Chat:
        if type not in ("group", "supergroup"):
            raise ApiError(400, "type must be group or supergroup")
        if bot_status not in ("member", "administrator"):
            raise ApiError(400, "bot_status must be member or administrator")
        users = [self.user(user_id) for user_id in member_ids]
        number = next(self._group_numbers)
        chat_id = -(1_000_000_000_000 + number) if type == "supergroup" else -(
            100_000_000_000 + number
        )
        chat = Chat(chat_id, type, self._chat_instance(chat_id), title=title, bot_status="left")
        for index, user in enumerate(users):
            admin = user.id in (admin_ids or [])
            chat.members[user.id] = "creator" if index == 0 else (
                "administrator" if admin else "member"
            )
        self.chats[chat_id] = chat
        adder = users[0] if users else None
        self._change_bot_status(chat, bot_status, adder)
        if adder is not None:
            self._service_message(chat, adder, {"new_chat_members": [bot_user()]})
        return chat

    def migrate_group(self, chat_id: int, by_id: int | None = None) -> JSON:
        """Upgrade a group to a supergroup, which has a new chat id. Like Telegram: a
        ``migrate_to_chat_id`` message in the old group, a ``migrate_from_chat_id`` message
        in the supergroup, and sending to the old id fails with 400 and
        ``parameters.migrate_to_chat_id``."""
        old = self._group(chat_id)
        if old.type != "group" or old.migrated_to is not None:
            raise ApiError(400, "only a basic group can be upgraded to a supergroup")
        by = self.user(by_id) if by_id is not None else self.user(next(iter(old.members)))
        new_id = -(1_000_000_000_000 + next(self._group_numbers))
        new = Chat(
            new_id,
            "supergroup",
            self._chat_instance(new_id),
            title=old.title,
            members=dict(old.members),
            bot_status=old.bot_status,
        )
        self.chats[new_id] = new
        old.migrated_to = new_id
        self._service_message(old, by, {"migrate_to_chat_id": new_id})
        self._service_message(new, by, {"migrate_from_chat_id": old.id})
        return {"old_chat_id": old.id, "new_chat_id": new_id}

    def add_member(self, chat_id: int, user_id: int, by_id: int | None = None) -> JSON:
        chat = self._group(chat_id)
        user = self.user(user_id)
        inviter = self.user(by_id) if by_id is not None else user
        chat.members[user.id] = "member"
        return self._service_message(chat, inviter, {"new_chat_members": [user.to_api()]})

    def remove_member(self, chat_id: int, user_id: int) -> JSON:
        chat = self._group(chat_id)
        user = self.user(user_id)
        if chat.members.get(user.id) not in MEMBER_STATUSES:
            raise ApiError(404, "user is not a member of this chat")
        chat.members[user.id] = "left"
        return self._service_message(chat, user, {"left_chat_member": user.to_api()})

    def set_bot_status(self, chat_id: int, status: str, by_bot: bool = False) -> JSON:
        """Change the bot's status in a group (a ``my_chat_member`` update when it changes)."""
        chat = self._group(chat_id)
        if status not in ("member", "administrator", "left", "kicked"):
            raise ApiError(400, "status must be member, administrator, left or kicked")
        by = None if by_bot else next(
            (self.users[uid] for uid, s in chat.members.items() if s == "creator"), None
        )
        update_id = self._change_bot_status(chat, status, by)
        return {"update_id": update_id, "chat": chat.to_api(), "bot_status": status}

    def set_blocked(self, user_id: int, blocked: bool) -> JSON:
        user = self.user(user_id)
        user.blocked_bot = blocked
        chat = self.chats[user.id]
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        update_id = self._add_update("my_chat_member", self._chat_member_updated(
            chat, user, old, new
        )) if chat.started else None
        return {"update_id": update_id, "user": user.to_api(), "blocked": blocked}

    def _group(self, chat_id: int) -> Chat:
        chat = self.chat(chat_id)
        if not chat.is_group:
            raise ApiError(400, f"chat {chat_id} is not a group")
        return chat

    def _change_bot_status(self, chat: Chat, status: str, by: User | None) -> int | None:
        old = chat.bot_status
        chat.bot_status = status
        if old == status:
            return None
        by_user = by.to_api() if by else bot_user()
        payload = self._chat_member_updated(chat, None, old, status, by_user)
        return self._add_update("my_chat_member", payload)

    def _chat_member_updated(
        self, chat: Chat, user: User | None, old: str, new: str, by: JSON | None = None
    ) -> JSON:
        return {
            "chat": chat.to_api(),
            "from": by or (user.to_api() if user else bot_user()),
            "date": int(time.time()),
            "old_chat_member": member_object(bot_user(), old),
            "new_chat_member": member_object(bot_user(), new),
        }

    def is_member(self, chat: Chat, user_id: int) -> bool:
        if chat.type == "private":
            return chat.id == user_id
        return chat.members.get(user_id) in MEMBER_STATUSES

    # --- messages ------------------------------------------------------------------------

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        stored = self.chat(chat_id).messages.get(int(message_id))
        if stored is None:
            raise ApiError(404, f"message {message_id} not found in chat {chat_id}")
        return stored

    def message_api(self, stored: StoredMessage, nested: bool = True) -> JSON:
        """The Bot API Message object, with ``reply_to_message`` nested one level."""
        data = copy.deepcopy(stored.data)
        if nested and stored.reply_to_id is not None:
            chat = self.chats[stored.chat_id]
            replied = chat.messages.get(stored.reply_to_id)
            if replied is not None and not replied.deleted:
                data["reply_to_message"] = self.message_api(replied, nested=False)
        return data

    def new_message(
        self, chat: Chat, sender: JSON, fields: JSON, from_bot: bool, reply_to_id: int | None
    ) -> StoredMessage:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data: JSON = {
            "message_id": message_id,
            "from": sender,
            "chat": chat.to_api(),
            "date": int(time.time()),
            **{key: value for key, value in fields.items() if value is not None},
        }
        stored = StoredMessage(chat.id, message_id, data, from_bot, reply_to_id)
        chat.messages[message_id] = stored
        return stored

    def _service_message(self, chat: Chat, sender: User, fields: JSON) -> JSON:
        stored = self.new_message(chat, sender.to_api(), fields, from_bot=False, reply_to_id=None)
        delivered = chat.bot_status in MEMBER_STATUSES
        update_id = self._add_update("message", self.message_api(stored)) if delivered else None
        return self._created(update_id, stored.message_id, delivered)

    @staticmethod
    def _created(update_id: int | None, message_id: int, delivered: bool) -> JSON:
        return {
            "update_id": update_id,
            "message_id": message_id,
            "created_at": time.time(),
            "delivered": delivered,
        }

    def user_message(
        self,
        chat_id: int,
        from_id: int,
        text: str | None = None,
        kind: str = "text",
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        file_name: str | None = None,
        content: str | None = None,
    ) -> JSON:
        """A simulated user sends a message; it becomes an update unless privacy hides it."""
        chat, user = self._chat_and_member(chat_id, from_id)
        if chat.migrated_to is not None:
            raise ApiError(400, "group chat was upgraded to a supergroup chat")
        if kind not in USER_MESSAGE_KINDS:
            raise ApiError(400, f"kind must be one of {', '.join(USER_MESSAGE_KINDS)}")
        if kind == "text" and not text:
            raise ApiError(400, "text is required for kind=text")
        if reply_to_message_id is not None:
            replied = chat.messages.get(int(reply_to_message_id))
            if replied is None or replied.deleted:
                raise ApiError(400, "message to be replied not found")
        fields: JSON = {}
        if kind == "text":
            fields = {"text": text, "entities": detect_entities(text or "") or None}
        else:
            fields = self._media_fields(kind, file_name, content)
            body = caption if caption is not None else text
            if body and kind != "sticker":
                fields["caption"] = body
                fields["caption_entities"] = detect_entities(body) or None
        reply_id = int(reply_to_message_id) if reply_to_message_id is not None else None
        stored = self.new_message(chat, user.to_api(), fields, False, reply_id)
        if chat.type == "private":
            chat.started = True
        return self._deliver(chat, stored, "message")

    def edit_user_message(self, chat_id: int, from_id: int, message_id: int, text: str) -> JSON:
        chat, user = self._chat_and_member(chat_id, from_id)
        stored = self.message(chat.id, message_id)
        if stored.from_bot or stored.data.get("from", {}).get("id") != user.id:
            raise ApiError(403, "only the author can edit a message")
        if not text:
            raise ApiError(400, "text is required")
        key = "text" if "text" in stored.data else "caption"
        stored.data[key] = text
        entities = detect_entities(text)
        entity_key = "entities" if key == "text" else "caption_entities"
        stored.data.pop(entity_key, None)
        if entities:
            stored.data[entity_key] = entities
        stored.data["edit_date"] = int(time.time())
        return self._deliver(chat, stored, "edited_message")

    def _chat_and_member(self, chat_id: int | None, from_id: int) -> tuple[Chat, User]:
        user = self.user(from_id)
        chat = self.chat(user.id if chat_id is None else chat_id)
        if not self.is_member(chat, user.id):
            raise ApiError(403, f"user {user.id} is not a member of chat {chat.id}")
        return chat, user

    def _media_fields(self, kind: str, file_name: str | None, content: str | None) -> JSON:
        if kind == "document":
            data = (content or "").encode("utf-8")
            name = file_name or "document.txt"
            stored = self.store_file("document", data, name, "text/plain")
            return {"document": stored.document()}
        if kind == "photo":
            return {"photo": self.store_file("photo", PLACEHOLDER_PNG, None, "image/png").photo()}
        if kind == "voice":
            stored = self.store_file("voice", PLACEHOLDER_OGG, None, "audio/ogg")
            return {"voice": stored.voice()}
        stored = self.store_file("sticker", PLACEHOLDER_WEBP, None, "image/webp")
        return {"sticker": stored.sticker()}

    def _deliver(self, chat: Chat, stored: StoredMessage, update_type: str) -> JSON:
        reason = self._withheld_reason(chat, stored)
        if reason is None:
            update_id: int | None = self._add_update(update_type, self.message_api(stored))
        else:
            update_id = None
            self.undelivered.append({
                "chat_id": chat.id,
                "message_id": stored.message_id,
                "from_id": stored.data["from"]["id"],
                "update_type": update_type,
                "text": stored.data.get("text", stored.data.get("caption")),
                "reason": reason,
                "created_at": time.time(),
            })
        return self._created(update_id, stored.message_id, reason is None)

    def _withheld_reason(self, chat: Chat, stored: StoredMessage) -> str | None:
        """Telegram's privacy-mode rule; None means the bot receives the message."""
        if chat.type == "private":
            return "bot blocked by user" if chat.user and chat.user.blocked_bot else None
        if chat.bot_status not in MEMBER_STATUSES:
            return "bot is not a member"
        if self.can_read_all_group_messages or chat.bot_status == "administrator":
            return None
        text = stored.data.get("text") or stored.data.get("caption") or ""
        entities = stored.data.get("entities") or stored.data.get("caption_entities") or []
        for entity in entities:
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                command = text[: entity["length"]]
                target = command.partition("@")[2]
                if not target or target.lower() == BOT_USERNAME.lower():
                    return None
        if f"@{BOT_USERNAME.lower()}" in text.lower():
            return None
        if stored.reply_to_id is not None:
            replied = chat.messages.get(stored.reply_to_id)
            if replied is not None and replied.from_bot:
                return None
        return "privacy mode"

    # --- callback queries ----------------------------------------------------------------

    def press(
        self,
        chat_id: int,
        from_id: int,
        message_id: int,
        data: str | None = None,
        button_text: str | None = None,
        forged: bool = False,
    ) -> JSON:
        """A press of a button of a bot message. ``forged``: a modified client sends ``data``
        of its own choosing with the press (Telegram does not check it against the buttons)."""
        chat, user = self._chat_and_member(chat_id, from_id)
        stored = self.message(chat.id, message_id)
        if data is None and button_text is None:
            raise ApiError(400, "give data or button_text")
        if not stored.from_bot:
            raise ApiError(400, "only bot messages carry inline keyboards")
        if stored.deleted:
            raise ApiError(409, "button no longer on the message (message deleted)")
        if forged:
            if data is None:
                raise ApiError(400, "a forged press needs data")
            return self._add_press(chat, user, stored, data)
        button = next(
            (
                b
                for b in stored.callback_buttons()
                if (data is None or b.get("callback_data") == data)
                and (button_text is None or b.get("text") == button_text)
            ),
            None,
        )
        if button is None:
            raise ApiError(409, "button no longer on the message")
        if "callback_data" not in button:
            raise ApiError(400, "that button has no callback_data (it is not a callback button)")
        return self._add_press(chat, user, stored, button["callback_data"])

    def _add_press(self, chat: Chat, user: User, stored: StoredMessage, data: str) -> JSON:
        query_id = str(4_800_000_000_000_000_000 + next(self._query_numbers))
        self.callback_queries[query_id] = {
            "chat_id": chat.id,
            "message_id": stored.message_id,
            "answered": False,
        }
        payload = {
            "id": query_id,
            "from": user.to_api(),
            "message": self.message_api(stored),
            "chat_instance": chat.chat_instance,
            "data": data,
        }
        update_id = self._add_update("callback_query", payload)
        return {"update_id": update_id, "callback_query_id": query_id, "created_at": time.time()}

    # --- files ---------------------------------------------------------------------------

    def store_file(
        self, kind: str, content: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        number = next(self._file_numbers)
        prefix = {"photo": "AgAC", "sticker": "CAAC", "voice": "AwAC"}.get(kind, "BQAC")
        width, height = image_size(content) if kind in ("photo", "sticker") else (0, 0)
        stored = StoredFile(
            file_id=f"{prefix}AgADlocal{number:010d}",
            file_unique_id=f"AgAD{number:08d}",
            kind=kind,
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        return stored

    def file_by_path(self, file_path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == file_path), None)

    # --- updates -------------------------------------------------------------------------

    def _add_update(self, update_type: str, payload: JSON) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, update_type: payload})
        self.stats["updates_created"] += 1
        self._notify_updates()
        return update_id

    def drop_pending_updates(self) -> None:
        self.updates.clear()
        self._returned.clear()

    def restart_update_ids(self, next_id: int) -> None:
        """What Telegram does after a week without updates: the next update id is chosen
        at random (here: given), so it may repeat an id the bot saw long ago."""
        if next_id < 1:
            raise ApiError(400, "next_id must be positive")
        self._update_ids = itertools.count(next_id)

    async def get_updates(
        self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[JSON]:
        self.stats["get_updates_calls"] += 1
        if self.webhook["url"]:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if allowed is not None:
            self.allowed_updates = allowed or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()  # an older pending poll now ends with 409, like Telegram
        if offset is not None and offset < 0:
            del self.updates[: max(len(self.updates) + offset, 0)]
        elif offset:
            # The offset confirms what the bot was given before; after a restart of the ids,
            # newer updates may have smaller ids than the offset, and are not confirmed by it.
            self.updates = [
                u for u in self.updates if u["update_id"] >= offset or id(u) not in self._returned
            ]
        self._returned &= {id(u) for u in self.updates}  # only identities still held

        def ready() -> bool:
            return generation != self._poll_generation or bool(self._pending(limit))

        await self._wait(lambda: self._updates_changed, ready, min(max(timeout, 0), 50))
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        result = self._pending(limit)
        self._returned.update(id(u) for u in result)
        self.stats["updates_fetched"] += len(result)
        return copy.deepcopy(result)

    def pending_updates(self, limit: int) -> list[JSON]:
        """The oldest pending updates the bot asked for (the webhook's next ones)."""
        return self._pending(limit)

    async def wait_for_updates(self, timeout: float) -> None:
        await self._wait(lambda: self._updates_changed, lambda: bool(self._pending(1)), timeout)

    def confirm_update(self, update: JSON) -> None:
        """The webhook answered 2xx: the update leaves the queue (by identity: ids may repeat)."""
        self.updates = [u for u in self.updates if u is not update]
        self.stats["webhook_deliveries"] += 1

    def _pending(self, limit: int) -> list[JSON]:
        allowed = self.allowed_updates
        if allowed is None:
            return self.updates[:limit]
        return [u for u in self.updates if set(u) & set(allowed)][:limit]

    # --- sent log ------------------------------------------------------------------------

    def record_sent(self, method: str, chat_id: int | None, **fields: Any) -> JSON:
        item: JSON = {
            "seq": len(self.sent) + 1,
            "method": method,
            "chat_id": chat_id,
            "message_id": None,
            "text": None,
            "reply_markup": None,
            "parse_mode": None,
            "document": None,
            "callback_query_id": None,
            **fields,
            "received_at": time.time(),
        }
        self.sent.append(item)
        self.stats["sent"] += 1
        self._notify_sent()
        return item

    def sent_after(self, after: int, chat_id: int | None) -> list[JSON]:
        tail = self.sent[max(after, 0):]  # seq n is always at index n - 1
        return [item for item in tail if chat_id is None or item["chat_id"] == chat_id]

    async def wait_sent(
        self, after: int, chat_id: int | None, wait: float, min_count: int
    ) -> list[JSON]:
        def ready() -> bool:
            return len(self.sent_after(after, chat_id)) >= min_count

        await self._wait(lambda: self._sent_changed, ready, min(max(wait, 0), 300))
        return self.sent_after(after, chat_id)

    @property
    def last_seq(self) -> int:
        return self.sent[-1]["seq"] if self.sent else 0

    # --- faults --------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        self.faults.append(fault)

    def take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                key = "delays_served" if fault.status == "delay" else "faults_served"
                self.stats[key] += 1
                return fault
        return None
