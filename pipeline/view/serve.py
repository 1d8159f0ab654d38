"""Open the store in Datasette, read-only, with metadata that makes it useful at once.

Titles and descriptions for every table, full-text search on quotes and statements, facets
on speaker, organisation, theme and publication date, canned queries, and a link from every
record to its span shown in its document (see :mod:`pipeline.view.datasette_plugin`).

The server answers local Host headers only, GET and HEAD only, and every query runs under a
time limit, a row cap and SQLite's size limits (:mod:`pipeline.view.guard`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.records import RECORD_TYPES, THEMES_FACET, RecordType
from pipeline.store.schema import CONTEXT_CHARS, SPAN_MARKS

SQL_TIME_LIMIT_MS = 1000  # Datasette stops a query after this (checked between SQLite instructions)
MAX_RETURNED_ROWS = 1000  # rows of one query or page, at most


def _record_table_metadata(rt: RecordType) -> dict[str, Any]:
    """Datasette's metadata of a record table, from its description (pipeline.records.RECORD_TYPES)."""
    meta: dict[str, Any] = {"title": rt.title, "description": rt.description, "facets": list(rt.facets)}
    if rt.record is None:
        meta["label_column"] = "title"  # documents: a record's doc_id shows its document's title
    if rt.full_text:
        meta.update(fts_table=f"{rt.table}_fts", searchmode="raw")
    return meta


TABLES_METADATA: dict[str, dict[str, Any]] = {
    **{table: _record_table_metadata(rt) for table, rt in RECORD_TYPES.items()},
    "quote_browser": {
        "title": "Quotes with their documents",
        "description": "Quotes with the publication date, document title and the quote shown in its text "
                       f"(between {SPAN_MARKS[0]} {SPAN_MARKS[1]}). Full-text search on the quote text.",
        "facets": ["speaker", "speaker_org", "published", THEMES_FACET],
        "fts_table": "quotes_fts",
        "fts_pk": "quote_rowid",
        "searchmode": "raw",
    },
    "statement_browser": {
        "title": "Statements with their documents",
        "description": "Sentences with the publishing organisation, date and title. Full-text search.",
        "facets": ["organisation", "published", THEMES_FACET],
        "fts_table": "statements_fts",
        "fts_pk": "statement_rowid",
        "searchmode": "raw",
    },
    "claim_browser": {
        "title": "Figures with their documents",
        "description": "Numeric claims with the publication date, title and the figure shown in its text.",
        "facets": ["counted", "event", "source", "published", THEMES_FACET],
    },
    "figure_browser": {
        "title": "Statistics: every figure across publications",
        "description": "Each claim of each statistic of the figures ledger (the same thing counted, event, place and "
                       "period across publications), with its publisher, source and span in its text.",
        "facets": ["statistic", "publisher", "source", "published"],
    },
    "statistics": {
        "title": "Statistics across publications",
        "description": "The figures ledger: claims that report the same quantity, grouped across documents, with "
                       "their range of values and how many discrepancies they hold (docs/ledger.md).",
        "label_column": "label",
        "facets": ["counted", "event", "location", "cumulative"],
        "sort_desc": "n_documents",
    },
    "statistic_claims": {"title": "Claim → statistic", "description": "Which statistic each claim belongs to "
                         "(null: not comparable), with its value range and source."},
    "discrepancies": {
        "title": "Discrepancies",
        "description": "Pairs of claims of one statistic that cannot both be true: same source with another value, "
                       "a running total that goes down, a sub-count above its total, a figure its cited source "
                       "states otherwise.",
        "facets": ["kind"],
    },
    "ledger_stale": {"title": "Ledger: statistics to refresh", "hidden": True},
    "speakers": {
        "title": "Speakers across documents",
        "description": "One row per speaker across publications (a surname alone is linked to the full name "
                       "when only one person carries it): roles, organisations, quote count, first and last "
                       "publication quoting them.",
        "label_column": "name",
        "facets": ["speaker_type"],
    },
    "quote_speakers": {"title": "Quote → speaker", "description": "Which speaker row each quote belongs to."},
    "quote_groups": {
        "title": "Repeated quotes",
        "description": "Identical or near-identical quotes carried by several publications; is_first marks "
                       "the first publication that carried them.",
        "facets": ["is_first"],
    },
    "record_themes": {"title": "Themes of records", "description": "One row per (record, theme).",
                      "facets": ["theme", "record_table"]},
    "store_meta": {"title": "Store metadata", "description": "Schema version and timestamps.", "hidden": True},
}

