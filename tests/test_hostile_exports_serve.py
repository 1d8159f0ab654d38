"""Issue 19, exports and serve: a hostile cell never runs in a spreadsheet, a hostile request never
takes the server down.

Every hostile input is built here: a store written from hand-made records whose title, speaker,
quotes, sentences and figures begin with ``=HYPERLINK("http://x","y")``, ``+1``, ``-2+3``, ``@SUM(A1)``;
requests with other Host headers, other methods, and SQL that builds huge values.
"""
from __future__ import annotations

import asyncio
import csv
import io
import resource
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline
from pipeline.cli import app
from pipeline.csvsafe import restore, spreadsheet_safe
from pipeline.records import Claim, Document, DocumentResult, Quote, Statement
from pipeline.store import StoreWriter
from pipeline.store.schema import STORE_NAME
from pipeline.view import guard

HYPERLINK = '=HYPERLINK("http://x","y")'
SUM = "@SUM(A1)"
PLUS = "+1 more family was detained."
MINUS = "-2+3 families returned; nights fell to -5 degrees."
HOSTILE_TEXT = f"{HYPERLINK} was written on the wall.\n\n{SUM} said: “{PLUS}”\n\n{MINUS}"
runner = CliRunner()


def _span(needle: str) -> tuple[int, int]:
    start = HOSTILE_TEXT.index(needle)
    return start, start + len(needle)


def hostile_result() -> DocumentResult:
    """One document whose cells a spreadsheet would run: title, organisation, speaker, quotes, sentences."""
    doc = Document(source="in/hostile.txt", text=HOSTILE_TEXT, title=HYPERLINK, organisation=SUM,
                   published="2024-03-03", format="txt")
    statements = []
    for i, paragraph in enumerate(HOSTILE_TEXT.split("\n\n"), start=1):
        start, end = _span(paragraph)
        statements.append(Statement(f"s{i}", start, end, paragraph, ["detention"] if i == 2 else [],
                                    {"detention": 0.9 if i == 2 else 0.1}))
    quotes = [Quote("q1", "direct", *_span(PLUS), PLUS, speaker=SUM, speaker_type="PERSON",
                    speaker_org="-2+3", cue="say", confidence=0.9),
              Quote("q2", "direct", *_span(HYPERLINK), HYPERLINK, speaker=HYPERLINK, speaker_type="ORG",
                    cue="say", confidence=0.5)]
    minus_five = _span("-5")
    claims = [Claim("c1", *minus_five, "-5", -5.0, unit="quantity", counted="degree",
                    sentence_start=statements[2].start, sentence_end=statements[2].end)]
    return DocumentResult(doc, quotes=quotes, claims=claims, statements=statements)


@pytest.fixture
def store(tmp_path) -> Path:
    path = tmp_path / STORE_NAME
    with StoreWriter(path) as writer:
        writer.write(hostile_result())
    return path


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _values(column) -> list:
    """A DataFrame column as a list, a missing value as None (a store gives NaN, a CSV None)."""
    return [None if value is None or value != value else value for value in column]


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("cell", [HYPERLINK, SUM, PLUS, MINUS, "-5", "\t=1+1", "\r=1+1", "'=1+1", "''@x"])
def test_a_formula_cell_gets_a_quote_and_restore_gives_it_back(cell):
    safe = spreadsheet_safe(cell)
    assert safe == "'" + cell and restore(safe) == cell
    assert restore(cell) == cell.removeprefix("'")  # a cell saved back by a spreadsheet, without its quote


@pytest.mark.parametrize("cell", ["Aid was blocked.", "'quoted'", "", " =1", -5, -5.0, None, 0.9])
def test_other_cells_are_left_alone(cell):
    assert spreadsheet_safe(cell) == cell and restore(cell) == cell


# --------------------------------------------------------------------------- export --format csv


