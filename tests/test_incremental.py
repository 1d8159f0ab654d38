"""Incremental runs: unchanged files are skipped without being read, changed ones replaced.

Files get modification times in the past (as files on disk usually have): a file modified
within the last two seconds is never trusted by its stat alone (see ``RACY_NS``).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

import pipeline.ingest.guarded
import pipeline.worker
from pipeline.batch import run

SAMPLE = Path(__file__).resolve().parents[1] / "corpus"
FILES = ("09_dhen_sudan_el_fasher_2024.json", "02_crrn_lebanon_deportations_2024.txt")
AN_HOUR_AGO = time.time() - 3600


def set_mtime(path: Path, seconds: float) -> None:
    os.utime(path, (seconds, seconds))


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in FILES:
        shutil.copy(SAMPLE / name, folder / name)
        set_mtime(folder / name, AN_HOUR_AGO)
    return folder


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Every file the batch reads, by path."""
    seen: list[str] = []
    real = pipeline.ingest.guarded.GuardedReader.read_all

    def counting(self, items):
        def noted():
            for path, metadata in items:
                seen.append(Path(path).name)
                yield path, metadata
        return real(self, noted())

    monkeypatch.setattr(pipeline.ingest.guarded.GuardedReader, "read_all", counting)
    return seen


def forbid_model_loading(monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("a model was loaded although nothing needed analysing")

    monkeypatch.setattr(pipeline.worker, "load_models", fail)


def doc_ids(out: Path) -> dict[str, str]:
    conn = sqlite3.connect(out / "pipeline.sqlite")
    try:
        return {Path(source).name: doc_id for source, doc_id in conn.execute("SELECT source, doc_id FROM documents")}
    finally:
        conn.close()


def test_unchanged_files_are_skipped_unread_and_a_changed_file_replaced(corpus, tmp_path, reads, monkeypatch):
    out = tmp_path / "out"
    first = run([corpus], out)
    assert first.documents_inserted == len(FILES) and sorted(reads) == sorted(FILES)
    before = doc_ids(out)

    # nothing changed: no file read, no model loaded
    reads.clear()
    with monkeypatch.context() as patch:
        forbid_model_loading(patch)
        again = run([corpus], out)
    assert reads == []
    assert again.documents_unchanged == len(FILES)
    assert again.documents_inserted == again.documents_replaced == 0

    # a new modification time, the same content: read and hashed once, found unchanged ...
    touched = corpus / FILES[0]
    set_mtime(touched, AN_HOUR_AGO + 60)
    with monkeypatch.context() as patch:
        forbid_model_loading(patch)
        after_touch = run([corpus], out)
        assert reads == [FILES[0]]
        assert after_touch.documents_unchanged == len(FILES)
        # ... and its new stat remembered: the next run reads nothing
        reads.clear()
        run([corpus], out)
        assert reads == []

    # an edited file: read, analysed, its old records replaced
    edited = corpus / FILES[1]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\nThe group said 40 families were deported on Monday.\n",
                      encoding="utf-8")
    set_mtime(edited, AN_HOUR_AGO + 120)
    reads.clear()
    changed = run([corpus], out)
    assert reads == [FILES[1]]
    assert changed.documents_replaced == 1 and changed.documents_unchanged == 1
    after = doc_ids(out)
    assert after[FILES[0]] == before[FILES[0]]
    assert after[FILES[1]] != before[FILES[1]]
    conn = sqlite3.connect(out / "pipeline.sqlite")
    try:
        stale = conn.execute("SELECT count(*) FROM claims WHERE doc_id = ?", (before[FILES[1]],)).fetchone()[0]
        claims = [r[0] for r in conn.execute("SELECT text FROM claims WHERE doc_id = ?", (after[FILES[1]],))]
        cached = dict(conn.execute("SELECT path, doc_id FROM sources"))
    finally:
        conn.close()
    assert stale == 0
    assert "40 families" in claims
    assert cached[os.path.abspath(edited)] == after[FILES[1]]


def test_force_reads_every_file_again(corpus, tmp_path, reads):
    out = tmp_path / "out"
    run([corpus], out)
    reads.clear()
    forced = run([corpus], out, force=True)
    assert sorted(reads) == sorted(FILES)
    assert forced.documents_unchanged == 0


def test_a_failed_analysis_is_not_trusted_by_stat(corpus, tmp_path, reads, monkeypatch):
    import pipeline.analysis

    def broken(*args, **kwargs):
        raise RuntimeError("extractor bug")

    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        patch.setattr(pipeline.analysis, "result_from_doc", broken)
        failed = run([corpus], out)
    assert failed.documents_failed == len(FILES)
    reads.clear()
    fixed = run([corpus], out)  # the files did not change, but they were never analysed
    assert sorted(reads) == sorted(FILES)
    assert fixed.documents_ok == len(FILES)
