"""Where things are: the project, its runtime folder (`var/`) and the trained models; and
who may read them: the runtime folder, logs and rendered configuration are the owner's only
(databases with message texts, logs, the tracker store's password)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import settings
from storage.engine import PROJECT_ROOT

PYTHON = sys.executable

# Files the launcher and its children create: readable and writable by their owner only.
PRIVATE_UMASK = 0o077
PRIVATE_FILE = stat.S_IRUSR | stat.S_IWUSR
PRIVATE_DIR = stat.S_IRWXU


def models_dir() -> Path:
    """Trained models, named by fingerprint: shared by runs and test sessions of this clone."""
    return settings.current().talking_stick_models


def training_inputs() -> list[Path]:
    """Everything the model depends on: a change to any of these means training again."""
    files = [PROJECT_ROOT / "domain.yml", PROJECT_ROOT / "config.yml"]
    files += sorted((PROJECT_ROOT / "data").rglob("*.yml"))
    return files


def private_dir(path: Path) -> Path:
    """The folder, created if needed, made the owner's only (also when it already existed)."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR)
    return path


def open_private_log(path: Path) -> int:
    """A log file opened for appending, created 0600 (and made 0600 if an older run left it
    readable by others); returns the file descriptor."""
    private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)
    return descriptor
