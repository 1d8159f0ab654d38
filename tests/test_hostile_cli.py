"""Issue 19: hostile input to the command line ends in a clear message, never a traceback.

Every hostile file is built here: a store whose organisation reads as matplotlib mathtext and
whose title reads as console markup, damaged stores (random bytes, a truncated copy, a page
overwritten), binary and column-less metadata, a bad date, numbers out of range, an existing
file named as a folder, a full disk (a write failing with ENOSPC, or a real file size limit set
with ``ulimit -f`` in a child process), a record id made to break out of its HTML attribute,
and a store being served. No model is loaded: records are built by hand and runs see no document.
"""
from __future__ import annotations

import csv
import errno
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.records import DocumentResult
from pipeline.store import SearchError, StoreWriter, search
from pipeline.store.schema import STORE_NAME
from tests.conftest import REPO
from tests.test_store import _quote, kiki_follow_up, kiki_release

MATH_NAME = r"Relief Fund $\x$"  # two dollar signs: matplotlib would parse \x as a TeX symbol
MARKUP_TITLE = "[bold]x[/bold] and [/]"  # rich would make it bold, and fail on the bare closing tag
MARKUP_SOURCE = "[i]SNHR[/i]"  # a figure's source, shown in the claims table (in a narrow column)
WIDE = {"COLUMNS": "200"}  # a table wide enough that no value is wrapped or cut


def _invoke(*args: object, env: dict[str, str] | None = None):
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def _flat(output: str) -> str:
    """The output with line breaks and box padding folded: messages may wrap at 80 columns."""
    return " ".join(output.replace("│", " ").split())


def _write_store(path: Path, *results: DocumentResult) -> Path:
    with StoreWriter(path) as writer:
        for result in results:
            writer.write(result)
    return path


def _hostile_release() -> DocumentResult:
    """The Kiki release published by an organisation named like mathtext, under a markup title."""
    result = kiki_release()
    result.document.organisation = MATH_NAME
    result.document.title = MARKUP_TITLE
    result.quotes[0].speaker_org = MATH_NAME  # the speakers chart labels a speaker by organisation
    result.claims[0].counted = r"civilian $\y$"  # the figures chart labels a figure by what it counts
    result.claims[0].source = MARKUP_SOURCE
    return result


@pytest.fixture
def store(tmp_path) -> Path:
    return _write_store(tmp_path / STORE_NAME, _hostile_release(), kiki_follow_up())


