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
from contextlib import contextmanager
from typing import IO, Any, Iterable, Iterator

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
        _name_the_file(exc, self.out_dir)
        try:
            if exc_type is None:
                for fh, _ in self._files.values():  # every table on disk before any is renamed
                    fh.flush()
                    os.fsync(fh.fileno())
                for table, (fh, tmp) in self._files.items():
                    fh.close()
                    target = self.out_dir / f"{table}.jsonl"
                    os.chmod(tmp, _new_file_mode(target))  # as atomic_path does: not mkstemp's 0o600
                    os.replace(tmp, target)
        except OSError as error:
            _name_the_file(error, self.out_dir)
            raise
        finally:  # on any failure (a full disk fails the last flush too) the temporary files go
            for fh, tmp in self._files.values():
                try:
                    fh.close()
                except OSError:
                    pass
                Path(tmp).unlink(missing_ok=True)  # gone already once renamed


def _name_the_file(exc: BaseException | None, path: Path) -> None:
    """Give an ``OSError`` that names no file (a write failing on a full disk) ``path`` as its
    ``filename``: its message then says what could not be written."""
    if isinstance(exc, OSError) and exc.filename is None and exc.errno is not None:  # a system error
        exc.filename = str(path)


def _new_file_mode(path: Path) -> int:
    """Permissions for a file replacing ``path``: the existing file's, else 0o644 less the umask
    (``mkstemp`` makes 0o600 files, which other users of a shared output folder could not read)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block exits cleanly.

    Write the file at the yielded path (by any means: ``open``, pyarrow, csv); on a clean
    exit it is flushed to disk and renamed over ``path`` in one step (``os.replace``), so a
    reader, or a crash, never sees a half-written file and the previous version stays intact
    until then. If the block raises, the temporary file is removed (and an ``OSError`` that
    names no file, such as a full disk's ``ENOSPC`` on a write, is given ``path`` as its
    ``filename``, so that its message says which file could not be written).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _new_file_mode(path))
        with open(tmp, "rb") as fh:  # the data must be on disk before the rename points to it
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        _name_the_file(exc, path)
        raise


def write_text_atomic(path: str | Path, chunks: Iterable[str]) -> None:
    """Write text chunks (lines, say: streamed) to ``path`` atomically, as UTF-8."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        for chunk in chunks:
            fh.write(chunk)


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write ``data`` as pretty JSON to ``path`` through a temp file and a rename."""
    write_text_atomic(path, [json.dumps(data, ensure_ascii=False, indent=2), "\n"])