CANNED_QUERIES: dict[str, dict[str, str]] = {
    "quotes_by_speaker": {
        "title": "Quotes by speaker",
        "description": "Every quote of a speaker across publications (part of a name is enough; leave empty "
                       "for all), oldest first.",
        "sql": """select sp.name as speaker, q.speaker_role, q.speaker_org, d.published, d.title,
  q.text, q.doc_id, q.start, q."end"
from speakers sp
join quote_speakers qs on qs.speaker_id = sp.speaker_id
join quotes q on q.doc_id = qs.doc_id and q.quote_id = qs.quote_id
join documents d on d.doc_id = q.doc_id
where :speaker = '' or sp.name like '%' || :speaker || '%' or sp.aliases like '%' || :speaker || '%'
order by sp.name, d.published, q.start""",
    },
    "figures_by_counted": {
        "title": "Figures by what is counted",
        "description": "How many figures count each thing (child, civilian, detainee...), in how many "
                       "publications, with the smallest and largest value.",
        "sql": """select counted, unit, count(*) as figures, count(distinct doc_id) as documents,
  min(value) as smallest, max(value) as largest
from claims
where counted is not null and (:counted = '' or counted like '%' || :counted || '%')
group by counted, unit
order by figures desc""",
    },
    "figures_counting": {
        "title": "Figures counting one thing",
        "description": "Every figure that counts what you name, newest publication first.",
        "sql": """select c.counted, c.value, c.value_max, c.qualifier, c.event, c.period, c.location, c.source,
  d.published, d.title, c.text, c.doc_id, c.start, c."end"
from claims c join documents d on d.doc_id = c.doc_id
where c.counted = :counted
order by d.published desc, c.start""",
    },
    "documents_by_theme": {
        "title": "Documents by theme",
        "description": "For each theme (or the one you name), the documents with the most sentences about it.",
        "sql": """select rt.theme, d.title, d.organisation, d.published, count(*) as sentences, d.doc_id
from record_themes rt join documents d on d.doc_id = rt.doc_id
where rt.record_table = 'statements' and (:theme = '' or rt.theme = :theme)
group by rt.theme, d.doc_id
order by rt.theme, sentences desc""",
    },
    "span_in_context": {
        "title": "A record in its document",
        "description": f"The span start:end of a document, with {CONTEXT_CHARS} characters either side. "
                       "Every record's text links here.",
        # parameters arrive as text: cast them, or min() would compare text with a number
        "sql": f"""with span as (select cast(:start as integer) as s, cast(:end as integer) as e)
select d.title, d.organisation, d.published, d.source,
  substr(d.text, max(1, span.s - {CONTEXT_CHARS - 1}), min(span.s, {CONTEXT_CHARS})) as before,
  substr(d.text, span.s + 1, span.e - span.s) as span,
  substr(d.text, span.e + 1, {CONTEXT_CHARS}) as after,
  d.doc_id, span.s as start, span.e as "end"
from documents d, span where d.doc_id = :doc_id""",  # start/end: the link to the document view
    },
}


def database_name(store: str | Path) -> str:
    """The name Datasette gives the store's database: the file name without its suffix."""
    return Path(store).stem


def metadata(store: str | Path, plugin_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Datasette metadata for the store file ``store`` (``plugin_config``: our plugin's)."""
    from pipeline.view.datasette_plugin import PLUGIN_NAME

    return {
        "plugins": {PLUGIN_NAME: plugin_config or {}},
        "title": "ngo-pipeline records",
        "description": "Quotes, figures, dates, entities and themes extracted from NGO publications. Every "
                       "record links to its span in the document it came from.",
        "databases": {
            database_name(store): {
                "title": "NGO publications",
                "tables": TABLES_METADATA,
                "queries": CANNED_QUERIES,
            }
        },
    }


def build_datasette(store: str | Path, *, host: str = "127.0.0.1", allow_hosts: tuple[str, ...] = ()):
    """A read-only Datasette instance over the store (opened immutable), with our plugin.

    Parameters
    ----------
    store : str or Path
        The store file.
    host : str
        The address the server is bound to: a request may name it in its Host header.
    allow_hosts : tuple of str
        More names a Host header may carry (besides localhost, 127.0.0.1, ::1 and ``host``).
    """
    from datasette.app import Datasette
    from datasette.plugins import pm

    from pipeline.store.db import open_store
    from pipeline.view import datasette_plugin

    open_store(store).close()  # a clear error for a missing store or another schema version
    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="ngo_pipeline")
    config = {"bound_host": host, "allow_hosts": list(allow_hosts)}
    return Datasette(
        [], immutables=[str(store)], metadata=metadata(store, config),
        settings={"default_page_size": 50, "sql_time_limit_ms": SQL_TIME_LIMIT_MS,
                  "max_returned_rows": MAX_RETURNED_ROWS, "facet_time_limit_ms": 500},
    )


def serve(store: str | Path, *, host: str = "127.0.0.1", port: int = 8001, allow_hosts: tuple[str, ...] = ()) -> None:
    """Serve the store until interrupted, holding its lock (shared) all the while.

    The store is opened immutable, so a run writing it meanwhile would show torn pages:
    with the lock, such a run fails at once naming this server, and a store being written by
    a run is not served (:class:`~pipeline.store.db.StoreLocked` names the run).
    """
    import uvicorn
    from datasette.cli import run_sync

    from pipeline.store.db import store_lock

    with store_lock(store, shared=True, timeout=0, purpose="serve"):
        ds = build_datasette(store, host=host, allow_hosts=allow_hosts)
        run_sync(ds.invoke_startup)
        uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
