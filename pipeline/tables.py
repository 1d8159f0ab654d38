"""Load a run's tables as pandas DataFrames, from the store or from exported files."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.records import TABLES

_EXPORT_SUFFIXES = ("parquet", "csv", "jsonl")


def _frame_from_store(conn, table: str) -> pd.DataFrame:
    from pipeline.store.db import iter_rows
    from pipeline.store.schema import table_columns

    return pd.DataFrame.from_records(list(iter_rows(conn, table)), columns=list(table_columns(table)))


def load(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read the tables written by ``ngo-pipeline run`` (or ``export``) into DataFrames.

    Parameters
    ----------
    path : str or Path
        The store (``pipeline.sqlite`` or any ``--store`` file), an output folder holding
        ``pipeline.sqlite``, or a folder of tables exported as ``<table>.jsonl``, ``.csv``
        or ``.parquet``.

    Returns
    -------
    dict of str to pandas.DataFrame
        One DataFrame per record table (``documents``, ``entities``, ``quotes``, ``claims``,
        ``dates``, ``statements``) plus the derived tables when present: ``speakers``,
        ``quote_groups`` and the figures ledger (``statistics``, ``statistic_claims``,
        ``discrepancies``). List
        and dict fields (``themes``, ``scores``, ``flags``...) are Python lists and dicts.
    """
    from pipeline.store.db import open_store
    from pipeline.store.export import EXPORT_TABLES, read_export
    from pipeline.store.schema import STORE_NAME

    path = Path(path)
    store = path / STORE_NAME if path.is_dir() else path
    if store.is_file():
        conn = open_store(store)
        try:
            return {table: _frame_from_store(conn, table) for table in EXPORT_TABLES}
        finally:
            conn.close()
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is neither a store nor an output folder")
    frames: dict[str, pd.DataFrame] = {}
    for table in EXPORT_TABLES:
        file = next((path / f"{table}.{s}" for s in _EXPORT_SUFFIXES if (path / f"{table}.{s}").exists()), None)
        if file is None:
            if table in TABLES:
                raise FileNotFoundError(
                    f"{path} holds neither {STORE_NAME} nor {table}.jsonl/.csv/.parquet: "
                    f"is it the output of `ngo-pipeline run` or `export`?")
            continue
        frames[table] = read_export(file, table)
    return frames
