"""The analysts' review loop: export a CSV, edit themes, import, see the change, retrain.

The documents below were written for these tests.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline
from pipeline.cli import app
from pipeline.records import THEMES, Document, DocumentResult
from pipeline.themes import ThemeClassifier, classify_sentences
from pipeline.themes.data import default_data_paths, load_examples
from pipeline.themes.review import (
    ReviewError,
    apply_corrections,
    parse_themes,
    read_corrections,
    read_review,
    text_key,
)
from pipeline.themes.training import train

REPO = Path(__file__).resolve().parents[1]
PASSING_MENTION = "The director returned from holiday on Monday and met the new volunteers."
RELEASE = (
    "Press release, 3 March 2024\n\n"
    "Warplanes bombed the central market of the town on Sunday, killing eleven people.\n\n"
    f"{PASSING_MENTION}\n\n"
    "The group urged European prosecutors to open an investigation into the strike.\n"
)


@pytest.fixture()
def corrections_file(tmp_path, monkeypatch) -> Path:
    """A corrections file in tmp, also the default for everything that reads corrections."""
    path = tmp_path / "corrections.jsonl"
    monkeypatch.setenv("NGO_PIPELINE_CORRECTIONS", str(path))
    return path


@pytest.fixture()
def run_output(tmp_path, corrections_file) -> Path:
    from pipeline.batch import run

    source = tmp_path / "docs" / "release.txt"
    source.parent.mkdir()
    source.write_text(RELEASE, encoding="utf-8")
    out = tmp_path / "out"
    run([source.parent], out)
    return out


def _edit(csv_path: Path, text: str, themes: str) -> None:
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    edited = [r for r in rows if r["text"] == text]
    assert len(edited) == 1
    edited[0]["themes"] = themes
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_text_key_ignores_spacing_and_case():
    assert text_key("Aid  was\nblocked.") == text_key("aid was blocked.")
    assert text_key("Aid was blocked.") != text_key("Aid was delivered.")
    assert len(text_key("x")) == 16


def test_parse_themes_orders_and_validates():
    assert parse_themes(" covid ; detention") == ["detention", "covid"]
    assert parse_themes("") == []
    with pytest.raises(ReviewError):
        parse_themes("detention; holidays")


def test_review_round_trip(run_output, corrections_file, tmp_path, small_real):
    runner = CliRunner()
    review_csv = tmp_path / "review.csv"
    result = runner.invoke(app, ["review", "export", "--out", str(run_output), "--file", str(review_csv)])
    assert result.exit_code == 0, result.output
    with open(review_csv, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    statements = pipeline.load(run_output)["statements"]
    assert len(rows) == len(statements) == 4
    market = next(r for r in rows if r["text"].startswith("Warplanes bombed"))
    assert "attacks_on_civilians" in market["predicted_themes"].split(";")
    assert market["themes"] == market["predicted_themes"]
    assert 0.0 <= float(market["score_attacks_on_civilians"]) <= 1.0

    # the analyst files the passing mention under refugee_returns (a deliberately odd label, so
    # the test shows the correction, not the model, decides) and nothing else changes
    assert "refugee_returns" not in list(pipeline.load(run_output)["documents"]["themes"].iloc[0])
    _edit(review_csv, PASSING_MENTION, "refugee_returns")
    assert [c["text"] for c in read_review(review_csv)] == [PASSING_MENTION]
    result = runner.invoke(app, ["review", "import", str(review_csv), "--out", str(run_output),
                                 "--corrections", str(corrections_file)])
    assert result.exit_code == 0, result.output

    # stored: keyed by text hash
    stored = read_corrections(corrections_file)
    assert stored[text_key(PASSING_MENTION)]["themes"] == ["refugee_returns"]
    # the existing output shows the change without a new run
    after = pipeline.load(run_output)["statements"].set_index("text")
    assert list(after.loc[PASSING_MENTION, "themes"]) == ["refugee_returns"]
    # one sentence of four: the document is now about refugee returns too
    assert "refugee_returns" in list(pipeline.load(run_output)["documents"]["themes"].iloc[0])
    assert after.loc[PASSING_MENTION, "themes_source"] == "review"
    assert after.loc[market["text"], "themes_source"] == "model"

    # a new run of the pipeline applies the correction too
    from pipeline.batch import run

    rerun = tmp_path / "rerun"
    run([run_output.parent / "docs"], rerun)
    fresh = pipeline.load(rerun)["statements"].set_index("text")
    assert list(fresh.loc[PASSING_MENTION, "themes"]) == ["refugee_returns"]
    assert fresh.loc[PASSING_MENTION, "themes_source"] == "review"

    # and the next training run learns from it (trained on a small copy of the data, to be fast)
    rows = [json.loads(line) for line in
            (REPO / "data" / "themes" / "train.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    subset = tmp_path / "subset.jsonl"
    subset.write_text("\n".join(json.dumps(r) for r in rows[::12]) + "\n", encoding="utf-8")
    baseline_X, baseline_Y = load_examples([subset], lemmas=False)
    metrics = train([subset], tmp_path / "model", corrections=corrections_file, real_dirs=[small_real],
                    folds=2)
    assert metrics["n_corrections"] == 1
    assert metrics["n_examples"] == len(baseline_X) + 1
    refugee = THEMES.index("refugee_returns")
    assert metrics["label_counts"]["refugee_returns"] == int(baseline_Y[:, refugee].sum()) + 1


def test_correction_replaces_a_training_row(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"text": "Aid trucks waited at the crossing.", "themes": []}) + "\n"
                    + json.dumps({"text": "Jets struck the market.", "themes": ["attacks_on_civilians"]}) + "\n",
                    encoding="utf-8")
    X, Y = load_examples([data], lemmas=False, corrections=[{"text": "aid trucks waited at the  crossing.",
                                   "themes": ["humanitarian_access"]}])
    assert len(X) == 2
    assert Y[0].tolist() == [int(t == "humanitarian_access") for t in THEMES]


def test_corrections_win_over_the_model(nlp):
    classifier = ThemeClassifier.load()
    doc = nlp(RELEASE)
    corrections = {text_key(PASSING_MENTION): {"text": PASSING_MENTION, "themes": ["covid"]}}
    result = DocumentResult(Document(source="<text>", text=RELEASE), statements=classify_sentences(doc, classifier))
    assert apply_corrections(result, corrections) == 1
    statements = {s.text: s for s in result.statements}
    assert statements[PASSING_MENTION].themes == ["covid"]
    assert statements[PASSING_MENTION].themes_source == "review"
    market = next(s for s in statements.values() if s.text.startswith("Warplanes"))
    assert market.themes_source == "model"
    # without corrections the model decides and a passing "returned" is not refugee_returns
    plain = {s.text: s for s in classify_sentences(doc, classifier)}
    assert "refugee_returns" not in plain[PASSING_MENTION].themes
    assert plain[PASSING_MENTION].themes_source == "model"  # the analysis itself reads no corrections


def test_import_rejects_unknown_theme(tmp_path, run_output):
    review_csv = tmp_path / "review.csv"
    runner = CliRunner()
    assert runner.invoke(app, ["review", "export", "--out", str(run_output), "--file", str(review_csv)]).exit_code == 0
    _edit(review_csv, PASSING_MENTION, "holidays")
    result = runner.invoke(app, ["review", "import", str(review_csv), "--out", str(run_output),
                                 "--corrections", str(tmp_path / "c.jsonl")])
    assert result.exit_code == 2
    assert not (tmp_path / "c.jsonl").exists()


def test_default_training_data_excludes_the_corrections_file():
    assert all(p.name != "corrections.jsonl" for p in default_data_paths())