def test_export_csv_neutralises_every_formula_cell_and_load_restores_them(store, tmp_path):
    out = tmp_path / "csv"
    result = runner.invoke(app, ["export", "--format", "csv", "--out", str(out), "--store", str(store)])
    assert result.exit_code == 0, result.output
    documents = _csv_rows((out / "documents.csv").read_text(encoding="utf-8"))
    assert (documents[0]["title"], documents[0]["organisation"]) == ("'" + HYPERLINK, "'" + SUM)
    quotes = {r["quote_id"]: r for r in _csv_rows((out / "quotes.csv").read_text(encoding="utf-8"))}
    assert (quotes["q1"]["text"], quotes["q1"]["speaker"], quotes["q1"]["speaker_org"]) == ("'" + PLUS, "'" + SUM, "'-2+3")
    assert quotes["q2"]["text"] == quotes["q2"]["speaker"] == "'" + HYPERLINK
    statements = [r["text"] for r in _csv_rows((out / "statements.csv").read_text(encoding="utf-8"))]
    assert all(text.startswith(("'=", "'@", "'-")) for text in statements)
    claim, = _csv_rows((out / "claims.csv").read_text(encoding="utf-8"))
    assert (claim["text"], claim["value"]) == ("'-5", "-5.0")  # the number stays a number
    # read back, every cell is what the store holds
    original, exported = pipeline.load(store), pipeline.load(out)
    for table, columns in {"documents": ["title", "organisation"], "quotes": ["text", "speaker", "speaker_org"],
                           "statements": ["text"], "claims": ["text", "value"]}.items():
        for column in columns:
            assert _values(exported[table][column]) == _values(original[table][column]), (table, column)


def test_export_raw_csv_writes_cells_verbatim(store, tmp_path):
    out = tmp_path / "raw"
    result = runner.invoke(app, ["export", "--format", "csv", "--raw-csv", "--out", str(out), "--store", str(store)])
    assert result.exit_code == 0, result.output
    documents = _csv_rows((out / "documents.csv").read_text(encoding="utf-8"))
    assert documents[0]["title"] == HYPERLINK
    assert list(pipeline.load(out)["quotes"]["text"]) == list(pipeline.load(store)["quotes"]["text"])


@pytest.mark.parametrize("command", [["export", "--out", "x", "--format", "parquet"], ["search", "wall"]])
def test_raw_csv_without_csv_is_refused(store, command):
    result = runner.invoke(app, [*command, "--raw-csv", "--store", str(store)])
    assert result.exit_code == 2 and "only with --format csv" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- search --format csv


def test_search_csv_neutralises_formula_cells(store):
    result = runner.invoke(app, ["search", "--store", str(store), "--format", "csv"])
    assert result.exit_code == 0, result.output
    quotes = {r["record_id"]: r for r in _csv_rows(result.stdout)}
    assert (quotes["q1"]["speaker"], quotes["q1"]["speaker_org"], quotes["q1"]["text"]) == ("'" + SUM, "'-2+3", "'" + PLUS)
    assert quotes["q2"]["title"] == "'" + HYPERLINK
    result = runner.invoke(app, ["search", "--in", "claims", "--store", str(store), "--format", "csv"])
    claim, = _csv_rows(result.stdout)
    assert (claim["text"], claim["value"], claim["sentence"]) == ("'-5", "-5.0", "'" + MINUS)
    raw = runner.invoke(app, ["search", "--store", str(store), "--format", "csv", "--raw-csv"])
    assert {r["speaker"] for r in _csv_rows(raw.stdout)} == {SUM, HYPERLINK}


# --------------------------------------------------------------------------- review export / import


@pytest.fixture
def corrections_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "corrections.jsonl"
    monkeypatch.setenv("NGO_PIPELINE_CORRECTIONS", str(path))
    return path


def _set_themes(csv_path: Path, text_cell: str, themes: str, new_text_cell: str | None = None) -> None:
    """Edit the review CSV as an analyst would (the csv module keeps every other cell as it is)."""
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    row, = [r for r in rows if r["text"] == text_cell]
    row["themes"] = themes
    if new_text_cell is not None:
        row["text"] = new_text_cell
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_review_csv_is_spreadsheet_safe_and_its_round_trip_changes_only_the_edit(store, tmp_path,
                                                                                 corrections_file):
    from pipeline.themes.review import import_review, read_corrections, text_key

    review_csv = tmp_path / "review.csv"
    result = runner.invoke(app, ["review", "export", "--out", str(store), "--file", str(review_csv)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(review_csv.read_text(encoding="utf-8-sig"))))
    texts = [r["text"] for r in rows]
    assert texts == ["'" + p for p in HOSTILE_TEXT.split("\n\n")]
    assert rows[1]["score_detention"] == "0.9"  # numbers stay numbers

    # exported and imported untouched: nothing changes, not a byte of the store
    before = store.read_bytes()
    assert import_review(review_csv, corrections_file, store)["corrected"] == 0
    assert store.read_bytes() == before

    # one edit: the correction is keyed by the sentence's own text, and the store takes it
    _set_themes(review_csv, "'" + MINUS, "refugee_returns")
    result = import_review(review_csv, corrections_file, store)
    assert (result["corrected"], result["output_rows_updated"]) == (1, 1)
    correction, = read_corrections(corrections_file).values()
    assert (correction["text"], correction["key"]) == (MINUS, text_key(MINUS))
    statements = pipeline.load(store)["statements"].set_index("text")
    assert list(statements.loc[MINUS, "themes"]) == ["refugee_returns"]
    assert statements.loc[MINUS, "themes_source"] == "review"
    assert [statements.loc[p, "themes_source"] for p in HOSTILE_TEXT.split("\n\n")[:2]] == ["model", "model"]


