"""`python -m tests.security.sleepers VAR_DIR`: the launcher's run (`launcher.__main__.run`)
over children that only sleep, to see how it stops without the minute Rasa takes to start.

Each child starts a grandchild (`sleep`) in its own process group, as a server may start
workers, and writes both process ids into its log.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from launcher.__main__ import run
from launcher.paths import PYTHON
from launcher.processes import ManagedProcess
from launcher.stack import Stack, StackConfig

# Asked to stop, it takes a second and a half, as a server finishing its requests does.
SLEEPER = (
    "import os, signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1.5), sys.exit(0)))\n"
    "worker = subprocess.Popen(['sleep', '300'])\n"
    "print('pids', os.getpid(), worker.pid, flush=True)\n"
    "time.sleep(300)\n"
)


class SleepersStack(Stack):
    def start(self, timeout: float = 240) -> None:
        for key in ("rasa", "actions"):
            process = ManagedProcess(
                f"the {key} sleeper",
                [PYTHON, "-c", SLEEPER],
                dict(os.environ),
                self.config.var_dir / "logs" / f"{key}.log",
                lambda: True,
            )
            self.processes[key] = process
            process.start()


if __name__ == "__main__":
    # A token: the polling branch (no local chat reading stdin).
    config = StackConfig(var_dir=Path(sys.argv[1]), telegram_token="0:sleepers")
    sys.exit(run(SleepersStack(config)))
