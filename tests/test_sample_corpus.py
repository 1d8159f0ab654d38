"""The hard cases the sample corpus was written to contain, through the whole pipeline.

docs/corpus.md lists them per document. These tests pin the behaviour of the first
versions of the extractors on them, so that later changes are measured, not guessed.
"""
from __future__ import annotations

from functools import lru_cache

import pytest


@lru_cache(maxsize=4)
def _frames(out):
    import pipeline

    return pipeline.load(out)


def _rows(out, table):
    """The run's rows of ``table``, from ``pipeline.load``, with NaN as None."""
    frame = _frames(out)[table]
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@pytest.fixture(scope="module")
def tables(sample_run):
    out, summary = sample_run
    docs = _rows(out, "documents")
    number = {d["doc_id"]: d["source"].rsplit("/", 1)[-1][:2] for d in docs}
    result = {"documents": {number[d["doc_id"]]: d for d in docs}}
    for table in ("quotes", "claims", "dates"):
        result[table] = {}
        for row in _rows(out, table):
            result[table].setdefault(number[row["doc_id"]], []).append(row)
    return result


def _one(rows, text):
    found = [r for r in rows if r["text"] == text]
    assert len(found) == 1, (text, [r["text"] for r in rows])
    return found[0]


def test_every_sample_document_has_title_and_date(tables, sample_run):
    _, summary = sample_run
    assert summary.documents_ok == len(tables["documents"]) == 10 and not summary.skipped
    for number, doc in tables["documents"].items():
        assert doc["title"] and doc["published"], number
    assert tables["documents"]["10"]["published"] == "2021-09-02"  # dateline on its own line


@pytest.mark.parametrize("number, text, value", [
    ("02", "between 1 January and 31 January 2024", "2024-01-01/2024-01-31"),
    ("05", "From January to March 2022", "2022-01/2022-03"),
    ("04", "yesterday", "2023-07-12"),
    ("01", "last month", "2023-04"),
    ("03", "6 April", "2020-04-06"),
    ("10", "this month", "2021-09"),
    ("10", "24 June", "2021-06-24"),
])
def test_relative_and_partial_dates_anchor_to_publication(tables, number, text, value):
    assert _one(tables["dates"][number], text)["value"] == value


def test_sub_counts_point_to_their_totals(tables):
    claims = tables["claims"]["01"]
    total = _one(claims, "at least 112,000 people")
    assert (total["value"], total["qualifier"], total["counted"]) == (112000, "at_least", "person")
    assert _one(claims, "3,105 children")["part_of"] == total["claim_id"]
    patients = _one(tables["claims"]["03"], "40 patients")
    assert _one(tables["claims"]["03"], "eight newborns")["part_of"] == patients["claim_id"]


@pytest.mark.parametrize("number, text, value, value_max, qualifier, unit", [
    ("03", "between 10 and 20 people", 10, 20, "range", "count"),
    ("03", "US$384 million", 384_000_000, None, "exact", "money"),
    ("02", "Nearly half a million Syrians", 500_000, None, "about", "count"),
    ("02", "dozens of raids", 12, None, "vague", "count"),
    ("03", "30 tonnes", 30, None, "exact", "quantity"),
])
def test_claim_values(tables, number, text, value, value_max, qualifier, unit):
    claim = _one(tables["claims"][number], text)
    assert (claim["value"], claim["value_max"], claim["qualifier"], claim["unit"]) == (
        value, value_max, qualifier, unit)


def test_identifiers_ages_and_phone_numbers_are_not_claims(tables):
    texts = " | ".join(c["text"] for rows in tables["claims"].values() for c in rows)
    for not_a_claim in ("+44", "2585", "Article 7", "year-old", "1593", "2736"):
        assert not_a_claim not in texts


def test_multi_paragraph_quotes_are_one_record(tables):
    spanning = {(q["speaker"], q["text"].count("\n\n") + 1)
                for rows in tables["quotes"].values() for q in rows if "\n\n" in q["text"]}
    assert ("Mariam Haddad", 2) in spanning  # colon, then two paragraphs, only the last closed
    assert ("Ahmad Rahhal", 3) in spanning   # never closed before the next heading


def test_split_and_dash_quotes_keep_their_speaker(tables):
    aoun = [q["text"] for q in tables["quotes"]["02"] if q["speaker"] == "Rami Aoun" and q["kind"] == "direct"]
    assert "Deportations are happening at night," in aoun
    assert "so that lawyers and UNHCR cannot intervene." in aoun
    dash = [q for q in tables["quotes"]["06"] if q["cue"] == "—"]
    assert [q["speaker"] for q in dash] == ["Anas Barakat"]


def test_scare_quotes_and_titles_are_not_quotes(tables):
    quoted = {q["text"] for rows in tables["quotes"].values() for q in rows}
    for term in ("safe", "reconciliation agreements", "Handed Over", "Nowhere Safe to Heal",
                 "double-tap", "security clearance"):
        assert term not in quoted
