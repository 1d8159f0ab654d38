"""Files that attack memory and time (issue 19): each gets its own error, and the batch goes on.

Every hostile file is built here (tests/hostile_files.py), at sizes small enough for the suite
but past the limits the tests set; scripts/hostile_corpus.py builds them at full size for the
measurements in docs/robustness.md.
"""
from __future__ import annotations

import os
import resource
import signal
import sqlite3
import time
from pathlib import Path

import pytest

import pipeline.ingest.guarded as guarded
from pipeline.batch import run
from pipeline.worker import Source, read_sources
from pipeline.ingest import IngestError, iter_input_paths, read_document
from pipeline.ingest.pdf import join_hyphenated
from pipeline.limits import MB, Limits
from tests.conftest import SAMPLE_CORPUS
from tests.hostile_files import docx_bomb, hyphenated_pdf, outside_links, pdf_flate_bomb, quote_flood

SAMPLE = SAMPLE_CORPUS / "01_sjf_arab_league_readmission_2023.txt"


def _outcomes(out: Path) -> dict[str, tuple[str, str | None]]:
    import json

    summary = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return {Path(o["source"]).name: (o["outcome"], o["kind"]) for o in summary["outcomes"]}


def _peak_mib(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


# ------------------------------------------------------------------ reading under a budget


def test_a_docx_bomb_is_refused_before_anything_is_decompressed(tmp_path):
    bomb = docx_bomb(tmp_path / "bomb.docx", 300 * MB)  # 0.3 MB on disk
    assert bomb.stat().st_size < 1 * MB
    before = _peak_mib()
    with pytest.raises(IngestError) as raised:
        read_document(bomb)
    assert raised.value.kind == "too_large" and "decompress to 300.0 MiB" in str(raised.value)
    assert _peak_mib() - before < 50  # nothing was inflated
    with pytest.raises(IngestError, match="raise|limit"):
        read_document(bomb, limits=Limits(max_unpacked_bytes=100 * MB))


def test_a_pdf_flate_bomb_ends_its_reading_process_not_the_run(tmp_path):
    """The stream inflates to 400 MiB; with a 150 MiB budget the reading process stops it, this
    process's memory does not move, and the next file is read by a new reading process."""
    bomb = pdf_flate_bomb(tmp_path / "bomb.pdf", 400 * MB)
    before = _peak_mib()
    limits = Limits(max_memory_mb=150, max_seconds=60)
    with guarded.GuardedReader(limits) as reader:
        results = {path.name: result for path, _, result in reader.read_all([(bomb, None), (SAMPLE, None)])}
    assert isinstance(results["bomb.pdf"], IngestError) and results["bomb.pdf"].kind == "too_large"
    assert "150 MiB memory budget" in str(results["bomb.pdf"])
    assert results[SAMPLE.name].text == read_document(SAMPLE).text
    assert _peak_mib() - before < 50


def _slow_read(path, metadata=None, limits=None):
    if "slow" in str(path):
        time.sleep(30)
    return read_document(path, metadata, limits)


def _stuck_read(path, metadata=None, limits=None):
    if "stuck" in str(path):  # like a call inside a C library: no signal reaches Python code
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(30)
    return read_document(path, metadata, limits)


@pytest.mark.parametrize("reader, name, grace", [(_slow_read, "slow.txt", 10.0), (_stuck_read, "stuck.txt", 1.0)])
def test_a_read_past_max_seconds_is_a_timeout_and_the_files_behind_it_are_read(
        tmp_path, monkeypatch, reader, name, grace):
    (tmp_path / name).write_text(SAMPLE.read_text(encoding="utf-8") + "\n\nA different ending.", encoding="utf-8")
    monkeypatch.setattr(guarded, "read_document", reader)  # the reading process is forked with it
    monkeypatch.setattr(guarded, "start_method", lambda: "fork")  # even if an earlier test left threads
    monkeypatch.setattr(guarded, "KILL_GRACE_SECONDS", grace)
    started = time.perf_counter()
    with guarded.GuardedReader(Limits(max_seconds=1)) as reader_:
        results = [(path.name, result) for path, _, result in
                   reader_.read_all([(tmp_path / name, None), (SAMPLE, None)])]
    assert time.perf_counter() - started < 15
    (first, error), (second, document) = results
    assert (first, second) == (name, SAMPLE.name)
    assert isinstance(error, IngestError) and error.kind == "timeout" and "--max-seconds" in str(error)
    assert document.text == read_document(SAMPLE).text


def test_a_reader_bug_is_a_corrupt_document_not_a_stopped_batch(tmp_path, monkeypatch):
    def buggy(path, metadata=None, limits=None):
        raise KeyError("a reader bug")

    monkeypatch.setattr(guarded, "read_document", buggy)
    monkeypatch.setattr(guarded, "start_method", lambda: "fork")
    with guarded.GuardedReader(Limits(max_seconds=30)) as reader:
        documents = list(read_sources([Source(str(SAMPLE))], reader))
    assert [(d.status, d.error_kind) for d in documents] == [("error", "corrupt")]
    assert "KeyError" in documents[0].error
    with pytest.MonkeyPatch.context() as patch:  # the same through a whole run: stored, counted
        patch.setattr(guarded, "read_document", buggy)
        patch.setattr(guarded, "start_method", lambda: "fork")
        summary = run([SAMPLE], tmp_path / "out", limits=Limits(max_seconds=30))
    assert summary.counts()["error"] == 1 and summary.by_kind()["error"] == {"corrupt": 1}


# ------------------------------------------------------------------ linear text repairs


def test_hyphen_repair_is_linear_on_a_large_input():
    """100,000 words broken across lines: the repair rescanned the whole text for each (hours at
    this size); now one pass. The joins themselves are unchanged (see test_ingest)."""
    text = "".join(f"In place{i:x} the attack killed civil-\nians and a-\nnother; " for i in range(100_000))
    started = time.perf_counter()
    joined = join_hyphenated(text)
    assert time.perf_counter() - started < 10
    assert joined.count("civilians") == 100_000 and "a-\nnother" not in joined
    # a word the text also spells with its hyphen keeps it
    assert join_hyphenated("the landslide-\nprone valley; landslide-prone areas") == (
        "the landslide-prone valley; landslide-prone areas")


def test_a_long_ordered_list_is_numbered_in_linear_time(tmp_path):
    """Each item of an ordered list looked up its own index among its siblings (quadratic)."""
    from pipeline.ingest.html import html_to_text

    html = ("<html><body><h1>Detained people</h1><ol>"
            + "".join(f"<li>Person {i} was held.</li>" for i in range(30_000)) + "</ol></body></html>")
    started = time.perf_counter()
    text = html_to_text(html).text
    assert time.perf_counter() - started < 10
    assert "1. Person 0 was held." in text and "30000. Person 29999 was held." in text
    page = tmp_path / "list.html"
    page.write_text(html, encoding="utf-8")
    started = time.perf_counter()
    assert "Person 29999 was held." in read_document(page).text
    assert time.perf_counter() - started < 30


def test_a_pdf_whose_every_line_ends_in_a_hyphen_is_read_in_linear_time(tmp_path):
    pdf = hyphenated_pdf(tmp_path / "hyphens.pdf", pages=120)
    started = time.perf_counter()
    text = read_document(pdf).text
    assert time.perf_counter() - started < 30
    assert text.count("killed civilians") == 120 * 50


# ------------------------------------------------------------------ tokens and the parse


def test_a_flood_of_quote_marks_is_too_large_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    quote_flood(folder / "flood.txt", 60_000)
    (folder / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    summary = run([folder], tmp_path / "out", limits=Limits(max_tokens=50_000))
    outcomes = _outcomes(tmp_path / "out")
    assert outcomes["flood.txt"] == ("error", "too_large")
    assert outcomes[SAMPLE.name] == ("ok", None)
    assert "60,000 tokens, above the limit of 50,000" in dict(summary.errors)[str(folder / "flood.txt")]


def test_a_parse_that_fails_fails_only_its_document(nlp, monkeypatch):
    """An error inside the batched nlp.pipe (an out-of-memory error, a parser bug) used to end the
    whole run; now the batch is parsed again one document at a time."""
    import pipeline.analysis as analysis
    from pipeline.records import Document

    real_parse = analysis.parse

    def parse(nlp_, docs, batch_size=16):
        docs = list(docs)
        if any("BOOM" in doc.text for doc in docs):
            raise MemoryError
        return real_parse(nlp_, docs, batch_size)

    monkeypatch.setattr(analysis, "parse", parse)
    text = SAMPLE.read_text(encoding="utf-8")
    documents = [Document(source="a", text=text), Document(source="b", text="BOOM. " + text),
                 Document(source="c", text=text + "\n\nAnother ending.")]
    results = analysis.analyse_documents(documents, nlp)
    assert [r.document.status for r in results] == ["ok", "error", "ok"]
    assert results[1].document.error_kind == "too_large" and "memory" in results[1].document.error
    assert results[0].quotes and results[2].quotes


def test_a_long_document_is_parsed_in_pieces_with_the_same_records(nlp, monkeypatch, shared_corpus):
    """Parsed whole and in pieces of 400 tokens (cut at paragraph breaks), the seed release gives
    the same text, sentences at the cuts, and the same quotes, claims, dates and themes."""
    import pipeline.analysis as analysis
    from pipeline.records import Document

    text = read_document(shared_corpus / "000_ca1ee3d6306f0e94.txt").text
    [whole] = analysis.analyse_documents([Document(source="x", text=text, published="2021-12-21")], nlp)
    monkeypatch.setattr(analysis, "PARSE_PIECE_TOKENS", 400)
    doc = nlp.make_doc(text)
    pieces = analysis.split_for_parsing(doc, 400)
    assert len(pieces) >= 6 and all(len(p) <= 400 for p in pieces)
    assert "".join(piece.text_with_ws for piece in pieces) == text
    [parsed] = analysis.parse(nlp, [text])
    assert parsed.text == text and len(parsed) == len(doc)
    [cut] = analysis.analyse_documents([Document(source="x", text=text, published="2021-12-21")], nlp)
    for name in ("quotes", "claims", "dates"):
        assert getattr(cut, name) == getattr(whole, name), name
    assert [(s.start, s.end, s.themes) for s in cut.statements] == [
        (s.start, s.end, s.themes) for s in whole.statements]


# ------------------------------------------------------------------ links out of the input folder


def test_links_leaving_the_input_folder_are_skipped_unless_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text(SAMPLE.read_text(encoding="utf-8") + "\n\nPrivate.", encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    os.symlink(folder / SAMPLE.name, folder / "inside_link.txt")  # stays inside: read
    links = outside_links(folder, outside)
    skipped = {path.name: reason for path, reason in iter_input_paths([folder]) if reason}
    assert set(skipped) == set(links)
    assert all(reason.startswith("symbolic link leaving the input folder") for reason in skipped.values())
    followed = {path.name for path, reason in iter_input_paths([folder], follow_links=True) if not reason}
    assert {"outside.txt", "private.txt", "inside_link.txt"} <= followed

    run([folder], tmp_path / "out")
    outcomes = _outcomes(tmp_path / "out")
    assert {name: outcomes[name] for name in links} == {name: ("skipped", "outside_link") for name in links}
    assert outcomes["inside_link.txt"] == ("skipped", "duplicate")  # read, and the same text as its target
    conn = sqlite3.connect(tmp_path / "out" / "pipeline.sqlite")
    stored = [source for (source,) in conn.execute("SELECT source FROM documents")]
    conn.close()
    assert not any("passwd" in source or "private" in source or "outside" in source for source in stored)


def test_follow_links_is_an_opt_in_flag(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    os.symlink(outside / "private.txt", folder / "linked.txt")
    result = CliRunner().invoke(app, ["run", str(folder), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    assert _outcomes(tmp_path / "out")["linked.txt"] == ("skipped", "outside_link")
    result = CliRunner().invoke(app, ["run", str(folder), "--out", str(tmp_path / "out2"), "-q", "--follow-links"])
    assert result.exit_code == 0, result.output
    assert _outcomes(tmp_path / "out2")["linked.txt"] == ("ok", None)


def test_the_reading_process_starts_no_thread_here(tmp_path):
    """Analysis workers are forked only from a process running no other thread
    (pipeline.processes.start_method): the reader must not start one."""
    import threading

    before = threading.active_count()
    with guarded.GuardedReader(Limits(max_seconds=30)) as reader:
        for _, _, document in reader.read_all([(SAMPLE, None)]):
            assert document.text and threading.active_count() == before
