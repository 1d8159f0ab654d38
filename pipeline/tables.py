"""Load a run's output tables as pandas DataFrames."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.records import TABLES


def load(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read the tables written by ``ngo-pipeline run`` into DataFrames.

    Parameters
    ----------
    path : str or Path
        An output folder holding ``<table>.jsonl`` files.

    Returns
    -------
    dict of str to pandas.DataFrame
        One DataFrame per table (``documents``, ``entities``, ``quotes``, ``claims``,
        ``dates``, ``statements``); a table with no rows is an empty DataFrame.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not an output folder")
    frames: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        file = folder / f"{table}.jsonl"
        if not file.exists():
            raise FileNotFoundError(f"{file} is missing: is {folder} the output of `ngo-pipeline run`?")
        frames[table] = pd.read_json(file, lines=True, dtype=False) if file.stat().st_size else pd.DataFrame()
    return frames
