"""Train the Rasa model only when the training data or config changed (a content fingerprint)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

from launcher.paths import PYTHON, models_dir, training_inputs
from launcher.processes import die_with_parent
from storage.engine import PROJECT_ROOT


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in training_inputs():
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return models_dir() / f"talking-stick-{fingerprint()}.tar.gz"


def ensure_model(log: Path | None = None) -> Path:
    """The model for the current data, trained first if there is none yet."""
    path = model_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"Training the Rasa model (data or config changed): {path.name} …", flush=True)
    started = time.monotonic()
    command = [
        PYTHON,
        "-m",
        "rasa",
        "train",
        "--quiet",
        "--domain",
        "domain.yml",
        "--config",
        "config.yml",
        "--data",
        "data",
        # Story augmentation (50 glued-together stories by default) only feeds policies that
        # generalise, like TED; MemoizationPolicy and RulePolicy skip augmented stories, so
        # it would only add ~20 s of CPU to every training.
        "--augmentation",
        "0",
        "--out",
        str(path.parent),
        "--fixed-model-name",
        path.name.removesuffix(".tar.gz"),
    ]
    with open(log or path.with_suffix(".log"), "w") as output:
        result = subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=child_environment(),
            preexec_fn=die_with_parent(signal.SIGKILL),  # no training on after a killed launcher
        )
    if result.returncode != 0 or not path.exists():
        raise SystemExit(f"Training failed (exit {result.returncode}); see {output.name}")
    print(f"Trained in {time.monotonic() - started:.0f} s.", flush=True)
    return path


def child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    # Rasa phones home to its telemetry service otherwise; nothing leaves this machine.
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("SQLALCHEMY_WARN_20", "0")
    return env
