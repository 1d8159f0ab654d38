"""Full-text search over the store: quotes, statements (sentences) and claims.

Quotes and statements have FTS5 indexes (porter stemming, unicode61); a claim is found
through the sentence that states it. Results are ranked by ``bm25`` and carry a snippet
with the matching words marked. Every value from the user is a bound parameter.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from pipeline.records import RECORD_TYPES, THEMES, is_iso_date
from pipeline.store.db import open_store
from pipeline.store.schema import FTS_TOKENIZE

TARGETS = tuple(table for table, rt in RECORD_TYPES.items() if rt.searchable)
SNIPPET_TOKENS = 20  # words of context in a snippet
MAX_LIMIT = 2**63 - 1  # SQLite's largest integer: LIMIT is bound as one


class SearchError(ValueError):
    """A search that cannot run: bad FTS syntax, an unknown theme, a malformed date."""


def like_pattern(value: str) -> str:
    """``%value%`` for LIKE ... ESCAPE '\\', with the user's own % and _ taken literally."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _check_dates(date_from: str | None, date_to: str | None) -> None:
    for name, value in (("from", date_from), ("to", date_to)):
        if value and not is_iso_date(value):
            raise SearchError(f"--{name} {value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD "
                              f"(a day of the calendar)")


def _check_limit(limit: int) -> int:
    if not 0 <= int(limit) <= MAX_LIMIT:
        raise SearchError(f"--limit {limit} is out of range: use 1 to {MAX_LIMIT}")
    return int(limit)


# (alias of the record table, SQL of its id column) per target
_RECORD = {
    "quotes": ("q", "q.quote_id"),
    "statements": ("s", "s.statement_id"),
    "claims": ("c", "c.claim_id"),
}

_SELECT = {
    "quotes": ("q.doc_id, q.quote_id AS record_id, q.kind, q.speaker, q.speaker_role, q.speaker_org, "
               "q.start, q.\"end\", q.text, q.themes"),
    "statements": "s.doc_id, s.statement_id AS record_id, s.start, s.\"end\", s.text, s.themes",
    "claims": ("c.doc_id, c.claim_id AS record_id, c.start, c.\"end\", c.text, c.value, c.qualifier, c.unit, "
               "c.counted, c.event, c.source, c.themes, s.text AS sentence"),
}

# the FTS table, the table whose rowid it indexes (with its alias), and any further join
_FTS = {
    "quotes": ("quotes_fts", "quotes q", ""),
    "statements": ("statements_fts", "statements s", ""),
    "claims": ("statements_fts", "statements s",
               " JOIN claims c ON c.doc_id = s.doc_id AND c.start >= s.start AND c.start < s.\"end\""),
}

_FILTER_ONLY_FROM = {
    "claims": ("claims c LEFT JOIN statements s ON s.doc_id = c.doc_id "
               "AND c.start >= s.start AND c.start < s.\"end\""),
}

# a claim whose attributed source matches :source, by name or by a mention in the same document
# ("SNHR" matches claims sourced to "Syrian Network for Human Rights" when the text says SNHR)
_SOURCE_MATCH = ("(cl.source LIKE :source ESCAPE '\\' OR cl.source IN "
                 "(SELECT e.canonical FROM entities e WHERE e.doc_id = cl.doc_id AND e.text = :source_exact))")


def _add_theme(where: list[str], params: dict, theme: str | None, table: str, alias: str,
               id_sql: str | None = None) -> None:
    """Keep the records of ``table`` (``alias``; ``id_sql`` their record id, None for documents)
    that carry ``theme``."""
    if not theme:
        return
    if theme not in THEMES:
        raise SearchError(f"unknown theme {theme!r}: choose from {', '.join(THEMES)}")
    params["theme"] = theme
    record = f"AND rt.record_id = {id_sql} " if id_sql else ""
    where.append(f"EXISTS (SELECT 1 FROM record_themes rt WHERE rt.record_table = '{table}' "
                 f"AND rt.doc_id = {alias}.doc_id {record}AND rt.theme = :theme)")


def _add_dates(where: list[str], params: dict, date_from: str | None, date_to: str | None) -> None:
    """Keep documents published between the two dates; publication dates may be partial (YYYY-MM,
    YYYY): they are compared at the coarser of the two precisions."""
    _check_dates(date_from, date_to)
    if date_from:
        params["date_from"] = date_from
        where.append("d.published >= substr(:date_from, 1, length(d.published))")
    if date_to:
        params["date_to"] = date_to
        where.append("substr(d.published, 1, length(:date_to)) <= :date_to")


