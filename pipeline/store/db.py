"""Open a store: connect, create the schema, check its version, encode and decode rows."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from pipeline.records import SCHEMA_VERSION, TABLES
from pipeline.store.schema import STORE_NAME, columns, ddl, json_columns, quote_name


READ_MMAP_BYTES = 1 << 30  # address space only; pages are shared with the OS cache
READ_CACHE_KIB = 256 * 1024  # upper bound of SQLite's own page cache, filled only as used


class StoreError(Exception):
    """A store that cannot be used: missing, not a store, or written with another schema."""


class SchemaMismatch(StoreError):
    """The store was written with a different output schema version."""


def resolve_store_path(path: str | Path) -> Path:
    """The store file meant by ``path``: the file itself, or ``pipeline.sqlite`` in a folder."""
    path = Path(path)
    return path / STORE_NAME if path.is_dir() else path


def connect(path: str | Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection to the store file at ``path`` (autocommit; transactions are explicit)."""
    path = Path(path)
    if read_only:
        if not path.is_file():
            raise StoreError(f"{path} does not exist: run `ngo-pipeline run` first (or pass --store)")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        # ranking reads a page per matching row: map the file and keep a large page cache
        # (see docs/performance.md: several times faster on a million quotes)
        conn.execute(f"PRAGMA mmap_size={READ_MMAP_BYTES}")
        conn.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        # a rollback journal, not WAL: the file alone is the whole store, so it can be copied
        # and opened immutable (serve) the moment a run ends
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.row_factory = sqlite3.Row
    return conn


def stored_schema_version(conn: sqlite3.Connection) -> str | None:
    """The schema version recorded in the store, or None for an empty database."""
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='store_meta'").fetchone()
    if not has_meta:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' LIMIT 1").fetchone():
            raise StoreError("this SQLite file is not an ngo-pipeline store (no store_meta table)")
        return None
    row = conn.execute("SELECT value FROM store_meta WHERE key='schema_version'").fetchone()
    return row[0] if row else None


def check_schema(conn: sqlite3.Connection, path: str | Path) -> None:
    """Raise :class:`SchemaMismatch` unless the store was written with this schema version."""
    version = stored_schema_version(conn)
    if version is None:
        raise StoreError(f"{path} is empty: run `ngo-pipeline run` first")
    if version != SCHEMA_VERSION:
        raise SchemaMismatch(
            f"{path} holds output schema {version} but this ngo-pipeline writes {SCHEMA_VERSION}: "
            f"export it with the version that wrote it, or start a new store (--store NEW.sqlite)"
        )


def create_or_check(conn: sqlite3.Connection, path: str | Path) -> None:
    """Create the schema in an empty database, or check the version of an existing store."""
    if stored_schema_version(conn) is not None:
        check_schema(conn, path)
        return
    conn.execute("BEGIN")
    for statement in ddl():
        conn.execute(statement)
    from pipeline import __version__

    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    conn.executemany("INSERT OR REPLACE INTO store_meta(key, value) VALUES (?, ?)", [
        ("schema_version", SCHEMA_VERSION), ("created_by", f"ngo-pipeline {__version__}"), ("created_at", now)])
    conn.execute("COMMIT")


def open_store(path: str | Path, *, read_only: bool = True) -> sqlite3.Connection:
    """Connect to an existing store and check its schema version."""
    path = resolve_store_path(path)
    conn = connect(path, read_only=read_only)
    try:
        check_schema(conn, path)
    except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
        conn.close()
        raise StoreError(f"{path} is not an ngo-pipeline store: {exc}") from exc
    except StoreError:
        conn.close()
        raise
    return conn


def encode_row(table: str, row: dict[str, Any]) -> tuple:
    """A record row as the tuple of SQL values of ``table``'s columns (lists/dicts as JSON)."""
    json_cols = json_columns(table)
    return tuple(json.dumps(row[name], ensure_ascii=False) if name in json_cols else row[name]
                 for name, _ in columns(table))


def insert_sql(table: str) -> str:
    names = [name for name, _ in columns(table)]
    return (f"INSERT INTO {table} ({', '.join(map(quote_name, names))}) "
            f"VALUES ({', '.join('?' for _ in names)})")


def decode_row(table: str, row: sqlite3.Row) -> dict[str, Any]:
    """A stored row as a JSON-ready dict (JSON text columns decoded)."""
    json_cols = json_columns(table)
    return {key: (json.loads(row[key]) if key in json_cols and row[key] is not None else row[key])
            for key in row.keys()}


def iter_rows(conn: sqlite3.Connection, table: str) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` in insertion order, decoded."""
    if table in TABLES:
        names = ", ".join(quote_name(n) for n, _ in columns(table))
    else:
        names = "*"
    for row in conn.execute(f"SELECT {names} FROM {table} ORDER BY rowid"):
        yield decode_row(table, row)


def table_counts(conn: sqlite3.Connection, tables=TABLES) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
