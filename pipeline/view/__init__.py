"""See the records: one document with every record highlighted, and a batch report with charts.

- :func:`render_document` / :func:`write_document_view` (``ngo-pipeline show``): the document's
  text rendered by displaCy's span visualiser, entities, quotes (coloured by speaker), numeric
  claims and dates highlighted, a side panel listing every record with its fields.
- :func:`render_report` / :func:`write_report` (``ngo-pipeline report``): documents per period
  by organisation, statements per theme over time, top speakers, largest figures, every quote in
  a sortable table; charts are matplotlib SVG inlined in one offline HTML file.

>>> from pipeline.view import write_document_view, write_report          # doctest: +SKIP
>>> write_document_view("outputs", "000_ca1ee3d6306f0e94.txt", "seed.html")  # doctest: +SKIP
>>> write_report("outputs", "report.html", date_from="2021")               # doctest: +SKIP
"""
from pipeline.view.document import (
    DocumentLookupError,
    find_document,
    render_document,
    write_document_view,
)
from pipeline.view.report import ReportError, render_report, write_report

__all__ = [
    "DocumentLookupError", "find_document", "render_document", "write_document_view",
    "ReportError", "render_report", "write_report",
]
