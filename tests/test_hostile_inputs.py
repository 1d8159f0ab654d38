"""Hostile inputs: every broken, odd or foreign file gets a clear outcome and never stops a batch.

Every file is generated here (tmp_path). The last tests run one batch over a folder of all of
them plus the real corpus (../shared/corpus) and check that every input path is accounted for.
See docs/robustness.md for the failure kinds.
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
from pathlib import Path

import pytest

from pipeline.ingest import IngestError, iter_input_paths, read_document, read_text
from pipeline.limits import MB, Limits

ENGLISH = (
    "Press release / 12 March 2022\n\n"
    "The Syrian Network for Human Rights said on Monday that at least 45 civilians were killed in the "
    "attack on the market. “We demand an independent investigation,” said Fadel Abdul Ghany, the "
    "director of the group. The families of the victims have called for accountability.\n"
)
FRENCH = (
    "Les organisations ont dénoncé une attaque contre l'hôpital de la ville et demandé une enquête "
    "indépendante. Les familles des victimes sont dans la peine et le gouvernement ne répond pas."
)
ARABIC = "قالت منظمة العفو الدولية إن السلطات يجب أن تفرج عن المعتقلين فورا وأن تسمح للعائلات بزيارتهم."


def _pdf_with_text(path: Path, text: str, pages: int = 1) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for page in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 8, text if page == 0 else f"Annex {'ABCDEFGH'[page]} lists the {page * 7} sites visited.")
    pdf.output(str(path))
    return path


def make_hostile_files(folder: Path) -> dict[str, tuple[str, str | None]]:
    """Write one file per hostile case; returns file name -> (expected outcome, kind)."""
    folder.mkdir(parents=True, exist_ok=True)
    ascii_english = ENGLISH.replace("“", '"').replace("”", '"')
    (folder / "zero.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(random.Random(8).randbytes(20_000))
    (folder / "utf16.txt").write_bytes(ENGLISH.replace("market", "market of Saint-Léger").encode("utf-16"))
    (folder / "windows1252.txt").write_bytes(
        ENGLISH.replace("Monday", "Monday – “naïve” claims aside –").replace("“We", '"We')
        .replace("investigation,”", 'investigation,"').encode("cp1252"))
    (folder / "mixed_endings.txt").write_bytes(
        b"Statement / 3 May 2023\r\n\r\nThe council met in Geneva on Tuesday.\rIt said the talks\n"
        b"would continue next week.\r\n\r\nThe delegates agreed to meet again.\n")
    good_pdf = _pdf_with_text(folder / "report.pdf", ascii_english.replace("Monday", "Sunday"))
    data = good_pdf.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(good_pdf))
    writer.encrypt("secret", algorithm="RC4-128")  # RC4 needs no extra dependency
    writer.write(str(folder / "encrypted.pdf"))
    from PIL import Image

    Image.new("RGB", (300, 200), "white").save(folder / "scan.pdf")  # a page that is one image
    (folder / "not_a_zip.docx").write_text("<html><body><p>Exported from a web mail</p></body></html>")
    (folder / "nested.html").write_text(
        "<html><body>" + "<div>" * 5000 + "<p>The council said the families were safe.</p>" + "</div>" * 5000
        + "</body></html>")
    (folder / "quote_marks.txt").write_text('"' * 10_000)
    (folder / "french.txt").write_text(FRENCH)
    (folder / "arabic.txt").write_text(ARABIC)
    (folder / "a name with spaces – é ü 中.txt").write_text(ENGLISH.replace("Monday", "Friday"))
    (folder / "manifest.tsv").write_text("file\ttitle\n")
    os.symlink(".", folder / "loop")  # a folder linking to itself
    os.symlink(folder / "b_link.txt", folder / "a_link.txt")  # a -> b -> a
    os.symlink(folder / "a_link.txt", folder / "b_link.txt")
    return {
        "zero.txt": ("error", "empty"),
        "junk.txt": ("error", "decode"),
        "utf16.txt": ("ok", None),
        "windows1252.txt": ("ok", None),
        "mixed_endings.txt": ("ok", None),
        "report.pdf": ("ok", None),
        "truncated.pdf": ("error", "corrupt"),
        "encrypted.pdf": ("error", "encrypted"),
        "scan.pdf": ("error", "no_text"),
        "not_a_zip.docx": ("error", "corrupt"),
        "nested.html": ("error", "corrupt"),
        "quote_marks.txt": ("ok", None),
        "french.txt": ("error", "unsupported_language"),
        "arabic.txt": ("error", "unsupported_language"),
        "a name with spaces – é ü 中.txt": ("ok", None),
        "manifest.tsv": ("skipped", "unsupported"),
        "a_link.txt": ("skipped", "broken_link"),
        "b_link.txt": ("skipped", "broken_link"),
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, tuple[str, str | None]]]:
    folder = tmp_path_factory.mktemp("hostile") / "in"
    return folder, make_hostile_files(folder)


def _read_kind(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(IngestError) as err:
        read_document(path, limits=limits)
    return err.value.kind


# --------------------------------------------------------------------------- one file at a time


def test_every_hostile_file_gets_its_expected_outcome_when_read(hostile):
    folder, expected = hostile
    for name, (outcome, kind) in expected.items():
        if outcome == "error":
            assert _read_kind(folder / name) == kind, name
        elif outcome == "ok":
            assert read_document(folder / name).text, name


def test_text_encodings_and_line_endings_are_decoded(hostile):
    folder, _ = hostile
    assert "Saint-Léger" in read_document(folder / "utf16.txt").text
    cp1252 = read_document(folder / "windows1252.txt").text
    assert "– “naïve” claims aside –" in cp1252
    mixed = read_document(folder / "mixed_endings.txt").text
    assert "\r" not in mixed
    assert mixed.split("\n\n") == ["Statement / 3 May 2023",
                                   "The council met in Geneva on Tuesday. It said the talks would continue next week.",
                                   "The delegates agreed to meet again."]


def test_pdf_errors_say_what_to_do(hostile):
    folder, _ = hostile
    with pytest.raises(IngestError, match="OCR is needed"):
        read_document(folder / "scan.pdf")
    with pytest.raises(IngestError, match="password"):
        read_document(folder / "encrypted.pdf")


def test_deeply_nested_html_is_a_clean_error_not_a_recursion_error(hostile):
    folder, _ = hostile
    with pytest.raises(IngestError, match="nested too deeply") as err:
        read_document(folder / "nested.html")
    assert err.value.kind == "corrupt"


def test_non_english_text_is_flagged_with_its_language(hostile):
    folder, _ = hostile
    for name, code in (("french.txt", "(fr)"), ("arabic.txt", "(ar)")):
        with pytest.raises(IngestError, match=r"not English") as err:
            read_document(folder / name)
        assert err.value.kind == "unsupported_language" and code in str(err.value)
    # English with a few foreign words, and short lists of names, are still read
    assert read_document(folder / "report.pdf").language == "en"


def test_a_file_above_max_bytes_is_refused_before_it_is_read(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:  # a sparse 60 MiB file: its size is all that is looked at
        fh.truncate(60 * MB)

    def no_reading(self, *args, **kwargs):
        raise AssertionError(f"{self} was read")

    small = tmp_path / "small.txt"
    small.write_text(ENGLISH)
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    with pytest.raises(IngestError, match="--max-mb") as err:
        read_document(big)  # default limit: 50 MiB
    assert err.value.kind == "too_large"
    assert _read_kind(small, Limits(max_bytes=100)) == "too_large"


def test_max_chars_and_max_pages_are_enforced_with_the_flag_named(tmp_path):
    text = tmp_path / "long.txt"
    text.write_text(ENGLISH)
    with pytest.raises(IngestError, match="--max-chars"):
        read_document(text, limits=Limits(max_chars=100))
    assert read_document(text, limits=Limits(max_chars=0)).text  # 0: no limit
    pdf = _pdf_with_text(tmp_path / "pages.pdf", "The council met.", pages=3)
    with pytest.raises(IngestError, match="3 pages .* --max-pages") as err:
        read_document(pdf, limits=Limits(max_pages=2))
    assert err.value.kind == "too_large"
    assert read_document(pdf, limits=Limits(max_pages=3)).text.startswith("The council met.")


def test_cli_max_mb_flag_refuses_a_small_file(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ENGLISH)
    result = CliRunner().invoke(app, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--quiet",
                                      "--max-mb", "0.0001"])
    assert result.exit_code == 1, result.output  # nothing could be processed
    summary = json.loads((tmp_path / "out" / "run.json").read_text())
    assert summary["counts"] == {"inputs": 1, "ok": 0, "skipped": 0, "error": 1}
    assert summary["errors"][0]["kind"] == "too_large" and "--max-mb" in summary["errors"][0]["error"]
    assert "too_large" in result.output


def test_unreadable_file_is_an_unreadable_error(tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text(ENGLISH)
    path.chmod(0)
    try:
        if os.geteuid() != 0:  # root reads anything: then simulate the refusal below
            assert _read_kind(path) == "unreadable"
    finally:
        path.chmod(0o644)

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(IngestError, match="Permission denied") as err:
        read_document(path)
    assert err.value.kind == "unreadable"


def test_symlink_loops_neither_hang_nor_repeat_files(hostile):
    folder, expected = hostile
    pairs = list(iter_input_paths([folder, folder / "report.pdf"]))  # the file again, named explicitly
    names = [path.name for path, _ in pairs]
    assert sorted(names) == sorted(expected)  # each once, though `loop` leads back to the folder
    reasons = {path.name: reason for path, reason in pairs}
    assert reasons["a_link.txt"] == reasons["b_link.txt"] == "broken or looping symbolic link"
    assert reasons["report.pdf"] is None


def test_a_run_of_quote_marks_is_tokenized_in_linear_time(nlp):
    """10,000 quote marks, none closed: spaCy's tokenizer strips prefix punctuation one
    character at a time (quadratic: ~50 s here before normalisation broke such runs)."""
    from pipeline.analysis import analyse_documents

    document = read_text('"' * 10_000)
    assert document.text.replace(" ", "") == '"' * 10_000  # characters kept, spaces added
    doc = nlp.tokenizer(document.text)
    assert len(doc) == 10_000 and max(len(t.text) for t in doc) == 1  # every mark a token
    [result] = analyse_documents([document], nlp)
    assert result.document.status == "ok", result.document.error
    assert result.quotes == []
    # quote marks opened in prose and never closed: no quote, and no error
    prose = read_text(" ".join(f'Witness {i} said "the market was shelled' for i in range(100)))
    [result] = analyse_documents([prose], nlp)
    assert result.document.status == "ok", result.document.error
    for quote in result.quotes:
        assert prose.text[quote.start:quote.end] == quote.text


# --------------------------------------------------------------------------- search and serve


def test_malformed_search_queries_are_clear_errors(mixed_run):
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.store import SearchError, search

    out, _ = mixed_run
    for query in ('"unclosed', "AND", "foo(", "NEAR(", "a:b", "'; DROP TABLE quotes; --", "x AND", "*"):
        with pytest.raises(SearchError, match="invalid search query"):
            search(out, query)
        result = CliRunner().invoke(app, ["search", query, "--store", str(out)])
        assert result.exit_code == 2 and "invalid search query" in result.output, (query, result.output)
        assert "Traceback" not in result.output
    assert sqlite3.connect(out / "pipeline.sqlite").execute("SELECT count(*) FROM quotes").fetchone()[0] > 0


def test_serve_binds_localhost_and_opens_the_store_immutable(mixed_run):
    import inspect

    from pipeline.view.serve import build_datasette, database_name, serve

    out, _ = mixed_run
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    ds = build_datasette(out / "pipeline.sqlite")
    database = ds.databases[database_name(out / "pipeline.sqlite")]
    assert database.is_mutable is False


# --------------------------------------------------------------------------- one mixed batch


@pytest.fixture(scope="module")
def mixed_run(hostile, shared_corpus, tmp_path_factory):
    """One run over the hostile folder plus the real corpus (about a minute and a half)."""
    from pipeline.batch import run

    folder, _ = hostile
    out = tmp_path_factory.mktemp("mixed_run")
    summary = run([folder, shared_corpus], out, metadata_file=shared_corpus / "MANIFEST.tsv")
    return out, summary


def test_every_input_path_is_accounted_for(mixed_run, hostile, shared_corpus):
    out, summary = mixed_run
    folder, expected = hostile
    corpus_files = sorted(p for p in shared_corpus.iterdir() if not p.name.startswith("."))
    counts = summary.counts()
    assert counts["inputs"] == len(expected) + len(corpus_files)
    assert counts["ok"] + counts["skipped"] + counts["error"] == counts["inputs"]
    outcomes = {o.source: o for o in summary.outcomes}
    assert len(outcomes) == len(summary.outcomes) == counts["inputs"]  # one outcome per path
    for name, (outcome, kind) in expected.items():
        got = outcomes[str(folder / name)]
        assert (got.outcome, got.kind) == (outcome, kind), name
    for path in corpus_files:  # the real corpus: every publication analysed, the manifest skipped
        got = outcomes[str(path)]
        assert (got.outcome, got.kind) == (("skipped", "unsupported") if path.suffix == ".tsv" else ("ok", None))


def test_outcomes_are_in_run_json_and_in_the_store(mixed_run):
    out, summary = mixed_run
    saved = json.loads((out / "run.json").read_text())
    assert saved["counts"] == summary.counts()
    assert saved["by_kind"]["error"]["unsupported_language"] == 2
    assert {e["kind"] for e in saved["errors"]} == {"empty", "decode", "corrupt", "encrypted", "no_text",
                                                    "unsupported_language"}
    conn = sqlite3.connect(out / "pipeline.sqlite")
    stored = dict(conn.execute("SELECT source, outcome || ':' || coalesce(kind, '') FROM outcomes "
                               "WHERE run_id = ?", (summary.run_id,)).fetchall())
    assert stored == {o.source: f"{o.outcome}:{o.kind or ''}" for o in summary.outcomes}
    finished = conn.execute("SELECT finished_at, inputs, ok, skipped, errors FROM runs WHERE run_id = ?",
                            (summary.run_id,)).fetchone()
    assert finished[0] and finished[1:] == (summary.counts()["inputs"], summary.documents_ok,
                                            len(summary.skipped), summary.documents_failed)
    errors = dict(conn.execute("SELECT source, error_kind FROM documents WHERE status = 'error'").fetchall())
    assert errors == {o.source: o.kind for o in summary.outcomes if o.outcome == "error"}
    assert conn.execute("SELECT count(*) FROM documents WHERE status = 'ok' AND error_kind IS NOT NULL"
                        ).fetchone()[0] == 0


def test_odd_file_names_and_encodings_are_analysed_like_any_other(mixed_run, hostile):
    out, summary = mixed_run
    folder, _ = hostile
    conn = sqlite3.connect(out / "pipeline.sqlite")
    name = str(folder / "a name with spaces – é ü 中.txt")
    quotes = conn.execute("SELECT q.speaker, q.text FROM documents d JOIN quotes q USING (doc_id) "
                          "WHERE d.source = ? AND q.kind = 'direct'", (name,)).fetchall()
    assert len(quotes) == 1 and quotes[0][1] == "We demand an independent investigation,"
    assert "Abdul Ghany" in quotes[0][0]
    utf16 = conn.execute("SELECT text FROM documents WHERE source = ?", (str(folder / "utf16.txt"),)).fetchone()
    assert "market of Saint-Léger" in utf16[0]
