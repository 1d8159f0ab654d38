"""Score the figures ledger: which claims are one statistic, and which discrepancies are flagged.

The gold is one file, ``statistics.json`` (``data/gold/statistics/``; format in its README and
``docs/evaluation.md``): statistics, each with its claims across documents (offsets only), and
discrepancy pairs marked real or not. The documents are analysed into a temporary store (with
the ``MANIFEST.tsv`` of their folder, as a user would run them), or an existing store is read.

Scores:

- **grouping**, pairwise over the gold claims: a pair is *same* in the gold when both claims
  belong to one statistic; predicted *same* when both match a stored claim and those claims have
  one ``statistic_id``. Precision, recall and F1 of the predicted same pairs (an unmatched gold
  claim counts as predicted apart from every other);
- **discrepancies**: of the gold pairs marked real, how many are flagged (any kind; ``kind_ok``
  when the kind matches too); of those marked not real, how many are flagged anyway;
- rows ``all``, ``development`` and ``held-out``: a fixed half of the gold statistics (by a hash of
  their id, :func:`part_of`) is for tuning, the other is only scored;
- ``errors`` lists the development half's false merges and splits, and every flag the ledger
  raised between two of its gold claims, to check by hand.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

from pipeline.evaluate import GoldError, Report, overlap
from pipeline.store.schema import STORE_NAME


def _load(gold_path: str | Path) -> tuple[Path, dict[str, Any]]:
    path = Path(gold_path)
    if path.is_dir():
        path = path / "statistics.json"
    try:
        gold = json.loads(path.read_text(encoding="utf-8"))
        gold["statistics"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GoldError(f"{path}: not a statistics gold file ({exc})") from None
    return path, gold


PARTS = ("all", "development", "held-out")


def part_of(statistic_id: str) -> str:
    """``development`` or ``held-out``: a fixed half of the gold statistics by a hash of their id,
    so that rules are tuned on one half and the other is scored without reading its errors."""
    return "development" if int(hashlib.sha1(statistic_id.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "held-out"


def _gold_claims(path: Path, gold: dict) -> list[dict[str, Any]]:
    claims = []
    for statistic in gold["statistics"]:
        for index, claim in enumerate(statistic["claims"]):
            source = (path.parent / claim["source"]).resolve()
            if not source.is_file():
                raise GoldError(f"{path}: {claim['source']} does not exist")
            claims.append({"statistic": statistic["id"], "index": index, "source": source,
                           "span": (claim["start"], claim["end"])})
    return claims


def build_store(sources: list[Path], folder: Path, model: str | None = None) -> Path:
    """Run the pipeline on ``sources`` into a store in ``folder``, one run per source folder with
    that folder's ``MANIFEST.tsv`` (publisher and date), as a user would run them."""
    from pipeline.batch import run

    by_folder: dict[Path, list[Path]] = defaultdict(list)
    for source in sorted(set(sources)):
        by_folder[source.parent].append(source)
    for parent, files in sorted(by_folder.items()):
        manifest = parent / "MANIFEST.tsv"
        run(files, folder, model=model, metadata_file=manifest if manifest.is_file() else None)
    return folder / STORE_NAME


def _stored_claims(conn, sources: set[Path]) -> dict[Path, list[tuple]]:
    """(start, end, doc_id, claim_id, statistic_id) of the stored claims, by resolved source path."""
    by_source: dict[Path, list[tuple]] = defaultdict(list)
    for row in conn.execute("SELECT d.source, c.start, c.\"end\", c.doc_id, c.claim_id, sc.statistic_id "
                            "FROM claims c JOIN documents d ON d.doc_id = c.doc_id "
                            "LEFT JOIN statistic_claims sc ON sc.doc_id = c.doc_id AND sc.claim_id = c.claim_id"):
        resolved = Path(row[0]).resolve()
        if resolved in sources:
            by_source[resolved].append(tuple(row[1:]))
    return by_source


