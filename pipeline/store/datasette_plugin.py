"""Datasette plugin for the store: every record's text links to its span shown in its document."""
from __future__ import annotations

from urllib.parse import urlencode

from datasette import hookimpl
from markupsafe import Markup, escape

# tables and views whose rows are spans of a document (doc_id, start, end, text)
SPAN_SOURCES = frozenset({"entities", "quotes", "claims", "dates", "statements",
                          "quote_browser", "statement_browser", "claim_browser"})
CONTEXT_QUERY = "span_in_context"


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if column == "span" and table is None and isinstance(value, str):  # the span_in_context query
        return Markup(f"<mark>{escape(value)}</mark>")
    if column != "text" or not isinstance(value, str):
        return None
    if table is not None and table not in SPAN_SOURCES:
        return None
    try:
        doc_id, start, end = row["doc_id"], row["start"], row["end"]
    except (KeyError, IndexError, TypeError):
        return None
    if isinstance(doc_id, dict):  # a foreign key Datasette expanded to {"value": ..., "label": title}
        doc_id = doc_id.get("value")
    if doc_id is None or start is None or end is None:
        return None
    url = datasette.urls.database(database) + f"/{CONTEXT_QUERY}?" + urlencode(
        {"doc_id": doc_id, "start": start, "end": end})
    return Markup(f'<a href="{escape(url)}" title="show in its document">{escape(value)}</a>')
