"""Dates evaluation: the scorer on hand-made pairs, and the floors reached on data/gold/dates."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluate import GoldDocument, analyse_gold, load_gold
from pipeline.evaluate.dates import evaluate
from pipeline.records import DateRecord, Document, DocumentResult

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold" / "dates"

#: Floors slightly below the scores reached (docs/evaluation.md, "## dates").
FLOORS = {"f1": 0.97, "value_acc": 0.97, "granularity_acc": 0.97}


def test_scorer_counts_matches_and_values():
    annotations = [
        {"start": 0, "end": 10, "value": "2021-06/2021-08", "granularity": "span"},
        {"start": 20, "end": 28, "value": None, "granularity": "duration"},
        {"start": 40, "end": 44, "value": "2021", "granularity": "year"},
    ]
    dates = [
        DateRecord("d1", 2, 10, "x", "2021-06/2021-08", "span"),
        DateRecord("d2", 20, 28, "x", None, "duration"),
        DateRecord("d3", 40, 44, "x", "2020", "year"),
        DateRecord("d4", 90, 95, "x", "2019", "year"),
    ]
    gold = GoldDocument(gold_path=Path("g.json"), source=Path("doc.txt"), doc_type="news", annotations=annotations)
    report = evaluate([(gold, DocumentResult(Document(source="doc.txt", text="x" * 100), dates=dates))])
    row = report.row("all")
    assert (row["tp"], row["fp"], row["fn"]) == (3, 1, 0)
    assert row["value_acc"] == pytest.approx(2 / 3, abs=1e-3)
    assert row["value_points_acc"] == 0.5  # the duration is left out
    assert report.row("news")["documents"] == 1


@pytest.fixture(scope="module")
def dates_report(shared_corpus):
    return evaluate(list(analyse_gold(load_gold(GOLD))))


def test_gold_set_size(shared_corpus):
    assert len(load_gold(GOLD)) >= 15


def test_dates_floors(dates_report):
    row = dates_report.row("all")
    for metric, floor in FLOORS.items():
        assert row[metric] >= floor, (metric, row[metric], dates_report.errors[:20])
    for doc_type in ("press_release", "statement", "report", "briefing", "news"):
        assert dates_report.row(doc_type)["f1"] >= 0.9, dates_report.row(doc_type)
