"""Datasette plugin for the store: every record's text links to its span shown in its document.

It also serves the document view of ``ngo-pipeline show`` at ``/-/document/<doc_id>`` (every
record highlighted; ``?start=&end=`` selects a span), linked from the span_in_context page,
query rows with a ``doc_id`` and document titles.

It guards the server too (:mod:`pipeline.view.guard`): only local Host headers, only GET and
HEAD, and SQLite limits on every connection so one query cannot take the memory.
"""
from __future__ import annotations

from urllib.parse import urlencode

from datasette import hookimpl
from markupsafe import Markup, escape

from pipeline.records import RECORD_TYPES
from pipeline.store.schema import BROWSER_VIEWS
from pipeline.view import guard

# tables and views whose rows are spans of a document (doc_id, start, end, text)
SPAN_SOURCES = frozenset({table for table, rt in RECORD_TYPES.items() if rt.record is not None} | set(BROWSER_VIEWS))
CONTEXT_QUERY = "span_in_context"


DOCUMENT_ROUTE = "/-/document/"  # the document view (pipeline.view.document), served by register_routes
PLUGIN_NAME = "ngo_pipeline"  # its configuration in the metadata: {"bound_host": ..., "allow_hosts": [...]}


def _field(row, key):
    try:
        value = row[key]
    except (KeyError, IndexError, TypeError):
        return None
    return value.get("value") if isinstance(value, dict) else value  # an expanded foreign key


def document_view_url(datasette, doc_id, start=None, end=None) -> str:
    """URL of the document view of ``doc_id``, with the span start:end selected when given."""
    query = f"?{urlencode({'start': start, 'end': end})}" if start is not None and end is not None else ""
    return datasette.urls.path(DOCUMENT_ROUTE + str(doc_id)) + query


@hookimpl
def asgi_wrapper(datasette):
    def allowed():
        config = datasette.plugin_config(PLUGIN_NAME) or {}
        return guard.allowed_hosts(config.get("bound_host"), config.get("allow_hosts", ()))

    return lambda app: guard.LocalReadOnly(app, allowed)


@hookimpl
def prepare_connection(conn):
    guard.limit_connection(conn)


@hookimpl
def register_routes(datasette):
    return [(r"^/-/document/(?P<doc_id>[^/]+)$", document_view)]


async def document_view(datasette, request):
    """The document with every record highlighted (``ngo-pipeline show``), ?start=&end= selected."""
    from datasette.utils.asgi import Response

    from pipeline.view.document import DocumentLookupError, document_page

    doc_id = request.url_vars["doc_id"]
    selection = None
    try:
        if "start" in request.args and "end" in request.args:
            selection = (int(request.args["start"]), int(request.args["end"]))
    except ValueError:
        return Response.text("start and end must be whole numbers", status=400)
    db = datasette.get_database()
    home = datasette.urls.database(db.name)
    try:
        page = await db.execute_fn(lambda conn: document_page(conn, doc_id, home_url=home, selection=selection))
    except DocumentLookupError as exc:
        return Response.text(str(exc), status=404)
    return Response.html(page)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if column == "span" and table is None and isinstance(value, str):  # the span_in_context query
        return Markup(f"<mark>{escape(value)}</mark>")
    # a document's title (its table, and query rows such as span_in_context) opens the document view
    if value is not None and ((table == "documents" and column == "title")
                              or (table is None and column in ("title", "doc_id"))):
        doc_id = _field(row, "doc_id")
        if doc_id is not None:
            url = document_view_url(datasette, doc_id, _field(row, "start"), _field(row, "end"))
            return Markup(f'<a href="{escape(url)}" title="open the document view">{escape(value)}</a>')
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
