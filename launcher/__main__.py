"""`python -m launcher run` starts the assistant; `python -m launcher train` only trains.

Without TELEGRAM_BOT_TOKEN, `run` starts the project's local Bot API server and a terminal
chat in which you can write as either partner of a simulated couple.
"""

from __future__ import annotations

import _thread
import argparse
import sys
import threading
import time

import settings
from launcher.processes import ChildDied
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


def watch_children(stack: Stack, stopping: threading.Event) -> None:
    """If a child dies, say which and why, then stop everything (interrupts the main thread)."""
    while not stopping.wait(1.0):
        dead = stack.first_dead()
        if dead is not None:
            print(f"\n{dead.exit_reason()}\nStopping the others.", file=sys.stderr, flush=True)
            stopping.set()
            _thread.interrupt_main()
            return


def run() -> int:
    try:
        config = config_from_environment()
    except settings.SettingsError as error:
        print(error, file=sys.stderr)
        return 1
    stack = Stack(config)
    started = time.monotonic()
    print("Starting Talking Stick (Rasa takes about a minute) …", flush=True)
    stopping = threading.Event()
    try:
        stack.start()
        print(
            f"Ready in {time.monotonic() - started:.0f} s. Logs: {config.var_dir / 'logs'}",
            flush=True,
        )
        threading.Thread(target=watch_children, args=(stack, stopping), daemon=True).start()
        if config.uses_local_telegram:
            from local_telegram.chat import run_local_chat

            run_local_chat(config.local_telegram_url)
        else:
            print("Polling Telegram. Press Ctrl-C to stop.", flush=True)
            while not stopping.is_set():
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    except (ChildDied, TimeoutError, settings.SettingsError) as failure:
        print(f"\n{failure}", file=sys.stderr)
        return 1
    finally:
        stopping.set()
        print("\nStopping …", flush=True)
        stack.stop()
    dead = stack.first_dead() if stopping.is_set() else None
    return 1 if dead is not None and dead.popen and dead.popen.returncode not in (0, -15) else 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m launcher")
    parser.add_argument("command", choices=["run", "train"])
    arguments = parser.parse_args()
    if arguments.command == "train":
        print(ensure_model())
        return
    sys.exit(run())


if __name__ == "__main__":
    main()
