"""The SQLite store: schema, incremental writes, speakers, repeated quotes, exports, Datasette.

Records are built by hand from short texts written for these tests, so no model is loaded.
"""
from __future__ import annotations

import asyncio
import dataclasses
import math
import sqlite3

import pytest

import pipeline
from pipeline.records import (SCHEMA_VERSION, TABLES, Claim, Document, DocumentResult, Entity, Quote,
                              Statement)
from pipeline.store import (SchemaMismatch, StoreError, StoreWriter, iter_rows, open_store,
                            set_statement_themes)
from pipeline.store.schema import DERIVED_TABLES, RECORD_CLASSES, STORE_NAME, table_columns

KIKI_RELEASE = (
    "Press release / December 21, 2021\n\n"
    "Laila Kiki, Executive Director of The Syria Campaign, said: “Normalising ties with the regime "
    "rewards the crimes it committed against detainees and their families.”\n\n"
    "According to the Syrian Network for Human Rights (SNHR), 1,202 civilians were killed in 2021."
)
KIKI_FOLLOW_UP = (
    "Statement / 3 March 2022\n\n"
    "“Normalising ties with the regime rewards the crimes it committed against detainees and their "
    "families,” Kiki said again on Thursday.\n\n"
    "Families for Freedom said the decision to reinstate Syria to Interpol endangers refugees."
)


def _span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def _statements(text: str, themes_by_paragraph: list[list[str]]) -> list[Statement]:
    out, offset = [], 0
    for i, (paragraph, themes) in enumerate(zip(text.split("\n\n"), themes_by_paragraph), start=1):
        start = text.index(paragraph, offset)
        offset = start + len(paragraph)
        out.append(Statement(f"s{i}", start, offset, paragraph, list(themes), {t: 0.9 for t in themes}))
    return out


def _quote(text: str, quote_id: str, content: str, speaker: str, **fields) -> Quote:
    start, end = _span(text, content)
    return Quote(quote_id, "direct", start, end, content, speaker=speaker, speaker_type="PERSON",
                 cue="say", confidence=0.9, **fields)


def kiki_release(text: str = KIKI_RELEASE, source: str = "in/kiki_2021.txt") -> DocumentResult:
    doc = Document(source=source, text=text, title="2021 in Syria", organisation="The Syria Campaign",
                   published="2021-12-21", format="txt")
    statements = _statements(text, [[], ["normalisation", "detention"], ["attacks_on_civilians"]])
    quote = _quote(text, "q1", "Normalising ties with the regime rewards the crimes it committed against "
                   "detainees and their families.", "Laila Kiki", speaker_role="Executive Director",
                   speaker_org="The Syria Campaign", themes=["normalisation", "detention"])
    c_start, c_end = _span(text, "1,202 civilians")
    s3 = statements[2]
    claim = Claim("c1", c_start, c_end, "1,202 civilians", 1202.0, counted="civilian", event="killed",
                  period="2021", source="Syrian Network for Human Rights", sentence_start=s3.start,
                  sentence_end=s3.end, themes=["attacks_on_civilians"])
    e_start, e_end = _span(text, "SNHR")
    entities = [Entity(e_start, e_end, "SNHR", "ORG", "Syrian Network for Human Rights")]
    return DocumentResult(doc, entities=entities, quotes=[quote], claims=[claim], statements=statements)


def kiki_follow_up() -> DocumentResult:
    text = KIKI_FOLLOW_UP
    doc = Document(source="in/kiki_2022.txt", text=text, title="Follow-up", organisation="The Syria Campaign",
                   published="2022-03-03", format="txt")
    statements = _statements(text, [[], ["normalisation", "detention"], ["refugee_returns", "detention"]])
    repeated = _quote(text, "q1", "Normalising ties with the regime rewards the crimes it committed against "
                      "detainees and their families,", "Kiki", speaker_org="The Syria Campaign",
                      themes=["normalisation", "detention"])
    start, end = _span(text, "the decision to reinstate Syria to Interpol endangers refugees")
    interpol = Quote("q2", "indirect", start, end, text[start:end], speaker="Families for Freedom",
                     speaker_type="ORG", cue="say", confidence=0.8, themes=["refugee_returns", "detention"])
    return DocumentResult(doc, quotes=[repeated, interpol], statements=statements)


@pytest.fixture
def store(tmp_path):
    path = tmp_path / STORE_NAME
    with StoreWriter(path) as writer:
        writer.write(kiki_release())
        writer.write(kiki_follow_up())
    return path


