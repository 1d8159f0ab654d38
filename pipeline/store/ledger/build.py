"""Build the ledger tables from the stored claims, incrementally.

``statistic_claims`` keys every claim once (its statistic, its value range, its source); a claim
already keyed is never read again. ``statistics`` and ``discrepancies`` are recomputed only for
the statistics that gained or lost a claim in this run (and the totals or sub-counts linked to
them). A document deleted or replaced marks its statistics stale (:func:`forget_document`); a run
that changes nothing does not touch the ledger at all (the writer calls :func:`update_ledger`
only when documents changed).
"""
from __future__ import annotations

import math
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import groupby, islice
from operator import itemgetter
from typing import Iterator

from pipeline.store.ledger.discrepancies import Entry, find, subcount_exceeds_total
from pipeline.store.ledger.keys import StatisticKey, statistic_key, value_range
from pipeline.store.ledger.sources import SourceNames

# SQLite's limit on host parameters is far above this; chunks keep statements short
_CHUNK = 500
# documents keyed per batch of inserts (and per look-up of their main places)
_DOCUMENTS_PER_BLOCK = 200

_NEW_CLAIMS = """
SELECT c.doc_id, c.claim_id, c.text, c.value, c.value_max, c.qualifier, c.unit, c.counted, c.event,
       c.period, c.location, c.part_of, c.source, d.published, d.organisation,
       substr(d.text, c."end" + 1, 60) AS after
FROM claims c JOIN documents d ON d.doc_id = c.doc_id
LEFT JOIN statistic_claims sc ON sc.doc_id = c.doc_id AND sc.claim_id = c.claim_id
WHERE sc.doc_id IS NULL
ORDER BY c.doc_id
"""


@dataclass
class LedgerUpdate:
    """What one update did (``ngo-pipeline run`` logs it; the benchmark prints it)."""

    claims_keyed: int = 0
    statistics_updated: int = 0
    discrepancies: int = 0
    stale: set[str] = field(default_factory=set)


def forget_document(conn: sqlite3.Connection, doc_id: str) -> None:
    """Before a document's claims are deleted: mark its statistics stale, drop its ledger rows and
    the discrepancies that name its claims."""
    conn.execute("INSERT OR IGNORE INTO ledger_stale(statistic_id) SELECT statistic_id FROM statistic_claims "
                 "WHERE doc_id = ? AND statistic_id IS NOT NULL", (doc_id,))
    conn.execute("INSERT OR IGNORE INTO ledger_stale(statistic_id) SELECT total_statistic_id FROM statistic_claims "
                 "WHERE doc_id = ? AND total_statistic_id IS NOT NULL", (doc_id,))
    conn.execute("DELETE FROM statistic_claims WHERE doc_id = ?", (doc_id,))
    conn.execute("DELETE FROM discrepancies WHERE doc_id_a = ? OR doc_id_b = ?", (doc_id, doc_id))


def _in_chunks(ids: list[str]) -> Iterator[tuple[list[str], str]]:
    """``ids`` in chunks of :data:`_CHUNK`, each with its ``?, ?, ...`` placeholders."""
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        yield chunk, ",".join("?" * len(chunk))


def _main_places(conn: sqlite3.Connection, doc_ids: list[str]) -> dict[str, str]:
    """Each document's most named place: the place of a figure whose sentence names none."""
    places: dict[str, str] = {}
    for chunk, marks in _in_chunks(doc_ids):
        rows = conn.execute(
            f"SELECT doc_id, canonical, count(*) AS n FROM entities WHERE label = 'GPE' AND doc_id IN ({marks}) "
            "GROUP BY doc_id, canonical ORDER BY doc_id, n DESC, min(start)", chunk).fetchall()
        for doc_id, group in groupby(rows, key=itemgetter(0)):
            places[doc_id] = next(group)[1]
    return places


def _key_new_claims(conn: sqlite3.Connection, names: SourceNames, update: LedgerUpdate,
                    keys: dict[str, StatisticKey]) -> None:
    """Key the claims not yet in ``statistic_claims``, a block of documents at a time."""
    documents = (list(rows) for _, rows in groupby(conn.execute(_NEW_CLAIMS), key=itemgetter("doc_id")))
    while block := list(islice(documents, _DOCUMENTS_PER_BLOCK)):
        places = _main_places(conn, [rows[0]["doc_id"] for rows in block])
        _insert(conn, [row for rows in block
                       for row in _key_document(rows, places.get(rows[0]["doc_id"]), names, keys)], update)


