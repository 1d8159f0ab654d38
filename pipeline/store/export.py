"""Export the store's tables as JSON Lines, CSV or Parquet, and read any of them back.

Every record table is exported with exactly its record fields; ``speakers`` and
``quote_groups`` come along. In CSV, list and dict fields are JSON text; in Parquet, lists
are native list columns and dicts (``statements.scores``) JSON text. :func:`read_export`
turns all of them back into the same Python values.

CSV cells are spreadsheet-safe (:mod:`pipeline.csvsafe`): text a spreadsheet would run as a
formula (``=HYPERLINK(...)``, ``+1``, ``-2``, ``@SUM``) starts with a ``'``, unless
``raw_csv``; :func:`read_export` removes it again.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from pipeline.csvsafe import restore, safe_row
from pipeline.output import JsonlTables, atomic_path
from pipeline.records import TABLES
from pipeline.store.db import iter_rows, open_store
from pipeline.store.schema import DERIVED_TABLES, json_columns, table_columns

FORMATS = ("jsonl", "csv", "parquet")
EXPORT_TABLES = TABLES + DERIVED_TABLES


def _write_csv(rows, path: Path, table: str, columns: list[str], raw: bool = False) -> int:
    json_cols = json_columns(table)
    n = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            cells = {k: json.dumps(v, ensure_ascii=False) if k in json_cols else v for k, v in row.items()}
            writer.writerow(safe_row(cells, raw=raw))
            n += 1
    return n


def _write_parquet(rows, path: Path, table: str, columns: list[str]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = list(rows)
    json_cols = json_columns(table)
    data: dict[str, list[Any]] = {c: [] for c in columns}
    for row in rows:
        for c in columns:
            value = row[c]
            if c in json_cols and isinstance(value, dict):
                value = json.dumps(value, ensure_ascii=False)
            data[c].append(value)
    arrays = {}
    for c, values in data.items():
        if c in json_cols and all(isinstance(v, list) for v in values):
            arrays[c] = pa.array(values, type=pa.list_(pa.string()))
        else:
            arrays[c] = pa.array(values)
    with atomic_path(path) as tmp:
        pq.write_table(pa.table(arrays) if columns else pa.table({}), tmp)
    return len(rows)


def export(store: str | Path, out_dir: str | Path, fmt: str = "jsonl", *, raw_csv: bool = False) -> dict[str, int]:
    """Write every table of ``store`` to ``out_dir/<table>.<fmt>``; returns rows per table.

    Each file is written beside its target and renamed into place, so an interrupted export
    never leaves a half-written table. CSV text cells that a spreadsheet would run as a
    formula get a leading ``'`` (:func:`pipeline.csvsafe.spreadsheet_safe`); ``raw_csv=True``
    writes every cell exactly as stored.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose from {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    conn = open_store(store)
    counts = {}
    try:
        if fmt == "jsonl":
            with JsonlTables(out_dir, EXPORT_TABLES) as tables:
                for table in EXPORT_TABLES:
                    tables.write({table: iter_rows(conn, table)})
            return dict(tables.counts)
        for table in EXPORT_TABLES:
            path = out_dir / f"{table}.{fmt}"
            rows = iter_rows(conn, table)
            if fmt == "csv":
                counts[table] = _write_csv(rows, path, table, list(table_columns(table)), raw=raw_csv)
            else:
                counts[table] = _write_parquet(rows, path, table, list(table_columns(table)))
    finally:
        conn.close()
    return counts


def _decode_json_columns(frame, table: str):
    for column in json_columns(table) & set(frame.columns):
        frame[column] = frame[column].map(lambda v: json.loads(v) if isinstance(v, str) else
                                          (list(v) if v is not None and not isinstance(v, (list, dict)) else v))
    return frame


def read_export(path: Path, table: str):
    """One exported table file (.jsonl, .csv or .parquet) as a DataFrame with decoded values.

    CSV cells neutralised for spreadsheets (a leading ``'`` before ``=+-@``) are restored, so
    a spreadsheet-safe export and a ``raw_csv`` one read back the same.
    """
    import pandas as pd

    suffix = path.suffix.lstrip(".")
    if suffix == "jsonl":
        if not path.stat().st_size:
            return pd.DataFrame(columns=list(table_columns(table)))
        return pd.read_json(path, lines=True, dtype=False, precise_float=True)
    if suffix == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        frame = frame.map(restore, na_action="ignore")  # the text spreadsheet_safe wrote, back
        frame = frame.astype(object).where(frame.notna(), None)
        frame = _typed(frame, table)
        return _decode_json_columns(frame, table)
    if suffix == "parquet":
        frame = pd.read_parquet(path)
        return _decode_json_columns(frame, table)
    raise ValueError(f"{path}: not a .jsonl, .csv or .parquet table")


def _typed(frame, table: str):
    """CSV cells are text: give numeric columns their numbers back."""
    import pandas as pd

    from pipeline.store.schema import column_types

    types = dict(column_types(table))
    for column, sql_type in types.items():
        if column in frame.columns and sql_type in ("INTEGER", "REAL"):
            frame[column] = pd.to_numeric(frame[column])
    return frame
