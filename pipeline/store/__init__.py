"""The SQLite store: every run's records, searchable, exportable and browsable in Datasette.

``ngo-pipeline run`` writes ``pipeline.sqlite`` (one table per record type, see
:mod:`pipeline.store.schema` and ``docs/store.md``); ``search``, ``export`` and ``serve`` read it.

>>> from pipeline.store import search                         # doctest: +SKIP
>>> search("outputs/pipeline.sqlite", "interpol", org="Families for Freedom")   # doctest: +SKIP
"""
from pipeline.store.db import (
    SchemaMismatch,
    StoreError,
    iter_rows,
    open_store,
    resolve_store_path,
)
from pipeline.store.schema import STORE_NAME
from pipeline.store.search import SearchError, search
from pipeline.store.writer import StoreWriter, set_statement_themes

__all__ = [
    "STORE_NAME", "StoreWriter", "StoreError", "SchemaMismatch", "SearchError", "open_store",
    "resolve_store_path", "iter_rows", "search", "set_statement_themes",
]
