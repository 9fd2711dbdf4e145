"""The local Telegram server: app factory, a thread runner for tests, and the CLI entry.

    python -m local_telegram.server --host 127.0.0.1 --port 8081

Point the bot at it with ``base_url="http://127.0.0.1:8081/bot"`` and
``base_file_url="http://127.0.0.1:8081/file/bot"``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import threading
from types import TracebackType
from typing import Any

from aiohttp import web

from . import bot_api, control_api, webhook
from .state import World

log = logging.getLogger("local_telegram.server")

MAX_REQUEST_BYTES = 60 * 1024 * 1024  # Telegram allows 50 MB uploads via the Bot API


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Unexpected failures answer like Telegram's 500, without echoing request data."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPException as exc:
        if exc.status == 404:
            return bot_api.error(404, "Not Found")
        raise
    except Exception:
        log.exception("internal error handling %s", request.path.split("/")[-1][:64])
        return bot_api.error(500, "Internal Server Error")


def create_app(
    can_read_all_group_messages: bool = True, world: World | None = None
) -> web.Application:
    """Build the aiohttp app serving both the Bot API and the control API."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[json_errors])
    app[bot_api.WORLD_KEY] = world or World(can_read_all_group_messages)
    bot_api.add_routes(app)
    control_api.add_routes(app)
    app.on_cleanup.append(_stop_webhook)  # type: ignore[arg-type]  # aiohttp Signal typing
    return app


async def _stop_webhook(app: web.Application) -> None:
    await webhook.stop(app[bot_api.WORLD_KEY])


def run_kwargs() -> dict[str, Any]:
    # No access log: the path carries the bot token and GET queries may carry text.
    return {"access_log": None, "handler_cancellation": True}


class LocalTelegramServer:
    """Runs the server on a background thread (own event loop); for tests and benchmarks.

    with LocalTelegramServer() as server:
        bot = Bot(token, base_url=server.bot_base_url)
        LocalTelegram(server.url).create_user("Alex")
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, can_read_all_group_messages: bool = True
    ) -> None:
        self.host = host
        self.port = port
        self.app = create_app(can_read_all_group_messages)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def world(self) -> World:
        """The in-memory world (read it only while the server is idle; it is not locked)."""
        return self.app[bot_api.WORLD_KEY]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bot_base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    def start(self) -> LocalTelegramServer:
        self._thread = threading.Thread(target=self._run, name="local-telegram", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError("local telegram server failed to start") from self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._start())
        except BaseException as exc:  # report to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._cleanup())
        loop.close()

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.app, **run_kwargs())
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def _cleanup(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> LocalTelegramServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Telegram Bot API server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--privacy-mode",
        action="store_true",
        help="start with can_read_all_group_messages=false (Telegram's privacy mode)",
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(can_read_all_group_messages=not args.privacy_mode)
    log.info("local telegram on http://%s:%d (bot base_url .../bot)", args.host, args.port)
    web.run_app(app, host=args.host, port=args.port, print=None, **run_kwargs())


if __name__ == "__main__":
    main()
