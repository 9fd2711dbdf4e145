"""Bot API routes: ``/bot{token}/{method}`` answering like api.telegram.org.

Parameters arrive as ``application/x-www-form-urlencoded`` (PTB's default; non-string values
are JSON-encoded strings), ``multipart/form-data`` (file uploads), ``application/json`` or
GET query parameters. Any token is accepted and it is never logged; neither is message text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from aiohttp import BodyPartReader, web

from . import webhook
from .files import StoredFile, guess_mime_type
from .formatting import ParseError, parse_text
from .state import (
    BOT_ID,
    JSON,
    MEMBER_STATUSES,
    ApiError,
    Chat,
    StoredMessage,
    World,
    bad_request,
    bot_user,
    member_object,
)

log = logging.getLogger("local_telegram.bot_api")

WORLD_KEY: web.AppKey[World] = web.AppKey("world", World)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}
INLINE_BUTTON_ACTIONS = (
    "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "callback_game", "pay", "login_url", "web_app",
    "copy_text",
)


# --- request parameters -----------------------------------------------------------------

@dataclass
class Upload:
    filename: str | None
    content_type: str | None
    content: bytes


class Params:
    """Bot API parameters from any of the encodings Telegram accepts."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self.values = values
        self.uploads = uploads

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or not part.name:
                    continue
                if part.filename:
                    content = bytes(await part.read(decode=True))
                    content_type = part.headers.get("Content-Type")
                    uploads[part.name] = Upload(part.filename, content_type, content)
                else:
                    values[part.name] = await part.text()
        elif request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON request body must be an object")
            values.update(body)
        elif request.can_read_body:
            values.update(await request.post())
        return cls(values, uploads)

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    def get_str(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None else str(value)

    def get_int(self, name: str) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str, default: float) -> float:
        value = self.raw(name)
        try:
            return default if value is None else float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        value = self.raw(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str, what: str | None = None) -> Any:
        value = self.raw(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        return value


Handler = Callable[[World, Params], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


# --- dispatch ---------------------------------------------------------------------------

def ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def error(status: int, description: str, parameters: JSON | None = None) -> web.Response:
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def handle(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    world.stats["bot_api_calls"] += 1
    entry = METHODS.get(request.match_info["method"].lower())
    if entry is None:
        log.info("unknown bot api method %s", request.match_info["method"][:64])
        return error(404, "Not Found")
    name, handler = entry
    started = time.perf_counter()
    try:
        params = await Params.from_request(request)
        response = await _apply_fault(world, name, params)
        if response is None:
            response = ok(await handler(world, params))
    except ApiError as exc:
        response = error(exc.status, exc.description, exc.parameters)
    log.debug(
        "%s -> %s in %.1f ms", name, response.status, (time.perf_counter() - started) * 1000
    )
    return response


async def _apply_fault(world: World, name: str, params: Params) -> web.Response | None:
    if not world.faults:
        return None
    try:
        chat_id = params.get_int("chat_id")
    except ApiError:
        chat_id = None
    query_id = params.get_str("callback_query_id")
    if chat_id is None and query_id in world.callback_queries:
        chat_id = world.callback_queries[query_id]["chat_id"]
    fault = world.take_fault(name, chat_id)
    if fault is None:
        return None
    log.info("serving injected fault %s for %s", fault.status, name)
    if fault.status == "delay":
        await asyncio.sleep(fault.delay)
        return None
    if fault.status == 429:
        return error(
            429,
            f"Too Many Requests: retry after {fault.retry_after}",
            {"retry_after": fault.retry_after},
        )
    descriptions = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    status = int(fault.status)
    return error(status, descriptions.get(status, "Internal Server Error"))


async def download_file(request: web.Request) -> web.Response:
    """``/file/bot{token}/{file_path}``: download a stored file like Telegram's file server."""
    stored = request.app[WORLD_KEY].file_by_path(request.match_info["path"])
    if stored is None:
        return error(404, "Not Found")
    return web.Response(
        body=stored.content, content_type=stored.mime_type or "application/octet-stream"
    )


# --- shared helpers ---------------------------------------------------------------------

def target_chat(world: World, params: Params, for_sending: bool = True) -> Chat:
    raw = params.raw("chat_id")
    if raw is None:
        raise bad_request("chat_id is empty")
    try:
        chat = world.chats.get(int(raw))
    except (TypeError, ValueError):
        chat = None
    if chat is None:
        raise bad_request("chat not found")
    if chat.migrated_to is not None:
        raise ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": chat.migrated_to},
        )
    if chat.type == "private":
        assert chat.user is not None
        if chat.user.blocked_bot and for_sending:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not chat.started:
            if for_sending:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
    elif chat.bot_status not in MEMBER_STATUSES:
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        if chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")
    return chat


def parse_body(text: str, parse_mode: str | None, explicit: Any) -> tuple[str, list[JSON]]:
    try:
        plain, entities = parse_text(text, parse_mode)
    except ParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    if not parse_mode and isinstance(explicit, list):
        entities = explicit
    return plain, entities


def inline_markup(params: Params) -> tuple[JSON | None, JSON | None]:
    """Return (reply_markup as sent, inline keyboard to store on the message)."""
    markup = params.get_json("reply_markup", "reply keyboard markup")
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup, None  # reply keyboard / force reply / remove: not part of the message
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be "
                          "an Object")
    for row in rows:
        for button in row:
            _check_button(button)
    return markup, markup if any(rows) else None


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    actions = [key for key in INLINE_BUTTON_ACTIONS if key in button]
    if not actions:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not str(button["url"]).strip():
        raise bad_request("BUTTON_URL_INVALID")


def reply_target(chat: Chat, params: Params) -> int | None:
    reply_id = params.get_int("reply_to_message_id")
    allow = params.get_bool("allow_sending_without_reply")
    reply_parameters = params.get_json("reply_parameters")
    if isinstance(reply_parameters, dict):
        reply_id = int(reply_parameters.get("message_id", 0)) or None
        allow = bool(reply_parameters.get("allow_sending_without_reply", allow))
    if reply_id is None:
        return None
    replied = chat.messages.get(reply_id)
    if replied is None or replied.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return reply_id


def bot_message(world: World, chat: Chat, params: Params, fields: JSON) -> StoredMessage:
    return world.new_message(chat, bot_user(), fields, True, reply_target(chat, params))


def editable_message(world: World, params: Params, what: str = "edit") -> StoredMessage:
    if params.raw("inline_message_id") is not None:
        raise bad_request("MESSAGE_ID_INVALID")
    chat = target_chat(world, params)
    message_id = params.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    stored = chat.messages.get(message_id)
    if stored is None or stored.deleted:
        raise bad_request(f"message to {what} not found")
    return stored


def set_field(data: JSON, key: str, value: Any) -> None:
    if value:
        data[key] = value
    else:
        data.pop(key, None)


def caption_fields(params: Params) -> tuple[str | None, str | None, list[JSON]]:
    caption = params.get_str("caption")
    if caption is None:
        return None, None, []
    plain, entities = parse_body(
        caption, params.get_str("parse_mode"), params.get_json("caption_entities")
    )
    if len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return caption, plain, entities


# --- methods: bot and updates -----------------------------------------------------------

@method("getMe")
async def get_me(world: World, params: Params) -> JSON:
    return bot_user(full=True, can_read_all=world.can_read_all_group_messages)


@method("logOut")
async def log_out(world: World, params: Params) -> bool:
    return True


@method("close")
async def close(world: World, params: Params) -> bool:
    return True


@method("getUpdates")
async def get_updates(world: World, params: Params) -> list[JSON]:
    limit = params.get_int("limit") or 100
    allowed = params.get_json("allowed_updates")
    return await world.get_updates(
        offset=params.get_int("offset"),
        limit=min(max(limit, 1), 100),
        timeout=params.get_float("timeout", 0.0),
        allowed=allowed if isinstance(allowed, list) else None,
    )


@method("setWebhook")
async def set_webhook(world: World, params: Params) -> bool:
    if params.get_bool("drop_pending_updates"):
        world.drop_pending_updates()
    allowed = params.get_json("allowed_updates")
    await webhook.set_webhook(
        world,
        params.get_str("url") or "",
        params.get_str("secret_token"),
        allowed if isinstance(allowed, list) else None,
    )
    return True


@method("deleteWebhook")
async def delete_webhook(world: World, params: Params) -> bool:
    if params.get_bool("drop_pending_updates"):
        world.drop_pending_updates()
    await webhook.set_webhook(world, "", None, None)
    return True


@method("getWebhookInfo")
async def get_webhook_info(world: World, params: Params) -> JSON:
    return {
        "url": world.webhook["url"],
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }


def _commands_key(params: Params) -> tuple[str, JSON, str]:
    scope = params.get_json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    language = params.get_str("language_code") or ""
    return json.dumps(scope, sort_keys=True) + "|" + language, scope, language


@method("setMyCommands")
async def set_my_commands(world: World, params: Params) -> bool:
    commands = params.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        name = command.get("command", "") if isinstance(command, dict) else ""
        description = command.get("description", "") if isinstance(command, dict) else ""
        if not (1 <= len(name) <= 32) or not all(c.islower() or c.isdigit() or c == "_"
                                                 for c in name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not (1 <= len(description) <= 256):
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key, scope, language = _commands_key(params)
    if commands:
        world.commands[key] = {"scope": scope, "language_code": language, "commands": commands}
    else:
        world.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(world: World, params: Params) -> list[JSON]:
    key, _, _ = _commands_key(params)
    return list(world.commands.get(key, {}).get("commands", []))


@method("deleteMyCommands")
async def delete_my_commands(world: World, params: Params) -> bool:
    key, _, _ = _commands_key(params)
    world.commands.pop(key, None)
    return True


# --- methods: messages ------------------------------------------------------------------

def validated_text(params: Params) -> tuple[str, str | None, str, Any]:
    """The message text as sent, its parse mode, and what a user sees; 400 like Telegram."""
    text = params.get_str("text") or ""
    parse_mode = params.get_str("parse_mode")
    if not text.strip():
        raise bad_request("message text is empty")
    plain, entities = parse_body(text, parse_mode, params.get_json("entities"))
    if not plain:
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, parse_mode, plain, entities


@method("sendMessage")
async def send_message(world: World, params: Params) -> JSON:
    chat = target_chat(world, params)
    text, parse_mode, plain, entities = validated_text(params)
    markup, inline = inline_markup(params)
    stored = bot_message(
        world, chat, params, {"text": plain, "entities": entities or None, "reply_markup": inline}
    )
    world.record_sent(
        "sendMessage",
        chat.id,
        message_id=stored.message_id,
        text=text,
        plain_text=plain,
        reply_markup=markup,
        parse_mode=parse_mode,
        reply_to_message_id=stored.reply_to_id,
        disable_notification=params.get_bool("disable_notification"),
    )
    return world.message_api(stored)


@method("editMessageText")
async def edit_message_text(world: World, params: Params) -> JSON:
    stored = editable_message(world, params)
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    text, parse_mode, plain, entities = validated_text(params)
    markup, inline = inline_markup(params)
    data = stored.data
    unchanged = (
        data["text"] == plain
        and (data.get("entities") or []) == entities
        and stored.reply_markup == inline
    )
    if unchanged:
        raise bad_request(NOT_MODIFIED)
    data["text"] = plain
    set_field(data, "entities", entities)
    set_field(data, "reply_markup", inline)  # no reply_markup removes the keyboard
    data["edit_date"] = int(time.time())
    world.record_sent(
        "editMessageText",
        stored.chat_id,
        message_id=stored.message_id,
        text=text,
        plain_text=plain,
        reply_markup=markup,
        parse_mode=parse_mode,
    )
    return world.message_api(stored)


@method("editMessageCaption")
async def edit_message_caption(world: World, params: Params) -> JSON:
    stored = editable_message(world, params)
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    caption, plain, entities = caption_fields(params)
    markup, inline = inline_markup(params)
    data = stored.data
    if (data.get("caption") == plain and (data.get("caption_entities") or []) == entities
            and stored.reply_markup == inline):
        raise bad_request(NOT_MODIFIED)
    set_field(data, "caption", plain)
    set_field(data, "caption_entities", entities)
    set_field(data, "reply_markup", inline)
    data["edit_date"] = int(time.time())
    world.record_sent(
        "editMessageCaption",
        stored.chat_id,
        message_id=stored.message_id,
        text=caption,
        plain_text=plain,
        reply_markup=markup,
        parse_mode=params.get_str("parse_mode"),
    )
    return world.message_api(stored)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(world: World, params: Params) -> JSON:
    stored = editable_message(world, params)
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    markup, inline = inline_markup(params)
    if stored.reply_markup == inline:
        raise bad_request(NOT_MODIFIED)
    set_field(stored.data, "reply_markup", inline)
    stored.data["edit_date"] = int(time.time())
    world.record_sent(
        "editMessageReplyMarkup",
        stored.chat_id,
        message_id=stored.message_id,
        reply_markup=markup,
    )
    return world.message_api(stored)


def _delete(world: World, chat: Chat, message_id: int) -> None:
    stored = chat.messages.get(message_id)
    if stored is None or stored.deleted:
        raise bad_request("message to delete not found")
    if not stored.from_bot and chat.is_group and chat.bot_status != "administrator":
        raise bad_request("message can't be deleted")
    stored.deleted = True
    world.record_sent("deleteMessage", chat.id, message_id=message_id)


@method("deleteMessage")
async def delete_message(world: World, params: Params) -> bool:
    chat = target_chat(world, params)
    message_id = params.get_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    _delete(world, chat, message_id)
    return True


@method("deleteMessages")
async def delete_messages(world: World, params: Params) -> bool:
    chat = target_chat(world, params)
    message_ids = params.get_json("message_ids")
    if not isinstance(message_ids, list) or not message_ids:
        raise bad_request("message identifiers are not specified")
    deleted = 0
    for message_id in message_ids:
        try:
            _delete(world, chat, int(message_id))
            deleted += 1
        except ApiError:
            continue
    if not deleted:
        raise bad_request("message to delete not found")
    return True


@method("answerCallbackQuery")
async def answer_callback_query(world: World, params: Params) -> bool:
    query_id = params.get_str("callback_query_id") or ""
    query = world.callback_queries.get(query_id)
    if query is None or query["answered"]:
        raise bad_request(
            "query is too old and response timeout expired or query ID is invalid"
        )
    query["answered"] = True
    world.record_sent(
        "answerCallbackQuery",
        query["chat_id"],
        message_id=query["message_id"],
        text=params.get_str("text"),
        callback_query_id=query_id,
        show_alert=params.get_bool("show_alert"),
        url=params.get_str("url"),
    )
    return True


@method("sendChatAction")
async def send_chat_action(world: World, params: Params) -> bool:
    chat = target_chat(world, params)
    action = params.get_str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    world.record_sent("sendChatAction", chat.id, action=action)
    return True


# --- methods: files ---------------------------------------------------------------------

def input_file(world: World, params: Params, name: str, kind: str) -> StoredFile:
    value = params.values.get(name)
    upload = params.uploads.get(name)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = params.uploads.get(value[len("attach://"):])
    if upload is not None:
        if not upload.content:
            raise bad_request("file must be non-empty")
        mime = guess_mime_type(upload.filename, upload.content_type)
        return world.store_file(kind, upload.content, upload.filename, mime)
    if not value:
        raise bad_request(f"there is no {name} in the request")
    value = str(value)
    if value in world.files:
        return world.files[value]
    if urlparse(value).scheme in ("http", "https"):
        file_name = urlparse(value).path.rsplit("/", 1)[-1] or None
        return world.store_file(kind, b"", file_name, guess_mime_type(file_name, None))
    raise bad_request("wrong file identifier/HTTP URL specified")


async def _send_file(world: World, params: Params, method_name: str, kind: str) -> JSON:
    chat = target_chat(world, params)
    stored_file = input_file(world, params, kind, kind)
    caption, plain, entities = caption_fields(params)
    markup, inline = inline_markup(params)
    media = stored_file.photo() if kind == "photo" else stored_file.document()
    stored = bot_message(world, chat, params, {
        kind: media,
        "caption": plain,
        "caption_entities": entities or None,
        "reply_markup": inline,
    })
    world.record_sent(
        method_name,
        chat.id,
        message_id=stored.message_id,
        text=caption,
        plain_text=plain,
        reply_markup=markup,
        parse_mode=params.get_str("parse_mode"),
        document=stored_file.summary(),
        reply_to_message_id=stored.reply_to_id,
    )
    return world.message_api(stored)


@method("sendDocument")
async def send_document(world: World, params: Params) -> JSON:
    return await _send_file(world, params, "sendDocument", "document")


@method("sendPhoto")
async def send_photo(world: World, params: Params) -> JSON:
    return await _send_file(world, params, "sendPhoto", "photo")


@method("getFile")
async def get_file(world: World, params: Params) -> JSON:
    stored = world.files.get(params.get_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.get_file()


# --- methods: chats ---------------------------------------------------------------------

@method("getChat")
async def get_chat(world: World, params: Params) -> JSON:
    return target_chat(world, params, for_sending=False).full_info()


@method("getChatMember")
async def get_chat_member(world: World, params: Params) -> JSON:
    chat = target_chat(world, params, for_sending=False)
    user_id = params.get_int("user_id")
    if user_id == BOT_ID:
        status = "member" if chat.type == "private" else chat.bot_status
        return member_object(bot_user(), status)
    user = world.users.get(user_id or 0)
    if user is None:
        raise bad_request("user not found")
    if chat.type == "private":
        status = "member" if user.id == chat.id else "left"
    else:
        status = chat.members.get(user.id, "left")
    return member_object(user.to_api(), status)


@method("getChatAdministrators")
async def get_chat_administrators(world: World, params: Params) -> list[JSON]:
    chat = target_chat(world, params, for_sending=False)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [
        member_object(world.users[user_id].to_api(), status)
        for user_id, status in chat.members.items()
        if status in ("creator", "administrator")
    ]
    if chat.bot_status == "administrator":
        admins.append(member_object(bot_user(), "administrator"))
    return admins


@method("getChatMemberCount")
async def get_chat_member_count(world: World, params: Params) -> int:
    chat = target_chat(world, params, for_sending=False)
    if chat.type == "private":
        return 2
    humans = sum(1 for status in chat.members.values() if status in MEMBER_STATUSES)
    return humans + (1 if chat.bot_status in MEMBER_STATUSES else 0)


@method("leaveChat")
async def leave_chat(world: World, params: Params) -> bool:
    chat = target_chat(world, params, for_sending=False)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    world.set_bot_status(chat.id, "left", by_bot=True)
    return True


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", "/bot{token}/{method}", handle)
    app.router.add_get("/file/bot{token}/{path:.+}", download_file)
