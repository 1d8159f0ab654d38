"""Open a store: connect, create the schema, check its version, encode and decode rows."""
from __future__ import annotations

import errno
import json
import os
import socket
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from pipeline.records import ERROR_KINDS, SCHEMA_VERSION, TABLES
from pipeline.store.schema import STORE_NAME, columns, ddl, json_columns, quote_name

READ_MMAP_BYTES = 1 << 30  # address space only; pages are shared with the OS cache
READ_CACHE_KIB = 256 * 1024  # upper bound of SQLite's own page cache, filled only as used


class StoreError(Exception):
    """A store that cannot be used: missing, not a store, or written with another schema."""


class SchemaMismatch(StoreError):
    """The store was written with a different output schema version."""


class StoreLocked(StoreError):
    """Another process holds the store: a run writing it, or ``serve`` reading it."""


# Store versions the writer upgrades in place (see :func:`migrate`): version -> (next version, SQL
# steps), applied one after the other up to SCHEMA_VERSION.
# 1.1.0 -> 1.2.0 adds documents.error_kind (filled from the error message's "kind: " prefix)
# and the runs/outcomes tables, which ddl() creates.
# 1.2.0 -> 1.3.0 adds documents.themes and documents.theme_scores, computed from the stored
# sentences (pipeline.store.writer.refresh_document_themes).
# 1.3.0 -> 1.4.0 adds the figures ledger (statistics, statistic_claims, discrepancies, which ddl()
# creates); marking the derived tables stale makes the next run key every stored claim.
_ERROR_KIND_FROM_MESSAGE = (
    "UPDATE documents SET error_kind = CASE "
    "WHEN error LIKE 'analysis failed:%' THEN 'analysis' "
    "WHEN substr(error, 1, instr(error, ':') - 1) IN ({kinds}) THEN substr(error, 1, instr(error, ':') - 1) "
    "ELSE 'corrupt' END WHERE status = 'error'"
)
MIGRATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "1.1.0": ("1.2.0", ("ALTER TABLE documents ADD COLUMN error_kind TEXT", _ERROR_KIND_FROM_MESSAGE)),
    "1.2.0": ("1.3.0", ("ALTER TABLE documents ADD COLUMN themes TEXT DEFAULT '[]'",
                        "ALTER TABLE documents ADD COLUMN theme_scores TEXT DEFAULT '{{}}'")),  # {{}}: str.format
    "1.3.0": ("1.4.0", ("INSERT OR REPLACE INTO store_meta(key, value) VALUES ('derived_stale', '1')",)),
}


# SQLite result codes (``sqlite3.Error.sqlite_errorname``, extended codes included) by what they
# mean for the user
_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_DISK_FULL = ("SQLITE_FULL",)
_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")
_UNREADABLE = ("SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")


def store_failure(path: str | Path | None, exc: sqlite3.Error) -> StoreError:
    """The :class:`StoreError` to raise for an SQLite error met on the store at ``path``.

    A damaged file, a full disk, a store locked by another program and an unreadable file
    each get a message saying what happened and what to do; the SQLite message is kept.
    """
    where = str(path) if path is not None else "the store"
    name = getattr(exc, "sqlite_errorname", None) or ""
    if name.startswith(_DAMAGED) or "malformed" in str(exc) or "not a database" in str(exc):
        return StoreError(f"{where} is damaged or is not an ngo-pipeline store ({exc}): restore it from a "
                          f"copy, or write a new store (--store NEW.sqlite)")
    if name.startswith(_DISK_FULL):
        return StoreError(f"cannot write {where}: the disk is full ({exc}); free some space and run again "
                          f"(the documents stored so far are kept)")
    if name.startswith(_BUSY):
        return StoreError(f"{where} is locked by another program ({exc}): try again once it has finished")
    if name.startswith(_UNREADABLE):
        return StoreError(f"cannot read or write {where} ({exc}): check that the disk is not full and that "
                          f"the file may be written")
    return StoreError(f"{where} cannot be used ({exc})")


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
        pragmas = (f"PRAGMA mmap_size={READ_MMAP_BYTES}", f"PRAGMA cache_size=-{READ_CACHE_KIB}")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        # a rollback journal, not WAL: the file alone is the whole store, so it can be copied
        # and opened immutable (serve) the moment a run ends
        pragmas = ("PRAGMA journal_mode=DELETE", "PRAGMA synchronous=NORMAL")
    try:
        for pragma in pragmas:  # the first reads the file's header: a file that is no database fails here
            conn.execute(pragma)
    except BaseException:
        conn.close()
        raise
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
    if version in MIGRATIONS:
        raise SchemaMismatch(
            f"{path} holds output schema {version}, older than the {SCHEMA_VERSION} this ngo-pipeline "
            f"reads: the next `ngo-pipeline run ... --store {path}` upgrades it in place (nothing is lost)"
        )
    if version != SCHEMA_VERSION:
        raise SchemaMismatch(
            f"{path} holds output schema {version} but this ngo-pipeline writes {SCHEMA_VERSION}: "
            f"export it with the version that wrote it, or start a new store (--store NEW.sqlite)"
        )


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (``BEGIN IMMEDIATE``: the write lock is taken at once), committed
    when the block ends, rolled back if it raises (or is interrupted)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection) -> str | None:
    """Upgrade a store of an older schema version in place, in one transaction.

    Returns the version upgraded from, or None when there was nothing to do (the store is
    current, empty, or of a version with no migration, which :func:`check_schema` refuses).
    """
    version = stored_schema_version(conn)
    if version not in MIGRATIONS:
        return None
    from pipeline.store.writer import refresh_document_themes

    kinds = ", ".join(f"'{kind}'" for kind in ERROR_KINDS)  # constants, not user input
    with transaction(conn):
        step = version
        while step in MIGRATIONS:
            step, statements = MIGRATIONS[step]
            for statement in statements:
                conn.execute(statement.format(kinds=kinds))
        for statement in ddl():  # new tables and indexes (all IF NOT EXISTS)
            conn.execute(statement)
        refresh_document_themes(conn)  # documents' themes from their stored sentences (1.3.0)
        conn.executemany("INSERT OR REPLACE INTO store_meta(key, value) VALUES (?, ?)", [
            ("schema_version", SCHEMA_VERSION), (f"migrated_from_{version}", _now())])
    return version


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def create_or_check(conn: sqlite3.Connection, path: str | Path) -> None:
    """Create the schema in an empty database, upgrade an older store (:data:`MIGRATIONS`),
    or check the version of an existing store."""
    if stored_schema_version(conn) is not None:
        migrate(conn)
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
    try:
        conn = connect(path, read_only=read_only)
    except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
        raise store_failure(path, exc) from exc
    try:
        check_schema(conn, path)
    except sqlite3.DatabaseError as exc:  # e.g. "database disk image is malformed"
        conn.close()
        raise store_failure(path, exc) from exc
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


