"""Write document results into the store: one transaction per document, keyed by content hash.

- A document whose ``doc_id`` (hash of its normalised text) is already stored with status
  ``ok`` is *unchanged*: the batch skips it before any parsing.
- A document read from a source path that holds another ``doc_id`` is *changed*: the old
  document's records are deleted and the new ones inserted in the same transaction, so a
  reader never sees both versions, nor neither.
- A document that failed to read never replaces a good version of the same source.
- The writer holds the store's lock file for its whole life (:func:`~pipeline.store.db.store_lock`):
  a second run waits for it, then fails naming the first; ``serve`` and a run exclude each other.
- Derived tables are marked stale in the same transaction as every document, so a run killed
  before rebuilding them has them rebuilt by the next run, even one with nothing new to write.
- Rows arrive ready to insert (:class:`EncodedDocument`, built by :func:`encode_result` on the
  worker that analysed the document): the writer only checks what a document replaces and runs
  ``executemany``, several documents per transaction (:meth:`StoreWriter.write_encoded`).
"""
from __future__ import annotations

import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from pipeline.records import TABLES, Document, DocumentResult
from pipeline.store.db import (
    DEFAULT_LOCK_TIMEOUT,
    connect,
    create_or_check,
    encode_row,
    insert_sql,
    store_failure,
    store_lock,
    table_counts,
    transaction,
)
from pipeline.store.schema import RECORD_ID, SOURCES_DDL, THEMED_TABLES
from pipeline.store.ledger.build import forget_document, update_ledger

log = logging.getLogger(__name__)

INSERTED, REPLACED, UNCHANGED = "inserted", "replaced", "unchanged"

# the file-stat cache (``sources`` table)
SOURCES_FLUSH = 500  # files whose stat is recorded per transaction
RACY_NS = 2_000_000_000  # files modified less than 2 s before the run are not remembered


def _file_stat(path: Path) -> tuple[str, int, int]:
    """(absolute path, size, mtime in ns): what identifies an unchanged file without reading it.

    ``abspath``, not ``resolve``: resolving symbolic links costs a system call per path
    component; a file reached through another link is merely read (and hashed) once more.
    """
    stat = os.stat(path)
    return os.path.abspath(path), stat.st_size, stat.st_mtime_ns


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def delete_document(conn: sqlite3.Connection, doc_id: str) -> None:
    """Delete a document and every row that points to it (call inside a transaction)."""
    forget_document(conn, doc_id)
    for table in (*TABLES[1:], "record_themes", "quote_speakers", "quote_groups"):
        conn.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))
    conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))


def optimise_fts(conn: sqlite3.Connection) -> None:
    """Merge each full-text index into one segment: per-document inserts leave many small ones,
    and a query reads every segment (docs/performance.md measures search on a merged index)."""
    from pipeline.store.schema import FTS_TABLES

    for table in FTS_TABLES:
        conn.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('optimize')")


def theme_rows(table: str, doc_id: str, rows: Iterable[dict]) -> Iterator[tuple[str, str, str, str]]:
    """(record_table, doc_id, record_id, theme) for every theme of every row (a document's id is its doc_id)."""
    id_field = RECORD_ID.get(table, "doc_id")
    for row in rows:
        for theme in row.get("themes") or ():
            yield table, doc_id, row[id_field], theme


@dataclass
class EncodedDocument:
    """A document's rows as the SQL values its tables' inserts take (``record_themes`` included).

    Built by :func:`encode_result` wherever the document was analysed, so that the process
    holding the store only inserts them.
    """

    source: str
    doc_id: str
    status: str
    error: str | None
    rows: dict[str, list[tuple[Any, ...]]]


def encode_result(result: DocumentResult) -> EncodedDocument:
    """The rows of ``result``, encoded (JSON lists and dicts) in each table's column order."""
    rows = result.rows()
    encoded = {table: [encode_row(table, r) for r in rows[table]] for table in TABLES}
    encoded["record_themes"] = [row for table in THEMED_TABLES
                                for row in theme_rows(table, result.doc_id, rows[table])]
    document = result.document
    return EncodedDocument(document.source, result.doc_id, document.status, document.error, encoded)