def test_review_import_reads_a_spreadsheet_saved_or_raw_csv(store, tmp_path, corrections_file):
    from pipeline.themes.review import export_review, read_review

    saved = tmp_path / "saved.csv"  # a spreadsheet saves the cell's text, without the quote
    export_review(store, saved)
    _set_themes(saved, "'" + SUM + " said: “" + PLUS + "”", "covid", new_text_cell=SUM + " said: “" + PLUS + "”")
    raw = tmp_path / "raw.csv"
    result = runner.invoke(app, ["review", "export", "--out", str(store), "--file", str(raw), "--raw-csv"])
    assert result.exit_code == 0, result.output
    raw_texts = [r["text"] for r in csv.DictReader(io.StringIO(raw.read_text(encoding="utf-8-sig")))]
    assert raw_texts == HOSTILE_TEXT.split("\n\n")  # verbatim
    _set_themes(raw, MINUS, "refugee_returns")
    assert [(c["text"], c["themes"]) for c in read_review(saved)] == [(f"{SUM} said: “{PLUS}”", ["covid"])]
    assert [(c["text"], c["themes"]) for c in read_review(raw)] == [(MINUS, ["refugee_returns"])]


# --------------------------------------------------------------------------- serve


def _requests(store: Path, *requests: tuple[str, str, dict], **build) -> list:
    """Responses of Datasette (as ``serve`` builds it) to ``(method, path, headers)``: no port is bound."""
    from pipeline.view.serve import build_datasette

    ds = build_datasette(store, **build)

    async def fetch():
        await ds.invoke_startup()
        return [await ds.client.request(method, path, headers=headers) if hasattr(ds.client, "request")
                else await getattr(ds.client, method.lower())(path, headers=headers)
                for method, path, headers in requests]

    return asyncio.run(fetch())


def _get(store: Path, *paths: str, host: str = "localhost", **build) -> list:
    return _requests(store, *(("GET", path, {"host": host}) for path in paths), **build)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8001", "127.0.0.1.nip.io:8001", "0.0.0.0:8001",
                                  "localhost.evil.example", "[::2]:8001"])
def test_serve_refuses_a_foreign_host_header(store, host):
    response, = _get(store, f"/{store.stem}.json?sql=select+1", host=host)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "is not served" in response.text and "--allow-host" in response.text


@pytest.mark.parametrize("host", ["localhost", "localhost:8001", "127.0.0.1:8001", "[::1]:8001", "LOCALHOST"])
def test_serve_answers_local_host_headers(store, host):
    response, = _get(store, f"/{store.stem}.json?sql=select+1", host=host)
    assert response.status_code == 200 and response.json()["rows"] == [[1]]


def test_allow_host_lets_one_more_name_in(store):
    ok, other = _requests(store, ("GET", "/", {"host": "mybox.local:8001"}), ("GET", "/", {"host": "evil.example"}),
                          allow_hosts=("mybox.local",))
    assert (ok.status_code, other.status_code) == (200, 400)
    result = runner.invoke(app, ["serve", "--store", str(store), "--allow-host", "0.0.0.0"])
    assert result.exit_code == 2 and "not a wildcard" in result.output


def test_a_request_without_host_or_over_a_websocket_is_refused():
    async def call(scope):
        sent = []

        async def send(message):
            sent.append(message)

        async def app_(scope, receive, send):  # never reached
            raise AssertionError("the request went through")

        await guard.LocalReadOnly(app_, lambda: guard.allowed_hosts())(scope, None, send)
        return sent

    no_host = asyncio.run(call({"type": "http", "method": "GET", "path": "/", "headers": []}))
    assert no_host[0]["status"] == 400
    websocket = asyncio.run(call({"type": "websocket", "path": "/", "headers": [(b"host", b"localhost")]}))
    assert websocket == [{"type": "websocket.close", "code": 1008}]


