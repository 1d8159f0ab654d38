"""Crash safety: `ngo-pipeline run` killed with SIGKILL at random moments loses and duplicates nothing.

A copy of 12 small documents of the real corpus is processed by subprocesses killed after a
random delay (fixed seeds) once they have started writing; after each kill the store must pass
SQLite's integrity check, and a final run must finish the remaining documents and leave exactly
the records of one clean, uninterrupted run. ``--batch-size 1`` makes the run commit document
by document, so the kills land between and inside document transactions.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.records import TABLES
from pipeline.store.db import store_lock

N_DOCUMENTS = 12
SEEDS = (11, 23, 37)
NGO_PIPELINE = Path(sys.executable).with_name("ngo-pipeline")


def _command(corpus: Path, out: Path, workers: int = 1) -> list[str]:
    return [str(NGO_PIPELINE), "run", str(corpus), "--out", str(out), "--quiet", "--batch-size", "1",
            "--lock-timeout", "30", "--workers", str(workers)]


def _documents(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:  # not created yet, or being created
        return 0


def _run_and_kill(corpus: Path, out: Path, rng: random.Random) -> tuple[int, int]:
    """Start a run, wait until it has committed a document or two more than before (or a
    time-out), wait a random moment more, SIGKILL it; returns its exit code (-9 when killed)
    and the documents stored before it started."""
    store = out / "pipeline.sqlite"
    before = _documents(store)
    # alternate one process and a pool of two: a killed pool's workers must not keep the store
    workers = rng.choice((1, 2))
    proc = subprocess.Popen(_command(corpus, out, workers), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        target = before + rng.randint(0, 1)
        while proc.poll() is None and _documents(store) <= target and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)  # the run itself, as `kill -9 PID` would
        proc.wait(timeout=60)
        if store.exists():  # its lock died with it, even if pool workers it forked live on
            with store_lock(store, timeout=5):
                pass
    finally:
        # pool workers orphaned by the kill: end them, or they hold the stderr pipe open
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode in (0, -signal.SIGKILL), stderr.decode()
    return proc.returncode, before


def _snapshot(store: Path) -> dict:
    conn = sqlite3.connect(store)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        return {
            "counts": {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in
                       (*TABLES, "record_themes", "speakers", "quote_speakers", "quote_groups")},
            "sources": sorted(r[0] for r in conn.execute("SELECT source FROM documents")),
            "doc_ids": sorted(r[0] for r in conn.execute("SELECT doc_id FROM documents")),
            "fts": conn.execute("SELECT count(*) FROM quotes_fts WHERE quotes_fts MATCH 'said'").fetchone()[0],
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def small_corpus(shared_corpus, tmp_path_factory) -> Path:
    """The 12 smallest publications of the real corpus (a few seconds of analysis)."""
    folder = tmp_path_factory.mktemp("crash") / "corpus"
    folder.mkdir()
    files = sorted((p for p in shared_corpus.iterdir() if p.suffix in (".txt", ".md", ".html", ".json")),
                   key=lambda p: p.stat().st_size)
    for path in files[:N_DOCUMENTS]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def clean_run(small_corpus, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("clean")
    subprocess.run(_command(small_corpus, out), check=True, capture_output=True)
    return _snapshot(out / "pipeline.sqlite")


def test_killed_runs_lose_and_duplicate_nothing(small_corpus, clean_run, tmp_path):
    out = tmp_path / "out"
    store = out / "pipeline.sqlite"
    assert clean_run["counts"]["documents"] == N_DOCUMENTS and clean_run["counts"]["quotes"] > 0
    stored: set[str] = set()
    killed = 0
    for seed in SEEDS:
        returncode, before = _run_and_kill(small_corpus, out, random.Random(seed))
        killed += returncode == -signal.SIGKILL and before < N_DOCUMENTS
        if store.exists():
            snapshot = _snapshot(store)  # a valid store after every kill
            assert set(snapshot["doc_ids"]) >= stored  # nothing committed is ever lost
            assert len(snapshot["sources"]) == len(set(snapshot["sources"]))
            stored = set(snapshot["doc_ids"])
    assert killed >= 2  # most runs were killed while documents remained
    finished = subprocess.run(_command(small_corpus, out), capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    final = _snapshot(store)
    assert final == clean_run  # every document once, every record once, derived tables rebuilt
    summary = json.loads((out / "run.json").read_text())
    assert summary["counts"]["inputs"] == N_DOCUMENTS
    assert summary["counts"]["ok"] + summary["counts"]["skipped"] == N_DOCUMENTS  # the rest: unchanged
    conn = sqlite3.connect(store)
    # a killed run that had written something stays unfinished; the last run, if it wrote, finished
    unfinished = conn.execute("SELECT count(*) FROM runs WHERE finished_at IS NULL").fetchone()[0]
    assert 1 <= unfinished <= len(SEEDS)


def test_outputs_are_replaced_atomically(tmp_path, monkeypatch):
    """A failure while writing leaves the previous file intact and no temporary file behind."""
    from pipeline.output import write_json_atomic, write_text_atomic

    target = tmp_path / "run.json"
    write_json_atomic(target, {"version": 1})

    def broken():
        yield "{\"version\": "
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_text_atomic(target, broken())
    assert json.loads(target.read_text()) == {"version": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # readable by the group, like any output


def test_store_is_a_single_file_with_a_rollback_journal(small_corpus, tmp_path):
    """Every document is one transaction in a rollback-journal store (no WAL: the file alone is
    the whole store, so serve can open it immutable); nothing is left beside it after a run."""
    from pipeline.store import StoreWriter

    store = tmp_path / "pipeline.sqlite"
    with StoreWriter(store) as writer:
        assert writer.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.sqlite", "pipeline.sqlite.lock"]