def _filters(target: str, *, speaker, org, theme, date_from, date_to, source) -> tuple[list[str], dict]:
    alias, id_sql = _RECORD[target]
    where: list[str] = []
    params: dict[str, Any] = {}
    if speaker:
        if target != "quotes":
            raise SearchError("--speaker applies to quotes only")
        params["speaker"] = like_pattern(speaker)
        # the speaker across documents: "Laila Kiki" also finds quotes attributed to "Kiki"
        where.append("(q.speaker LIKE :speaker ESCAPE '\\' OR EXISTS (SELECT 1 FROM quote_speakers qs "
                     "JOIN speakers sp USING (speaker_id) WHERE qs.doc_id = q.doc_id AND qs.quote_id = q.quote_id "
                     "AND sp.name LIKE :speaker ESCAPE '\\'))")
    if org:
        params["org"] = like_pattern(org)
        if target == "quotes":
            where.append("(q.speaker_org LIKE :org ESCAPE '\\' OR "
                         "(q.speaker_type = 'ORG' AND q.speaker LIKE :org ESCAPE '\\'))")
        else:
            where.append("d.organisation LIKE :org ESCAPE '\\'")
    _add_theme(where, params, theme, target, alias, id_sql)
    _add_dates(where, params, date_from, date_to)
    if source:
        params["source"], params["source_exact"] = like_pattern(source), source
        if target == "claims":
            where.append(_SOURCE_MATCH.replace("cl.", "c."))
        else:  # a quote or sentence that carries a claim attributed to the source
            where.append(f"EXISTS (SELECT 1 FROM claims cl WHERE cl.doc_id = {alias}.doc_id "
                         f"AND cl.start >= {alias}.start AND cl.start < {alias}.\"end\" AND {_SOURCE_MATCH})")
    return where, params


class Hits(list):
    """Search results (a list of dicts) and ``window``: how many of the most recently stored
    matches they were ranked among, or None when every match was ranked."""

    def __init__(self, hits=(), window: int | None = None):
        super().__init__(hits)
        self.window = window


# Broad queries: bm25 ranks only the RANK_WINDOW most recently stored matches (docs/store.md, "Ranking")
RANK_WINDOW = 1_000
WINDOW_GROWTH = 10  # a window in which fewer than `limit` records pass the filters grows tenfold
ROWS_PER_FETCH = 500  # hits whose columns and snippets are read at a time (SQLite caps a statement's parameters)


def _ranked_window(conn: sqlite3.Connection, target: str, where: list[str], params: dict,
                   window: int | None) -> tuple[list, int | None]:
    """The best ``limit`` (fts rowid, record rowid, score) among the ``window`` most recently stored
    full-text matches that pass the filters, and the window used (None: every match).

    bm25 must score every row it ranks, and FTS5 reads matches in rowid order, newest first when
    asked: the window bounds the rows scored (a common word matches 100,000 quotes at a million),
    while a query with fewer matches than the window ranks them all, as it always did. The scores
    are FTS5's own, with the statistics of the whole index. When fewer than ``limit`` records of
    the window pass the filters, the window grows tenfold, until it holds every match.
    """
    fts, base, extra_join = _FTS[target]
    if extra_join:
        return _ranked_window_joined(conn, target, where, params, window)
    base_alias = base.split()[1]
    alias = _RECORD[target][0]
    # one row per match, newest first; the filters are checked inside the window and bm25 (the
    # dear part) computed only for the records they keep
    keep = " AND ".join(f"({w})" for w in where) or "1"
    joins = (f" JOIN {base} ON {base_alias}.rowid = {fts}.rowid JOIN documents d ON d.doc_id = {alias}.doc_id"
             if where else "")
    sql = (f"SELECT {fts}.rowid, CASE WHEN {keep} THEN bm25({fts}) END FROM {fts}{joins} "
           f"WHERE {fts} MATCH :query ORDER BY {fts}.rowid DESC LIMIT :window")
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: a window is thousands of rows

    def rank(size: int) -> tuple[list, int]:
        in_window = cursor.execute(sql, {**params, "window": size}).fetchall()
        # the best first; ties in stored order, as a full ranking returned them
        best = sorted((score, rowid) for rowid, score in in_window if score is not None)[:params["limit"]]
        return [{"fts_rowid": rowid, "record_rowid": None, "score": score} for score, rowid in best], len(in_window)

    return _growing(rank, window, params["limit"])


