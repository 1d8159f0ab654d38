"""The store's tables, derived from the record dataclasses so the two never drift apart.

Every record table has exactly the fields of its record in :mod:`pipeline.records`, in the
same order, with ``doc_id`` first; list and dict fields are stored as JSON text. Beside them:

- ``record_themes``: one row per (record, theme), so themes can be filtered with an index;
- ``speakers`` and ``quote_speakers``: one speaker across documents ("Laila Kiki" = "Kiki");
- ``quote_groups``: identical or near-identical quotes repeated across publications;
- ``statistics``, ``statistic_claims`` and ``discrepancies``: the figures ledger, claims that
  report the same quantity across publications and where they disagree (``docs/ledger.md``);
- ``quotes_fts`` / ``statements_fts``: FTS5 indexes over the quote and sentence text;
- ``runs`` and ``outcomes``: every run, and what happened to each of its input paths
  (``ok``, ``skipped`` or ``error`` with its kind; see ``docs/robustness.md``);
- ``store_meta``: the schema version the store was written with;
- ``sources``: the size and modification time of each file last read, so a re-run skips an
  unchanged file without reading it (a cache: deleting its rows only costs a re-read).
"""
from __future__ import annotations

import dataclasses
import typing
from functools import lru_cache

from pipeline.records import RECORD_TYPES

STORE_NAME = "pipeline.sqlite"

# every record table, its id, its indexes, whether it carries themes or has a full-text index:
# read from the one description of each record type (pipeline.records.RECORD_TYPES)
RECORD_CLASSES = {table: rt.record for table, rt in RECORD_TYPES.items() if rt.record is not None}

# (name, SQL type) of Document.to_record(), which is not a plain dataclass dump
DOCUMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("doc_id", "TEXT"), ("source", "TEXT"), ("title", "TEXT"), ("organisation", "TEXT"),
    ("published", "TEXT"), ("language", "TEXT"), ("text", "TEXT"), ("n_words", "INTEGER"),
    ("status", "TEXT"), ("error", "TEXT"), ("error_kind", "TEXT"), ("themes", "TEXT"), ("theme_scores", "TEXT"),
)

# the id field that makes (doc_id, id) unique; entities have none (rowid only)
RECORD_ID = {table: rt.id_field for table, rt in RECORD_TYPES.items() if rt.id_field}

# tables whose records carry themes, mirrored into record_themes
THEMED_TABLES = tuple(table for table, rt in RECORD_TYPES.items() if rt.themed)

# tables with a full-text index over their `text` column
FTS_TABLES = tuple(table for table, rt in RECORD_TYPES.items() if rt.full_text)

# extra tables the store derives from the records (rebuilt after every run)
DERIVED_TABLES = ("speakers", "quote_groups", "statistics", "statistic_claims", "discrepancies")

# columns analysts filter by: the record tables' own, then the auxiliary tables'
INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (table, columns) for table, rt in RECORD_TYPES.items() for columns in rt.indexes) + (
    ("record_themes", ("theme", "record_table")),
    ("outcomes", ("source",)),
    ("quote_speakers", ("speaker_id",)),
    ("quote_groups", ("doc_id", "quote_id")),
    ("statistic_claims", ("statistic_id",)),
    ("statistic_claims", ("total_statistic_id",)),
    ("statistics", ("counted", "event")),
    ("discrepancies", ("doc_id_a",)),
    ("discrepancies", ("doc_id_b",)),
)

_SQL_TYPES = {str: "TEXT", int: "INTEGER", float: "REAL", bool: "INTEGER"}


def quote_name(name: str) -> str:
    """An identifier quoted for SQL (``end`` is a keyword)."""
    return '"' + name.replace('"', '""') + '"'


def _sql_type(annotation) -> tuple[str, bool]:
    """SQL type of a field annotation and whether it is stored as JSON text."""
    origin = typing.get_origin(annotation)
    if origin in (list, dict) or annotation in (list, dict):
        return "TEXT", True
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args:  # Optional[X] / X | None
        return _sql_type(args[0])
    return _SQL_TYPES.get(annotation, "TEXT"), False


@lru_cache(maxsize=None)
def columns(table: str) -> tuple[tuple[str, str], ...]:
    """(name, SQL type) of every column of a record table, ``doc_id`` first."""
    if table == "documents":
        return DOCUMENT_COLUMNS
    cls = RECORD_CLASSES[table]
    hints = typing.get_type_hints(cls)
    return (("doc_id", "TEXT"),) + tuple((f.name, _sql_type(hints[f.name])[0]) for f in dataclasses.fields(cls))


@lru_cache(maxsize=None)
def json_columns(table: str) -> frozenset[str]:
    """Columns of a table stored as JSON text (list and dict fields)."""
    if table in RECORD_CLASSES:
        hints = typing.get_type_hints(RECORD_CLASSES[table])
        return frozenset(f.name for f in dataclasses.fields(RECORD_CLASSES[table]) if _sql_type(hints[f.name])[1])
    return frozenset(DERIVED_JSON_COLUMNS.get(table, ()))