@pytest.fixture
def empty_folder(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


# --- a name that reads as mathtext -------------------------------------------------------------

def test_report_shows_an_organisation_named_like_mathtext_literally(store, tmp_path):
    out = tmp_path / "report.html"
    result = _invoke("report", "--store", store, "--html", out)
    assert result.exit_code == 0, result.output
    root = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    charts = {figure.get("data-chart"): figure.xpath("string(.)") for figure in root.xpath('//figure[@class="chart"]')}
    # the SVG keeps its text as text: each label is there as written, dollar signs and backslash
    for chart, label in (("documents", MATH_NAME), ("speakers", MATH_NAME), ("figures", r"civilian $\y$")):
        assert label in charts[chart], chart


# --- damaged stores ------------------------------------------------------------------------------

def _garbage(path: Path) -> Path:
    path.write_bytes(random.Random(19).randbytes(64 * 1024))
    return path


def _truncated(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def _damaged_inside(path: Path) -> Path:
    """The quotes table's first page overwritten: the store opens, reading its quotes fails."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'quotes'").fetchone()[0]
    conn.close()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(random.Random(19).randbytes(page_size))
    return path


def _command(name: str, store: Path, tmp_path: Path, empty_folder: Path) -> list[object]:
    return {
        "search": ["search", "regime", "--store", store],
        "export": ["export", "--out", tmp_path / "exported", "--store", store],
        "report": ["report", "--store", store, "--html", tmp_path / "report.html"],
        "show": ["show", "in/kiki_2021.txt", "--store", store, "--html", tmp_path / "view.html"],
        "serve": ["serve", "--store", store, "--port", "8765"],
        "run": ["run", empty_folder, "--store", store, "--out", tmp_path / "out", "--quiet"],
    }[name]


@pytest.mark.parametrize("damage", [_garbage, _truncated], ids=["random-bytes", "truncated"])
@pytest.mark.parametrize("command", ["search", "export", "report", "show", "serve", "run"])
def test_a_store_that_is_not_a_database_is_a_clear_error_for_every_command(store, tmp_path, empty_folder,
                                                                            damage, command):
    damaged = damage(store)
    before = damaged.read_bytes()
    result = _invoke(*_command(command, damaged, tmp_path, empty_folder))
    assert result.exit_code == 2, result.output
    message = _flat(result.output)
    assert f"error: {damaged} is damaged or is not an ngo-pipeline store" in message
    assert "--store NEW.sqlite" in message
    assert damaged.read_bytes() == before  # nothing, not even a run, writes over it


@pytest.mark.parametrize("command", ["search", "export", "report", "show"])
def test_a_store_damaged_inside_fails_with_a_message_when_the_page_is_read(store, tmp_path, empty_folder,
                                                                           command):
    _damaged_inside(store)
    result = _invoke(*_command(command, store, tmp_path, empty_folder))
    assert result.exit_code == 2, result.output
    assert f"error: {store} is damaged or is not an ngo-pipeline store (database disk image is malformed)" \
        in _flat(result.output)


# --- the metadata file -------------------------------------------------------------------------

@pytest.mark.parametrize("content, says", [
    (random.Random(7).randbytes(4096), "is not a CSV or TSV text file in UTF-8"),
    (b"title,organisation\nA report,Relief Fund\n", "metadata needs a 'file' column, found 'title', 'organisation'"),
    (b"", "metadata needs a 'file' column, found no header line"),
], ids=["binary", "no-file-column", "empty"])
def test_a_metadata_file_that_is_no_table_is_refused_before_anything_is_written(tmp_path, empty_folder,
                                                                                content, says):
    metadata = tmp_path / "meta.csv"
    metadata.write_bytes(content)
    result = _invoke("run", empty_folder, "--metadata", metadata, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 2, result.output
    assert f"error: {metadata}" in _flat(result.output) and says in _flat(result.output)
    assert not (tmp_path / "out").exists()


def test_a_bad_date_in_the_metadata_is_a_warning_naming_its_row(tmp_path, empty_folder):
    from pipeline.ingest import load_metadata, read_document

    metadata = tmp_path / "meta.csv"
    metadata.write_text("file,title,published\na.txt,A,2021-12-21\nb.txt,B,2020-13-45\nc.txt,C,2021-02-29\n",
                        encoding="utf-8")
    result = _invoke("run", empty_folder, "--metadata", metadata, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    message = _flat(result.output)
    assert f"warning: {metadata} line 3 (file b.txt): '2020-13-45' is not a date" in message
    assert f"warning: {metadata} line 4 (file c.txt): '2021-02-29' is not a date" in message
    assert "line 2" not in message
    # the bad date is dropped, not stored: the document's own dateline gives the date
    rows = load_metadata(metadata)
    assert rows["a.txt"]["published"] == "2021-12-21" and "published" not in rows["c.txt"]
    text = tmp_path / "c.txt"
    text.write_text("Press release / 3 March 2022\n\nThe council met on Monday.\n", encoding="utf-8")
    assert read_document(text, rows).published == "2022-03-03"


# --- numbers and dates out of range ----------------------------------------------------------------

@pytest.mark.parametrize("option, value", [("--max-mb", "inf"), ("--max-mb", "nan"), ("--max-mb", "1e400"),
                                           ("--max-seconds", "inf"), ("--lock-timeout", "nan")])
def test_run_refuses_numbers_that_are_not_finite(tmp_path, empty_folder, option, value):
    result = _invoke("run", empty_folder, option, value, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in _flat(result.output)
    assert not (tmp_path / "out").exists()


def test_a_limit_beyond_sqlite_integers_is_refused(store):
    result = _invoke("search", "regime", "--limit", "99999999999999999999", "--store", store)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--limit'" in _flat(result.output)
    with pytest.raises(SearchError, match="--limit .* out of range"):
        search(store, "regime", limit=2**64)
    # the largest limit SQLite takes works, also for documents (which scan 50 sentences per document)
    assert len(search(store, "regime", target="documents", limit=2**63 - 1)) == 2


@pytest.mark.parametrize("command", ["search", "report"])
def test_from_and_to_must_be_days_of_the_calendar(store, tmp_path, command):
    def invoke(*dates):
        extra = ["--html", tmp_path / "r.html", "--no-views"] if command == "report" else ["regime"]
        return _invoke(command, *extra, *dates, "--store", store)

    for bad in ("2020-13-45", "2021-02-29", "2020-13", "20200"):
        result = invoke("--from", bad)
        assert result.exit_code == 2, (bad, result.output)
        assert f"error: --from '{bad}' is not a date" in _flat(result.output)
    assert invoke("--to", "2020-02-30").exit_code == 2
    for good in ("2020", "2020-02", "2020-02-29"):
        assert invoke("--from", good).exit_code == 0, good


# --- an existing file named as the output folder --------------------------------------------------

@pytest.mark.parametrize("command", ["run", "export", "train"])
def test_out_naming_an_existing_file_is_refused(store, tmp_path, empty_folder, command):
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me", encoding="utf-8")
    args = {"run": ["run", empty_folder, "--quiet"], "export": ["export", "--store", store],
            "train": ["train"]}[command]
    result = _invoke(*args, "--out", existing)
    assert result.exit_code == 2, result.output
    assert f"{existing} is a file, not a folder" in _flat(result.output)
    assert existing.read_text(encoding="utf-8") == "keep me"


# --- square brackets: terminal markup ------------------------------------------------------------

@pytest.mark.parametrize("target", ["quotes", "claims", "documents"])
def test_a_title_with_square_brackets_is_printed_literally(store, target):
    result = _invoke("search", "--in", target, "--store", store, env=WIDE)
    assert result.exit_code == 0, result.output
    assert MARKUP_TITLE in result.output
    if target == "claims":
        assert MARKUP_SOURCE in result.output


@pytest.mark.parametrize("query", ['"[bold]x[/bold]"', '"[/]"', '"[red]'])
def test_a_query_with_square_brackets_is_printed_literally(store, query):
    result = _invoke("search", query, "--store", store, env=WIDE)
    assert result.exit_code in (0, 2), result.output  # '"[red]' is an unclosed phrase: an FTS error
    assert query in result.output


def test_filters_and_folders_with_square_brackets_are_printed_literally(store, tmp_path):
    result = _invoke("search", "regime", "--from", "[bold]x[/bold]", "--store", store)
    assert result.exit_code == 2 and "--from '[bold]x[/bold]' is not a date" in _flat(result.output)
    assert _invoke("search", "--org", "[/]", "--store", store).exit_code == 0
    folder = tmp_path / "[red]exported"
    result = _invoke("export", "--out", folder, "--store", store, env=WIDE)
    assert result.exit_code == 0, result.output
    assert f"exported to {folder}/" in result.output


# --- a full disk -----------------------------------------------------------------------------

def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_leaves_the_previous_review_csv_whole(store, tmp_path, monkeypatch):
    review = tmp_path / "review.csv"
    review.write_text("doc_id,statement_id,text,predicted_themes,themes\nold,s1,reviewed by hand,,detention\n",
                      encoding="utf-8")
    before = review.read_bytes()
    monkeypatch.setattr(csv.DictWriter, "writerow", _no_space)  # every row written hits a full disk
    result = _invoke("review", "export", "--out", tmp_path, "--file", review)
    assert result.exit_code == 2, result.output
    assert f"error: cannot write {review}: No space left on device; free some space" in _flat(result.output)
    assert review.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


def _cli_with_file_size_limit(args: list[object], limit: int) -> subprocess.CompletedProcess:
    """The command line in a child process that may write no file past ``limit`` bytes (``ulimit -f``):
    a write past it fails with EFBIG, as one on a full disk fails with ENOSPC."""
    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the default action would kill the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=300, preexec_fn=limit_file_size)


def test_a_report_that_does_not_fit_on_the_disk_leaves_the_previous_one(store, tmp_path):
    report = tmp_path / "report.html"
    report.write_text("<p>the previous report</p>", encoding="utf-8")
    proc = _cli_with_file_size_limit(["report", "--store", store, "--html", report, "--no-views"], 16 * 1024)
    assert proc.returncode == 2, proc.stderr
    assert f"error: cannot write {report}: File too large" in _flat(proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert report.read_text(encoding="utf-8") == "<p>the previous report</p>"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_an_export_that_does_not_fit_leaves_every_previous_table(store, tmp_path):
    folder = tmp_path / "exported"
    assert _invoke("export", "--out", folder, "--store", store).exit_code == 0
    for table in folder.iterdir():
        table.write_text('{"old": true}\n', encoding="utf-8")
    proc = _cli_with_file_size_limit(["export", "--out", folder, "--store", store], 1024)
    assert proc.returncode == 2, proc.stderr
    assert "error: cannot write" in proc.stderr and "File too large" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert {t.read_text(encoding="utf-8") for t in folder.iterdir()} == {'{"old": true}\n'}  # no .tmp either


def test_a_run_on_a_full_disk_is_a_clear_error(tmp_path, empty_folder):
    proc = _cli_with_file_size_limit(["run", empty_folder, "--out", tmp_path / "out", "--quiet"], 8 * 1024)
    assert proc.returncode == 2, proc.stderr
    assert f"error: cannot read or write {tmp_path / 'out' / STORE_NAME}" in _flat(proc.stderr)
    assert "disk is not full" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout


# --- record ids in the document view's HTML -------------------------------------------------------

def test_a_record_id_cannot_break_out_of_its_html_attribute(tmp_path):
    result = kiki_release()
    hostile_id = 'q1"><b id="injected'
    content = "Normalising ties with the regime rewards the crimes it committed against detainees and their families."
    result.quotes = [_quote(result.document.text, hostile_id, content, "Laila Kiki")]
    store = _write_store(tmp_path / STORE_NAME, result)
    page = tmp_path / "view.html"
    assert _invoke("show", "kiki", "--store", store, "--html", page).exit_code == 0
    root = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    assert root.xpath('//*[@id="injected"]') == []
    assert root.xpath("//*[@id=$id]", id=f"rec-quote-{hostile_id}"), "the quote's anchor keeps its whole id"


# --- the store's lock ----------------------------------------------------------------------------

def test_a_run_on_a_store_being_served_fails_at_once(store, tmp_path, empty_folder):
    from tests.test_store_lock import _hold, _stop

    server = _hold(store, purpose="serve")
    try:
        started = time.monotonic()
        result = _invoke("run", empty_folder, "--store", store, "--out", tmp_path / "out", "--quiet")
        waited = time.monotonic() - started
    finally:
        _stop(server)
    assert result.exit_code == 2, result.output
    assert f"is being served by `ngo-pipeline serve` (pid {server.pid}" in _flat(result.output)
    assert "waited" not in result.output and waited < 10  # not the default --lock-timeout of 60 s


def test_only_a_live_server_makes_a_run_fail_at_once():
    """The lock file keeps naming the last server after it has gone (until the next holder writes
    its own name): a run that finds it so waits as for any holder instead of failing."""
    import os
    import socket

    from pipeline.store.db import _is_serving

    here = socket.gethostname()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=30)
    assert _is_serving({"purpose": "serve", "pid": os.getpid(), "host": here})
    assert not _is_serving({"purpose": "serve", "pid": gone.pid, "host": here})
    assert not _is_serving({"purpose": "run", "pid": os.getpid(), "host": here})
    assert _is_serving({"purpose": "serve", "pid": 1, "host": "another-machine"})  # cannot be checked: trusted


# --- a crafted doc_id ---------------------------------------------------------------------------


def test_a_crafted_doc_id_cannot_name_a_file_outside_the_views_folder(store, tmp_path):
    """doc_ids are 16 hex digits; one rewritten to '../../escaped' in a crafted store would make
    `report` and `show` write views/<doc_id>.html outside the views folder."""
    conn = sqlite3.connect(store)
    (doc_id,) = conn.execute("SELECT doc_id FROM documents ORDER BY doc_id LIMIT 1").fetchone()
    tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
              if "doc_id" in [c[1] for c in conn.execute(f"PRAGMA table_info({name})")]]
    for table in tables:
        conn.execute(f"UPDATE {table} SET doc_id = '../../escaped' WHERE doc_id = ?", (doc_id,))
    conn.commit()
    conn.close()
    report = tmp_path / "site" / "report.html"
    report.parent.mkdir()
    result = _invoke("report", "--store", store, "--html", report)
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.rglob("escaped*")) and report.exists()
    result = _invoke("show", "../../escaped", "--store", store)
    assert result.exit_code == 2 and "not a document id" in _flat(result.output)
    assert not list(tmp_path.rglob("escaped*"))
