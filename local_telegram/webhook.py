"""Webhook delivery, like Telegram's: while a webhook is set, each pending update is POSTed
(JSON) to its URL, one at a time and in order, with the ``X-Telegram-Bot-Api-Secret-Token``
header when a secret_token was given. An update leaves the queue only when the answer is 2xx;
otherwise (or when the bot cannot be reached) it is sent again after a short, growing wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp

from .state import JSON, World

log = logging.getLogger("local_telegram.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram waits longer between attempts; short here so that tests see the retry quickly.
RETRY_FIRST_SECONDS = 0.1
RETRY_MAX_SECONDS = 2.0
POST_TIMEOUT_SECONDS = 10.0
IDLE_WAIT_SECONDS = 30.0


async def set_webhook(
    world: World, url: str, secret_token: str | None, allowed: list[str] | None
) -> None:
    """Replace the webhook (an empty url deletes it: getUpdates works again)."""
    await stop(world)
    world.webhook = {"url": url, "secret_token": secret_token or ""}
    if allowed is not None:
        world.allowed_updates = allowed or None
    if url:
        world.webhook_task = asyncio.create_task(_deliver_forever(world, url, secret_token))


async def stop(world: World) -> None:
    task, world.webhook_task = world.webhook_task, None
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _deliver_forever(world: World, url: str, secret_token: str | None) -> None:
    headers = {SECRET_HEADER: secret_token} if secret_token else {}
    timeout = aiohttp.ClientTimeout(total=POST_TIMEOUT_SECONDS)
    delay = RETRY_FIRST_SECONDS
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            pending = world.pending_updates(1)
            if not pending:
                await world.wait_for_updates(IDLE_WAIT_SECONDS)
                continue
            update = pending[0]
            if await _post(session, url, headers, update):
                world.confirm_update(update)
                delay = RETRY_FIRST_SECONDS
            else:
                world.stats["webhook_failures"] += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)


async def _post(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], update: JSON
) -> bool:
    try:
        async with session.post(url, json=update, headers=headers) as response:
            await response.read()
            if 200 <= response.status < 300:
                return True
            # The status only: neither the url (it may hold a token) nor the update's text.
            log.info("webhook answered %d; will retry", response.status)
            return False
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        log.info("webhook unreachable (%s); will retry", type(exc).__name__)
        return False