DERIVED_JSON_COLUMNS = {"speakers": ("aliases", "roles", "organisations"), "documents": ("themes", "theme_scores")}


def _record_table_ddl(table: str) -> str:
    cols = []
    for name, sql_type in columns(table):
        col = f"{quote_name(name)} {sql_type}"
        if table == "documents" and name == "doc_id":
            col += " PRIMARY KEY"
        elif name == "doc_id":
            # declared so Datasette links every record to its document
            col += " NOT NULL REFERENCES documents(doc_id)"
        cols.append(col)
    if table in RECORD_ID:
        cols.append(f"PRIMARY KEY (doc_id, {RECORD_ID[table]})")
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  " + ",\n  ".join(cols) + "\n)"


def _fts_ddl(table: str) -> list[str]:
    # content="..." in DOUBLE quotes: Datasette only detects the FTS table of a table that way
    fts = f"{table}_fts"
    return [
        f'CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(text, content="{table}", '
        f'tokenize="porter unicode61")',
        f"CREATE TRIGGER IF NOT EXISTS {table}_fts_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, text) VALUES (new.rowid, new.text); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_fts_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, text) VALUES ('delete', old.rowid, old.text); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_fts_update AFTER UPDATE OF text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, text) VALUES ('delete', old.rowid, old.text); "
        f"INSERT INTO {fts}(rowid, text) VALUES (new.rowid, new.text); END",
    ]


# file -> doc_id it held when last read, with the stat that proves it is still the same file;
# trusted only while that doc_id is stored with status ok (see StoreWriter.skip_unchanged_files)
SOURCES_DDL = """CREATE TABLE IF NOT EXISTS sources (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  doc_id TEXT NOT NULL
)"""

AUXILIARY_DDL = (
    """CREATE TABLE IF NOT EXISTS store_meta (
  key TEXT PRIMARY KEY,
  value TEXT
)""",
    # one row per run; finished_at stays NULL for a run that was killed or crashed
    """CREATE TABLE IF NOT EXISTS runs (
  run_id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  pid INTEGER,
  inputs INTEGER,
  ok INTEGER,
  skipped INTEGER,
  errors INTEGER
)""",
    # what happened to every input path of every run (docs/robustness.md)
    """CREATE TABLE IF NOT EXISTS outcomes (
  run_id INTEGER NOT NULL REFERENCES runs(run_id),
  source TEXT NOT NULL,
  outcome TEXT NOT NULL,
  kind TEXT,
  message TEXT,
  doc_id TEXT,
  PRIMARY KEY (run_id, source)
)""",
    """CREATE TABLE IF NOT EXISTS record_themes (
  record_table TEXT NOT NULL,
  doc_id TEXT NOT NULL REFERENCES documents(doc_id),
  record_id TEXT NOT NULL,
  theme TEXT NOT NULL,
  PRIMARY KEY (record_table, doc_id, record_id, theme)
)""",
    """CREATE TABLE IF NOT EXISTS speakers (
  speaker_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  speaker_type TEXT,
  aliases TEXT,
  roles TEXT,
  organisations TEXT,
  n_quotes INTEGER,
  n_documents INTEGER,
  first_quoted TEXT,
  last_quoted TEXT
)""",
    """CREATE TABLE IF NOT EXISTS quote_speakers (
  doc_id TEXT NOT NULL REFERENCES documents(doc_id),
  quote_id TEXT NOT NULL,
  speaker_id INTEGER NOT NULL REFERENCES speakers(speaker_id),
  PRIMARY KEY (doc_id, quote_id)
)""",
    """CREATE TABLE IF NOT EXISTS quote_groups (
  group_id INTEGER NOT NULL,
  doc_id TEXT NOT NULL REFERENCES documents(doc_id),
  quote_id TEXT NOT NULL,
  published TEXT,
  is_first INTEGER NOT NULL,
  first_doc_id TEXT REFERENCES documents(doc_id),
  first_published TEXT,
  similarity REAL,
  PRIMARY KEY (group_id, doc_id, quote_id)
)""",
    # the figures ledger (pipeline/store/ledger, docs/ledger.md): every claim keyed once...
    """CREATE TABLE IF NOT EXISTS statistic_claims (
  doc_id TEXT NOT NULL REFERENCES documents(doc_id),
  claim_id TEXT NOT NULL,
  statistic_id TEXT REFERENCES statistics(statistic_id),
  total_statistic_id TEXT REFERENCES statistics(statistic_id),
  published TEXT,
  source TEXT,
  cited INTEGER NOT NULL,
  dated INTEGER NOT NULL,
  publisher TEXT,
  value REAL,
  low REAL,
  high REAL,
  PRIMARY KEY (doc_id, claim_id)
)""",
    # ...one row per statistic (the claims that report the same quantity)...
    """CREATE TABLE IF NOT EXISTS statistics (
  statistic_id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  unit TEXT NOT NULL,
  counted TEXT NOT NULL,
  event TEXT,
  location TEXT,
  period TEXT,
  cumulative INTEGER NOT NULL,
  n_claims INTEGER NOT NULL,
  n_documents INTEGER NOT NULL,
  n_sources INTEGER NOT NULL,
  first_published TEXT,
  last_published TEXT,
  min_value REAL,
  max_value REAL,
  latest_value REAL,
  n_discrepancies INTEGER NOT NULL
)""",
    # ...every discrepancy with its two claims...
    """CREATE TABLE IF NOT EXISTS discrepancies (
  statistic_id TEXT NOT NULL REFERENCES statistics(statistic_id),
  kind TEXT NOT NULL,
  doc_id_a TEXT NOT NULL REFERENCES documents(doc_id),
  claim_id_a TEXT NOT NULL,
  doc_id_b TEXT NOT NULL REFERENCES documents(doc_id),
  claim_id_b TEXT NOT NULL,
  detail TEXT,
  PRIMARY KEY (statistic_id, kind, doc_id_a, claim_id_a, doc_id_b, claim_id_b)
)""",
    # ...and the statistics whose claims changed since the ledger was last updated
    """CREATE TABLE IF NOT EXISTS ledger_stale (
  statistic_id TEXT PRIMARY KEY
)""",
)


