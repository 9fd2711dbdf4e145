"""One poller handing updates off to several bot workers (`WORKERS` > 1, polling mode).

Telegram allows one poller per bot token, so several bot workers share the load behind one
entry point: a webhook behind a load balancer, or one poller handing updates off. This is
the latter, run by the launcher in its own thread: it polls Telegram (or the local Bot API
server), hands each update to one worker, round robin, and waits until that worker
confirmed it (python-telegram-bot confirms an update only once the bot's inbox saved it)
before handing off the next, as Telegram waits for a webhook's answer. An update no worker
confirms in time goes to the next one; Telegram is told an update arrived only once a
worker saved it, so a crash loses nothing.

Each worker polls its own front (`bot_base_url(i)`, on 127.0.0.1) as if it were Telegram;
every other Bot API call goes through to Telegram unchanged. A front answers only calls
made with the bot's token (the path names it, as on Telegram): anyone else on the machine
gets 401, not the updates.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hmac
import json
import logging
import threading
from typing import Any

import aiohttp
from aiohttp import web
from telegram import Update

import settings
from launcher.processes import free_port

logger = logging.getLogger(__name__)

FRONT_KEY: web.AppKey[Front] = web.AppKey("front")
# A worker that has not confirmed an update by then is taken to be down.
CONFIRM_SECONDS = 5.0
POLL_SECONDS = 10  # the long poll to Telegram
# Every kind, as the bot asks when it polls Telegram itself.
ALL_UPDATE_TYPES = list(Update.ALL_TYPES)


class Front:
    """One worker's view: the updates handed to it, until it confirms them."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.confirmed = 0  # the highest update id the worker confirmed
        self.changed = asyncio.Event()
        self.last_poll = 0.0  # when the worker last asked for updates (loop time)


class HandOff:
    def __init__(self, api_base_url: str, token: str, workers: int) -> None:
        # python-telegram-bot's `base_url` form: https://api.telegram.org/bot
        self.api_base_url = api_base_url
        self.file_base_url = settings.file_base_url(api_base_url)
        self.token = token
        self.ports = [free_port() for _ in range(workers)]
        self.handed: list[int] = [0] * workers  # updates handed to each worker
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._fronts: list[Front] = []
        self._runners: list[web.AppRunner] = []
        self._poller: concurrent.futures.Future[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def bot_base_url(self, worker: int) -> str:
        return f"http://127.0.0.1:{self.ports[worker]}/bot"

    def _upstream(self, path: str) -> str | None:
        """Telegram's URL for a front's path, if the path names our token: `bot<token>/…`
        (calls) or `file/bot<token>/…` (files)."""
        for prefix, base in (("bot", self.api_base_url), ("file/bot", self.file_base_url)):
            if path.startswith(prefix):
                token, _, rest = path[len(prefix) :].partition("/")
                if rest and hmac.compare_digest(token.encode(), self.token.encode()):
                    return f"{base}{self.token}/{rest}"
        return None

    def start(self) -> HandOff:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        self._poller = asyncio.run_coroutine_threadsafe(self._poll(), self._loop)
        return self

    def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> None:
        self._session = aiohttp.ClientSession()
        for port in self.ports:
            front = Front()
            app = web.Application()
            app[FRONT_KEY] = front
            app.router.add_route("*", "/{path:.*}", self._serve)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self._fronts.append(front)
            self._runners.append(runner)

    async def _stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _poll(self) -> None:
        """Take updates from the server and hand them off one at a time."""
        assert self._session is not None
        offset = 0
        turn = 0
        while True:
            try:
                async with self._session.post(
                    f"{self.api_base_url}{self.token}/getUpdates",
                    json={
                        "offset": offset,
                        "timeout": POLL_SECONDS,
                        "allowed_updates": ALL_UPDATE_TYPES,
                    },
                    timeout=aiohttp.ClientTimeout(total=POLL_SECONDS + 30),
                ) as response:
                    answer = await response.json(content_type=None)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                await asyncio.sleep(1)
                continue
            if not answer.get("ok"):  # e.g. another poller, or a webhook set (409)
                logger.warning("hand-off: Telegram refused getUpdates (%s)", response.status)
                await asyncio.sleep(2)
                continue
            updates = answer.get("result") or []
            for update in updates:
                while True:  # until a worker took it (a dead one never confirms)
                    worker = turn % len(self._fronts)
                    turn += 1
                    if await self._hand(self._fronts[worker], update):
                        self.handed[worker] += 1
                        break
                    if turn % len(self._fronts) == 0:
                        await asyncio.sleep(0.2)  # none took it: wait for one to poll
                offset = update["update_id"] + 1

    async def _hand(self, front: Front, update: dict[str, Any]) -> bool:
        """Give `update` to a worker and wait for it to confirm; False if it did not in
        time (it is taken back, for the next worker)."""
        now = asyncio.get_running_loop().time()
        if now - front.last_poll > CONFIRM_SECONDS:
            return False  # not polling: down (a load balancer's health check)
        front.pending.append(update)
        front.changed.set()
        deadline = now + CONFIRM_SECONDS
        while front.confirmed < update["update_id"]:
            if asyncio.get_running_loop().time() > deadline:
                if update in front.pending:
                    front.pending.remove(update)
                return False
            front.changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(front.changed.wait(), 0.5)
        return True

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        front = request.app[FRONT_KEY]
        path = request.match_info["path"]
        upstream = self._upstream(path)
        if upstream is None:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        if path.lower().endswith("/getupdates"):
            return await self._get_updates(request, front)
        assert self._session is not None
        async with self._session.request(
            request.method,
            upstream,
            params=request.query,
            data=await request.read(),
            headers={
                key: value
                for key, value in request.headers.items()
                if key.lower() in ("content-type",)
            },
        ) as response:
            body = await response.read()
            return web.Response(
                body=body, status=response.status, content_type=response.content_type
            )

    async def _get_updates(self, request: web.Request, front: Front) -> web.Response:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(await request.post())
        front.last_poll = asyncio.get_running_loop().time()
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        if offset:
            front.confirmed = max(front.confirmed, offset - 1)
            front.pending = [u for u in front.pending if u["update_id"] >= offset]
            front.changed.set()
        if not front.pending and timeout:
            front.changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(front.changed.wait(), min(timeout, 2))
        return web.Response(
            text=json.dumps({"ok": True, "result": front.pending[:100]}),
            content_type="application/json",
        )
