"""Benchmark `ngo-pipeline search` over a large generated store (default 1,000,000 quotes).

Generates documents and quotes whose words follow a Zipf-like distribution over a vocabulary
of NGO-report words (so common words match hundreds of thousands of rows and rare words a
few), writes them through the store's own schema (FTS triggers included), then times
:func:`pipeline.store.search` — the same SQL the CLI runs — for a mix of queries and filters.

    .venv/bin/python scripts/bench_search.py [--quotes 1000000] [--repeat 15] [--store PATH]

Prints one line per query (matches, median and p90 latency) and the median over all of
them. The figure goes in docs/performance.md; this is a benchmark, not a test.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sqlite3
import tempfile
import time
from pathlib import Path

from pipeline.records import THEMES
from pipeline.store.db import connect, create_or_check, encode_row, insert_sql
from pipeline.store.schema import STORE_NAME

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
    """Write ``n_quotes`` quotes (and their documents) into a new store at ``path``."""
    rng = random.Random(seed)
    conn = connect(path)
    create_or_check(conn, path)
    conn.execute("PRAGMA synchronous=OFF")
    insert_doc, insert_quote = insert_sql("documents"), insert_sql("quotes")
    n_docs = -(-n_quotes // quotes_per_doc)
    conn.execute("BEGIN")
    for d in range(n_docs):
        doc_id = f"{d:016x}"
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
            quotes.append({
                "doc_id": doc_id, "quote_id": f"q{q + 1}", "kind": "direct", "start": start,
                "end": start + len(quote_text), "text": quote_text,
                "speaker": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "speaker_type": "PERSON",
                "speaker_role": "director", "speaker_org": org, "speaker_start": None, "speaker_end": None,
                "cue": "say", "confidence": 0.9, "themes": rng.sample(THEMES, theme_count)})
        year = rng.randint(2011, 2025)
        document = {"doc_id": doc_id, "source": f"bench/{doc_id}.txt", "title": f"Release {d}",
                    "organisation": rng.choice(ORGS), "published": f"{year}-{rng.randint(1, 12):02d}-"
                    f"{rng.randint(1, 28):02d}", "language": "en", "text": "".join(text_parts),
                    "n_words": offset // 6, "status": "ok", "error": None}
        conn.execute(insert_doc, encode_row("documents", document))
        conn.executemany(insert_quote, [encode_row("quotes", q) for q in quotes])
        conn.executemany("INSERT INTO record_themes VALUES ('quotes', ?, ?, ?)",
                         [(q["doc_id"], q["quote_id"], t) for q in quotes for t in q["themes"]])
        if d % 2000 == 1999:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.execute("COMMIT")
    conn.execute("INSERT INTO quotes_fts(quotes_fts) VALUES ('optimize')")  # merge FTS segments, as after a big run
    conn.execute("ANALYZE")
    conn.close()


def bench(path: Path, repeat: int) -> list[dict]:
    from pipeline.store import search
    from pipeline.store.db import open_store

    conn = open_store(path)
    results = []
    for query, filters in QUERIES:
        search(conn, query, **filters)  # warm the page cache
        matches = conn.execute("SELECT count(*) FROM quotes_fts WHERE quotes_fts MATCH ?", (query,)).fetchone()[0]
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            hits = search(conn, query, limit=20, **filters)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results.append({"query": query, "filters": filters, "fts_matches": matches, "hits": len(hits),
                        "median_ms": statistics.median(times), "p90_ms": times[int(0.9 * (len(times) - 1))]})
    conn.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--store", type=Path, help="reuse (or create) this store instead of a temporary one")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / STORE_NAME
        if not path.exists():
            started = time.perf_counter()
            generate(path, args.quotes)
            print(f"generated {args.quotes:,} quotes in {time.perf_counter() - started:.0f} s "
                  f"({path.stat().st_size / 1e6:,.0f} MB)")
        n = sqlite3.connect(path).execute("SELECT count(*) FROM quotes").fetchone()[0]
        results = bench(path, args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
    print(f"{n:,} quotes; sqlite {sqlite3.sqlite_version}; {args.repeat} runs per query, limit 20")
    print(f"{'query':<28} {'filters':<44} {'matches':>9} {'median ms':>10} {'p90 ms':>8}")
    for r in results:
        filters = ", ".join(f"{k}={v}" for k, v in r["filters"].items())
        print(f"{r['query']:<28} {filters:<44} {r['fts_matches']:>9,} {r['median_ms']:>10.1f} {r['p90_ms']:>8.1f}")
    print(f"median over all queries: {statistics.median(r['median_ms'] for r in results):.1f} ms")


if __name__ == "__main__":
    main()
