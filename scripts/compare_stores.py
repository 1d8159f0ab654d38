"""Compare the records of two stores table by table: what a refactoring must leave unchanged.

    python scripts/compare_stores.py A.sqlite B.sqlite        # exit 1 when a record differs
    python scripts/compare_stores.py A.sqlite B.sqlite --shared-only --ignore source
                  # only the documents both stores hold, their source paths aside

Every record table (documents, entities, quotes, claims, dates, statements) is read from both
stores and compared document by document, row by row in record order, column by
column (columns present in both; a column only one store has is reported). Run metadata (runs,
outcomes, timestamps) is not compared. Prints one line per table and up to ``--show`` differing
rows per table.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

TABLES = ("documents", "entities", "quotes", "claims", "dates", "statements")
ORDER = {"documents": "doc_id", "entities": "doc_id, start, \"end\", label",
         "quotes": "doc_id, quote_id", "claims": "doc_id, claim_id", "dates": "doc_id, date_id",
         "statements": "doc_id, statement_id"}


def rows(conn: sqlite3.Connection, table: str) -> tuple[list[str], list[tuple]]:
    cursor = conn.execute(f"SELECT * FROM {table} ORDER BY {ORDER[table]}")
    return [d[0] for d in cursor.description], cursor.fetchall()


def compare(a: Path, b: Path, show: int = 5, shared_only: bool = False, ignore: tuple[str, ...] = ()) -> int:
    ca, cb = sqlite3.connect(f"file:{a}?mode=ro", uri=True), sqlite3.connect(f"file:{b}?mode=ro", uri=True)
    differing = 0
    for table in TABLES:
        cols_a, rows_a = rows(ca, table)
        cols_b, rows_b = rows(cb, table)
        common = [c for c in cols_a if c in cols_b and c not in ignore]
        pick_a = [cols_a.index(c) for c in common]
        pick_b = [cols_b.index(c) for c in common]
        left = [tuple(r[i] for i in pick_a) for r in rows_a]
        right = [tuple(r[i] for i in pick_b) for r in rows_b]
        only = sorted(set(cols_a) ^ set(cols_b))
        # compared document by document, so one added record does not shift every later one
        doc_col = common.index("doc_id")
        by_doc_a: dict[str, list[tuple]] = {}
        by_doc_b: dict[str, list[tuple]] = {}
        for row in left:
            by_doc_a.setdefault(row[doc_col], []).append(row)
        for row in right:
            by_doc_b.setdefault(row[doc_col], []).append(row)
        if shared_only:
            documents_a = {r[0] for r in ca.execute("SELECT doc_id FROM documents")}
            documents_b = {r[0] for r in cb.execute("SELECT doc_id FROM documents")}
            both = documents_a & documents_b
            by_doc_a = {k: v for k, v in by_doc_a.items() if k in both}
            by_doc_b = {k: v for k, v in by_doc_b.items() if k in both}
            left = [row for rows_ in by_doc_a.values() for row in rows_]
            right = [row for rows_ in by_doc_b.values() for row in rows_]
        diffs, docs = [], set()
        for doc_id in sorted(set(by_doc_a) | set(by_doc_b)):
            xs, ys = by_doc_a.get(doc_id, []), by_doc_b.get(doc_id, [])
            pairs = [(x, y) for x, y in zip(xs, ys) if x != y]
            pairs += [(x, None) for x in xs[len(ys):]] + [(None, y) for y in ys[len(xs):]]
            if pairs:
                docs.add(doc_id)
                diffs.extend(pairs)
        same = not diffs
        differing += not same
        print(f"{table:<11} {len(left):>7} vs {len(right):>7} rows: "
              f"{'identical' if same else f'{len(diffs)} differ in {len(docs)} documents'}"
              + (f" (columns in one store only: {', '.join(only)})" if only else ""))
        for x, y in diffs[:show]:
            if x is None or y is None:
                print(f"   only in {'B' if x is None else 'A'}: {dict(zip(common, x or y))}")
                continue
            changed = {c: (u, v) for c, u, v in zip(common, x, y) if u != v}
            key = {c: x[common.index(c)] for c in ("doc_id", "quote_id", "claim_id", "date_id", "statement_id")
                   if c in common}
            print(f"   {key}: {changed}")
    return differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--show", type=int, default=5)
    parser.add_argument("--shared-only", action="store_true", help="compare only the documents both stores hold")
    parser.add_argument("--ignore", action="append", default=[], help="a column not to compare (repeatable)")
    args = parser.parse_args()
    sys.exit(1 if compare(args.a, args.b, args.show, args.shared_only, tuple(args.ignore)) else 0)


if __name__ == "__main__":
    main()
