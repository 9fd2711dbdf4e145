"""The Rasa project itself: data validates, and test stories are predicted without error."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from launcher.paths import PYTHON
from launcher.training import child_environment, ensure_model
from storage.engine import PROJECT_ROOT


def rasa(*arguments: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "rasa", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=child_environment(),
        timeout=900,
    )


def test_rasa_data_validates():
    result = rasa(
        "data",
        "validate",
        "--fail-on-warnings",
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--config",
        "config.yml",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_stories_are_predicted_without_errors(tmp_path: Path):
    model = ensure_model()
    result = rasa(
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        "tests",  # every flow's tests/<flow>/test_stories.yml
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path / "results"),
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details + result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.parametrize("intent_file", ["tests/nlu/test_nlu_heldout.yml"])
def test_held_out_phrasings_are_understood(tmp_path: Path, intent_file: str):
    """Phrasings the model never saw: intent accuracy must stay high (weighted F1 >= 0.85)."""
    import json

    model = ensure_model()
    result = rasa(
        "test", "nlu", "--model", str(model), "--nlu", intent_file, "--out", str(tmp_path / "nlu")
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "nlu" / "intent_report.json").read_text())
    assert report["weighted avg"]["f1-score"] >= 0.85, {
        k: round(v["f1-score"], 2) for k, v in report.items() if isinstance(v, dict)
    }
