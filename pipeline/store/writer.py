"""Write document results into the store: one transaction per document, keyed by content hash.

- A document whose ``doc_id`` (hash of its normalised text) is already stored with status
  ``ok`` is *unchanged*: the batch skips it before any parsing.
- A document read from a source path that holds another ``doc_id`` is *changed*: the old
  document's records are deleted and the new ones inserted in the same transaction, so a
  reader never sees both versions, nor neither.
- A document that failed to read never replaces a good version of the same source.
"""
from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from pipeline.records import TABLES, Document, DocumentResult
from pipeline.store.db import connect, create_or_check, encode_row, insert_sql, table_counts
from pipeline.store.schema import RECORD_ID, THEMED_TABLES

log = logging.getLogger(__name__)

INSERTED, REPLACED, UNCHANGED = "inserted", "replaced", "unchanged"


def delete_document(conn: sqlite3.Connection, doc_id: str) -> None:
    """Delete a document and every row that points to it (call inside a transaction)."""
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
    """(record_table, doc_id, record_id, theme) for every theme of every row."""
    id_field = RECORD_ID[table]
    for row in rows:
        for theme in row.get("themes") or ():
            yield table, doc_id, row[id_field], theme


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
    """

    def __init__(self, path: str | Path, *, force: bool = False):
        self.path = Path(path)
        self.force = force
        self.conn = connect(self.path)
        create_or_check(self.conn, self.path)
        self.actions = {INSERTED: 0, REPLACED: 0, UNCHANGED: 0}
        self.records = {t: 0 for t in TABLES}
        self._insert = {t: insert_sql(t) for t in TABLES}

    def __enter__(self) -> "StoreWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None and (self.actions[INSERTED] or self.actions[REPLACED]):
                from pipeline.store.speakers import rebuild_derived_tables

                rebuild_derived_tables(self.conn)
                optimise_fts(self.conn)
                self._touch()
        finally:
            self.conn.close()

    def _touch(self) -> None:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.conn.execute("INSERT OR REPLACE INTO store_meta(key, value) VALUES ('updated_at', ?)", (now,))

    def is_unchanged(self, document: Document) -> bool:
        """True when this exact content is already stored and analysed without error."""
        if self.force or document.status != "ok":
            return False
        row = self.conn.execute("SELECT status FROM documents WHERE doc_id = ?", (document.doc_id,)).fetchone()
        return row is not None and row["status"] == "ok"

    def skip_unchanged(self, documents: Iterable[Document]) -> Iterator[Document]:
        """Pass on only the documents that need analysing; count the others as unchanged."""
        for document in documents:
            if self.is_unchanged(document):
                self.actions[UNCHANGED] += 1
                continue
            yield document

    def _superseded(self, document: Document) -> list[str] | None:
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
        superseded = self._superseded(result.document)
        if superseded is None:
            self.actions[UNCHANGED] += 1
            return None
        rows = result.rows()
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for doc_id in superseded:
                delete_document(conn, doc_id)
            for table in TABLES:
                conn.executemany(self._insert[table], (encode_row(table, r) for r in rows[table]))
            for table in THEMED_TABLES:
                conn.executemany("INSERT OR IGNORE INTO record_themes VALUES (?, ?, ?, ?)",
                                 theme_rows(table, result.doc_id, rows[table]))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        for table in TABLES:
            self.records[table] += len(rows[table])
        action = REPLACED if superseded else INSERTED
        self.actions[action] += 1
        return action

    def totals(self) -> dict[str, int]:
        return table_counts(self.conn)


def _themes_of_span(start: int, end: int, statements: list[tuple[int, int, list[str]]]) -> list[str]:
    """Themes of the sentences a span overlaps, without repeats (as ``analyse_doc`` assigns them)."""
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
    import json

    from pipeline.records import THEMES
    from pipeline.store.db import open_store

    conn = open_store(store_path, read_only=False)
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
