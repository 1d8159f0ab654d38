"""Parallel and distributed runs store exactly what a single-process run stores; lost workers; time limits.

The store is compared table by table, row by row in insertion order, so both the content and
the order of the output are checked. Three short documents of the sample corpus keep it fast;
``batch_size=1`` makes every document its own task, so results come back from different
workers and must be put back in order. Workers read their own files (``pipeline.worker``).
"""
from __future__ import annotations

import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from pipeline.batch import process_sources, run
from pipeline.limits import Limits
from pipeline.parallel import DocumentTimeout, time_limit
from pipeline.worker import Source
from pipeline.worker import process_batch as real_process_batch
from pipeline.ingest.guarded import GuardedReader

_real_read_all = GuardedReader.read_all

from tests.conftest import copy_sample

FILES = ("09_dhen_sudan_el_fasher_2024.json", "06_sfdw_covid_detainees_2020.html",
         "02_crrn_lebanon_deportations_2024.txt")
FILES_SORTED = tuple(sorted(FILES))
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


def _note_reading_pid(self, items):
    """Stands in for GuardedReader.read_all: notes which process reads (forked workers inherit it)."""
    import os

    with open(os.environ["NGO_TEST_READERS"], "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    return _real_read_all(self, items)


def test_workers_read_their_own_files(small_corpus, tmp_path, monkeypatch):
    import os

    import pipeline.ingest.guarded as guarded
    import pipeline.parallel

    # the stand-in reaches workers only when they are forked (even if an earlier test left threads)
    monkeypatch.setattr(pipeline.parallel, "start_method", lambda: "fork")
    readers = tmp_path / "readers.txt"
    monkeypatch.setenv("NGO_TEST_READERS", str(readers))
    monkeypatch.setattr(guarded.GuardedReader, "read_all", _note_reading_pid)
    summary = run([small_corpus], tmp_path / "out", workers=2, batch_size=1)
    assert summary.documents_ok == len(FILES)
    pids = set(readers.read_text(encoding="utf-8").split())
    assert pids and str(os.getpid()) not in pids  # the main process read nothing


def test_unknown_executor_is_refused():
    with pytest.raises(ValueError, match="unknown executor"):
        list(process_sources([], executor="spark"))


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


def _items(batches) -> list:
    return [item for batch in batches for item in batch.items]


@pytest.mark.parametrize("workers", [1, 2])
def test_sources_come_back_in_order_with_read_failures_among_them(small_corpus, tmp_path, workers):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "notes.json").write_text("[1, 2]", encoding="utf-8")  # JSON, not a publication record
    paths = [small_corpus / FILES[0], tmp_path / "empty.txt", small_corpus / FILES[1], tmp_path / "notes.json",
             small_corpus / FILES[2]]
    batches = list(process_sources([Source(str(p)) for p in paths], batch_size=2, workers=workers))
    items = _items(batches)
    assert [item.source for item in items] == [str(p) for p in paths]
    assert [(item.outcome, item.status) for item in items] == [
        ("document", "ok"), ("document", "error"), ("document", "ok"), ("skipped", None), ("document", "ok")]
    assert items[1].kind == "empty" and items[1].encoded.rows["quotes"] == []
    assert items[0].encoded.rows["quotes"] or items[0].encoded.rows["claims"]  # analysed, encoded for the store
    assert all(batch.cpu_seconds > 0 for batch in batches)  # the workers' CPU time, for bench


def test_the_content_a_path_held_is_not_analysed_again(small_corpus):
    from pipeline.ingest import read_document

    path = small_corpus / FILES[2]
    known = read_document(path).doc_id
    [item] = _items(process_sources([Source(str(path), known_doc_id=known)]))
    assert (item.outcome, item.doc_id, item.encoded) == ("unchanged", known, None)


def _die_on_marked_path(sources, options):
    """Stands in for process_batch in a forked worker: dies like a crashed process on one file."""
    import os

    if any("kill_this_worker" in s.path for s in sources):
        os._exit(1)
    return real_process_batch(sources, options)