def _growing(rank, window: int | None, limit: int) -> tuple[list, int | None]:
    """``rank(size)`` -> (best rows, matches in the window) over windows that grow tenfold until
    ``limit`` rows pass the filters or the window holds every match (then the window is None)."""
    while True:
        size = MAX_LIMIT if window is None else window
        rows, in_window = rank(size)
        if in_window < size:  # the window held every match
            return rows, None
        if len(rows) >= limit:
            return rows, window
        window = window * WINDOW_GROWTH if window < MAX_LIMIT // WINDOW_GROWTH else None


def _ranked_window_joined(conn: sqlite3.Connection, target: str, where: list[str], params: dict,
                          window: int | None) -> tuple[list, int | None]:
    """:func:`_ranked_window` for claims, several or none to a matching sentence: the window
    holds sentences, whose claims are then joined and filtered."""
    fts, base, extra_join = _FTS[target]
    base_alias = base.split()[1]
    alias = _RECORD[target][0]
    # one statement: the window (its size comes back as the last row), then the best of it; ties
    # in stored order (as a full ranking returned them), so that the order never depends on the plan
    sql = (f"WITH win AS (SELECT rowid AS fts_rowid, bm25({fts}) AS score FROM {fts} WHERE {fts} MATCH :query "
           f"ORDER BY rowid DESC LIMIT :window) "
           f"SELECT * FROM (SELECT win.fts_rowid, {alias}.rowid AS record_rowid, win.score "
           f"FROM win JOIN {base} ON {base_alias}.rowid = win.fts_rowid{extra_join} "
           f"JOIN documents d ON d.doc_id = {alias}.doc_id {'WHERE ' + ' AND '.join(where) if where else ''} "
           f"ORDER BY win.score, win.fts_rowid, record_rowid LIMIT :limit) "
           f"UNION ALL SELECT NULL, NULL, count(*) FROM win")

    def rank(size: int) -> tuple[list, int]:
        rows = conn.execute(sql, {**params, "window": size}).fetchall()
        return rows, rows.pop()[2]

    return _growing(rank, window, params["limit"])


def _ranked_hits(conn: sqlite3.Connection, target: str, where: list[str], params: dict, columns: str,
                 window: int | None = RANK_WINDOW) -> tuple[list[dict], int | None]:
    """Full-text hits in bm25 order (:func:`_ranked_window`) with their columns and snippets,
    and the window they were ranked in (None: every match).

    The columns are read by rowid, and the snippets (which tokenize the whole text, too dear to
    build for every match of a common word) built for the ranked rows alone, by FTS5's own
    ``snippet`` on a scratch index of their texts (:func:`_snippets`).
    """
    ranked, window = _ranked_window(conn, target, where, params, window)
    if not ranked:
        return [], window
    _, base, extra_join = _FTS[target]
    base_alias = base.split()[1]
    alias = _RECORD[target][0]
    fts_ids = sorted({hit["fts_rowid"] for hit in ranked})
    fetched, snippets = {}, {}
    for start in range(0, len(fts_ids), ROWS_PER_FETCH):
        chunk = fts_ids[start:start + ROWS_PER_FETCH]
        marks = ", ".join("?" * len(chunk))
        for row in conn.execute(
                f"SELECT {columns}, {base_alias}.rowid AS _fts_rowid, "
                f"{alias + '.rowid' if extra_join else 'NULL'} AS _record_rowid FROM {base}{extra_join} "
                f"JOIN documents d ON d.doc_id = {alias}.doc_id WHERE {base_alias}.rowid IN ({marks})", chunk):
            row = dict(row)
            fetched[row.pop("_fts_rowid"), row.pop("_record_rowid")] = row
        snippets.update(_snippets(conn, base, chunk, params))
    rows = []
    for hit in ranked:
        row = fetched[hit["fts_rowid"], hit["record_rowid"]]
        row["snippet"], row["score"] = snippets.get(hit["fts_rowid"]), hit["score"]
        rows.append(row)
    return rows, window


SCRATCH_FTS = "temp.search_snippets"  # per connection: the texts of the hits being shown