# Views for browsing: each record with its document's date and title, and its span shown in
# the document text (SPAN_MARKS around it, CONTEXT_CHARS either side).
SPAN_MARKS = ("⟦", "⟧")
CONTEXT_CHARS = 200


def _in_context(alias: str) -> str:
    return (f"substr(d.text, max(1, {alias}.start - {CONTEXT_CHARS - 1}), min({alias}.start, {CONTEXT_CHARS})) "
            f"|| '{SPAN_MARKS[0]}' || {alias}.text || '{SPAN_MARKS[1]}' "
            f"|| substr(d.text, {alias}.\"end\" + 1, {CONTEXT_CHARS}) AS in_context")


# the views of the records with their documents (see VIEWS_DDL)
BROWSER_VIEWS = ("quote_browser", "statement_browser", "claim_browser", "figure_browser")

VIEWS_DDL = (
    "CREATE VIEW IF NOT EXISTS quote_browser AS SELECT q.rowid AS quote_rowid, d.published, d.title, "
    "q.speaker, q.speaker_role, q.speaker_org, q.kind, q.text, q.themes, q.confidence, "
    f"{_in_context('q')}, q.doc_id, q.quote_id, q.start, q.\"end\" "
    "FROM quotes q JOIN documents d ON d.doc_id = q.doc_id",
    "CREATE VIEW IF NOT EXISTS statement_browser AS SELECT s.rowid AS statement_rowid, d.published, d.title, "
    "d.organisation, s.text, s.themes, s.themes_source, "
    f"{_in_context('s')}, s.doc_id, s.statement_id, s.start, s.\"end\" "
    "FROM statements s JOIN documents d ON d.doc_id = s.doc_id",
    "CREATE VIEW IF NOT EXISTS claim_browser AS SELECT d.published, d.title, c.text, c.value, c.value_max, "
    "c.qualifier, c.unit, c.counted, c.event, c.period, c.location, c.source, c.themes, c.flags, "
    f"{_in_context('c')}, c.doc_id, c.claim_id, c.start, c.\"end\" "
    "FROM claims c JOIN documents d ON d.doc_id = c.doc_id",
    # the ledger: every claim of every statistic, in its document
    "CREATE VIEW IF NOT EXISTS figure_browser AS SELECT s.label AS statistic, s.n_documents, "
    "s.n_discrepancies, d.published, d.organisation AS publisher, d.title, c.text, c.value, c.qualifier, "
    "c.source, "
    f"{_in_context('c')}, s.statistic_id, c.doc_id, c.claim_id, c.start, c.\"end\" "
    "FROM statistic_claims sc JOIN statistics s ON s.statistic_id = sc.statistic_id "
    "JOIN claims c ON c.doc_id = sc.doc_id AND c.claim_id = sc.claim_id JOIN documents d ON d.doc_id = sc.doc_id",
)


def ddl() -> list[str]:
    """Every statement that creates the store's tables, indexes, FTS tables and triggers."""
    from pipeline.records import TABLES

    statements = [_record_table_ddl(t) for t in TABLES]
    statements.extend(AUXILIARY_DDL)
    statements.append(SOURCES_DDL)
    for table, cols in INDEXES:
        name = f"idx_{table}_{'_'.join(cols)}"
        statements.append(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(map(quote_name, cols))})")
    for table in FTS_TABLES:
        statements.extend(_fts_ddl(table))
    statements.extend(VIEWS_DDL)
    return statements


@lru_cache(maxsize=None)
def column_types(table: str) -> tuple[tuple[str, str], ...]:
    """(name, declared SQL type) of every column of any store table (record or derived), in order."""
    import sqlite3

    conn = sqlite3.connect(":memory:")
    try:
        for statement in ddl():
            conn.execute(statement)
        return tuple((r[1], r[2]) for r in conn.execute(f"PRAGMA table_info({table})"))
    finally:
        conn.close()


def table_columns(table: str) -> tuple[str, ...]:
    """Column names of any store table (record or derived), in order."""
    return tuple(name for name, _ in column_types(table))
