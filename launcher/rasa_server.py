"""`python -m launcher.rasa_server ARGUMENTS…`: `rasa run ARGUMENTS…` with the API token
taken from `RASA_AUTH_TOKEN`, so that the token is on no command line (`ps` shows every
process's arguments to every user of the machine).

Rasa parses `sys.argv`; setting it here, in-process, changes what Rasa reads and not what
the system shows for this process (the arguments it was started with).

Rasa's logging is pinned here too: Rasa takes its level from `LOG_LEVEL` and at DEBUG logs
each user message with its text; Sanic's access log (`LOG_LEVEL_LIBRARIES`) would list
request URLs, which carry the token. A higher level in the environment is kept.

Two per-message costs of Rasa are taken out before it starts (launcher/rasa_speedups.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping

from launcher.log_levels import at_least

TOKEN_VARIABLE = "RASA_AUTH_TOKEN"


def rasa_arguments(arguments: list[str], environ: Mapping[str, str]) -> list[str]:
    """The command line Rasa parses: `rasa run`, the arguments given, and the token."""
    token = environ.get(TOKEN_VARIABLE)
    if not token:
        raise SystemExit(f"{TOKEN_VARIABLE} is not set: Rasa's API would be open to anyone.")
    # `--auth-token=…` in one word: a token starting with "-" stays a value.
    return ["rasa", "run", *arguments, f"--auth-token={token}"]


def pin_log_levels(environ: MutableMapping[str, str]) -> None:
    environ["LOG_LEVEL"] = at_least("INFO", environ.get("LOG_LEVEL"))
    libraries = environ.get("LOG_LEVEL_LIBRARIES") or "ERROR"  # Rasa's own default
    environ["LOG_LEVEL_LIBRARIES"] = at_least("WARNING", libraries)


def main() -> None:
    pin_log_levels(os.environ)
    sys.argv = rasa_arguments(sys.argv[1:], os.environ)
    from rasa.__main__ import main as rasa_main  # seconds to import: only in this process

    from launcher import rasa_speedups

    rasa_speedups.apply()
    rasa_main()


if __name__ == "__main__":
    main()
