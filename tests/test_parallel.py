"""Parallel and distributed runs store exactly what a single-process run stores; time limits.

The store is compared table by table, row by row in insertion order, so both the content and
the order of the output are checked. Three short documents of the sample corpus keep it fast;
``batch_size=1`` makes every document its own batch, so results come back from different
workers and must be put back in order.
"""
from __future__ import annotations

import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from pipeline.batch import process_documents, run
from pipeline.ingest import read_document
from pipeline.limits import Limits
from pipeline.parallel import DocumentTimeout, time_limit
from pipeline.parallel import analyse_batch as real_analyse_batch

from tests.conftest import copy_sample

FILES = ("09_dhen_sudan_el_fasher_2024.json", "06_sfdw_covid_detainees_2020.html",
         "02_crrn_lebanon_deportations_2024.txt")
# everything a run writes that depends on the documents (runs/outcomes/store_meta hold times and ids of runs)
COMPARED = ("documents", "entities", "quotes", "claims", "dates", "statements", "record_themes",
            "speakers", "quote_speakers", "quote_groups")


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("small_corpus"), FILES)


def stored_rows(out: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(out / "pipeline.sqlite")
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in COMPARED}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def single_process(small_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("one_worker")
    summary = run([small_corpus], out, workers=1, batch_size=1)
    assert summary.documents_ok == len(FILES)
    return stored_rows(out)


def assert_same_store(rows: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> None:
    for table in COMPARED:
        assert rows[table] == expected[table], f"{table} differs from the single-process run"


def test_two_workers_store_the_same_rows_in_the_same_order(small_corpus, single_process, tmp_path):
    summary = run([small_corpus], tmp_path, workers=2, batch_size=1)
    assert summary.documents_ok == len(FILES)
    rows = stored_rows(tmp_path)
    assert len(rows["quotes"]) > 0 and len(rows["claims"]) > 0  # a comparison of real records
    assert_same_store(rows, single_process)


def test_unknown_executor_is_refused():
    with pytest.raises(ValueError, match="unknown executor"):
        list(process_documents([], executor="spark"))


def test_a_slow_document_fails_with_kind_timeout_and_the_others_go_on(small_corpus, tmp_path, monkeypatch):
    import pipeline.analysis

    real_result_from_doc = pipeline.analysis.result_from_doc
    slow_source = str(small_corpus / FILES[1])

    def slow_on_one(document, doc):
        if document.source == slow_source:
            time.sleep(30)  # interrupted by the limit
        return real_result_from_doc(document, doc)

    monkeypatch.setattr(pipeline.analysis, "result_from_doc", slow_on_one)
    previous_handler = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()
    summary = run([small_corpus], tmp_path, workers=1, limits=Limits(max_seconds=1.0))
    assert time.monotonic() - started < 25  # the sleep was cut short, not waited out
    assert summary.documents_ok == len(FILES) - 1
    [(source, message)] = summary.errors
    assert source == slow_source
    assert "--max-seconds" in message and "1 s limit" in message
    conn = sqlite3.connect(tmp_path / "pipeline.sqlite")
    status, kind = conn.execute("SELECT status, error_kind FROM documents WHERE source = ?", (slow_source,)).fetchone()
    conn.close()
    assert (status, kind) == ("error", "timeout")
    # the alarm is switched off and the previous handler restored
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is previous_handler


def test_time_limit_interrupts_in_the_main_thread_only():
    with pytest.raises(DocumentTimeout, match="--max-seconds"):
        with time_limit(0.05):
            time.sleep(5)
    finished = []

    def in_a_thread():  # no signal can reach a thread: the block runs without a limit
        with time_limit(0.05):
            time.sleep(0.2)
        finished.append(True)

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert finished == [True]


def test_no_limit_when_max_seconds_is_zero():
    with time_limit(0):
        time.sleep(0.05)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_process_documents_passes_failed_documents_through_in_order(small_corpus):
    documents = [read_document(small_corpus / name) for name in FILES]
    documents[0].status, documents[0].error = "error", "empty: no text"
    results = list(process_documents(documents, batch_size=2))
    assert [r.document.source for r in results] == [d.source for d in documents]
    assert results[0].document.status == "error" and not results[0].quotes


def _die_on_marked_text(documents, model=None, max_seconds=None, batch_size=16, max_tokens=None):
    """Stands in for analyse_batch in a forked worker: dies like a crashed process on one text."""
    import os

    if any("KILL THIS WORKER" in d.text for d in documents):
        os._exit(1)
    return real_analyse_batch(documents, model, max_seconds, batch_size, max_tokens)


def test_a_worker_that_dies_fails_its_document_and_the_run_goes_on(small_corpus, monkeypatch):
    import pipeline.parallel
    from pipeline.parallel import start_method

    if start_method() != "fork":
        pytest.skip("the stand-in reaches workers only when they are forked")
    pipeline.parallel.load_models()  # forked workers inherit the loaded model: restarts are quick
    monkeypatch.setattr(pipeline.parallel, "analyse_batch", _die_on_marked_text)
    documents = [read_document(small_corpus / name) for name in FILES]
    documents[1].text += "\n\nKILL THIS WORKER"
    results = list(process_documents(documents, workers=2, batch_size=2))
    assert [r.document.source for r in results] == [d.source for d in documents]
    assert [r.document.status for r in results] == ["ok", "error", "ok"]
    assert results[1].document.error_kind == "analysis" and "worker process" in results[1].document.error
    assert results[0].quotes or results[0].claims


# last: a Dask cluster leaves threads in this process, after which pools spawn rather than fork
def test_dask_local_cluster_stores_the_same_rows(small_corpus, single_process, tmp_path):
    pytest.importorskip("distributed")
    summary = run([small_corpus], tmp_path, workers=2, batch_size=1, executor="dask")
    assert summary.documents_ok == len(FILES)
    assert_same_store(stored_rows(tmp_path), single_process)