class StoreWriter:
    """Write results into the store at ``path`` (created if missing).

    Use as a context manager; derived tables (speakers, quote groups) are rebuilt on a clean
    exit when anything changed.

    Parameters
    ----------
    path : str or Path
        The store file.
    force : bool
        Re-analyse documents even when their content is already stored.
    lock_timeout : float
        Seconds to wait for another process holding the store (a run, ``serve``) before
        raising :class:`~pipeline.store.db.StoreLocked`, which names it.
    """

    def __init__(self, path: str | Path, *, force: bool = False, lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        self.path = Path(path)
        self.force = force
        self._lock = store_lock(self.path, timeout=lock_timeout, purpose="run")
        self._lock.__enter__()  # before connecting: a migration must not race another writer
        try:
            self.conn = connect(self.path)
            create_or_check(self.conn, self.path)
        except BaseException as exc:
            if getattr(self, "conn", None) is not None:
                self.conn.close()
            self._lock.__exit__(None, None, None)
            if isinstance(exc, sqlite3.DatabaseError):  # a damaged file, a full disk: never written over
                raise store_failure(self.path, exc) from exc
            raise
        self.actions = {INSERTED: 0, REPLACED: 0, UNCHANGED: 0}
        self.records = {t: 0 for t in TABLES}
        self._insert = {t: insert_sql(t) for t in TABLES}
        # the run's row in `runs`, inserted with its first document: a run that changes nothing
        # leaves the store byte for byte as it was
        self.run_id: int | None = None
        self._started_at = _now()
        # stat of each file passed on by skip_unchanged_files, until remember_source records it
        self._source_stats: dict[str, tuple[str, int, int]] = {}
        self._pending_sources: list[tuple[str, int, int, str]] = []
        self._recent_ns = time.time_ns() - RACY_NS
        # doc_id each path held when last read and stored ok, for files whose stat changed: a
        # worker that reads the same content again does not analyse it (:mod:`pipeline.worker`)
        self.known_doc_ids: dict[str, str] = {}

    def __enter__(self) -> "StoreWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None and self._derived_stale():
                from pipeline.store.speakers import rebuild_derived_tables

                rebuild_derived_tables(self.conn)
                with transaction(self.conn):
                    update_ledger(self.conn)
                optimise_fts(self.conn)
                self.conn.execute("DELETE FROM store_meta WHERE key = 'derived_stale'")
                self._touch()
        finally:
            self.conn.close()
            self._lock.__exit__(None, None, None)

    def _derived_stale(self) -> bool:
        """Whether documents changed since speakers and quote groups were last rebuilt
        (by this run, or by one killed before it could rebuild them)."""
        return self.conn.execute("SELECT 1 FROM store_meta WHERE key = 'derived_stale'").fetchone() is not None

    def record_outcomes(self, outcomes: Iterable) -> None:
        """Store what happened to every input path of this run, in one transaction.

        ``outcomes`` holds :class:`~pipeline.batch.Outcome` objects (``source``, ``outcome``
        ``ok``/``skipped``/``error``, ``kind``, ``message``, ``doc_id``). Nothing is stored
        for a run that wrote no document (its outcomes are in ``run.json``).
        """
        if self.run_id is None:
            return
        with transaction(self.conn):
            self.conn.executemany("INSERT OR REPLACE INTO outcomes VALUES (?, ?, ?, ?, ?, ?)",
                                  [(self.run_id, o.source, o.outcome, o.kind, o.message, o.doc_id)
                                   for o in outcomes])

    def finish_run(self, counts: dict[str, int]) -> None:
        """Mark this run finished with its counts (a killed run keeps ``finished_at`` NULL)."""
        if self.run_id is None:
            return
        self.conn.execute("UPDATE runs SET finished_at = ?, inputs = ?, ok = ?, skipped = ?, errors = ? "
                          "WHERE run_id = ?", (_now(), counts.get("inputs"), counts.get("ok"),
                                               counts.get("skipped"), counts.get("error"), self.run_id))

    def _touch(self) -> None:
        self.conn.execute("INSERT OR REPLACE INTO store_meta(key, value) VALUES ('updated_at', ?)", (_now(),))

    def is_unchanged(self, document: Document) -> bool:
        """True when this exact content is already stored and analysed without error."""
        if self.force or document.status != "ok":
            return False
        row = self.conn.execute("SELECT status FROM documents WHERE doc_id = ?", (document.doc_id,)).fetchone()
        return row is not None and row["status"] == "ok"

    def skip_unchanged(self, documents: Iterable[Document],
                       on_skip: Callable[[Document], None] | None = None) -> Iterator[Document]:
        """Pass on only the documents that need analysing; count the others as unchanged
        (and hand each to ``on_skip``, so that the run can account for it)."""
        for document in documents:
            if self.is_unchanged(document):
                self.actions[UNCHANGED] += 1
                if on_skip:
                    on_skip(document)
                continue
            yield document

    # --- skipping unchanged files without reading them (the `sources` table) ---------------

    def skip_unchanged_files(self, inputs: Iterable[tuple[Path, str | None]],
                             on_skip: Callable[[str, str], None] | None = None,
                             ) -> Iterator[tuple[Path, str | None]]:
        """Pass on the input paths that must be read; count files unchanged since last read.

        A file is unchanged when its absolute path, size and modification time (ns) are those
        recorded when it was last read, and the ``doc_id`` it held then is stored with status
        ``ok``: it is neither read nor hashed (a PDF takes seconds to parse). Any other file is
        passed on and read; content hashing (:meth:`skip_unchanged`) then decides. Paths that
        carry a skip reason pass through. ``on_skip(source, doc_id)`` is called for each file
        skipped here.
        """
        if self.force:
            yield from inputs
            return
        self.conn.execute(SOURCES_DDL)  # a store written before the table existed
        for path, skip_reason in inputs:
            if skip_reason is None:
                try:
                    key, size, mtime_ns = _file_stat(path)
                except OSError:  # vanished or unreadable: let the reader report it
                    yield path, skip_reason
                    continue
                row = self.conn.execute(
                    "SELECT s.doc_id, s.size, s.mtime_ns FROM sources s JOIN documents d ON d.doc_id = s.doc_id "
                    "WHERE s.path = ? AND d.status = 'ok'", (key,)).fetchone()
                if row is not None and (row["size"], row["mtime_ns"]) == (size, mtime_ns):
                    self.actions[UNCHANGED] += 1
                    if on_skip:
                        on_skip(str(path), row["doc_id"])
                    continue
                if row is not None:
                    self.known_doc_ids[str(path)] = row["doc_id"]
                self._source_stats[str(path)] = (key, size, mtime_ns)
            yield path, skip_reason

    def remember_sources(self, documents: Iterable[Document]) -> Iterator[Document]:
        """Pass documents on, recording the stat of each file read (for the next run's
        :meth:`skip_unchanged_files`), in one transaction per ``SOURCES_FLUSH`` files."""
        for document in documents:
            self.remember_source(document.source, document.status, document.doc_id)
            yield document
        self.flush_sources()

    def remember_source(self, source: str, status: str, doc_id: str) -> None:
        """Record the stat of the file ``source`` was read from (taken by
        :meth:`skip_unchanged_files`) when it read as ``ok``; saved every ``SOURCES_FLUSH`` files
        and by :meth:`flush_sources`."""
        # filled by skip_unchanged_files, which runs lazily upstream of the reads
        stat = self._source_stats.pop(source, None)
        # a file modified within the last moments may be modified again within the same clock
        # tick, leaving its stat unchanged: such files are not remembered (git's "racily clean")
        if stat is not None and status == "ok" and stat[2] < self._recent_ns:
            self._pending_sources.append((*stat, doc_id))
            if len(self._pending_sources) >= SOURCES_FLUSH:
                self.flush_sources()

    def flush_sources(self) -> None:
        """Save the stats :meth:`remember_source` holds."""
        self._save_sources(self._pending_sources)
        self._pending_sources = []

    def _save_sources(self, rows: list[tuple[str, int, int, str]]) -> None:
        if not rows:
            return
        with transaction(self.conn):
            self.conn.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)", rows)

    def _superseded(self, document: Document | EncodedDocument) -> list[str] | None:
        """doc_ids this document replaces, or None when it must not be written at all."""
        rows = self.conn.execute("SELECT doc_id, status, error FROM documents WHERE source = ? OR doc_id = ?",
                                 (document.source, document.doc_id)).fetchall()
        if document.status != "ok":
            if any(r["status"] == "ok" for r in rows):
                log.warning("%s failed (%s); its stored version is kept", document.source, document.error)
                return None
            if any(r["doc_id"] == document.doc_id and r["error"] == document.error for r in rows):
                return None  # the same failure as last time: nothing to write
        return [r["doc_id"] for r in rows]

    def write(self, result: DocumentResult) -> str | None:
        """Store one document's records atomically; returns ``inserted``, ``replaced`` or None.

        None (counted as unchanged) for a failed document whose stored version is kept: a good
        version of the same source, or the same failure recorded before.
        """
        return self.write_encoded([encode_result(result)])[0]

    def write_encoded(self, documents: list[EncodedDocument]) -> list[str | None]:
        """Store documents whose rows are encoded, in one transaction; an action per document
        (``inserted``, ``replaced``, or None as :meth:`write` says)."""
        if not documents:
            return []
        conn = self.conn
        new_run = self.run_id is None
        actions: list[str | None] = []
        try:
            with transaction(conn):
                for document in documents:
                    superseded = self._superseded(document)
                    if superseded is None:
                        actions.append(None)
                        continue
                    if self.run_id is None:
                        self.run_id = conn.execute("INSERT INTO runs(started_at, pid) VALUES (?, ?)",
                                                   (self._started_at, os.getpid())).lastrowid
                    for doc_id in superseded:
                        delete_document(conn, doc_id)
                    for table in TABLES:
                        conn.executemany(self._insert[table], document.rows[table])
                    conn.executemany("INSERT OR IGNORE INTO record_themes VALUES (?, ?, ?, ?)",
                                     document.rows["record_themes"])
                    actions.append(REPLACED if superseded else INSERTED)
                if any(actions):
                    conn.execute("INSERT OR REPLACE INTO store_meta(key, value) VALUES ('derived_stale', '1')")
        except BaseException:
            if new_run:  # the runs row was rolled back with the documents
                self.run_id = None
            raise
        for document, action in zip(documents, actions):
            if action is None:
                self.actions[UNCHANGED] += 1
                continue
            for table in TABLES:
                self.records[table] += len(document.rows[table])
            self.actions[action] += 1
        return actions

    def totals(self) -> dict[str, int]:
        return table_counts(self.conn)


