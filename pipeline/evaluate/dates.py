"""Score date expressions against hand-annotated gold files.

A gold date annotation (``docs/evaluation.md``, section "dates")::

    {"start": 2210, "end": 2233, "value": "2021-06/2021-08", "granularity": "span"}

``value`` is ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``, ``START/END`` or null (durations);
``granularity`` is ``day``, ``month``, ``year``, ``span`` or ``duration``. Predicted and
gold dates match when their spans overlap at all (one-to-one, largest overlap first).
``value_acc`` and ``granularity_acc`` are computed over matched pairs; ``value_acc_points``
leaves durations out (their value is null on both sides when right).
"""
from __future__ import annotations

from typing import Any

from pipeline.evaluate import (Accuracy, Counts, GoldDocument, Report, match_records, overlaps_any,
                               span_report, span_row, unmatched_errors)

_FIELDS = ("value", "granularity", "value_points")


def score_document(gold: GoldDocument, result: Any) -> tuple[Counts, dict[str, Accuracy], list[str]]:
    """Counts, accuracies and readable mistakes for one document."""
    annotations = gold.annotations
    dates = result.dates
    text = result.document.text
    pairs, counts = match_records(annotations, dates, overlaps_any)
    accuracy = {name: Accuracy() for name in _FIELDS}
    errors: list[str] = []
    name = gold.name
    for gi, pi in pairs:
        g, d = annotations[gi], dates[pi]
        value_ok = g.get("value") == d.value
        accuracy["value"].add(value_ok)
        accuracy["granularity"].add(g.get("granularity") == d.granularity)
        if g.get("granularity") != "duration":
            accuracy["value_points"].add(value_ok)
        if not value_ok or g.get("granularity") != d.granularity:
            errors.append(f"{name}: {d.text!r}: gold {g.get('value')!r}/{g.get('granularity')}, "
                          f"predicted {d.value!r}/{d.granularity}")
    errors += unmatched_errors(name, text, annotations, dates, pairs)
    return counts, accuracy, errors


def _row(scored: list[tuple[Counts, dict[str, Accuracy], list[str]]], n_documents: int) -> dict[str, Any]:
    return span_row(scored, n_documents, _FIELDS)


def evaluate(pairs: list[tuple[GoldDocument, Any]]) -> Report:
    """P/R/F1 of date spans and accuracy of their values, overall and per document type."""
    return span_report("dates", pairs, score_document, _row)
