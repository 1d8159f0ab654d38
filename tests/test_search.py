"""`ngo-pipeline search` and `pipeline.store.search` on a small hand-built store."""
from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.records import Document, DocumentResult, Statement
from pipeline.store import SearchError, StoreWriter, search
from pipeline.store.schema import STORE_NAME
from tests.test_store import kiki_follow_up, kiki_release


@pytest.fixture
def store(tmp_path):
    path = tmp_path / STORE_NAME
    undated_text = "Detention in Saydnaya prison remains a crime, the monitors said."
    undated = DocumentResult(
        Document(source="in/undated.txt", text=undated_text, organisation="Monitors"),
        statements=[Statement("s1", 0, len(undated_text), undated_text, ["detention"])])
    with StoreWriter(path) as writer:
        for result in (kiki_release(), kiki_follow_up(), undated):
            writer.write(result)
    return path


def test_words_are_stemmed_and_ranked(store):
    hits = search(store, "normalise")  # porter: "Normalising" matches
    assert [(h["speaker"], h["published"]) for h in hits] == [("Laila Kiki", "2021-12-21"), ("Kiki", "2022-03-03")]
    assert all("**Normalising**" in h["snippet"] for h in hits)
    assert hits[0]["score"] <= hits[1]["score"]  # bm25: lower is better
    assert search(store, "normalise", limit=1)[0]["title"] == "2021 in Syria"


def test_filters(store):
    assert [h["speaker"] for h in search(store, "interpol", org="families for freedom")] == ["Families for Freedom"]
    assert search(store, "interpol", org="Syria Campaign") == []
    # the speaker across documents: the full name also finds the surname-only quote
    assert [h["speaker"] for h in search(store, "regime", speaker="Laila Kiki")] == ["Laila Kiki", "Kiki"]
    assert [h["published"] for h in search(store, "regime", date_from="2022")] == ["2022-03-03"]
    assert [h["published"] for h in search(store, "regime", date_to="2021-12-21")] == ["2021-12-21"]
    assert [h["published"] for h in search(store, "regime", date_from="2021-12", date_to="2021-12")] == ["2021-12-21"]
    assert [h["speaker"] for h in search(store, None, theme="refugee_returns")] == ["Families for Freedom"]
    assert [h["speaker"] for h in search(store, None, theme="detention", org="Families for Freedom")] == [
        "Families for Freedom"]


def test_statements_and_claims(store):
    sentences = search(store, "detention", target="statements")
    assert [h["organisation"] for h in sentences] == ["Monitors"]  # undated documents are found too
    assert search(store, "detention", target="statements", date_from="2000") == []
    claims = search(store, "killed", target="claims", source="SNHR")  # the acronym, via the entities
    assert [(c["text"], c["value"], c["counted"]) for c in claims] == [("1,202 civilians", 1202.0, "civilian")]
    assert "**killed**" in claims[0]["snippet"]
    assert search(store, None, target="statements", source="Syrian Network")[0]["record_id"] == "s3"
    assert search(store, "killed", target="claims", source="Amnesty") == []
    listed = search(store, None, target="claims", theme="attacks_on_civilians")
    assert [(c["text"], c["sentence"].startswith("According to")) for c in listed] == [("1,202 civilians", True)]


@pytest.mark.parametrize("query", ['"unclosed', "al-Assad", "AND", "text:", "NEAR("])
def test_fts_syntax_errors_are_explained(store, query):
    with pytest.raises(SearchError, match="invalid search query"):
        search(store, query)


def test_query_values_are_never_sql(store):
    hostile = "x'; DROP TABLE quotes; --"
    assert search(store, f'"{hostile}"') == []
    assert search(store, None, speaker=hostile, org=hostile, source=hostile) == []
    assert search(store, None, speaker="%") == []  # LIKE wildcards are taken literally
    assert len(search(store, "regime")) == 2


def test_bad_filters(store):
    with pytest.raises(SearchError, match="unknown theme"):
        search(store, "regime", theme="weather")
    with pytest.raises(SearchError, match="not a date"):
        search(store, "regime", date_from="21/12/2021")
    with pytest.raises(SearchError, match="quotes only"):
        search(store, "regime", target="statements", speaker="Kiki")


runner = CliRunner()


