"""Benchmark the figures ledger over a large generated store (default 1,000,000 claims).

Generates documents and claims (what is counted, event, place, period, source and value drawn
from skewed distributions over NGO-report words, so some statistics gather thousands of claims
and many only one), writes them through the store's own schema, then times
:func:`pipeline.store.ledger.update_ledger` three ways:

1. the first build, keying every claim;
2. an update with nothing new (what a run that changed no document would find to do; such a run
   does not even call it);
3. an update after a run that adds ``--new`` documents.

    .venv/bin/python scripts/bench_ledger.py [--claims 1000000] [--per-document 50] [--new 100]

The figures go in docs/performance.md; this is a benchmark, not a timed test (the test suite
runs it at a tiny size so that it cannot rot).
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from pipeline.store.db import connect, create_or_check, encode_row, insert_sql, transaction
from pipeline.store.ledger import update_ledger
from pipeline.store.schema import STORE_NAME

COUNTED = ("civilian child refugee person woman attack hospital detainee death airstrike school "
           "incident family household case prisoner journalist worker facility").split()
EVENTS = (None, "killed", "injured", "detained", "displaced", "arrested", "died", "returned", "missing")
PLACES = ("Syria Idlib Aleppo Damascus Lebanon Turkey Jordan Iraq Yemen Gaza Sudan Raqqa Homs Hama "
          "Daraa Bangladesh Ethiopia Haiti Ukraine Libya").split() + [None]
ORGS = ("Syrian Network for Human Rights", "The Syria Campaign", "Human Rights Watch", "Amnesty International",
        "UNHCR", "OCHA", "White Helmets", "Syrian Archive", "UNICEF", "WHO")
QUALIFIERS = ("exact",) * 6 + ("at_least", "more_than", "about", "vague")


def _skewed(rng: random.Random, items):
    """An item, the first ones far more often (Zipf-like)."""
    return items[min(int(rng.paretovariate(1.2)) - 1, len(items) - 1)]


def _period(rng: random.Random, published: str) -> str | None:
    roll = rng.random()
    if roll < 0.4:
        return None
    if roll < 0.7:
        return str(rng.randint(2011, 2024))
    if roll < 0.85:
        return f"{rng.randint(2011, 2024)}-{rng.randint(1, 12):02d}"
    return f"2011-03/{published}"  # "since March 2011"


def generate(store: Path, n_claims: int, per_document: int, seed: int = 7, first_document: int = 0) -> int:
    """Write ``n_claims`` claims in documents of ``per_document``; returns the documents written."""
    rng = random.Random(seed + first_document)
    conn = connect(store)
    create_or_check(conn, store)
    n_docs = max(1, n_claims // per_document)
    documents, claims = [], []
    for d in range(first_document, first_document + n_docs):
        published = f"{rng.randint(2012, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        doc_id = f"{d:016x}"
        documents.append(encode_row("documents", {
            "doc_id": doc_id, "source": f"generated/{d}.txt", "title": f"Report {d}", "organisation": _skewed(rng, ORGS),
            "published": published, "language": "en", "text": f"Report {d}.", "n_words": 2, "status": "ok",
            "error": None, "error_kind": None, "themes": [], "theme_scores": {}}))
        for c in range(per_document):
            counted = _skewed(rng, COUNTED)
            value = float(int(rng.paretovariate(0.6) * 10))
            claims.append(encode_row("claims", {
                "doc_id": doc_id, "claim_id": f"c{c}", "start": 0, "end": 7, "text": f"{value:,.0f} {counted}s",
                "value": value, "value_max": None, "qualifier": rng.choice(QUALIFIERS), "unit": "count",
                "counted": counted, "event": _skewed(rng, EVENTS), "period": _period(rng, published),
                "location": _skewed(rng, PLACES), "part_of": f"c{c - 1}" if c and rng.random() < 0.1 else None,
                "source": _skewed(rng, ORGS) if rng.random() < 0.3 else None, "sentence_start": 0,
                "sentence_end": 9, "flags": [], "themes": []}))
        if len(claims) >= 50_000:
            _flush(conn, documents, claims)
    _flush(conn, documents, claims)
    conn.close()
    return n_docs


def _flush(conn, documents: list, claims: list) -> None:
    with transaction(conn):
        conn.executemany(insert_sql("documents"), documents)
        conn.executemany(insert_sql("claims"), claims)
    documents.clear()
    claims.clear()


def timed_update(store: Path) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of one update (CPU time barely moves when other jobs share the
    machine; wall-clock does)."""
    conn = connect(store)
    started, cpu = time.perf_counter(), time.process_time()
    with transaction(conn):
        done = update_ledger(conn)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return elapsed, cpu, done


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--per-document", type=int, default=50)
    parser.add_argument("--new", type=int, default=100, help="documents added before the incremental update")
    parser.add_argument("--store", type=Path, help="where to write the store (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        store = args.store or Path(tmp) / STORE_NAME
        started = time.perf_counter()
        n_docs = generate(store, args.claims, args.per_document)
        print(f"generated {args.claims:,} claims in {n_docs:,} documents in {time.perf_counter() - started:.1f} s")
        results = {}
        for name in ("first build", "nothing new", f"{args.new} new documents"):
            if name.endswith("new documents"):
                generate(store, args.new * args.per_document, args.per_document, first_document=n_docs)
            elapsed, cpu, done = timed_update(store)
            results[name] = {"seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
                             "claims_keyed": done.claims_keyed, "statistics_updated": done.statistics_updated,
                             "discrepancies": done.discrepancies}
        for name, r in results.items():
            print(f"{name:>20}: {r['seconds']:8.2f} s ({r['cpu_seconds']:.2f} CPU s)  {r['claims_keyed']:>9,} "
                  f"claims keyed  {r['statistics_updated']:>8,} statistics updated  {r['discrepancies']:>7,} discrepancies")
        return results


if __name__ == "__main__":
    main()
