"""Shared fixtures: the real corpus beside the checkout, and one pipeline run over it."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
SAMPLE_CORPUS = REPO / "corpus"


def require_shared_corpus() -> Path:
    """The real corpus; skip without it, except in CI where its absence is a failure."""
    if SHARED_CORPUS.is_dir():
        return SHARED_CORPUS
    if os.environ.get("CI") == "true":
        pytest.fail(f"{SHARED_CORPUS} is missing in CI")
    pytest.skip(f"{SHARED_CORPUS} not present")


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    return require_shared_corpus()


@pytest.fixture(scope="session")
def shared_run(shared_corpus, tmp_path_factory):
    """One run over the whole real corpus with its MANIFEST, shared by the end-to-end tests."""
    from pipeline.batch import run

    out = tmp_path_factory.mktemp("shared_run")
    summary = run([shared_corpus], out, metadata_file=shared_corpus / "MANIFEST.tsv")
    return out, summary


@pytest.fixture(scope="session")
def small_real(shared_corpus, tmp_path_factory) -> Path:
    """Four labelled real documents of data/gold/themes_train, for fast training tests."""
    folder = tmp_path_factory.mktemp("real")
    names = ("243_ays-daily-digest-greek-camp-in-14-day-coronavirus-lockdown", "276_rusi-west-and-arab-partners-"
             "collision-on-syria-policy", "147_un-sc-resolution-2393-cross-border-access-syria",
             "100_amnesty-report-2011-syria-chapter")
    for name in names:
        source = REPO / "data" / "gold" / "themes_train" / f"{name}.json"
        gold = json.loads(source.read_text(encoding="utf-8"))
        gold["source"] = str((source.parent / gold["source"]).resolve())
        (folder / source.name).write_text(json.dumps(gold), encoding="utf-8")
    return folder


SEED_NAME = "000_ca1ee3d6306f0e94.txt"


@pytest.fixture(scope="session")
def nlp():
    """The spaCy pipeline, loaded once for the whole test session."""
    from pipeline.nlp import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def seed_text(shared_corpus) -> str:
    """Normalised text of the seed press release (The Syria Campaign, 21 December 2021)."""
    from pipeline.ingest import read_document

    return read_document(shared_corpus / SEED_NAME).text


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """One run over the bundled sample corpus: (output folder, summary)."""
    from pipeline.batch import run

    out = tmp_path_factory.mktemp("sample_run")
    return out, run([SAMPLE_CORPUS], out)


def stored(store: Path, sql: str, params=()) -> list[dict]:
    """Rows of ``sql`` over a store file, as dicts: what tests compare pages and reports with."""
    conn = sqlite3.connect(store)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def copy_sample(folder: Path, names) -> Path:
    """A folder holding copies of some sample-corpus files: a small corpus a test may change."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SAMPLE_CORPUS / name, folder / name)
    return folder
