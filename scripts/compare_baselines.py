"""Compare our claims and dates extractors with quantulum3 and dateparser's ``search_dates``.

Every system is scored by the same code (``pipeline.evaluate.claims`` / ``.dates``) on the
same gold folders: the baselines' outputs are turned into ``Claim`` / ``DateRecord``
records first.

- quantulum3 (``parser.parse``) gives a surface string with its character span, a value
  (ranges as a centre and an uncertainty, turned back into ``value``/``value_max``) and a
  unit. Its unit classifier is a scikit-learn pickle that no longer loads with current
  scikit-learn, so it runs with ``USE_CLF = False`` (its rule-based disambiguation).
  It has no notion of what is counted, of events or of sub-counts.
- ``dateparser.search.search_dates`` returns ``(substring, datetime)`` pairs without
  positions: each substring is located in the text by searching forward from the end of
  the previous hit (falling back to the first occurrence). It has no granularity either:
  values are days (``YYYY-MM-DD``); a *lenient* value accuracy also accepts a day inside
  the gold month or year (``2021-05-01`` for ``2021-05``).

Usage::

    python scripts/compare_baselines.py [--claims data/gold/claims] [--dates data/gold/dates] [--out FILE.md]

Needs the dev dependencies (``pip install -e '.[dev]'``, which pins quantulum3).
"""
from __future__ import annotations

import argparse
import logging
import time
import warnings
from pathlib import Path
from typing import Any

from pipeline.evaluate import GoldDocument, analyse_gold, load_gold
from pipeline.evaluate import claims as claims_eval
from pipeline.evaluate import dates as dates_eval
from pipeline.extract.dates import anchor_from_published
from pipeline.ingest import read_document
from pipeline.records import Claim, DateRecord, DocumentResult

REPO = Path(__file__).resolve().parents[1]

#: quantulum3 unit entity names -> our ``unit`` field.
QUANTULUM_UNITS = {"dimensionless": "count", "percentage": "percent", "currency": "money"}


def _document(gold: GoldDocument):
    overrides = {"published": gold.published} if gold.published else None
    return read_document(gold.source, overrides)


def quantulum_claims(text: str) -> list[Claim]:
    """quantulum3's quantities as claims (value, range, unit; nothing else)."""
    import quantulum3.classifier

    quantulum3.classifier.USE_CLF = False  # its pickled classifier needs an old scikit-learn
    from quantulum3 import parser

    claims = []
    for quantity in parser.parse(text):
        start, end = quantity.span
        value, value_max = float(quantity.value), None
        if quantity.uncertainty:
            value, value_max = value - quantity.uncertainty, value + quantity.uncertainty
        entity = quantity.unit.entity.name if quantity.unit and quantity.unit.entity else "dimensionless"
        unit = QUANTULUM_UNITS.get(entity, "quantity")
        claims.append(Claim(claim_id=f"q{len(claims) + 1}", start=start, end=end, text=text[start:end],
                            value=value, value_max=value_max, unit=unit,
                            qualifier="range" if value_max is not None else "exact"))
    return claims


def search_dates_records(text: str, published: str | None) -> list[DateRecord]:
    """``search_dates`` hits located in the text, as day-granularity date records."""
    from dateparser.search import search_dates

    settings: dict[str, Any] = {"PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first",
                                "RETURN_AS_TIMEZONE_AWARE": False}
    anchor = anchor_from_published(published)
    if anchor is not None:
        settings["RELATIVE_BASE"] = anchor
    found = search_dates(text, languages=["en"], settings=settings) or []
    records, cursor = [], 0
    for substring, date in found:
        start = text.find(substring, cursor)
        if start < 0:
            start = text.find(substring)
        if start < 0:
            continue
        cursor = start + len(substring)
        records.append(DateRecord(date_id=f"s{len(records) + 1}", start=start, end=start + len(substring),
                                  text=substring, value=date.strftime("%Y-%m-%d"), granularity="day"))
    return records


