from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=300)


def test_version_names_the_schema():
    from pipeline import SCHEMA_VERSION, __version__

    proc = _cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"ngo-pipeline {__version__} (output schema {SCHEMA_VERSION})"


def test_train_writes_a_model_and_card(tmp_path):
    proc = _cli("train", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "macro-F1" in proc.stdout and "humanitarian_access" in proc.stdout
    assert (tmp_path / "themes.joblib").stat().st_size > 10_000
    card = (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "scikit-learn" in card

    from pipeline.themes.classifier import ThemeClassifier

    model = ThemeClassifier.load(tmp_path / "themes.joblib")
    (themes, scores), = model.predict(["Guards tortured detainees held incommunicado in the prison."])
    assert "detention" in themes and set(scores) == {
        "normalisation", "refugee_returns", "detention", "covid", "attacks_on_civilians",
        "accountability", "humanitarian_access"}
