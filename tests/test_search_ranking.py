"""The ranking of broad queries (issue 20, item 4): bm25 among the most recently stored matches.

A store of 3,000 generated quotes (scripts/bench_search.py's generator, written through the
store's writer) and small windows stand in for a million quotes and the default window.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.store import search
from pipeline.store.db import open_store
from pipeline.store.search import RANK_WINDOW, SearchError

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench_search.py"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("bench_search", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path_factory.mktemp("ranking") / "pipeline.sqlite"
    bench.generate(path, 3000)
    return path


def _rowids(conn, hits) -> list[int]:
    return [conn.execute("SELECT rowid FROM quotes WHERE doc_id = ? AND quote_id = ?",
                         (h["doc_id"], h["record_id"])).fetchone()[0] for h in hits]


def _window(conn, query: str, size: int) -> list[tuple[int, float]]:
    """(rowid, bm25) of the ``size`` most recently stored matches."""
    return [tuple(r) for r in conn.execute(
        "SELECT rowid, bm25(quotes_fts) FROM quotes_fts WHERE quotes_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
        (query, size))]


def test_a_query_with_fewer_matches_than_the_window_ranks_them_all(store):
    conn = open_store(store)
    try:
        matches = conn.execute("SELECT count(*) FROM quotes_fts WHERE quotes_fts MATCH 'syria'").fetchone()[0]
        assert 20 < matches < 200
        hits = search(conn, "syria", limit=500, rank_window=200)
        every = search(conn, "syria", limit=500, rank_window=None)
        assert hits.window is None and every.window is None
        assert [(h["doc_id"], h["record_id"], h["score"]) for h in hits] == [
            (h["doc_id"], h["record_id"], h["score"]) for h in every]
        assert len(hits) == matches
        scores = [h["score"] for h in hits]
        assert scores == sorted(scores)
    finally:
        conn.close()


def test_a_broad_query_ranks_the_most_recent_matches_with_global_scores(store):
    conn = open_store(store)
    try:
        matches = conn.execute("SELECT count(*) FROM quotes_fts WHERE quotes_fts MATCH 'extradit*'").fetchone()[0]
        assert matches > 250
        hits = search(conn, "extradit*", limit=10, rank_window=100)
        assert hits.window == 100
        expected = sorted(_window(conn, "extradit*", 100), key=lambda r: (r[1], r[0]))[:10]
        assert list(zip(_rowids(conn, hits), [h["score"] for h in hits])) == expected
        # the scores are those of a full ranking (the whole index's statistics), not the window's
        every = {(h["doc_id"], h["record_id"]): h["score"] for h in search(conn, "extradit*", limit=10**6,
                                                                           rank_window=None)}
        assert len(every) == matches
        assert all(every[h["doc_id"], h["record_id"]] == h["score"] for h in hits)
        assert all("**extradit" in h["snippet"].lower() for h in hits)
        # a window as large as the matches is a full ranking
        assert [h["score"] for h in search(conn, "extradit*", limit=10, rank_window=matches)] == sorted(
            every.values())[:10]
    finally:
        conn.close()


def test_filters_apply_inside_the_window_which_grows_until_enough_pass(store):
    conn = open_store(store)
    try:
        every = search(conn, "extradit*", theme="detention", limit=10**6, rank_window=None)
        assert len(every) > 20
        rowid_of = dict(zip(((h["doc_id"], h["record_id"]) for h in every), _rowids(conn, every)))
        assert all("detention" in h["themes"] for h in every)

        def expected(size: int, limit: int) -> list[tuple[str, str]]:
            window = {rowid for rowid, _ in _window(conn, "extradit*", size)}
            kept = [h for h in every if rowid_of[h["doc_id"], h["record_id"]] in window]
            kept.sort(key=lambda h: (h["score"], rowid_of[h["doc_id"], h["record_id"]]))
            return [(h["doc_id"], h["record_id"]) for h in kept[:limit]]

        hits = search(conn, "extradit*", theme="detention", limit=3, rank_window=100)
        assert hits.window == 100 and len(hits) == 3
        assert [(h["doc_id"], h["record_id"]) for h in hits] == expected(100, 3)
        # fewer than `limit` pass in 5 recent matches: the window grows tenfold (to 50, then 500)
        in_five = len(expected(5, 100))
        assert in_five < 3
        hits = search(conn, "extradit*", theme="detention", limit=3, rank_window=5)
        assert hits.window in (50, 500) and len(expected(hits.window, 100)) >= 3 > len(expected(hits.window // 10, 100))
        assert [(h["doc_id"], h["record_id"]) for h in hits] == expected(hits.window, 3)
        # more results asked than pass in any window: every match is ranked
        assert search(conn, "extradit*", theme="detention", limit=10**6, rank_window=5) == every
    finally:
        conn.close()


def test_the_window_is_checked(store):
    with pytest.raises(SearchError, match="rank window"):
        search(store, "syria", rank_window=0)
    assert RANK_WINDOW == 1000  # docs/store.md and the CLI's help give this figure


def test_cli_says_when_a_query_was_ranked_in_a_window(store):
    runner = CliRunner()
    result = runner.invoke(app, ["search", "of", "--store", str(store), "--limit", "3"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "best of the 1,000 most recently stored matches" in result.stdout
    result = runner.invoke(app, ["search", "of", "--store", str(store), "--limit", "3", "--rank-all"],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "most recently stored" not in result.stdout and "3 quotes matching 'of'" in result.stdout


def test_claims_are_ranked_in_a_window_of_sentences(tmp_path):
    from pipeline.records import Claim, Document, DocumentResult, Statement
    from pipeline.store import StoreWriter

    path = tmp_path / "pipeline.sqlite"
    with StoreWriter(path) as writer:
        for d in range(12):
            # sentences of different lengths, so that bm25 tells them apart; two claims in every other one
            sentence = f"Some {d + 1} civilians were killed" + " in the shelling" * (d % 4) + "."
            claims = [Claim("c1", 5, 6 + len(str(d + 1)), f"{d + 1} civilians", float(d + 1), event="killed")]
            if d % 2:
                claims.append(Claim("c2", 0, 4, "Some", None, qualifier="vague", event="killed"))
            writer.write(DocumentResult(Document(source=f"in/{d}.txt", text=sentence, published=f"2020-01-{d + 1:02d}"),
                                        claims=claims, statements=[Statement("s1", 0, len(sentence), sentence)]))
    every = search(path, "killed", target="claims", limit=100, rank_window=None)
    assert len(every) == 18 and every.window is None
    hits = search(path, "killed", target="claims", limit=4, rank_window=5)
    assert hits.window == 5
    recent = [h for h in every if h["published"] >= "2020-01-08"]  # the 5 sentences stored last
    assert len(recent) == 8
    assert [(h["doc_id"], h["record_id"], h["score"]) for h in hits] == [
        (h["doc_id"], h["record_id"], h["score"]) for h in recent[:4]]
    # a filter that only older sentences pass widens the window to every match
    old = search(path, "killed", target="claims", date_to="2020-01-02", limit=4, rank_window=5)
    assert old.window is None and {h["published"] for h in old} == {"2020-01-01", "2020-01-02"} and len(old) == 3


def test_many_hits_are_fetched_in_chunks(store, monkeypatch):
    import sys

    module = sys.modules["pipeline.store.search"]  # pipeline.store.search names the function too
    whole = search(store, "extradit*", limit=10**6, rank_window=None)
    monkeypatch.setattr(module, "ROWS_PER_FETCH", 7)
    chunked = search(store, "extradit*", limit=10**6, rank_window=None)
    assert len(whole) > 7 * 20 and chunked == whole
    assert [h["score"] for h in chunked] == sorted(h["score"] for h in chunked)


@pytest.mark.parametrize("query", ["extradit*", '"red notice"', "chemical OR sarin", "saydnaya torture",
                                   "text: syria", "deport* NOT court", "deportation detained"])
def test_snippets_are_those_of_the_store_index(store, query):
    """Snippets come from a scratch index of the hits' texts: the same as the store's own index gives."""
    conn = open_store(store)
    try:
        hits = search(conn, query, limit=30)
        assert hits and all(h["snippet"] for h in hits)
        for hit, rowid in zip(hits, _rowids(conn, hits)):
            assert hit["snippet"] == conn.execute(
                "SELECT snippet(quotes_fts, 0, '**', '**', '…', 20) FROM quotes_fts WHERE quotes_fts MATCH ? "
                "AND rowid = ?", (query, rowid)).fetchone()[0]
    finally:
        conn.close()