def refresh_document_themes(conn: sqlite3.Connection, doc_ids: Iterable[str] | None = None) -> None:
    """Set ``documents.themes``/``theme_scores`` (and their ``record_themes`` rows) from the stored
    sentences of the documents ``doc_ids`` (default: every document); call inside a transaction."""
    import json

    from pipeline.records import document_themes

    if doc_ids is None:
        doc_ids = [r[0] for r in conn.execute("SELECT doc_id FROM documents")]
    for doc_id in doc_ids:
        sentence_themes = [json.loads(r[0] or "[]") for r in conn.execute(
            "SELECT themes FROM statements WHERE doc_id = ?", (doc_id,))]
        themes, scores = document_themes(sentence_themes) if sentence_themes else ([], {})
        conn.execute("UPDATE documents SET themes = ?, theme_scores = ? WHERE doc_id = ?",
                     (json.dumps(themes), json.dumps(scores), doc_id))
        conn.execute("DELETE FROM record_themes WHERE record_table = 'documents' AND doc_id = ?", (doc_id,))
        conn.executemany("INSERT INTO record_themes VALUES ('documents', ?, ?, ?)",
                         [(doc_id, doc_id, theme) for theme in themes])


def _themes_of_span(start: int, end: int, statements: list[tuple[int, int, list[str]]]) -> list[str]:
    """Themes of the sentences a span overlaps, without repeats (as :func:`pipeline.themes.statements.themes_of_span` assigns them)."""
    themes: list[str] = []
    for st_start, st_end, st_themes in statements:
        if st_start < end and start < st_end:
            themes.extend(t for t in st_themes if t not in themes)
    return themes