@pytest.mark.parametrize("method, path", [("POST", "/pipeline/quotes"), ("POST", "/pipeline/quotes_by_speaker"),
                                          ("POST", "/pipeline"), ("POST", "/-/messages"), ("PUT", "/pipeline/quotes"),
                                          ("DELETE", "/pipeline/quotes"), ("PATCH", "/pipeline"), ("OPTIONS", "/")])
def test_serve_answers_writes_with_405(store, method, path):
    response, = _requests(store, (method, path, {"host": "localhost"}))
    assert response.status_code == 405, response.text[:200]  # POST to a table or a canned query was a 500
    assert response.headers["allow"] == "GET, HEAD" and "read-only" in response.text
    head, = _requests(store, ("HEAD", "/pipeline/quotes", {"host": "localhost"}))
    assert head.status_code == 200


def _timed_query(store: Path, sql: str):
    from urllib.parse import urlencode

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response, = _get(store, f"/{store.stem}.json?" + urlencode({"sql": sql}))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024  # ru_maxrss is in KiB on Linux
    return response, time.perf_counter() - started, grown_mb


def test_serve_refuses_a_huge_value_at_once(store):
    just_over, seconds, _ = _timed_query(store, f"select randomblob({guard.MAX_VALUE_BYTES + 1})")
    assert just_over.status_code == 400 and just_over.json()["error"] == "string or blob too big"
    # the request: 8.8 s and 1.5 GB more memory before (3.1 GB under uvicorn)
    response, seconds, grown_mb = _timed_query(store, "select randomblob(400000000)")
    assert response.status_code == 400 and response.json()["error"] == "string or blob too big"
    assert seconds < 2 and grown_mb < 100


def test_serve_refuses_a_result_too_large_in_all(store):
    # 100 rows of 1 MB each: each value is allowed, their sum is not
    many_rows = ("with recursive n(i) as (select 1 union all select i + 1 from n limit 100) "
                 "select zeroblob(1000000) from n")
    response, seconds, grown_mb = _timed_query(store, many_rows)
    assert response.status_code == 400 and "larger than 64 MiB" in response.json()["error"]
    assert seconds < 5 and grown_mb < 200
    too_wide = "select " + ", ".join(f"{i} as c{i}" for i in range(guard.MAX_COLUMNS + 1))
    response, _, _ = _timed_query(store, too_wide)
    assert response.status_code == 400 and response.json()["error"] == "too many columns in result set"


def test_serve_caps_rows_and_time(store):
    counting = "with recursive n(i) as (select 1 union all select i + 1 from n) select i from n"
    capped, _, _ = _timed_query(store, counting + " limit 5000")
    assert capped.status_code == 200 and capped.json()["truncated"] is True and len(capped.json()["rows"]) == 1000
    endless, seconds, _ = _timed_query(store, "select count(*) from (" + counting + ")")
    assert endless.status_code == 400 and "too long" in endless.json()["error"]
    assert seconds < 5


def test_budgeted_rows_counts_per_query():
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.row_factory = guard.budgeted_rows(limit=1000)
    assert conn.execute("select zeroblob(600)").fetchone()[0] == bytes(600)
    assert conn.execute("select zeroblob(600)").fetchone()[0] == bytes(600)  # a new query, a new count
    with pytest.raises(guard.ResultTooLarge, match="larger than"):
        conn.execute("select zeroblob(600) union all select zeroblob(601)").fetchall()


def test_every_table_serves_and_the_longest_default_document_fits(tmp_path):
    """The limits leave real use alone: every table and view opens, and a document of 1,000,000
    four-byte characters (the longest --max-chars lets in, 4,000,000 bytes) is read whole."""
    import sqlite3

    path = tmp_path / STORE_NAME
    longest = "\U0001F600" * 1_000_000
    with StoreWriter(path) as writer:
        writer.write(hostile_result())
        writer.write(DocumentResult(Document(source="in/long.txt", text=longest, format="txt")))
    conn = sqlite3.connect(path)
    names = [name for (name,) in conn.execute("select name from sqlite_master where type in ('table', 'view') "
                                              "and name not like 'sqlite_%'")]
    conn.close()
    responses = _get(path, *(f"/{path.stem}/{name}.json?_size=5" for name in names),
                     f"/{path.stem}.json?sql=select+text+from+documents+where+source='in/long.txt'")
    assert [r.status_code for r in responses[:-1]] == [200] * len(names), names
    assert responses[-1].json()["rows"] == [[longest]]
