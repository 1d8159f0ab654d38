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


def test_train_writes_a_model_and_card(tmp_path, small_real):
    proc = _cli("train", "--out", str(tmp_path), "--real", str(small_real))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "macro-F1" in proc.stdout and "humanitarian_access" in proc.stdout
    assert "of 4 documents" in proc.stdout
    assert (tmp_path / "themes.joblib").stat().st_size > 10_000
    card = (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "scikit-learn" in card and "Held-out real sentences" in card and "Document themes: F1" in card

    from pipeline.themes.model import ThemeClassifier

    model = ThemeClassifier.load(tmp_path / "themes.joblib")
    (themes, scores), = model.predict(["Guards tortured detainees held incommunicado in the prison."])
    assert "detention" in themes and set(scores) == {
        "normalisation", "refugee_returns", "detention", "covid", "attacks_on_civilians",
        "accountability", "humanitarian_access"}


def test_eval_tables_stay_readable_in_an_80_column_pipe(tmp_path):
    """Rows per group (kinds, document types, themes), a few metrics per table: nothing is cut."""
    import json

    from typer.testing import CliRunner

    from pipeline.cli import app

    source = REPO / "data" / "gold" / "quotes" / "01_sjf_arab_league_readmission_2023.json"
    gold = json.loads(source.read_text(encoding="utf-8"))
    gold["source"] = str((source.parent / gold["source"]).resolve())
    (tmp_path / source.name).write_text(json.dumps(gold), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "quotes", str(tmp_path)], terminal_width=80)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "…" not in result.output
    for group in ("all", "direct", "indirect", "type:press_release/indirect"):
        assert any(line.startswith(f"│ {group} ") for line in lines), group
    for metric in ("precision", "recall", "f1", "speaker", "kind accuracy"):
        assert metric in result.output


def test_error_messages_are_never_cut_mid_path(tmp_path):
    """A long path in an error message stays on one line in a pipe (80 columns)."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    deep = tmp_path / ("a-much-longer-temporary-folder-for-this-test-run-" * 3) / "missing.sqlite"
    result = CliRunner().invoke(app, ["search", "x", "--store", str(deep)], terminal_width=80)
    assert result.exit_code == 2
    assert str(deep) in result.output.replace("\n", " ") and str(deep) in result.output
