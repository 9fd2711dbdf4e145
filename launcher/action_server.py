"""`python -m launcher.action_server --actions actions -p PORT`: rasa-sdk's action server,
answering only Rasa.

rasa-sdk has no authentication, and its server listens on 0.0.0.0 by default. This builds
rasa-sdk's own Sanic app (`rasa_sdk.endpoint.create_app`: wrapped, not forked) and adds one
request middleware: every route but `/health` needs `Authorization: Bearer <action server
key>`, which only Rasa sends (its endpoints.yml names the key; the launcher puts it in Rasa's
environment). It listens on 127.0.0.1 unless SANIC_HOST says otherwise. The key is derived
from the shared secret in the environment, never read from the command line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.safety import crisis
from actions.statement import coaching
from security import keys

logger = logging.getLogger(__name__)

# Says only "ok": the bot and the launcher wait for it before they start.
OPEN_PATHS = frozenset({"/health"})


def protect(app: Sanic, token: str) -> None:
    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        if keys.bearer_matches(request.headers.get("Authorization"), token):
            return None
        logger.warning("action server: request without Rasa's key rejected")
        return response.json({"error": "not authenticated"}, status=401)


def build_app(actions_package: str, token: str, auto_reload: bool = False) -> Sanic:
    # No CORS: no web page has any business calling the action server.
    app = create_app(actions_package, cors_origins=None, auto_reload=auto_reload)
    protect(app, token)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    args = create_argument_parser().parse_args(argv)
    # As rasa_sdk.__main__ does.
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    try:
        token = keys.bearer_token(keys.ACTION_SERVER)
    except keys.MissingSecret as error:
        raise SystemExit(str(error)) from error
    app = build_app(args.actions, token, args.auto_reload)
    # spaCy and the matchers are built before the first message, not during it (tens of
    # seconds on a loaded machine: a first message would otherwise wait that long).
    crisis.warm_up()
    coaching.warm_up()
    ssl = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    host = "127.0.0.1"  # loopback only, whatever rasa-sdk's SANIC_HOST says (PRODUCT.md)
    logger.info("action server listening on %s:%s", host, args.port)
    app.run(host, args.port, ssl=ssl, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
