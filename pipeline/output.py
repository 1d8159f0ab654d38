"""Write records as JSON Lines, and JSON files, atomically.

Each table is streamed to a temporary file beside its target and renamed into place
only when the writer closes cleanly, so a crash never leaves a half-written table and the
previous files stay intact until then. ``run`` itself writes the SQLite store
(:mod:`pipeline.store`); these helpers serve ``run.json`` and anyone streaming JSON Lines.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Iterable

from pipeline.records import TABLES


class JsonlTables:
    """Stream rows of every table to ``DIR/<table>.jsonl``; commit atomically on close.

    Use as a context manager: files are renamed into place on a clean exit and discarded
    if the block raises.
    """

    def __init__(self, out_dir: str | Path, tables: tuple[str, ...] = TABLES):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.tables = tables
        self.counts = {t: 0 for t in tables}
        self._files: dict[str, tuple[IO[str], str]] = {}

    def __enter__(self) -> "JsonlTables":
        for table in self.tables:
            fd, tmp = tempfile.mkstemp(prefix=f".{table}.", suffix=".jsonl.tmp", dir=self.out_dir)
            self._files[table] = (os.fdopen(fd, "w", encoding="utf-8"), tmp)
        return self

    def write(self, rows: dict[str, Iterable[dict[str, Any]]]) -> None:
        """Append rows (any iterable, streamed) to each named table."""
        for table, table_rows in rows.items():
            fh = self._files[table][0]
            for row in table_rows:
                fh.write(json.dumps(row, ensure_ascii=False))
                fh.write("\n")
                self.counts[table] += 1

    def __exit__(self, exc_type, exc, tb) -> None:
        for table, (fh, tmp) in self._files.items():
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            if exc_type is None:
                os.replace(tmp, self.out_dir / f"{table}.jsonl")
            else:
                os.unlink(tmp)


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write ``data`` as pretty JSON to ``path`` through a temp file and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    os.replace(tmp, path)
