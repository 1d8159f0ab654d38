"""Read the ledger: statistics with filters, one statistic's timeline, its discrepancies.

Used by ``ngo-pipeline figures``, the report's figures section and the tests; every row is a
plain dict, ready for JSON or CSV.
"""
from __future__ import annotations

import calendar
import sqlite3
from datetime import date
from typing import Any

from pipeline.store.ledger.sources import SourceNames

STATISTIC_FIELDS = ("statistic_id", "label", "counted", "event", "location", "period", "cumulative", "unit",
                    "n_claims", "n_documents", "n_sources", "first_published", "last_published",
                    "min_value", "max_value", "latest_value", "n_discrepancies")
CLAIM_FIELDS = ("published", "publisher", "title", "source", "text", "value", "value_max", "qualifier",
                "doc_id", "claim_id", "start", "end")
DISCREPANCY_FIELDS = ("kind", "detail", "doc_id_a", "claim_id_a", "published_a", "text_a",
                      "doc_id_b", "claim_id_b", "published_b", "text_b")


class LedgerError(ValueError):
    """A bad filter or an unknown statistic."""


def _day(value: str, end: bool) -> str:
    """``2021`` -> ``2021-01-01`` (or ``2021-12-31`` as an end); ``2021-02`` -> ``2021-02-28``."""
    parts = value.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
        day = int(parts[2]) if len(parts) > 2 else (calendar.monthrange(year, month)[1] if end else 1)
        if len(parts) > 3:
            raise ValueError(value)
        return date(year, month, day).isoformat()
    except (ValueError, IndexError, calendar.IllegalMonthError) as exc:
        raise LedgerError(f"not a date (YYYY[-MM[-DD]]): {value!r}") from exc


def period_bounds(period: str | None, last_published: str | None) -> tuple[str | None, str | None]:
    """First and last day a statistic's period covers (a running total runs to its last publication)."""
    if not period:
        return None, None
    if period.startswith("since:"):
        return _day(period[6:], False), _day(last_published, True) if last_published else None
    if period.startswith("as-of:"):
        period = period[6:]
    start, _, end = period.partition("/")
    return _day(start, False), _day(end or start, True)


def statistics(conn: sqlite3.Connection, *, counted: str | None = None, event: str | None = None,
               location: str | None = None, date_from: str | None = None, date_to: str | None = None,
               source: str | None = None, discrepancies: bool = False, min_documents: int = 1,
               limit: int = 50) -> list[dict[str, Any]]:
    """Statistics matching every filter, those stated by most publications first.

    ``counted``, ``event`` and ``location`` match part of the word ("civilian" matches
    "civilian"; "Syria" matches "north-west Syria"); ``date_from``/``date_to`` keep statistics whose
    period meets the range; ``source`` keeps those with a claim attributed to (or published by)
    that source ("SNHR" = "Syrian Network for Human Rights").
    """
    where, params = ["n_documents >= ?"], [min_documents]
    for column, value in (("counted", counted), ("event", event), ("location", location)):
        if value:
            where.append(f"{column} LIKE ?")
            params.append(f"%{value}%")
    if discrepancies:
        where.append("n_discrepancies > 0")
    if source:
        key = SourceNames.from_store(conn).key(source)
        where.append("statistic_id IN (SELECT statistic_id FROM statistic_claims WHERE source LIKE ? "
                     "OR publisher LIKE ?)")
        params += [f"%{key}%", f"%{key}%"]
    lo = _day(date_from, False) if date_from else None
    hi = _day(date_to, True) if date_to else None
    rows = conn.execute(f"SELECT {', '.join(STATISTIC_FIELDS)} FROM statistics WHERE {' AND '.join(where)} "
                        "ORDER BY n_documents DESC, n_claims DESC, n_discrepancies DESC, label", params)
    found = []
    for row in rows:
        if lo or hi:
            start, end = period_bounds(row["period"], row["last_published"])
            if start is None or (hi and start > hi) or (lo and end and end < lo):
                continue
        found.append(dict(row))
        if len(found) >= limit:
            break
    return found


def resolve(conn: sqlite3.Connection, statistic_id: str) -> dict[str, Any]:
    """A statistic by its id or an unambiguous prefix of it (at least 6 characters)."""
    prefix = statistic_id.strip().lower()
    if len(prefix) < 6 or not all(c in "0123456789abcdef" for c in prefix):
        raise LedgerError(f"not a statistic id (6 to 16 hex characters): {statistic_id!r}")
    rows = conn.execute(f"SELECT {', '.join(STATISTIC_FIELDS)} FROM statistics WHERE statistic_id >= ? "
                        "AND statistic_id < ? LIMIT 2", (prefix, prefix + "g")).fetchall()
    if not rows:
        raise LedgerError(f"no statistic {statistic_id!r} in this store (ngo-pipeline figures lists them)")
    if len(rows) > 1:
        raise LedgerError(f"{statistic_id!r} is the start of several statistic ids: give more of it")
    return dict(rows[0])


def timeline(conn: sqlite3.Connection, statistic_id: str) -> list[dict[str, Any]]:
    """Every claim of one statistic, oldest publication first, with its span."""
    rows = conn.execute(
        "SELECT d.published, d.organisation AS publisher, d.title, c.source, c.text, c.value, c.value_max, "
        "c.qualifier, c.doc_id, c.claim_id, c.start, c.\"end\" FROM statistic_claims sc "
        "JOIN claims c ON c.doc_id = sc.doc_id AND c.claim_id = sc.claim_id "
        "JOIN documents d ON d.doc_id = sc.doc_id WHERE sc.statistic_id = ? "
        "ORDER BY d.published, d.doc_id, c.start", (statistic_id,))
    return [dict(r) for r in rows]


def discrepancies_of(conn: sqlite3.Connection, statistic_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Discrepancies with both claims' spans (of one statistic, or all)."""
    sql = ("SELECT x.statistic_id, x.kind, x.detail, x.doc_id_a, x.claim_id_a, da.published AS published_a, "
           "ca.text AS text_a, ca.start AS start_a, ca.\"end\" AS end_a, x.doc_id_b, x.claim_id_b, "
           "db.published AS published_b, cb.text AS text_b, cb.start AS start_b, cb.\"end\" AS end_b "
           "FROM discrepancies x JOIN claims ca ON ca.doc_id = x.doc_id_a AND ca.claim_id = x.claim_id_a "
           "JOIN claims cb ON cb.doc_id = x.doc_id_b AND cb.claim_id = x.claim_id_b "
           "JOIN documents da ON da.doc_id = x.doc_id_a JOIN documents db ON db.doc_id = x.doc_id_b")
    params: tuple = ()
    if statistic_id:
        sql += " WHERE x.statistic_id = ?"
        params = (statistic_id,)
    return [dict(r) for r in conn.execute(sql + " ORDER BY x.statistic_id, x.kind LIMIT ?", params + (limit,))]
