"""Concurrent access to one store: a lock file held by a run (exclusive) or serve (shared),
tested with two processes; and the upgrade of a store written with the previous schema.

No model is loaded: the runs here only see files that fail to read, and records are built by hand.
"""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.records import SCHEMA_VERSION, Document, DocumentResult
from pipeline.store import SchemaMismatch, StoreWriter, open_store
from pipeline.store.db import StoreLocked, lock_path

HOLD = """
import sys, time
from pipeline.store.db import store_lock
shared = sys.argv[2] == "serve"
with store_lock(sys.argv[1], shared=shared, timeout=10, purpose=sys.argv[2]):
    print("locked", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def _hold(store: Path, purpose: str = "run", seconds: float = 60) -> subprocess.Popen:
    """Another process holding the store's lock (as a run, or as serve) for ``seconds``."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(store), purpose, str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


@pytest.fixture
def store(tmp_path) -> Path:
    path = tmp_path / "pipeline.sqlite"
    with StoreWriter(path) as writer:
        writer.write(DocumentResult(Document(source="in/a.txt", text="The council met on Monday.")))
    return path


def test_a_second_writer_fails_naming_the_process_that_holds_the_store(store):
    holder = _hold(store)
    try:
        started = time.monotonic()
        with pytest.raises(StoreLocked, match=rf"being written by another ngo-pipeline run \(pid {holder.pid}"):
            StoreWriter(store, lock_timeout=0.5)
        assert time.monotonic() - started >= 0.5  # it waited before giving up
    finally:
        _stop(holder)
    with StoreWriter(store, lock_timeout=0) as writer:  # free again
        assert writer.totals()["documents"] == 1


def test_the_second_run_waits_for_the_first_to_finish(store):
    holder = _hold(store, seconds=1.5)
    try:
        with StoreWriter(store, lock_timeout=30) as writer:
            assert holder.poll() == 0  # acquired only once the holder had finished
            assert writer.totals()["documents"] == 1
    finally:
        _stop(holder)


def test_cli_run_on_a_locked_store_exits_2_with_a_clear_message(store, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    holder = _hold(store)
    try:
        result = CliRunner().invoke(app, ["run", str(tmp_path / "in"), "--store", str(store), "--out",
                                          str(tmp_path / "out"), "--quiet", "--lock-timeout", "0.2"])
    finally:
        _stop(holder)
    message = " ".join(result.output.split())
    assert result.exit_code == 2, message
    assert f"pid {holder.pid}" in message and "--lock-timeout" in message and "Traceback" not in message


def test_a_killed_holder_never_leaves_a_stale_lock(store):
    holder = _hold(store)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    with StoreWriter(store, lock_timeout=0):  # the kernel released the lock with the process
        pass


def test_run_and_serve_exclude_each_other(store, tmp_path):
    from pipeline.view.serve import serve

    server = _hold(store, purpose="serve")
    try:
        with pytest.raises(StoreLocked, match=rf"being served by `ngo-pipeline serve` \(pid {server.pid}"):
            StoreWriter(store, lock_timeout=0.2)
    finally:
        _stop(server)
    runner = _hold(store, purpose="run")
    try:
        with pytest.raises(StoreLocked, match=rf"being written by another ngo-pipeline run \(pid {runner.pid}"):
            serve(store, port=1)  # refused before any server starts
    finally:
        _stop(runner)


def test_two_servers_may_share_a_store(store):
    from pipeline.store.db import store_lock

    server = _hold(store, purpose="serve")
    try:
        with store_lock(store, shared=True, timeout=0, purpose="serve"):
            assert lock_path(store).exists()
    finally:
        _stop(server)


def test_a_store_of_the_previous_schema_is_upgraded_by_the_next_run(tmp_path):
    path = tmp_path / "pipeline.sqlite"
    with StoreWriter(path) as writer:
        writer.write(DocumentResult(Document(source="in/a.txt", text="The council met on Monday.")))
        writer.write(DocumentResult(Document(source="in/scan.pdf", text="", status="error",
                                             error="no_text: no extractable text: OCR is needed")))
        writer.write(DocumentResult(Document(source="in/b.txt", text="", status="error",
                                             error="analysis failed: ValueError: x (quotes.py:1)")))
    conn = sqlite3.connect(path)  # make it a 1.1.0 store: no error_kind, no runs/outcomes
    conn.executescript("ALTER TABLE documents DROP COLUMN error_kind; DROP TABLE outcomes; DROP TABLE runs; "
                       "ALTER TABLE documents DROP COLUMN themes; ALTER TABLE documents DROP COLUMN theme_scores; "
                       "UPDATE store_meta SET value = '1.1.0' WHERE key = 'schema_version';")
    conn.close()
    with pytest.raises(SchemaMismatch, match=r"1\.1\.0, older .* `ngo-pipeline run .*` upgrades it"):
        open_store(path)  # readers do not change the file
    with StoreWriter(path):
        pass
    conn = open_store(path)
    assert conn.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()[0] == SCHEMA_VERSION
    kinds = dict(conn.execute("SELECT source, error_kind FROM documents").fetchall())
    assert kinds == {"in/a.txt": None, "in/scan.pdf": "no_text", "in/b.txt": "analysis"}
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0  # created empty: nothing was run


def test_a_1_2_store_gets_its_documents_themes_from_its_sentences(tmp_path):
    """1.2.0 -> 1.3.0: documents.themes and theme_scores are added and filled from the stored
    sentences, with their record_themes rows, without analysing anything again."""
    import json

    from pipeline.records import Statement

    path = tmp_path / "pipeline.sqlite"
    text = "One. Two. Three. Four."
    statements = [Statement(f"s{i}", 5 * (i - 1), 5 * (i - 1) + 4, text[5 * (i - 1): 5 * (i - 1) + 4],
                            themes=["detention"] if i <= 3 else ["covid"]) for i in range(1, 5)]
    with StoreWriter(path) as writer:
        writer.write(DocumentResult(Document(source="in/a.txt", text=text), statements=statements))
    conn = sqlite3.connect(path)
    conn.executescript("ALTER TABLE documents DROP COLUMN themes; ALTER TABLE documents DROP COLUMN theme_scores; "
                       "DELETE FROM record_themes WHERE record_table = 'documents'; "
                       "UPDATE store_meta SET value = '1.2.0' WHERE key = 'schema_version';")
    conn.close()
    with StoreWriter(path):
        pass
    conn = open_store(path)
    themes, scores = conn.execute("SELECT themes, theme_scores FROM documents").fetchone()
    assert json.loads(themes) == ["detention", "covid"]  # 3 sentences; 1 of 4 is 25 % (>= 10 %)
    assert json.loads(scores)["detention"] == 0.75 and json.loads(scores)["covid"] == 0.25
    assert {r[0] for r in conn.execute("SELECT theme FROM record_themes WHERE record_table = 'documents'")} == {
        "detention", "covid"}