def _snippets(conn: sqlite3.Connection, base: str, rowids: list[int], params: dict) -> dict[int, str]:
    """FTS5 ``snippet`` of the rows ``rowids`` of ``base`` (``"quotes q"``) for the query.

    Built on a scratch FTS5 table (same tokenizer, same column) holding only these texts: the
    snippet is the one the store's index gives (it depends on the row's text and the query's
    positions in it alone), but a prefix query (``extradit*``) merges the postings of a few
    rows, not of the 100,000 quotes it matches in the store's index (3 ms at a million).
    """
    table = base.split()[0]
    conn.execute(f'CREATE VIRTUAL TABLE IF NOT EXISTS {SCRATCH_FTS} USING fts5(text, tokenize="{FTS_TOKENIZE}")')
    conn.execute(f"DELETE FROM {SCRATCH_FTS}")
    conn.execute(f"INSERT INTO {SCRATCH_FTS}(rowid, text) SELECT rowid, text FROM {table} "
                 f"WHERE rowid IN ({', '.join('?' * len(rowids))})", rowids)
    name = SCRATCH_FTS.split(".")[1]
    return dict(conn.execute(
        f"SELECT rowid, snippet({name}, 0, ?, ?, '…', {SNIPPET_TOKENS}) FROM {SCRATCH_FTS} WHERE {name} MATCH ?",
        (params["hl_open"], params["hl_close"], params["query"])).fetchall())


def search(
    store: str | Path | sqlite3.Connection,
    query: str | None,
    *,
    target: str = "quotes",
    speaker: str | None = None,
    org: str | None = None,
    theme: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    source: str | None = None,
    limit: int = 20,
    highlight: tuple[str, str] = ("**", "**"),
    rank_window: int | None = RANK_WINDOW,
) -> Hits:
    """Search the store.

    Parameters
    ----------
    store : str, Path or sqlite3.Connection
        The store file, a folder holding ``pipeline.sqlite``, or an open connection.
    query : str or None
        FTS5 query: words (all must match, stemmed), ``"a phrase"``, ``OR``, ``NOT``, ``word*``.
        None or empty: filters only, newest publications first.
    target : {"quotes", "claims", "statements", "documents"}
        What to search; claims are found through the sentence that states them, documents through
        their sentences (:func:`search_documents`).
    speaker, org, theme, date_from, date_to, source : str, optional
        Filters: speaker name (quotes; across documents), speaker organisation (quotes) or
        publishing organisation (others), theme, publication date bounds (inclusive;
        ``YYYY[-MM[-DD]]``), attributed source of a figure the record carries.
    limit : int
        At most this many results.
    highlight : (str, str)
        Marks put around the matching words in ``snippet``.
    rank_window : int or None
        Rank the best matches among this many most recently stored matches of ``query``
        (:data:`RANK_WINDOW`; widened tenfold while fewer than ``limit`` of them pass the
        filters); None ranks every match, however many (docs/store.md, "Ranking").

    Returns
    -------
    Hits
        A list with one dict per hit: ids, offsets, text, speaker fields (quotes), claim fields
        (claims), ``title``, ``published``, ``source_path``, ``snippet`` and ``score`` (bm25; lower
        is better); its ``window`` is the number of recent matches ranked, or None when every
        match was.

    Raises
    ------
    SearchError
        Invalid FTS syntax, unknown theme or target, malformed date.
    """
    if target not in TARGETS:
        raise SearchError(f"unknown target {target!r}: choose from {', '.join(TARGETS)}")
    if target == "documents":
        if speaker or source:
            raise SearchError("--speaker and --source apply to quotes, statements and claims, not documents")
        return Hits(search_documents(store, query, org=org, theme=theme, date_from=date_from, date_to=date_to,
                                     limit=limit, highlight=highlight))
    if rank_window is not None and not 1 <= int(rank_window) <= MAX_LIMIT:
        raise SearchError(f"rank window {rank_window} is out of range: use 1 to {MAX_LIMIT}, or None")
    window = None
    where, params = _filters(target, speaker=speaker, org=org, theme=theme, date_from=date_from,
                             date_to=date_to, source=source)
    alias = _RECORD[target][0]
    # without a query, every claim is listed, even one no sentence row contains
    from_records = _FILTER_ONLY_FROM.get(target) or _FTS[target][1]
    params["limit"] = _check_limit(limit)
    columns = f"{_SELECT[target]}, d.title, d.published, d.source AS source_path, d.organisation"
    own = not isinstance(store, sqlite3.Connection)
    conn = open_store(store) if own else store
    try:
        if query and query.strip():
            params.update(query=query, hl_open=highlight[0], hl_close=highlight[1])
            rows, window = _ranked_hits(conn, target, where, params, columns, rank_window)
        else:
            sql = (f"SELECT {columns}, NULL AS snippet, NULL AS score FROM {from_records} "
                   f"JOIN documents d ON d.doc_id = {alias}.doc_id "
                   f"{'WHERE ' + ' AND '.join(where) if where else ''} "
                   f"ORDER BY d.published DESC, {alias}.doc_id, {alias}.start LIMIT :limit")
            rows = conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if query and ("fts5" in message or "syntax error" in message or "no such column" in message
                      or "unterminated" in message or "unknown special query" in message):
            raise SearchError(
                f"invalid search query {query!r} ({message}). Use plain words (all must match), "
                f'"a phrase" in double quotes, OR / NOT between words, word* for a prefix; '
                f"quote words that contain punctuation, e.g. '\"al-Assad\"'.") from None
        raise
    finally:
        if own:
            conn.close()
    import json

    hits = Hits(window=window)
    for row in rows:
        hit = dict(row)
        hit["themes"] = json.loads(hit["themes"]) if hit.get("themes") else []
        if hit["snippet"] is None:
            hit["snippet"] = hit.get("sentence") or hit["text"]
        hits.append(hit)
    return hits