def test_cli_search_formats(store):
    result = runner.invoke(app, ["search", "interpol", "--store", str(store), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["speaker"], r["published"], r["title"]) for r in rows] == [
        ("Families for Freedom", "2022-03-03", "Follow-up")]
    result = runner.invoke(app, ["search", "regime", "--store", str(store.parent), "--format", "csv",
                                 "--speaker", "Kiki", "--to", "2021"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["speaker"], r["published"]) for r in rows] == [("Laila Kiki", "2021-12-21")]
    result = runner.invoke(app, ["search", "normalising", "--store", str(store)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Laila Kiki" in result.stdout and "2021-12-21" in result.stdout and "2021 in Syria" in result.stdout


def test_cli_search_errors_exit_2(store, tmp_path):
    result = runner.invoke(app, ["search", '"unclosed', "--store", str(store)])
    assert result.exit_code == 2 and "invalid search query" in " ".join(result.output.split())
    result = runner.invoke(app, ["search", "x", "--store", str(tmp_path / "missing.sqlite")])
    assert result.exit_code == 2 and "does not exist" in " ".join(result.output.split())


def test_cli_export(store, tmp_path):
    import pipeline

    result = runner.invoke(app, ["export", "--format", "parquet", "--out", str(tmp_path / "pq"),
                                 "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pq" / "quotes.parquet").is_file()
    assert len(pipeline.load(tmp_path / "pq")["quotes"]) == 3
    result = runner.invoke(app, ["export", "--format", "xml", "--out", str(tmp_path / "x"), "--store", str(store)])
    assert result.exit_code == 2


def test_cli_serve_refuses_a_missing_store(tmp_path):
    result = runner.invoke(app, ["serve", "--store", str(tmp_path / "missing.sqlite")])
    assert result.exit_code == 2 and "does not exist" in " ".join(result.output.split())


def test_cli_run_refuses_a_store_of_another_schema(store, tmp_path):
    import sqlite3

    conn = sqlite3.connect(store)
    conn.execute("UPDATE store_meta SET value = '1.0.0' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Statement / 1 May 2023\n\nThe council met.\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                 "--store", str(store.parent), "--quiet"])
    message = " ".join(result.output.split())
    assert result.exit_code == 2 and "holds output schema 1.0.0" in message, message


# ------------------------------------------------------------- document themes


def test_document_themes_follow_their_sentences_and_filter_publications(sample_run):
    """Every document of the sample run carries the themes of its sentences (3 of them or a tenth);
    `search --in documents --theme` lists exactly the documents about the theme."""
    from pipeline.records import THEMES, document_themes
    from tests.conftest import stored

    out, _ = sample_run
    path = out / STORE_NAME
    documents = stored(path, "SELECT doc_id, source, themes, theme_scores FROM documents WHERE status = 'ok'")
    assert len(documents) == 10
    by_name = {}
    for doc in documents:
        sentences = stored(path, "SELECT themes FROM statements WHERE doc_id = ? ORDER BY start", (doc["doc_id"],))
        themes, scores = document_themes([json.loads(s["themes"]) for s in sentences])
        assert json.loads(doc["themes"]) == themes
        assert json.loads(doc["theme_scores"]) == scores and list(scores) == list(THEMES)
        by_name[doc["source"].rsplit("/", 1)[-1]] = themes
    assert "covid" in by_name["03_nwsha_idlib_hospitals_covid_2020.md"]
    assert "refugee_returns" in by_name["02_crrn_lebanon_deportations_2024.txt"]
    assert "covid" not in by_name["02_crrn_lebanon_deportations_2024.txt"]

    hits = search(path, None, target="documents", theme="covid")
    about_covid = {doc["doc_id"] for doc in documents if "covid" in json.loads(doc["themes"])}
    assert {hit["doc_id"] for hit in hits} == about_covid
    assert [hit["published"] for hit in hits] == sorted((hit["published"] for hit in hits), reverse=True)
    assert all(hit["snippet"] == "" for hit in hits)  # no query, no matching sentence

    matching = search(path, "hospital", target="documents")
    assert len({hit["doc_id"] for hit in matching}) == len(matching) >= 2  # one row per document
    assert all("**hospital" in hit["snippet"].lower() for hit in matching)
    assert [hit["score"] for hit in matching] == sorted(hit["score"] for hit in matching)
    with pytest.raises(SearchError, match="speaker"):
        search(path, "hospital", target="documents", speaker="Kiki")


def test_cli_lists_documents_by_theme_in_80_columns(sample_run):
    out, _ = sample_run
    result = CliRunner().invoke(app, ["search", "--in", "documents", "--theme", "covid", "--store", str(out)],
                                terminal_width=80)
    assert result.exit_code == 0, result.output
    assert "Idlib: hospitals" in result.output and "covid" in result.output
    assert "…" not in result.output and all(len(line) <= 80 for line in result.output.splitlines())
    as_json = CliRunner().invoke(app, ["search", "hospital", "--in", "documents", "--store", str(out),
                                       "--format", "json"])
    rows = json.loads(as_json.output)
    assert rows and set(rows[0]["theme_scores"]) >= {"covid", "detention"}
