"""Control routes under ``/_control/``: drive simulated users and inspect what the bot did.

Errors are ``{"ok": false, "error": "..."}`` with a meaningful HTTP status (400 bad input,
403 not a member, 404 unknown user/chat/message, 409 button no longer on the message).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from .bot_api import WORLD_KEY
from .state import JSON, ApiError, Chat, Fault, World

log = logging.getLogger("local_telegram.control")
routes = web.RouteTableDef()


def world_of(request: web.Request) -> World:
    return request.app[WORLD_KEY]


def reply(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


async def read_body(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "body must be JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body must be a JSON object")
    return body


def need(body: JSON, key: str) -> Any:
    if body.get(key) is None:
        raise ApiError(400, f"missing field {key!r}")
    return body[key]


def as_int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"{name} must be an integer") from None


def optional_int(value: Any, name: str) -> int | None:
    return None if value in (None, "") else as_int(value, name)


def chat_view(world: World, chat: Chat) -> JSON:
    members = [
        {**world.users[user_id].to_api(), "status": status}
        for user_id, status in chat.members.items()
    ]
    return {**chat.to_api(), "members": members, "bot_status": chat.bot_status}


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except ApiError as exc:
        if request.path.startswith("/_control/"):
            return reply({"ok": False, "error": exc.description}, status=exc.status)
        raise


@routes.get("/_control/health")
async def health(request: web.Request) -> web.Response:
    return reply({"ok": True})


@routes.post("/_control/users")
async def create_user(request: web.Request) -> web.Response:
    body = await read_body(request)
    user = world_of(request).create_user(
        first_name=str(need(body, "first_name")),
        last_name=body.get("last_name"),
        username=body.get("username"),
        language_code=body.get("language_code", "en"),
        id=optional_int(body.get("id"), "id"),
        started=bool(body.get("started", False)),
    )
    return reply(user.to_api())


@routes.post("/_control/users/{user_id}/blocked")
async def set_blocked(request: web.Request) -> web.Response:
    body = await read_body(request)
    user_id = as_int(request.match_info["user_id"], "user_id")
    return reply(world_of(request).set_blocked(user_id, bool(need(body, "blocked"))))


@routes.post("/_control/groups")
async def create_group(request: web.Request) -> web.Response:
    body = await read_body(request)
    world = world_of(request)
    chat = world.create_group(
        title=str(need(body, "title")),
        member_ids=[as_int(m, "member_ids") for m in body.get("member_ids", [])],
        type=body.get("type", "group"),
        bot_status=body.get("bot_status", "member"),
        admin_ids=[as_int(m, "admin_ids") for m in body.get("admin_ids", [])],
    )
    return reply(chat_view(world, chat))


@routes.get("/_control/chats/{chat_id}")
async def get_chat(request: web.Request) -> web.Response:
    world = world_of(request)
    chat = world.chat(as_int(request.match_info["chat_id"], "chat_id"))
    return reply(chat_view(world, chat))


@routes.post("/_control/groups/{chat_id}/members")
async def add_member(request: web.Request) -> web.Response:
    body = await read_body(request)
    result = world_of(request).add_member(
        as_int(request.match_info["chat_id"], "chat_id"),
        as_int(need(body, "user_id"), "user_id"),
        by_id=optional_int(body.get("by_id"), "by_id"),
    )
    return reply(result)


@routes.delete("/_control/groups/{chat_id}/members/{user_id}")
async def remove_member(request: web.Request) -> web.Response:
    result = world_of(request).remove_member(
        as_int(request.match_info["chat_id"], "chat_id"),
        as_int(request.match_info["user_id"], "user_id"),
    )
    return reply(result)


@routes.post("/_control/groups/{chat_id}/bot_status")
async def set_bot_status(request: web.Request) -> web.Response:
    body = await read_body(request)
    chat_id = as_int(request.match_info["chat_id"], "chat_id")
    return reply(world_of(request).set_bot_status(chat_id, str(need(body, "status"))))


@routes.post("/_control/groups/{chat_id}/migrate")
async def migrate_group(request: web.Request) -> web.Response:
    body = await read_body(request)
    chat_id = as_int(request.match_info["chat_id"], "chat_id")
    by_id = optional_int(body.get("by_id"), "by_id")
    return reply(world_of(request).migrate_group(chat_id, by_id=by_id))


@routes.post("/_control/updates/restart")
async def restart_update_ids(request: web.Request) -> web.Response:
    body = await read_body(request)
    world_of(request).restart_update_ids(as_int(need(body, "next_id"), "next_id"))
    return reply({"ok": True})


@routes.post("/_control/bot")
async def configure_bot(request: web.Request) -> web.Response:
    body = await read_body(request)
    world = world_of(request)
    if "can_read_all_group_messages" in body:
        world.can_read_all_group_messages = bool(body["can_read_all_group_messages"])
    return reply({"can_read_all_group_messages": world.can_read_all_group_messages})


@routes.post("/_control/messages")
async def send_message(request: web.Request) -> web.Response:
    body = await read_body(request)
    from_id = as_int(need(body, "from_id"), "from_id")
    result = world_of(request).user_message(
        chat_id=optional_int(body.get("chat_id"), "chat_id") or from_id,
        from_id=from_id,
        text=body.get("text"),
        kind=body.get("kind", "text"),
        caption=body.get("caption"),
        reply_to_message_id=optional_int(body.get("reply_to_message_id"), "reply_to_message_id"),
        file_name=body.get("file_name"),
        content=body.get("content"),
    )
    return reply(result)


@routes.post("/_control/edits")
async def edit_message(request: web.Request) -> web.Response:
    body = await read_body(request)
    from_id = as_int(need(body, "from_id"), "from_id")
    result = world_of(request).edit_user_message(
        chat_id=optional_int(body.get("chat_id"), "chat_id") or from_id,
        from_id=from_id,
        message_id=as_int(need(body, "message_id"), "message_id"),
        text=str(need(body, "text")),
    )
    return reply(result)


@routes.post("/_control/presses")
async def press(request: web.Request) -> web.Response:
    body = await read_body(request)
    from_id = as_int(need(body, "from_id"), "from_id")
    result = world_of(request).press(
        chat_id=optional_int(body.get("chat_id"), "chat_id") or from_id,
        from_id=from_id,
        message_id=as_int(need(body, "message_id"), "message_id"),
        data=body.get("data"),
        button_text=body.get("button_text"),
        forged=bool(body.get("forged", False)),
    )
    return reply(result)


@routes.get("/_control/sent")
async def sent(request: web.Request) -> web.Response:
    world = world_of(request)
    query = request.query
    chat_id = optional_int(query.get("chat_id"), "chat_id")
    after = optional_int(query.get("after"), "after") or 0
    min_count = optional_int(query.get("min_count"), "min_count") or 1
    limit = optional_int(query.get("limit"), "limit")
    try:
        wait = float(query.get("wait") or 0)
    except ValueError:
        raise ApiError(400, "wait must be a number") from None
    if wait > 0:
        items = await world.wait_sent(after, chat_id, wait, min_count)
    else:
        items = world.sent_after(after, chat_id)
    if limit is not None:
        items = items[: max(limit, 0)]
    return reply({"items": items, "last_seq": world.last_seq})


@routes.get("/_control/messages/{chat_id}/{message_id}")
async def get_message(request: web.Request) -> web.Response:
    world = world_of(request)
    stored = world.message(
        as_int(request.match_info["chat_id"], "chat_id"),
        as_int(request.match_info["message_id"], "message_id"),
    )
    data = world.message_api(stored)
    return reply({
        "text": None,
        "reply_markup": None,
        **data,
        "chat_id": stored.chat_id,
        "deleted": stored.deleted,
        "from_bot": stored.from_bot,
    })


@routes.get("/_control/files/{file_id}")
async def get_file_content(request: web.Request) -> web.Response:
    """The bytes of a file the bot sent (a document, a photo) or a user sent, as stored."""
    stored = world_of(request).files.get(request.match_info["file_id"])
    if stored is None:
        raise ApiError(404, "no such file")
    return web.Response(
        body=stored.content, content_type=stored.mime_type or "application/octet-stream"
    )


@routes.get("/_control/commands")
async def commands(request: web.Request) -> web.Response:
    world = world_of(request)
    items = list(world.commands.values())
    default = world.commands.get(json.dumps({"type": "default"}) + "|", {}).get("commands", [])
    return reply({"default": default, "items": items})


@routes.get("/_control/undelivered")
async def undelivered(request: web.Request) -> web.Response:
    world = world_of(request)
    chat_id = optional_int(request.query.get("chat_id"), "chat_id")
    items = [i for i in world.undelivered if chat_id is None or i["chat_id"] == chat_id]
    return reply({"items": items})


@routes.get("/_control/stats")
async def stats(request: web.Request) -> web.Response:
    world = world_of(request)
    return reply({**world.stats, "pending_updates": len(world.updates)})


@routes.post("/_control/faults")
async def add_fault(request: web.Request) -> web.Response:
    body = await read_body(request)
    status = need(body, "status")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if status not in (429, 500, 502, 503, "delay"):
        raise ApiError(400, "status must be 429, 500, 502, 503 or 'delay'")
    fault = Fault(
        method=str(body.get("method") or "*").lower(),
        status=status,
        times=as_int(body.get("times", 1), "times"),
        chat_id=optional_int(body.get("chat_id"), "chat_id"),
        retry_after=as_int(body.get("retry_after", 1), "retry_after"),
        delay=float(body.get("delay", 1.0)),
    )
    if fault.times < 1:
        raise ApiError(400, "times must be at least 1")
    world_of(request).add_fault(fault)
    log.info("fault armed: %s x%d for %s", fault.status, fault.times, fault.method)
    return reply({"ok": True, "pending": len(world_of(request).faults)})


@routes.get("/_control/faults")
async def list_faults(request: web.Request) -> web.Response:
    return reply({"items": [vars(f) for f in world_of(request).faults]})


@routes.delete("/_control/faults")
async def clear_faults(request: web.Request) -> web.Response:
    world_of(request).faults.clear()
    return reply({"ok": True})


def add_routes(app: web.Application) -> None:
    app.middlewares.append(control_errors)
    app.router.add_routes(routes)
