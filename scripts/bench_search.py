"""Benchmark `ngo-pipeline search` over a large generated store (default 1,000,000 quotes).

Generates documents and quotes whose words follow a Zipf-like distribution over a vocabulary
of NGO-report words (so common words match hundreds of thousands of rows and rare words a
few), writes them through the store's own writer (schema, FTS triggers, theme rows), then times
:func:`pipeline.store.search` — the same SQL the CLI runs — for a mix of queries and filters.

    .venv/bin/python scripts/bench_search.py [--quotes 1000000] [--repeat 15] [--store PATH]
                                             [--rank-all] [--json]

Prints one line per query (full-text matches, the ranking window used, hits, median and p90
latency) and the median over all of them. The figures go in docs/performance.md; this is a
benchmark, not a test (tests/test_bench_search.py runs it at 3,000 quotes so that it keeps
working).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pipeline.records import THEMES
from pipeline.store.db import transaction
from pipeline.store.schema import STORE_NAME
from pipeline.store.search import RANK_WINDOW

# Vocabulary in rough frequency order: the earlier a word, the more quotes carry it.
COMMON = ("the of to and in a that is for are on we have with this people their has be it "
          "syria syrian said regime civilians government must not our they by will who were").split()
TOPICAL = ("detention detainees detained prison torture families disappeared forcibly release "
           "refugees return returns deportation deported camps displaced border asylum "
           "attack attacks airstrike bombing hospital hospitals school killed injured children women "
           "accountability justice impunity crimes war humanity court trial evidence sanctions "
           "normalisation ties arab league embassy reconstruction aid access crossing convoy "
           "covid pandemic vaccine health workers water food shelter winter council resolution").split()
RARE = ("interpol notice extradition saydnaya sednaya hamburg koblenz caesar photographs "
        "chemical sarin chlorine ghouta idlib daraa raqqa aleppo homs hama deir ezzor "
        "helmets volunteers rescue rubble siege starvation checkpoint militia conscription").split()
ORGS = ("Families for Freedom", "The Syria Campaign", "Syrian Network for Human Rights", "White Helmets",
        "Human Rights Watch", "Amnesty International", "Syrian Archive", "Caesar Families Association")
FIRST = "Laila Kholoud Raed Diab Omar Layla Mariam Ahmad Rami Anas Hadi Fadel Yasmin Noura Sami".split()
LAST = "Kiki Helmi Saleh Serrih Hasso Haddad Rahhal Aoun Barakat Alabdallah Abdulghani Kassab".split()

QUERIES: tuple[tuple[str, dict], ...] = (
    ("interpol", {}),
    ("saydnaya torture", {}),
    ('"red notice"', {}),
    ("extradit*", {}),
    ("detention", {}),
    ("hospital", {"theme": "attacks_on_civilians"}),
    ("interpol", {"org": "Families for Freedom"}),
    ("deportation", {"date_from": "2021-01-01", "date_to": "2021-12-31"}),
    ("syria", {}),
    ("regime civilians", {}),
    ("chemical OR sarin", {}),
    ("caesar photographs", {"speaker": "Kiki"}),
)


def _words(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.55:
            out.append(COMMON[int(rng.paretovariate(1.2)) % len(COMMON)])
        elif r < 0.97:
            out.append(TOPICAL[int(rng.paretovariate(1.1)) % len(TOPICAL)])
        else:
            out.append(RARE[int(rng.paretovariate(1.0)) % len(RARE)])
    return out


def generate(path: Path, n_quotes: int, quotes_per_doc: int = 50, seed: int = 7) -> None:
    """Write ``n_quotes`` quotes (and their documents) into a new store at ``path``.

    Every document goes through :class:`~pipeline.store.StoreWriter`, the writer ``run`` uses
    (its schema, triggers, theme rows), so the benchmark store cannot drift from a real one. Two
    differences, for speed only: the disposable store is written without fsync, and of the
    derived tables only the speakers are built (``--speaker`` reads them; quote groups, an
    all-pairs comparison search never reads, would take longer than the rest).
    """
    from pipeline.records import Document, DocumentResult, Quote
    from pipeline.store.ledger.build import update_ledger
    from pipeline.store.speakers import rebuild_speakers
    from pipeline.store.writer import StoreWriter, optimise_fts

    rng = random.Random(seed)
    n_docs = -(-n_quotes // quotes_per_doc)
    with StoreWriter(path) as writer:  # derived_stale is cleared below: its exit rebuilds nothing
        writer.conn.execute("PRAGMA synchronous=OFF")  # a benchmark store: a crash only loses the benchmark
        for d in range(n_docs):
            quotes, text_parts, offset = [], [], 0
            for q in range(min(quotes_per_doc, n_quotes - d * quotes_per_doc)):
                words = _words(rng, rng.randint(8, 40))
                if rng.random() < 0.002:
                    words[rng.randrange(len(words))] = "red notice"
                quote_text = " ".join(words).capitalize() + "."
                start = offset + 1
                text_parts.append(f"“{quote_text}” ")
                offset += len(text_parts[-1])
                theme_count = rng.choice((0, 1, 1, 2))
                org = rng.choice(ORGS)
                speaker = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                quotes.append(Quote(
                    quote_id=f"q{q + 1}", kind="direct", start=start, end=start + len(quote_text), text=quote_text,
                    speaker=speaker, speaker_type="PERSON", speaker_role="director", speaker_org=org, cue="say",
                    confidence=0.9, themes=rng.sample(THEMES, theme_count)))
            year = rng.randint(2011, 2025)
            organisation = rng.choice(ORGS)
            published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            document = Document(source=f"bench/{d:08d}.txt", text="".join(text_parts), title=f"Release {d}",
                                organisation=organisation, published=published, language="en", format="txt")
            writer.write(DocumentResult(document=document, quotes=quotes))
        with transaction(writer.conn):
            rebuild_speakers(writer.conn)
            update_ledger(writer.conn)  # as `run` does (no claims here: nothing to key)
            writer.conn.execute("DELETE FROM store_meta WHERE key = 'derived_stale'")
        optimise_fts(writer.conn)  # one FTS segment, as `run` leaves it
        writer.conn.execute("ANALYZE")


def _p90(times: list[float]) -> float:
    """The 90th percentile, interpolated between the runs either side (never below the median)."""
    return statistics.quantiles(times, n=10, method="inclusive")[-1] if len(times) > 1 else times[0]


def bench(path: Path, repeat: int, rank_window: int | None = RANK_WINDOW) -> list[dict]:
    from pipeline.store import search
    from pipeline.store.db import open_store

    conn = open_store(path)
    results = []
    for query, filters in QUERIES:
        search(conn, query, rank_window=rank_window, **filters)  # warm the page cache
        matches = conn.execute("SELECT count(*) FROM quotes_fts WHERE quotes_fts MATCH ?", (query,)).fetchone()[0]
        times, cpu = [], []
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.thread_time()
            hits = search(conn, query, limit=20, rank_window=rank_window, **filters)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        # CPU time too: on a shared machine the wall clock also counts waiting for a core
        results.append({"query": query, "filters": filters, "fts_matches": matches, "hits": len(hits),
                        "window": hits.window, "median_ms": statistics.median(times), "p90_ms": _p90(times),
                        "cpu_median_ms": statistics.median(cpu)})
    conn.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--store", type=Path, help="reuse (or create) this store instead of a temporary one")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--rank-all", action="store_true", help="rank every match (search --rank-all), no window")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / STORE_NAME
        if not path.exists():
            started = time.perf_counter()
            generate(path, args.quotes)
            print(f"generated {args.quotes:,} quotes in {time.perf_counter() - started:.0f} s "
                  f"({path.stat().st_size / 1e6:,.0f} MB)", file=sys.stderr)
        with sqlite3.connect(path) as conn:
            n = conn.execute("SELECT count(*) FROM quotes").fetchone()[0]
        results = bench(path, args.repeat, None if args.rank_all else RANK_WINDOW)
    if args.json:  # JSON alone on stdout, for scripts and the test that runs this one
        print(json.dumps({"quotes": n, "sqlite": sqlite3.sqlite_version, "repeat": args.repeat,
                          "results": results}, indent=2))
        return
    print(f"{n:,} quotes; sqlite {sqlite3.sqlite_version}; {args.repeat} runs per query, limit 20; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'query':<28} {'filters':<44} {'matches':>9} {'window':>7} {'hits':>5} {'median ms':>10} {'p90 ms':>8} "
          f"{'cpu ms':>7}")
    for r in results:
        filters = ", ".join(f"{k}={v}" for k, v in r["filters"].items())
        window = f"{r['window']:,}" if r["window"] else "all"
        print(f"{r['query']:<28} {filters:<44} {r['fts_matches']:>9,} {window:>7} {r['hits']:>5} "
              f"{r['median_ms']:>10.1f} {r['p90_ms']:>8.1f} {r['cpu_median_ms']:>7.1f}")
    print(f"median over all queries: {statistics.median(r['median_ms'] for r in results):.1f} ms")

if __name__ == "__main__":
    main()
