"""`python -m launcher run` starts the assistant; `python -m launcher train` only trains.

Without TELEGRAM_BOT_TOKEN, `run` starts the project's local Bot API server and a terminal
chat in which you can write as either partner of a simulated couple.

`run` stops everything it started on Ctrl-C (SIGINT), SIGTERM (what systemd, Docker and
`kill` send) and SIGHUP (the terminal closed); if it is killed outright, the kernel kills its
children (launcher/processes.py). With `--stop-with-parent` (what `make run` passes) it also
stops when its parent process dies.
"""

from __future__ import annotations

import _thread
import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from types import FrameType

import settings
from launcher.paths import PRIVATE_UMASK
from launcher.processes import ChildDied, set_death_signal
from launcher.stack import Stack, StackConfig
from launcher.training import ensure_model
from security import keys


def config_from_environment() -> StackConfig:
    """The stack's configuration; SettingsError if a variable has an invalid value."""
    current = settings.checked()
    config = StackConfig(
        var_dir=current.talking_stick_var,
        rasa_port=current.rasa_port,
        actions_port=current.action_server_port,
        telegram_token=current.telegram_bot_token,
        telegram_api_base_url=current.telegram_api_base_url,
        local_telegram_port=current.local_telegram_port,
        workers=current.workers,
    )
    if current.rasa_auth_token:
        config.rasa_auth_token = current.rasa_auth_token
    if current.talking_stick_secret or current.talking_stick_secret_file:
        try:
            keys.master_secret()  # say what is wrong now, not in three children's logs
        except keys.MissingSecret as error:
            raise SystemExit(str(error)) from error
        config.shared_secret = None  # the children read the configured one themselves
    return config


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP stop the run like Ctrl-C: a KeyboardInterrupt in the main thread,
    wherever it waits (starting, the chat's prompt, polling)."""

    def stop(signal_number: int, _frame: FrameType | None) -> None:
        ignore_stop_signals()
        raise KeyboardInterrupt(signal.Signals(signal_number).name)

    for number in STOP_SIGNALS:
        signal.signal(number, stop)


def ignore_stop_signals() -> None:
    """Once stopping began, a second Ctrl-C (or a child's death noticed meanwhile) must not
    cut it short and leave children behind. A do-nothing handler, not SIG_IGN: an ignored
    signal would stay ignored in a child started at that moment."""
    for number in STOP_SIGNALS:
        signal.signal(number, lambda *_: None)


def say(text: str, error: bool = False) -> None:
    """Print, if there is still somewhere to print to (after SIGHUP the terminal is gone)."""
    with contextlib.suppress(OSError, ValueError):
        print(text, file=sys.stderr if error else sys.stdout, flush=True)


def watch_children(stack: Stack, stopping: threading.Event) -> None:
    """If a child dies, say which and why, then stop everything (interrupts the main thread)."""
    while not stopping.wait(1.0):
        dead = stack.first_dead()
        if dead is not None:
            say(f"\n{dead.exit_reason()}\nStopping the others.", error=True)
            stopping.set()
            _thread.interrupt_main()
            return


def run(stack: Stack | None = None) -> int:
    stop_on_signals()
    if stack is None:
        try:
            stack = Stack(config_from_environment())
        except settings.SettingsError as error:
            print(error, file=sys.stderr)
            return 1
    config = stack.config
    started = time.monotonic()
    say("Starting Talking Stick (Rasa takes about a minute) …")
    stopping = threading.Event()
    try:
        stack.start()
        say(f"Ready in {time.monotonic() - started:.0f} s. Logs: {config.var_dir / 'logs'}")
        threading.Thread(target=watch_children, args=(stack, stopping), daemon=True).start()
        if config.uses_local_telegram:
            from local_telegram.chat import run_local_chat

            run_local_chat(config.local_telegram_url)
        else:
            say("Polling Telegram. Press Ctrl-C to stop.")
            while not stopping.is_set():
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    except (ChildDied, TimeoutError, settings.SettingsError) as failure:
        say(f"\n{failure}", error=True)
        return 1
    finally:
        ignore_stop_signals()
        stopping.set()
        say("\nStopping …")
        stack.stop()
    dead = stack.first_dead() if stopping.is_set() else None
    return 1 if dead is not None and dead.popen and dead.popen.returncode not in (0, -15) else 0


def main() -> None:
    os.umask(PRIVATE_UMASK)  # databases, logs, rendered endpoints: the owner's only
    parser = argparse.ArgumentParser(prog="python -m launcher")
    parser.add_argument("command", choices=["run", "train"])
    parser.add_argument(
        "--stop-with-parent",
        action="store_true",
        help="stop everything when the parent process dies (make passes on only SIGTERM)",
    )
    arguments = parser.parse_args()
    if arguments.stop_with_parent:
        set_death_signal(signal.SIGTERM, os.getppid())  # stopped as on any other SIGTERM
    if arguments.command == "train":
        print(ensure_model())
        return
    sys.exit(run())


if __name__ == "__main__":
    main()
