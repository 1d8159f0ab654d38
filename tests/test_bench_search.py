"""scripts/bench_search.py runs at a tiny size, so that it cannot rot (issue 20, item 5).

The figures themselves belong in docs/performance.md; this checks that the script builds its
store through the store's own writer (a store every command opens) and times every query.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "bench_search.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_search", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    store = tmp_path_factory.mktemp("bench") / "pipeline.sqlite"
    done = subprocess.run([sys.executable, str(SCRIPT), "--quotes", "3000", "--repeat", "2", "--store", str(store),
                           "--json"], check=False, capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # this checkout's pipeline package
    assert done.returncode == 0, done.stderr
    return store, json.loads(done.stdout), done.stderr


def test_every_query_is_timed_with_its_matches(tiny_run):
    _, report, stderr = tiny_run
    assert "generated 3,000 quotes" in stderr
    assert report["quotes"] == 3000 and report["repeat"] == 2
    expected = [(query, filters) for query, filters in _bench_module().QUERIES]
    assert [(r["query"], r["filters"]) for r in report["results"]] == expected
    for r in report["results"]:
        assert 0 <= r["hits"] <= min(20, r["fts_matches"]), r
        assert 0 < r["median_ms"] <= r["p90_ms"] < 5000 and 0 < r["cpu_median_ms"] < 5000, r
    by_query = {(r["query"], tuple(r["filters"])): r for r in report["results"]}
    # the vocabulary's skew: a common word matches far more quotes than a rare one
    assert by_query[("extradit*", ())]["fts_matches"] > 10 * by_query[("interpol", ())]["fts_matches"] > 0
    assert by_query[("extradit*", ())]["hits"] == 20
    # 3,000 quotes: no query of the set matches more than 1,000 of them, the window
    assert all(r["window"] is None for r in report["results"])
    assert by_query[("deportation", ("date_from", "date_to"))]["hits"] > 0


def test_the_store_is_one_every_command_reads(tiny_run):
    from pipeline.store import search
    from pipeline.store.db import open_store

    store, _, _ = tiny_run
    conn = open_store(store)  # checks the schema version
    try:
        assert conn.execute("SELECT count(*) FROM quotes").fetchone()[0] == 3000
        assert conn.execute("SELECT count(*) FROM documents WHERE status = 'ok'").fetchone()[0] == 60
        assert conn.execute("SELECT count(*) FROM speakers").fetchone()[0] > 0  # --speaker reads them
        assert conn.execute("SELECT count(*) FROM store_meta WHERE key = 'derived_stale'").fetchone()[0] == 0
        themed = conn.execute("SELECT count(*) FROM record_themes WHERE record_table = 'quotes'").fetchone()[0]
        assert themed > 1000
    finally:
        conn.close()
    hits = search(store, "hospital", theme="attacks_on_civilians", limit=5)
    assert hits and all("attacks_on_civilians" in h["themes"] for h in hits)
    assert all("2021" <= h["published"] < "2022" for h in search(store, "deportation", date_from="2021",
                                                                   date_to="2021-12-31"))
