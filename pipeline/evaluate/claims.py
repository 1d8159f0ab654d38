"""Score numeric claims against hand-annotated gold files.

A gold claim annotation (``docs/evaluation.md``, section "claims")::

    {"start": 812, "end": 827, "id": "g3",            # id optional, needed only as a part_of target
     "value": 1202, "value_max": null, "qualifier": "exact", "unit": "count",
     "counted": "civilian", "event": "killed", "part_of": null}

``part_of`` names the gold total within the same file: its ``id`` (a string) or its index
in the file's ``annotations`` list (an integer). Predicted and gold claims match when their
spans overlap at all (one-to-one, largest overlap first). The accuracy figures are computed
over matched pairs:

- ``value_acc``: value (and ``value_max``) equal within 0.5 %;
- ``counted_acc``: same ``counted`` lemma (case-insensitive; both null counts as equal);
- ``unit_acc``, ``qualifier_acc``, ``event_acc``: same field;
- ``part_of_acc``: over pairs where the gold or the prediction has a ``part_of``: the
  prediction's ``part_of`` must be the prediction matched to the gold total (and null when
  the gold has none).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.evaluate import (Accuracy, Counts, GoldDocument, Report, match_records, overlaps_any,
                               span_report, span_row, unmatched_errors)

#: Relative tolerance of value accuracy: "1.6 million" read as 1,600,000 vs 1,600,001.
VALUE_TOLERANCE = 0.005
_FIELDS = ("value", "counted", "unit", "qualifier", "event", "part_of")


def same_value(gold: float | None, predicted: float | None) -> bool:
    """Equal within :data:`VALUE_TOLERANCE` (both None counts as equal)."""
    if gold is None or predicted is None:
        return gold is None and predicted is None
    return abs(gold - predicted) <= VALUE_TOLERANCE * max(abs(gold), 1e-9)


def _norm(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def gold_index_of(annotations: Sequence[dict[str, Any]], reference: Any) -> int | None:
    """Index of the annotation a gold ``part_of`` points at (an ``id`` or a list index)."""
    if reference is None:
        return None
    if isinstance(reference, bool):
        return None
    if isinstance(reference, int):
        return reference if 0 <= reference < len(annotations) else None
    for index, annotation in enumerate(annotations):
        if annotation.get("id") == reference:
            return index
    return None


def score_document(gold: GoldDocument, result: Any) -> tuple[Counts, dict[str, Accuracy], list[str]]:
    """Counts, per-field accuracies and readable mistakes for one document."""
    annotations = gold.annotations
    claims = result.claims
    text = result.document.text
    pairs, counts = match_records(annotations, claims, overlaps_any)
    accuracy = {name: Accuracy() for name in _FIELDS}
    errors: list[str] = []
    pred_of_gold = dict(pairs)
    name = gold.name
    for gi, pi in pairs:
        g, c = annotations[gi], claims[pi]
        value_ok = same_value(g.get("value"), c.value) and same_value(g.get("value_max"), c.value_max)
        checks = {
            "value": value_ok,
            "counted": _norm(g.get("counted")) == _norm(c.counted),
            "unit": g.get("unit", "count") == c.unit,
            "qualifier": g.get("qualifier", "exact") == c.qualifier,
            "event": _norm(g.get("event")) == _norm(c.event),
        }
        total_gi = gold_index_of(annotations, g.get("part_of"))
        if total_gi is not None or c.part_of is not None:
            expected = pred_of_gold.get(total_gi) if total_gi is not None else None
            expected_id = claims[expected].claim_id if expected is not None else None
            checks["part_of"] = total_gi is not None and expected_id is not None and c.part_of == expected_id \
                if total_gi is not None else c.part_of is None
        for field_name, ok in checks.items():
            accuracy[field_name].add(ok)
            if not ok:
                gold_value = {"value": (g.get("value"), g.get("value_max")), "part_of": g.get("part_of")}.get(
                    field_name, g.get(field_name))
                pred_value = {"value": (c.value, c.value_max), "part_of": c.part_of}.get(
                    field_name, getattr(c, field_name, None))
                errors.append(f"{name}: {field_name} of {c.text!r}: gold {gold_value!r}, predicted {pred_value!r}")
    errors += unmatched_errors(name, text, annotations, claims, pairs)
    return counts, accuracy, errors


def _row(scored: list[tuple[Counts, dict[str, Accuracy], list[str]]], n_documents: int) -> dict[str, Any]:
    row = span_row(scored, n_documents, _FIELDS)
    row["part_of_n"] = sum(acc["part_of"].total for _, acc, _ in scored)
    return row


def evaluate(pairs: list[tuple[GoldDocument, Any]]) -> Report:
    """P/R/F1 of claim spans and accuracy of their fields, overall and per document type."""
    return span_report("claims", pairs, score_document, _row)