def _match(claim: dict, stored: list[tuple]) -> tuple | None:
    best = max(stored, key=lambda s: overlap(claim["span"], (s[0], s[1])), default=None)
    return best if best is not None and overlap(claim["span"], (best[0], best[1])) > 0 else None


def score(gold_path: str | Path, store: str | Path | None = None, model: str | None = None) -> Report:
    """Score the ledger of ``store`` (or of a temporary store built from the gold's documents):
    one row per part of the gold (:data:`PARTS`)."""
    from pipeline.store.db import open_store

    path, gold = _load(gold_path)
    claims = _gold_claims(path, gold)
    sources = {c["source"] for c in claims}
    with tempfile.TemporaryDirectory(prefix="ngo-statistics-") as tmp:
        conn = open_store(store if store is not None else build_store(sorted(sources), Path(tmp), model))
        try:
            stored = _stored_claims(conn, sources)
            flags = {}
            for row in conn.execute("SELECT doc_id_a, claim_id_a, doc_id_b, claim_id_b, kind, detail FROM discrepancies"):
                flags[frozenset({(row[0], row[1]), (row[2], row[3])})] = (row[4], row[5])
        finally:
            conn.close()
    for claim in claims:
        claim["match"] = _match(claim, stored.get(claim["source"], []))
    rows, errors = [], []
    for part in PARTS:
        chosen = [c for c in claims if part == "all" or part_of(c["statistic"]) == part]
        row, part_errors = _report(gold, chosen, flags, part)
        rows.append(row)
        if part == "development":  # the held-out half's mistakes are not for reading
            errors = part_errors
    return Report("statistics", len(sources), rows, errors)


def _report(gold: dict, claims: list[dict], flags: dict, part: str) -> tuple[dict[str, Any], list[str]]:
    tp = fp = fn = 0
    errors = []
    for a, b in combinations(claims, 2):
        same = a["statistic"] == b["statistic"]
        predicted = (a["match"] is not None and b["match"] is not None and a["match"][4] is not None
                     and a["match"][4] == b["match"][4])
        tp += same and predicted
        fp += predicted and not same
        fn += same and not predicted
        if same != predicted:
            errors.append(f"{'merged' if predicted else 'split'}: {a['statistic']}[{a['index']}] / "
                          f"{b['statistic']}[{b['index']}]")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    index = {(c["statistic"], c["index"]): c for c in claims}
    flagged = {True: [0, 0, 0], False: [0, 0, 0]}  # real -> [pairs, flagged, right kind]
    checked = set()
    for pair in gold.get("discrepancies", []):
        a = index.get((pair["statistic"], pair["a"]))
        b = index.get((pair.get("part_statistic", pair["statistic"]), pair["b"]))
        if a is None or b is None:
            continue
        counts = flagged[bool(pair["real"])]
        counts[0] += 1
        key = _flag_key(a, b)
        checked.add(key)
        if key in flags:
            counts[1] += 1
            counts[2] += flags[key][0] == pair["kind"]
    for a, b in combinations(claims, 2):
        key = _flag_key(a, b)
        if key in flags and key not in checked:
            errors.append(f"flag not in gold: {flags[key][0]} {a['statistic']}[{a['index']}] / "
                          f"{b['statistic']}[{b['index']}]: {flags[key][1]}")
    real, not_real = flagged[True], flagged[False]
    row = {"group": part, "gold_claims": len(claims), "matched": sum(c["match"] is not None for c in claims),
           "pairs_same": tp + fn, "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
           "real_flagged": f"{real[1]}/{real[0]}", "real_kind_ok": f"{real[2]}/{real[0]}",
           "not_real_flagged": f"{not_real[1]}/{not_real[0]}"}
    return row, errors


def _flag_key(a: dict, b: dict):
    if a["match"] is None or b["match"] is None:
        return None
    return frozenset({(a["match"][2], a["match"][3]), (b["match"][2], b["match"][3])})