def _key_document(rows: list[sqlite3.Row], main_place: str | None, names: SourceNames,
                  keys: dict[str, StatisticKey]) -> Iterator[tuple]:
    published = rows[0]["published"] or ""
    publisher = names.key(rows[0]["organisation"]) if rows[0]["organisation"] else ""
    ranges = [value_range(r["value"], r["value_max"], r["qualifier"]) for r in rows]
    found = [statistic_key(r["unit"], r["counted"], r["text"], r["event"], r["location"] or main_place,
                           r["period"], published, r["after"]) if span is not None else None
             for r, span in zip(rows, ranges)]
    # the same figure stated again in the document without its noun (a table cell, "the 519")
    # is the same figure: it takes the key of the stated one
    stated: dict[tuple, StatisticKey] = {}
    for row, key in zip(rows, found):
        if key is not None and _distinctive(row["value"]):
            stated.setdefault((row["unit"], row["value"]), key)
    statistic_of: dict[str, str | None] = {}
    for i, row in enumerate(rows):
        if found[i] is None and not row["counted"] and _distinctive(row["value"]):
            found[i] = stated.get((row["unit"], row["value"]))
        if found[i] is not None:
            keys.setdefault(found[i].statistic_id, found[i])
        statistic_of[row["claim_id"]] = found[i].statistic_id if found[i] is not None else None
    for row, key, span in zip(rows, found, ranges):
        low, high = span or (None, None)
        cited = row["source"] is not None
        statistic_id = key.statistic_id if key is not None else None
        yield (row["doc_id"], row["claim_id"], statistic_id,
               statistic_of.get(row["part_of"]) if row["part_of"] and statistic_id else None,
               published, names.key(row["source"]) if cited else publisher, int(cited),
               int(bool(row["period"])), publisher, row["value"], low,
               None if high is None or math.isinf(high) else high)


def _distinctive(value: float | None) -> bool:
    """A value unlikely to recur by chance in one document (not 1-99, not a round hundred)."""
    return value is not None and value >= 100 and value % 100 != 0