def test_a_worker_that_dies_fails_its_document_and_the_run_goes_on(small_corpus, tmp_path, monkeypatch):
    import pipeline.parallel
    import pipeline.worker

    # the stand-in reaches workers only when they are forked (even if an earlier test left threads)
    monkeypatch.setattr(pipeline.parallel, "start_method", lambda: "fork")
    pipeline.worker.load_models()  # forked workers inherit the loaded model: restarts are quick
    monkeypatch.setattr(pipeline.worker, "process_batch", _die_on_marked_path)
    killer = tmp_path / "kill_this_worker.txt"
    killer.write_text((small_corpus / FILES[2]).read_text(encoding="utf-8") + "\n\nOne more line.", encoding="utf-8")
    paths = [small_corpus / FILES[0], killer, small_corpus / FILES[1], small_corpus / FILES[2]]
    items = _items(process_sources([Source(str(p)) for p in paths], workers=2, batch_size=2))
    assert [item.source for item in items] == [str(p) for p in paths]
    assert [item.status for item in items] == ["ok", "error", "ok", "ok"]
    assert items[1].kind == "analysis" and "worker process" in items[1].error
    assert items[0].encoded.rows["quotes"] or items[0].encoded.rows["claims"]


# last: a Dask cluster leaves threads in this process, after which pools spawn rather than fork
def test_dask_local_cluster_stores_the_same_rows(small_corpus, single_process, tmp_path):
    pytest.importorskip("distributed")
    summary = run([small_corpus], tmp_path, workers=2, batch_size=1, executor="dask")
    assert summary.documents_ok == len(FILES)
    assert_same_store(stored_rows(tmp_path), single_process)


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # the test below is skipped
    WorkerPlugin = object


class _KillOnce(WorkerPlugin):
    """A Dask worker plugin: the first worker to analyse a file named ``kill_once`` dies (SIGKILL),
    leaving a marker file so that the retry elsewhere succeeds."""

    name = "kill-once"

    def __init__(self, marker: str):
        self.marker = marker

    def setup(self, worker):
        import os
        import signal

        import pipeline.worker

        real = pipeline.worker.analyse_read
        marker = self.marker

        def analyse_or_die(read, options):
            if any("kill_once" in getattr(d, "source", "") for d in read) and not os.path.exists(marker):
                open(marker, "w").close()
                os.kill(os.getpid(), signal.SIGKILL)
            return real(read, options)

        pipeline.worker.analyse_read = analyse_or_die


def test_a_dask_worker_killed_mid_run_costs_only_its_documents_in_flight(small_corpus, single_process, tmp_path):
    """Two worker processes; the one analysing ``kill_once.txt`` is killed once. The scheduler runs
    its task again on a worker that lives: every document is stored, as in a one-process run."""
    distributed = pytest.importorskip("distributed")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "kill_once.txt").write_text("BEIRUT, 4 May 2024\n\n“We will not stop,” said Rana Aziz of the "
                                            "Lebanese Red Cross, adding that 40 families had left.\n", encoding="utf-8")
    marker = tmp_path / "killed"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        client.register_plugin(_KillOnce(str(marker)))
        summary = run([small_corpus, extra], tmp_path / "out", executor="dask", scheduler=cluster.scheduler_address,
                      batch_size=1)
    assert marker.exists()  # a worker was killed
    assert summary.documents_ok == len(FILES) + 1 and summary.documents_failed == 0
    rows = stored_rows(tmp_path / "out")
    assert [Path(r[1]).name for r in rows["documents"]] == [*FILES_SORTED, "kill_once.txt"]
    # the three documents of the one-process run are stored the same, the fourth as well
    for table in COMPARED:
        if table in ("speakers", "quote_groups", "quote_speakers"):
            continue  # built across documents: the fourth adds to them
        assert [r for r in rows[table] if r[0] != rows["documents"][-1][0]] == single_process[table], table


def test_a_long_task_at_the_head_does_not_hold_back_the_others():
    """Results come in input order, but while the first task runs, the others keep being
    submitted (up to the buffer), so the other workers do not idle behind it."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.parallel import _in_order, _wait_pool

    submitted_while_head_ran = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        head = pool.submit(time.sleep, 0.5)

        def submit(task):
            if task == 0:
                return head
            submitted_while_head_ran.append(not head.done())
            return pool.submit(lambda: task)

        def collect(task, future):
            future.result()
            return task

        results = list(_in_order(submit, collect, range(10), in_flight=2, wait_any=_wait_pool))
    assert results == list(range(10))
    # the window counts unfinished tasks: short ones finish and make room while the head runs
    assert sum(submitted_while_head_ran) >= 4
