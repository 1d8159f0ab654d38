"""The shared evaluation machinery: gold loading, span matching and counts."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.evaluate import (Counts, GoldError, load_gold, match_spans, overlaps_any,
                               overlaps_half)
from tests.conftest import REPO


def test_half_overlap_must_hold_for_both_spans():
    assert overlaps_half((0, 10), (2, 10))
    assert overlaps_half((0, 10), (5, 15))  # 5 shared chars: half of each
    assert not overlaps_half((0, 10), (0, 40))  # a quote swallowed by a four times longer span
    assert not overlaps_half((0, 10), (10, 20))  # touching is not overlapping
    assert overlaps_any((0, 10), (9, 30))


def test_matching_is_one_to_one_and_prefers_the_largest_overlap():
    gold = [(0, 10), (20, 30)]
    predicted = [(18, 31), (1, 10), (2, 9)]
    assert match_spans(gold, predicted) == [(0, 1), (1, 0)]
    # one long prediction cannot match two gold spans
    assert match_spans([(0, 10), (12, 20)], [(0, 20)], overlaps_any) == [(0, 0)]


def test_counts_give_precision_recall_and_f1():
    counts = Counts(tp=8, fp=2, fn=8)
    assert counts.precision == pytest.approx(0.8)
    assert counts.recall == pytest.approx(0.5)
    assert counts.f1 == pytest.approx(2 * 0.8 * 0.5 / 1.3)
    assert Counts().f1 == 0.0


def test_gold_files_resolve_sources_relative_to_themselves(tmp_path):
    doc = tmp_path / "docs" / "release.txt"
    doc.parent.mkdir()
    doc.write_text("Press release\n\n“We will not stop,” said Rana Aziz.\n", encoding="utf-8")
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "release.json").write_text(json.dumps(
        {"source": "../docs/release.txt", "doc_type": "press_release", "annotations": []}))
    [gold] = load_gold(gold_dir)
    assert gold.source == doc.resolve() and gold.doc_type == "press_release"


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"annotations": []}', "missing 'source'"),
    ('{"source": "../nowhere.txt", "annotations": []}', "not found"),
])
def test_broken_gold_files_are_clear_errors(tmp_path, content, message):
    (tmp_path / "doc.json").write_text(content)
    with pytest.raises(GoldError, match=message):
        load_gold(tmp_path)


def test_snippet_drafts_become_offsets_that_point_at_the_snippet(tmp_path):
    doc = tmp_path / "release.txt"
    text = "Press release\n\n“We will not stop,” said Rana Aziz. Rana Aziz also spoke.\n"
    doc.write_text(text, encoding="utf-8")
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps({"source": str(doc), "doc_type": "press_release", "annotations": [
        {"find": "Rana Aziz", "occurrence": 2, "speaker": "Rana Aziz"},
        {"find": "We will not stop", "kind": "direct"}]}), encoding="utf-8")
    subprocess.run([sys.executable, str(REPO / "scripts" / "gold_from_snippets.py"), str(draft),
                    str(tmp_path / "gold")], check=True, cwd=REPO, capture_output=True)
    gold = json.loads((tmp_path / "gold" / "release.json").read_text(encoding="utf-8"))
    from pipeline.ingest import read_document

    normalised = read_document(doc).text
    first, second = gold["annotations"]
    assert normalised[first["start"]:first["end"]] == "We will not stop"
    assert normalised[second["start"]:second["end"]] == "Rana Aziz"
    assert second["start"] > normalised.index("Rana Aziz")  # the second occurrence
    assert gold["source"] == "../release.txt"  # relative to the gold file: the repo stays movable
    assert gold["doc_id"] == read_document(doc).doc_id


def test_eval_command_rejects_unknown_tasks_and_missing_gold(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    runner = CliRunner()
    unknown = runner.invoke(app, ["eval", "sentiment", str(tmp_path)])
    assert unknown.exit_code == 2 and "quotes, claims, dates" in unknown.output
    empty = runner.invoke(app, ["eval", "quotes", str(tmp_path)])
    assert empty.exit_code == 2 and "no *.json gold file" in " ".join(empty.output.split())