def _count(path, sql, *params):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def test_tables_have_exactly_the_record_fields(store):
    for table, cls in RECORD_CLASSES.items():
        assert table_columns(table) == ("doc_id", *(f.name for f in dataclasses.fields(cls))), table
    assert table_columns("documents") == tuple(kiki_release().document.to_record())
    conn = sqlite3.connect(store)
    fts = {name: sql for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE '%_fts'")}
    assert 'content="quotes"' in fts["quotes_fts"] and 'content="statements"' in fts["statements_fts"]
    assert "porter unicode61" in fts["quotes_fts"]
    indexed = {r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")}
    for column in ('"speaker"', '"speaker_org"', '"theme"', '"published"', '"label"'):
        assert any(column in sql for sql in indexed), column
    assert conn.execute("SELECT value FROM store_meta WHERE key='schema_version'").fetchone()[0] == SCHEMA_VERSION


def test_rows_come_back_exactly_as_written(store):
    expected = {t: [] for t in TABLES}
    for result in (kiki_release(), kiki_follow_up()):
        for table, rows in result.rows().items():
            expected[table].extend(rows)
    conn = open_store(store)
    for table in TABLES:
        assert list(iter_rows(conn, table)) == expected[table], table
    conn.close()


def test_unchanged_documents_are_skipped_and_nothing_is_inserted(store):
    before = store.read_bytes()
    with StoreWriter(store) as writer:
        todo = list(writer.skip_unchanged([kiki_release().document, kiki_follow_up().document]))
        assert todo == [] and writer.actions == {"inserted": 0, "replaced": 0, "unchanged": 2}
    assert store.read_bytes() == before  # not a byte changed


def test_a_changed_document_replaces_its_old_version(store):
    edited = KIKI_RELEASE.replace("1,202 civilians were killed", "1,202 civilians were killed, SNHR said,")
    with StoreWriter(store) as writer:
        new = kiki_release(edited)
        assert list(writer.skip_unchanged([new.document])) == [new.document]
        assert writer.write(new) == "replaced"
    conn = open_store(store)
    sources = [r["source"] for r in conn.execute("SELECT source FROM documents ORDER BY source")]
    assert sources == ["in/kiki_2021.txt", "in/kiki_2022.txt"]  # never duplicated
    assert conn.execute("SELECT count(*) FROM quotes WHERE doc_id = ?", (new.doc_id,)).fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM quotes").fetchone()[0] == 3
    old_id = kiki_release().doc_id
    for table in ("quotes", "claims", "statements", "entities", "record_themes", "quote_speakers"):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE doc_id = ?", (old_id,)).fetchone()[0] == 0
    # the full-text index follows: the new sentence is found, and once
    hits = conn.execute("SELECT count(*) FROM statements_fts WHERE statements_fts MATCH 'civilians'").fetchone()[0]
    assert hits == 1
    conn.close()


def test_a_failed_write_leaves_the_previous_version_intact(store, monkeypatch):
    from pipeline.store import writer as writer_module

    edited = kiki_release(KIKI_RELEASE.replace("2021.", "2021 across Syria."))
    real_encode = writer_module.encode_row

    def failing_encode(table, row):
        if table == "claims":
            raise RuntimeError("disk full")
        return real_encode(table, row)

    monkeypatch.setattr(writer_module, "encode_row", failing_encode)
    with pytest.raises(RuntimeError):
        with StoreWriter(store) as writer:
            writer.write(edited)
    conn = open_store(store)
    assert [r[0] for r in conn.execute("SELECT doc_id FROM documents ORDER BY source")] == [
        kiki_release().doc_id, kiki_follow_up().doc_id]
    assert conn.execute("SELECT count(*) FROM quotes").fetchone()[0] == 3
    conn.close()


def test_a_document_that_failed_to_read_keeps_its_good_version(store):
    broken = Document(source="in/kiki_2021.txt", text="", status="error", error="empty: no text")
    with StoreWriter(store) as writer:
        assert writer.write(DocumentResult(broken)) is None
    assert _count(store, "SELECT count(*) FROM documents WHERE status = 'ok'") == 2


def test_a_failure_is_recorded_once(tmp_path):
    path = tmp_path / STORE_NAME
    broken = Document(source="in/broken.pdf", text="", status="error", error="encrypted: password")
    with StoreWriter(path) as writer:
        assert writer.write(DocumentResult(broken)) == "inserted"
    with StoreWriter(path) as writer:  # the same failure again: nothing written
        assert writer.write(DocumentResult(broken)) is None and writer.actions["unchanged"] == 1
    fixed = kiki_release(source="in/broken.pdf")
    with StoreWriter(path) as writer:  # readable now: replaces the error row
        assert writer.write(fixed) == "replaced"
    assert _count(path, "SELECT group_concat(status) FROM documents") == "ok"


def test_schema_version_is_checked(store):
    conn = sqlite3.connect(store)
    conn.execute("UPDATE store_meta SET value = '0.9.0' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaMismatch, match=r"schema 0\.9\.0 .* writes " + SCHEMA_VERSION.replace(".", r"\.")):
        StoreWriter(store)
    with pytest.raises(SchemaMismatch):
        pipeline.load(store)
    other = store.parent / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(StoreError, match="not an ngo-pipeline store"):
        open_store(other)


def test_surname_links_to_the_full_name_across_documents(store):
    conn = open_store(store)
    kiki = conn.execute("SELECT * FROM speakers WHERE name = 'Laila Kiki'").fetchone()
    assert (kiki["n_quotes"], kiki["n_documents"]) == (2, 2)
    assert (kiki["first_quoted"], kiki["last_quoted"]) == ("2021-12-21", "2022-03-03")
    assert kiki["aliases"] == '["Kiki", "Laila Kiki"]'
    assert kiki["roles"] == '["Executive Director"]' and kiki["organisations"] == '["The Syria Campaign"]'
    assert conn.execute("SELECT count(*) FROM speakers WHERE name LIKE '%Kiki%'").fetchone()[0] == 1
    conn.close()


def test_an_ambiguous_surname_is_not_linked(tmp_path):
    text = "Press release / 1 May 2023\n\n“We will keep documenting,” Haddad said."
    other_haddads = []
    for i, first in enumerate(("Mariam", "Omar")):
        t = f"Statement / {i + 1} April 2023\n\n“Our teams are on the ground,” said {first} Haddad."
        doc = Document(source=f"in/{first}.txt", text=t, published=f"2023-04-0{i + 1}")
        other_haddads.append(DocumentResult(doc, quotes=[_quote(t, "q1", "Our teams are on the ground,",
                                                                 f"{first} Haddad")]))
    short = DocumentResult(Document(source="in/short.txt", text=text, published="2023-05-01"),
                           quotes=[_quote(text, "q1", "We will keep documenting,", "Haddad")])
    path = tmp_path / STORE_NAME
    with StoreWriter(path) as writer:
        for result in (*other_haddads, short):
            writer.write(result)
    conn = open_store(path)
    names = sorted(r[0] for r in conn.execute("SELECT name FROM speakers"))
    assert names == ["Haddad", "Mariam Haddad", "Omar Haddad"]
    conn.close()


def test_repeated_quotes_are_grouped_with_their_first_publication(store):
    conn = open_store(store)
    rows = conn.execute("SELECT * FROM quote_groups ORDER BY published").fetchall()
    assert [(r["doc_id"], r["is_first"]) for r in rows] == [(kiki_release().doc_id, 1),
                                                             (kiki_follow_up().doc_id, 0)]
    assert {r["first_published"] for r in rows} == {"2021-12-21"} and len({r["group_id"] for r in rows}) == 1
    assert rows[1]["similarity"] >= 0.8  # near-identical: the follow-up ends with a comma
    conn.close()


def test_an_excerpt_of_an_earlier_quote_joins_its_group(store):
    text = ("News / 9 May 2022\n\nAs Laila Kiki put it: “Normalising ties with the regime rewards the crimes "
            "it committed against detainees” — and the campaign goes on.")
    excerpt = DocumentResult(
        Document(source="in/news.txt", text=text, published="2022-05-09"),
        quotes=[_quote(text, "q1", "Normalising ties with the regime rewards the crimes it committed against "
                       "detainees", "Laila Kiki")])
    unrelated_text = "Brief / 1 June 2022\n\n“The regime rewards nobody who returns from exile,” he said."
    unrelated = DocumentResult(
        Document(source="in/brief.txt", text=unrelated_text, published="2022-06-01"),
        quotes=[_quote(unrelated_text, "q1", "The regime rewards nobody who returns from exile,", "Omar")])
    with StoreWriter(store) as writer:
        writer.write(excerpt)
        writer.write(unrelated)
    conn = open_store(store)
    rows = conn.execute("SELECT doc_id, is_first, first_published FROM quote_groups ORDER BY published").fetchall()
    assert [r["doc_id"] for r in rows] == [kiki_release().doc_id, kiki_follow_up().doc_id, excerpt.doc_id]
    assert {r["first_published"] for r in rows} == {"2021-12-21"}
    conn.close()


def test_set_statement_themes_from_a_review(store):
    follow_up = kiki_follow_up()
    assert set_statement_themes(store, [(follow_up.doc_id, "s2", ["accountability"]),
                                        {"doc_id": follow_up.doc_id, "statement_id": "s99", "themes": ["covid"]},
                                        (follow_up.doc_id, "s99", ["covid"])]) == 1
    frames = pipeline.load(store)
    statements = frames["statements"].set_index(["doc_id", "statement_id"])
    row = statements.loc[(follow_up.doc_id, "s2")]
    assert row["themes"] == ["accountability"] and row["themes_source"] == "review"
    quotes = frames["quotes"].set_index(["doc_id", "quote_id"])
    assert quotes.loc[(follow_up.doc_id, "q1"), "themes"] == ["accountability"]  # the quote follows its sentence
    assert quotes.loc[(follow_up.doc_id, "q2"), "themes"] == ["refugee_returns", "detention"]
    assert _count(store, "SELECT count(*) FROM record_themes WHERE doc_id = ? AND record_id = 'q1' "
                  "AND theme = 'accountability'", follow_up.doc_id) == 1
    assert _count(store, "SELECT count(*) FROM record_themes WHERE doc_id = ? AND record_id = 'q1' "
                  "AND theme = 'detention'", follow_up.doc_id) == 0
    with pytest.raises(ValueError, match="unknown themes"):
        set_statement_themes(store, [(follow_up.doc_id, "s2", ["weather"])])


def _same(a, b) -> bool:
    def norm(v):
        if hasattr(v, "tolist"):
            v = v.tolist()
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        return v

    return [norm(v) for v in a] == [norm(v) for v in b]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_exports_round_trip_through_load(store, tmp_path, fmt):
    from pipeline.store.export import export

    counts = export(store, tmp_path / fmt, fmt)
    assert counts["quotes"] == 3 and counts["speakers"] >= 2 and counts["quote_groups"] == 2
    original, exported = pipeline.load(store), pipeline.load(tmp_path / fmt)
    assert set(exported) == set(original) == {*TABLES, *DERIVED_TABLES}
    assert len(original["statistic_claims"]) == len(original["claims"])  # every claim keyed by the ledger
    for table, frame in original.items():
        assert list(exported[table].columns) == list(frame.columns), (fmt, table)
        for column in frame.columns:
            assert _same(frame[column], exported[table][column]), (fmt, table, column)
    scores = exported["statements"]["scores"].iloc[1]
    assert scores == {"normalisation": 0.9, "detention": 0.9}


def test_load_accepts_a_store_an_output_folder_or_nothing_else(store, tmp_path):
    assert len(pipeline.load(store.parent)["documents"]) == len(pipeline.load(store)["documents"]) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="neither pipeline.sqlite nor documents"):
        pipeline.load(empty)


def _datasette_get(store, *paths):
    from pipeline.view.serve import build_datasette

    ds = build_datasette(store)

    async def fetch():
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(fetch())


def test_datasette_search_facets_and_links(store):
    db = store.stem
    searched, browser, facets, context, speaker = _datasette_get(
        store,
        f"/{db}/quotes.json?_search=interpol&_shape=objects",
        f"/{db}/quote_browser.json?_search=normalising&_shape=objects",
        f"/{db}/quote_browser.json?_facet=speaker&_facet=published&_facet_array=themes&_size=0",
        f"/{db}/span_in_context.json?doc_id={kiki_follow_up().doc_id}&start=26&end=44&_shape=objects",
        f"/{db}/quotes_by_speaker.json?speaker=Laila&_shape=objects",
    )
    rows = searched.json()["rows"]
    assert [r["speaker"] for r in rows] == ["Families for Freedom"]  # search really filters
    assert sorted(r["published"] for r in browser.json()["rows"]) == ["2021-12-21", "2022-03-03"]
    facet_results = facets.json()["facet_results"]
    assert {"speaker", "published", "themes"} <= set(facet_results)
    assert context.json()["rows"][0]["span"] == KIKI_FOLLOW_UP[26:44]
    assert [r["speaker"] for r in speaker.json()["rows"]] == ["Laila Kiki", "Laila Kiki"]  # "Kiki" too
    html, = _datasette_get(store, f"/{db}/quotes?_search=interpol")
    start, end = _span(KIKI_FOLLOW_UP, "the decision to reinstate Syria to Interpol endangers refugees")
    assert f"span_in_context?doc_id={kiki_follow_up().doc_id}&amp;start={start}&amp;end={end}" in html.text


def test_datasette_canned_queries_run(store):
    from pipeline.view.serve import CANNED_QUERIES

    db = store.stem
    params = {"speaker": "", "counted": "civilian", "theme": "detention", "doc_id": kiki_release().doc_id,
              "start": "0", "end": "5"}
    paths = []
    for name, query in CANNED_QUERIES.items():
        args = "&".join(f"{k}={v}" for k, v in params.items() if f":{k}" in query["sql"])
        paths.append(f"/{db}/{name}.json?_shape=objects&{args}")
    for name, response in zip(CANNED_QUERIES, _datasette_get(store, *paths)):
        assert response.status_code == 200 and response.json()["rows"], name