DOCUMENT_SCAN = 50  # sentence hits read per document asked for: documents ranked by their best sentence


def _document_filters(*, org, theme, date_from, date_to) -> tuple[list[str], dict]:
    where, params = ["d.status = 'ok'"], {}
    if org:
        params["org"] = like_pattern(org)
        where.append("d.organisation LIKE :org ESCAPE '\\'")
    _add_theme(where, params, theme, "documents", "d")
    _add_dates(where, params, date_from, date_to)
    return where, params


def search_documents(store: str | Path | sqlite3.Connection, query: str | None, *, org: str | None = None,
                     theme: str | None = None, date_from: str | None = None, date_to: str | None = None,
                     limit: int = 20, highlight: tuple[str, str] = ("**", "**")) -> list[dict[str, Any]]:
    """Publications: those whose sentences match ``query``, best matching sentence first (bm25), or
    with no query, every publication the filters keep, newest first.

    ``theme`` keeps the documents *about* a theme (``documents.themes``: at least 3 of their
    sentences or 10 % of them carry it), not every document with one sentence on it.
    """
    import json

    where, params = _document_filters(org=org, theme=theme, date_from=date_from, date_to=date_to)
    params["limit"] = _check_limit(limit)
    columns = ("d.doc_id, d.title, d.organisation, d.published, d.source AS source_path, d.themes, "
               "d.theme_scores, d.n_words")
    own = not isinstance(store, sqlite3.Connection)
    conn = open_store(store) if own else store
    try:
        if query and query.strip():
            # the best sentences first, then one row per document: bm25 cannot be aggregated
            params.update(query=query, scan=min(params["limit"] * DOCUMENT_SCAN, MAX_LIMIT))
            best: dict[str, float] = {}
            for doc_id, score in conn.execute(
                    "SELECT s.doc_id, bm25(statements_fts) AS score FROM statements_fts "
                    "JOIN statements s ON s.rowid = statements_fts.rowid JOIN documents d ON d.doc_id = s.doc_id "
                    f"WHERE statements_fts MATCH :query AND {' AND '.join(where)} ORDER BY score LIMIT :scan", params):
                best.setdefault(doc_id, score)
            ranked = list(best.items())[:params["limit"]]
            rows = []
            for doc_id, score in ranked:
                row = conn.execute(
                    f"SELECT {columns}, snippet(statements_fts, 0, :open, :close, '…', {SNIPPET_TOKENS}) AS snippet, "
                    ":score AS score FROM statements_fts JOIN statements s ON s.rowid = statements_fts.rowid "
                    "JOIN documents d ON d.doc_id = s.doc_id WHERE statements_fts MATCH :query AND s.doc_id = :doc_id "
                    "ORDER BY bm25(statements_fts) LIMIT 1",
                    {"query": query, "open": highlight[0], "close": highlight[1], "score": score,
                     "doc_id": doc_id}).fetchone()
                rows.append(row)
        else:
            rows = conn.execute(f"SELECT {columns}, NULL AS snippet, NULL AS score FROM documents d "
                                f"WHERE {' AND '.join(where)} ORDER BY d.published DESC, d.doc_id LIMIT :limit",
                                params).fetchall()
    except sqlite3.OperationalError as exc:
        if query:
            raise SearchError(f"invalid search query {query!r} ({exc}). Use plain words (all must match), "
                              f'"a phrase" in double quotes, OR / NOT between words, word* for a prefix.') from None
        raise
    finally:
        if own:
            conn.close()
    hits = []
    for row in rows:
        hit = dict(row)
        hit["themes"] = json.loads(hit["themes"] or "[]")
        hit["theme_scores"] = json.loads(hit["theme_scores"] or "{}")
        hit["snippet"] = hit["snippet"] or ""  # no query: no matching sentence
        hits.append(hit)
    return hits