def set_statement_themes(store_path: str | Path, updates: Iterable[tuple[str, str, list[str]] | dict]) -> int:
    """Set the themes of sentences from an analyst's review, in one transaction.

    Each sentence gets ``themes_source = "review"``; ``record_themes`` follows, and so do the
    themes of the quotes and claims standing in the documents touched (a quote's themes are
    those of the sentences it overlaps). The FTS indexes are untouched: text does not change.

    Parameters
    ----------
    store_path : str or Path
        The store file, or a folder holding ``pipeline.sqlite``.
    updates : iterable of (doc_id, statement_id, themes) tuples, or of dicts with those keys
        The corrected themes of each sentence.

    Returns
    -------
    int
        How many sentences were updated (unknown ``(doc_id, statement_id)`` pairs are ignored).
    """
    from pipeline.store.db import open_store, resolve_store_path

    with store_lock(resolve_store_path(store_path), purpose="review import"):
        return _set_statement_themes(open_store(store_path, read_only=False), updates)


def _set_statement_themes(conn, updates) -> int:
    import json

    from pipeline.records import THEMES

    touched: set[str] = set()
    updated = 0
    try:
        conn.execute("BEGIN IMMEDIATE")
        for update in updates:
            if isinstance(update, dict):
                doc_id, statement_id, themes = update["doc_id"], update["statement_id"], update["themes"]
            else:
                doc_id, statement_id, themes = update
            unknown = [t for t in themes if t not in THEMES]
            if unknown:
                raise ValueError(f"unknown themes {unknown} for {doc_id}/{statement_id}: choose from {THEMES}")
            themes = [t for t in THEMES if t in themes]  # taxonomy order, no repeats
            cursor = conn.execute(
                "UPDATE statements SET themes = ?, themes_source = 'review' WHERE doc_id = ? AND statement_id = ?",
                (json.dumps(themes), doc_id, statement_id))
            if cursor.rowcount:
                updated += 1
                touched.add(doc_id)
                conn.execute("DELETE FROM record_themes WHERE record_table = 'statements' AND doc_id = ? "
                             "AND record_id = ?", (doc_id, statement_id))
                conn.executemany("INSERT INTO record_themes VALUES ('statements', ?, ?, ?)",
                                 [(doc_id, statement_id, t) for t in themes])
        refresh_document_themes(conn, touched)
        for doc_id in touched:
            statements = [(r["start"], r["end"], json.loads(r["themes"])) for r in conn.execute(
                'SELECT start, "end", themes FROM statements WHERE doc_id = ? ORDER BY start', (doc_id,))]
            for table in ("quotes", "claims"):
                id_field = RECORD_ID[table]
                conn.execute("DELETE FROM record_themes WHERE record_table = ? AND doc_id = ?", (table, doc_id))
                for row in conn.execute(f'SELECT {id_field} AS id, start, "end" FROM {table} WHERE doc_id = ?',
                                        (doc_id,)).fetchall():
                    themes = _themes_of_span(row["start"], row["end"], statements)
                    conn.execute(f"UPDATE {table} SET themes = ? WHERE doc_id = ? AND {id_field} = ?",
                                 (json.dumps(themes), doc_id, row["id"]))
                    conn.executemany("INSERT INTO record_themes VALUES (?, ?, ?, ?)",
                                     [(table, doc_id, row["id"], t) for t in themes])
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    return updated