# --------------------------------------------------------------------------- locking

LOCK_SUFFIX = ".lock"
DEFAULT_LOCK_TIMEOUT = 60.0  # seconds a run waits for another process to release the store
_LOCK_POLL_SECONDS = 0.2


def lock_path(store: str | Path) -> Path:
    """The lock file of a store: ``pipeline.sqlite.lock`` beside ``pipeline.sqlite``."""
    store = Path(store)
    return store.with_name(store.name + LOCK_SUFFIX)


def _holder(fd: int) -> dict[str, Any]:
    # read through our own descriptor: closing another one would drop this process's POSIX locks
    try:
        return json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def _is_serving(holder: dict[str, Any]) -> bool:
    """Whether the lock file names a live ``serve`` process as its holder.

    The file keeps the last holder's details after it ends, and a new holder writes its own
    only once it has the lock: a ``serve`` whose process is gone is a stale entry, not a server.
    """
    if holder.get("purpose") != "serve":
        return False
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname() or not isinstance(pid, int):
        return True  # another machine's process cannot be checked: trust the file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def _locked_message(store: Path, holder: dict[str, Any], timeout: float, shared: bool) -> str:
    pid = holder.get("pid", "unknown")
    since = f", since {holder['started_at']}" if holder.get("started_at") else ""
    waited = f" (waited {timeout:g} s)" if timeout else ""
    if holder.get("purpose") == "serve":
        return (f"{store} is being served by `ngo-pipeline serve` (pid {pid}{since}){waited}: stop the server "
                f"(Ctrl-C) before writing the store, or serve a copy of it")
    if shared:
        return (f"{store} is being written by another ngo-pipeline {holder.get('purpose', 'run')} "
                f"(pid {pid}{since}){waited}: serve it once that run has finished, or serve a copy")
    return (f"{store} is being written by another ngo-pipeline {holder.get('purpose', 'run')} (pid {pid}{since})"
            f"{waited}: wait for it to finish, raise --lock-timeout, or write another store (--store)")


@contextmanager
def store_lock(store: str | Path, *, shared: bool = False, timeout: float = DEFAULT_LOCK_TIMEOUT,
               purpose: str = "run") -> Iterator[None]:
    """Hold the store's lock file for the block: exclusive to write, shared to serve.

    An exclusive holder (a run, a review import) excludes every other process; shared
    holders (``serve``, which opens the store immutable and must not see it change) exclude
    only writers. A writer waits up to ``timeout`` seconds for another writer, but fails at
    once on a store being served: a server holds it until stopped. The lock is a POSIX
    record lock (``fcntl.lockf``) on ``<store>.lock``: the kernel releases it when the process
    ends, however it ends, so a killed run never leaves a stale lock; unlike ``flock`` it is not inherited by forked worker processes, which could
    outlive a killed run and keep its lock. The holder writes its pid into the file so that
    the process kept waiting can name it. Locks exclude other processes, not other threads.

    Raises
    ------
    StoreLocked
        The lock was not free within ``timeout`` seconds (at once, for a writer, when a live
        ``serve`` holds it); the message names the holder.
    """
    store = Path(store)
    path = lock_path(store)
    try:
        import fcntl
    except ImportError:  # not POSIX: no advisory locks; SQLite's own locking still applies
        yield
        return
    fd = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        if not shared:
            raise
    if fd is None:  # serving from a read-only folder: nobody can write this store either
        yield
        return
    try:
        deadline = time.monotonic() + timeout
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        while True:
            try:
                fcntl.lockf(fd, mode | fcntl.LOCK_NB)
                break
            except OSError as exc:  # EACCES or EAGAIN: held by another process
                if exc.errno not in (errno.EACCES, errno.EAGAIN):
                    raise
                holder = _holder(fd)
                if not shared and _is_serving(holder):  # a server runs until Ctrl-C: waiting is in vain
                    raise StoreLocked(_locked_message(store, holder, 0, shared)) from None
                if time.monotonic() >= deadline:
                    raise StoreLocked(_locked_message(store, holder, timeout, shared)) from None
                time.sleep(_LOCK_POLL_SECONDS)
        info = json.dumps({"pid": os.getpid(), "purpose": purpose, "started_at": _now(),
                           "host": socket.gethostname()})
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode("utf-8"), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
