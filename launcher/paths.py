"""Where things are: the project, its runtime folder (`var/`) and the trained models."""

from __future__ import annotations

import sys
from pathlib import Path

import settings
from storage.engine import PROJECT_ROOT

PYTHON = sys.executable


def models_dir() -> Path:
    """Trained models, named by fingerprint: shared by runs and test sessions of this clone."""
    return settings.current().talking_stick_models


def training_inputs() -> list[Path]:
    """Everything the model depends on: a change to any of these means training again."""
    files = [PROJECT_ROOT / "domain.yml", PROJECT_ROOT / "config.yml"]
    files += sorted((PROJECT_ROOT / "data").rglob("*.yml"))
    return files