def _insert(conn: sqlite3.Connection, rows: list[tuple], update: LedgerUpdate) -> None:
    conn.executemany("INSERT OR REPLACE INTO statistic_claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    update.claims_keyed += len(rows)
    update.stale.update(r[2] for r in rows if r[2] is not None)
    update.stale.update(r[3] for r in rows if r[3] is not None)


_ENTRY_COLUMNS = ("SELECT sc.statistic_id, sc.doc_id, sc.claim_id, sc.published, sc.source, sc.cited, sc.dated, "
                  "sc.publisher, sc.low, sc.high, c.text, sc.value FROM statistic_claims sc "
                  "JOIN claims c ON c.doc_id = sc.doc_id AND c.claim_id = sc.claim_id ")


def _entries(conn: sqlite3.Connection, statistic_ids: list[str]) -> dict[str, list[Entry]]:
    """The claims of the given statistics. Many statistics (a first build) are read in one pass
    over the table, a few through its index."""
    found: dict[str, list[Entry]] = defaultdict(list)
    wanted = set(statistic_ids)
    if len(statistic_ids) > _CHUNK * 20:
        batches = [conn.execute(_ENTRY_COLUMNS + "WHERE sc.statistic_id IS NOT NULL")]
    else:
        batches = (conn.execute(_ENTRY_COLUMNS + f"WHERE sc.statistic_id IN ({marks})", chunk)
                   for chunk, marks in _in_chunks(statistic_ids))
    for rows in batches:
        for r in rows:
            if r[0] in wanted:
                found[r[0]].append(Entry(r[1], r[2], r[3] or "", r[4] or "", bool(r[5]), bool(r[6]), r[7] or "",
                                         r[8], math.inf if r[9] is None else r[9], r[10] or "", r[11]))
    return found


def _part_links(conn: sqlite3.Connection, statistic_ids: list[str]) -> set[tuple[str, str]]:
    """(sub-count statistic, total statistic) pairs that touch the given statistics."""
    links: set[tuple[str, str]] = set()
    for chunk, marks in _in_chunks(statistic_ids):
        links.update(tuple(r) for r in conn.execute(
            "SELECT DISTINCT statistic_id, total_statistic_id FROM statistic_claims WHERE total_statistic_id IS NOT NULL "
            f"AND (statistic_id IN ({marks}) OR total_statistic_id IN ({marks}))", chunk + chunk))
    return links


def _statistic_row(statistic_id: str, key: StatisticKey, entries: list[Entry], n_discrepancies: int) -> tuple:
    latest = max(entries, key=lambda e: (e.published, e.doc_id, e.claim_id))
    claimed = [e.value for e in entries]
    return (statistic_id, key.label, key.unit, key.counted, key.event, key.location, key.period,
            int(key.cumulative), len(entries), len({e.doc_id for e in entries}), len({e.source for e in entries}),
            min(e.published for e in entries) or None, latest.published or None,
            min(claimed), max(claimed), latest.value, n_discrepancies)


def _stored_keys(conn: sqlite3.Connection, statistic_ids: list[str]) -> dict[str, StatisticKey]:
    keys = {}
    for chunk, marks in _in_chunks(statistic_ids):
        for r in conn.execute("SELECT statistic_id, unit, counted, event, location, period FROM statistics "
                              f"WHERE statistic_id IN ({marks})", chunk):
            keys[r[0]] = StatisticKey(r[1], r[2], r[3], r[4], r[5])
    return keys


def _comparable_parts(part: StatisticKey | None, total: StatisticKey | None) -> bool:
    """A sub-count is checked against its total only when both state the same event, place and
    period and differ in what they count ("children killed in Syria in 2021" of "civilians killed
    in Syria in 2021"): sub-counts of undated or loosely linked figures are not comparable."""
    return (part is not None and total is not None and part.counted != total.counted
            and (part.unit, part.event, part.location, part.period) == (total.unit, total.event, total.location, total.period))


def _refresh(conn: sqlite3.Connection, stale: set[str], keys: dict[str, StatisticKey], update: LedgerUpdate) -> None:
    """Recompute the rows of the stale statistics and every discrepancy that involves them."""
    # a total is recomputed whole when one of its sub-counts changed (its discrepancies name them)
    ids = sorted(stale | {total for part, total in _part_links(conn, sorted(stale)) if part in stale})
    links = _part_links(conn, ids)
    linked = sorted({s for link in links for s in link} - set(ids))
    known = {**_stored_keys(conn, ids + linked), **keys}
    entries = _entries(conn, ids)
    entries.update(_entries(conn, linked))
    for chunk, marks in _in_chunks(ids):
        conn.execute(f"DELETE FROM statistics WHERE statistic_id IN ({marks})", chunk)
        conn.execute(f"DELETE FROM discrepancies WHERE statistic_id IN ({marks})", chunk)
    refreshed = [i for i in ids if entries.get(i) and i in known]
    found = [(i, d) for i in refreshed for d in find(entries[i], known[i].cumulative)]
    found += [(total, d) for part, total in sorted(links)
              if total in refreshed and _comparable_parts(known.get(part), known.get(total))
              for d in subcount_exceeds_total(entries.get(part, []), entries[total])]
    counts = Counter(i for i, _ in found)
    conn.executemany(f"INSERT INTO statistics VALUES ({','.join('?' * 17)})",
                     [_statistic_row(i, known[i], entries[i], counts[i]) for i in refreshed])
    conn.executemany("INSERT OR IGNORE INTO discrepancies VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(i, d.kind, d.a.doc_id, d.a.claim_id, d.b.doc_id, d.b.claim_id, d.detail) for i, d in found])
    update.statistics_updated = len(refreshed)
    update.discrepancies = len(found)


def update_ledger(conn: sqlite3.Connection, *, rebuild: bool = False) -> LedgerUpdate:
    """Key the claims not yet in the ledger and refresh the statistics they touch (call inside a
    transaction). ``rebuild`` starts from empty tables (``ngo-pipeline figures --rebuild``)."""
    if rebuild:
        for table in ("statistic_claims", "statistics", "discrepancies", "ledger_stale"):
            conn.execute(f"DELETE FROM {table}")
    update = LedgerUpdate()
    update.stale.update(r[0] for r in conn.execute("SELECT statistic_id FROM ledger_stale"))
    conn.execute("DELETE FROM ledger_stale")
    keys: dict[str, StatisticKey] = {}
    _key_new_claims(conn, SourceNames.from_store(conn), update, keys)
    if update.stale:
        _refresh(conn, update.stale, keys, update)
    return update
