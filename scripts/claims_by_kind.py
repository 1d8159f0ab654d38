"""Claim scores per kind of gold claim: recall and field accuracies, aggregates only.

Gold claim annotations may carry ``"kind"``: a list of ``percent``, ``vague``, ``elided``
(the counted noun is not next to the number: named earlier, or elided) and ``table`` (a
table or fact-box cell). This script runs the pipeline on a gold folder like
``ngo-pipeline eval claims`` does, matches claims the same way (spans overlap, one-to-one)
and prints, for each kind, for the claims without a kind (``other``) and for all of them:
the number of gold claims, recall, and the accuracy of ``counted``, ``event`` and ``value``
over the matched ones. It prints no claim and no document text, so it can be run on a
held-out folder.

Usage::

    python scripts/claims_by_kind.py data/gold/claims_corpus2_heldout [--format json]
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

KINDS = ("percent", "vague", "elided", "table", "other", "all")


def _norm(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def by_kind(documents: Iterable[tuple[Sequence[dict[str, Any]], Sequence[Any],
                                      Sequence[tuple[int, int]]]]) -> list[dict[str, Any]]:
    """One row per kind from ``(annotations, claims, pairs)`` of each document.

    ``pairs`` are ``(gold index, claim index)`` matches. A claim with several kinds counts
    in each of them; ``other`` holds the claims without a kind.
    """
    from pipeline.evaluate.claims import same_value

    tallies = {kind: {"gold": 0, "matched": 0, "counted": 0, "event": 0, "value": 0} for kind in KINDS}
    for annotations, claims, pairs in documents:
        matched = dict(pairs)
        for index, gold in enumerate(annotations):
            kinds = list(gold.get("kind") or ["other"]) + ["all"]
            claim = claims[matched[index]] if index in matched else None
            for kind in kinds:
                tally = tallies[kind]
                tally["gold"] += 1
                if claim is None:
                    continue
                tally["matched"] += 1
                tally["counted"] += _norm(gold.get("counted")) == _norm(claim.counted)
                tally["event"] += _norm(gold.get("event")) == _norm(claim.event)
                tally["value"] += (same_value(gold.get("value"), claim.value)
                                   and same_value(gold.get("value_max"), claim.value_max))
    rows = []
    for kind in KINDS:
        tally = tallies[kind]
        n, m = tally["gold"], tally["matched"]
        rows.append({"kind": kind, "gold": n, "recall": round(m / n, 3) if n else None,
                     **{f"{field}_acc": round(tally[field] / m, 3) if m else None
                        for field in ("counted", "event", "value")}})
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    from pipeline.evaluate import analyse_gold, load_gold, match_records, overlaps_any

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold_dir", type=Path)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args(argv)
    documents = []
    for gold, result in analyse_gold(load_gold(args.gold_dir)):
        pairs, _ = match_records(gold.annotations, result.claims, overlaps_any)
        documents.append((gold.annotations, result.claims, pairs))
    rows = by_kind(documents)
    if args.format == "json":
        print(json.dumps(rows, indent=1))
        return
    print("| kind | gold | recall | counted acc | event acc | value acc |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['kind']} | {row['gold']} | {row['recall']} | {row['counted_acc']} | "
              f"{row['event_acc']} | {row['value_acc']} |")


if __name__ == "__main__":
    main()