def lenient_date_accuracy(pairs: list[tuple[GoldDocument, DocumentResult]]) -> float:
    """Matched dates whose value equals the gold or is a day inside the gold's month/year/first day."""
    from pipeline.evaluate import match_spans, overlaps_any

    correct = total = 0
    for gold, result in pairs:
        annotations = gold.annotations
        matches = match_spans([(a["start"], a["end"]) for a in annotations],
                              [(d.start, d.end) for d in result.dates], overlaps_any)
        for gi, pi in matches:
            expected, predicted = annotations[gi].get("value"), result.dates[pi].value
            total += 1
            if expected == predicted:
                correct += 1
            elif expected and predicted and predicted.split("/")[0].startswith(expected.split("/")[0]):
                correct += 1
    return correct / total if total else 0.0


def _claims_row(name: str, report, seconds: float) -> dict[str, Any]:
    row = report.row("all")
    return {"system": name, **{k: row[k] for k in ("precision", "recall", "f1", "tp", "fp", "fn", "value_acc",
                                                   "unit_acc", "counted_acc", "part_of_acc")},
            "seconds": round(seconds, 1)}


def _dates_row(name: str, report, lenient: float, seconds: float) -> dict[str, Any]:
    row = report.row("all")
    return {"system": name, **{k: row[k] for k in ("precision", "recall", "f1", "tp", "fp", "fn", "value_acc",
                                                   "granularity_acc")},
            "value_acc_lenient": round(lenient, 4), "seconds": round(seconds, 1)}


def _table(rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [("" if row[c] is None else f"{row[c]:.3f}" if isinstance(row[c], float) and c != "seconds"
                  else str(row[c])) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _per_type(report, name: str) -> list[dict[str, Any]]:
    return [{"system": name, "doc_type": r["group"], "documents": r["documents"], "precision": r["precision"],
             "recall": r["recall"], "f1": r["f1"], "value_acc": r["value_acc"]} for r in report.rows]


def compare(claims_dir: Path, dates_dir: Path) -> str:
    """Run the three systems on both gold folders; return a Markdown report."""
    out = []
    claims_gold = load_gold(claims_dir)
    started = time.perf_counter()
    ours = claims_eval.evaluate(list(analyse_gold(claims_gold)))
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    pairs = []
    for gold in claims_gold:
        document = _document(gold)
        pairs.append((gold, DocumentResult(document, claims=quantulum_claims(document.text))))
    quantulum = claims_eval.evaluate(pairs)
    quantulum_seconds = time.perf_counter() - started
    out.append(f"### Numeric claims ({len(claims_gold)} documents, {sum(len(g.annotations) for g in claims_gold)} gold claims)\n")
    out.append(_table([_claims_row("ngo-pipeline", ours, ours_seconds),
                       _claims_row("quantulum3 0.10.0", quantulum, quantulum_seconds)]))
    out.append("\nPer document type:\n")
    out.append(_table(_per_type(ours, "ngo-pipeline") + _per_type(quantulum, "quantulum3")))

    dates_gold = load_gold(dates_dir)
    started = time.perf_counter()
    our_pairs = list(analyse_gold(dates_gold))
    ours = dates_eval.evaluate(our_pairs)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    pairs = []
    for gold in dates_gold:
        document = _document(gold)
        pairs.append((gold, DocumentResult(document, dates=search_dates_records(document.text, document.published))))
    baseline = dates_eval.evaluate(pairs)
    baseline_seconds = time.perf_counter() - started
    out.append(f"\n### Dates ({len(dates_gold)} documents, {sum(len(g.annotations) for g in dates_gold)} gold dates)\n")
    out.append(_table([_dates_row("ngo-pipeline", ours, lenient_date_accuracy(our_pairs), ours_seconds),
                       _dates_row("dateparser search_dates", baseline, lenient_date_accuracy(pairs), baseline_seconds)]))
    out.append("\nPer document type:\n")
    out.append(_table(_per_type(ours, "ngo-pipeline") + _per_type(baseline, "search_dates")))
    out.append("\n(`seconds` for ngo-pipeline is the whole pipeline, all extractors and the model load included.)")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=Path, default=REPO / "data" / "gold" / "claims")
    parser.add_argument("--dates", type=Path, default=REPO / "data" / "gold" / "dates")
    parser.add_argument("--out", type=Path, help="also write the Markdown report to this file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore")
    report = compare(args.claims, args.dates)
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
