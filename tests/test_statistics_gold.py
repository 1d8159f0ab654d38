"""The statistics gold (data/gold/statistics): its structure, and its spans on the real corpora."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from tests.conftest import REPO, require_shared_corpus

GOLD_DIR = REPO / "data" / "gold" / "statistics"
GOLD = json.loads((GOLD_DIR / "statistics.json").read_text(encoding="utf-8"))
QUALIFIERS = {"exact", "at_least", "more_than", "about", "up_to", "less_than", "range", "vague"}
KINDS = {"same_source_different_value", "cumulative_decrease", "subcount_exceeds_total", "misattributed"}
PERIOD = re.compile(r"^(since:)?\d{4}(-\d{2}){0,2}(/\d{4}(-\d{2}){0,2})?$")
NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|"
                    r"hundreds|thousands|million)\b", re.I)


def _stats():
    return {s["id"]: s for s in GOLD["statistics"]}


def test_sizes_asked_for():
    stats = GOLD["statistics"]
    multi = [s for s in stats if len({c["source"] for c in s["claims"]}) > 1]
    assert len(stats) >= 45 and len(multi) >= 25 and len(GOLD["near_misses"]) >= 10


def test_fields_are_well_formed():
    stats = _stats()
    assert len(stats) == len(GOLD["statistics"]), "duplicate statistic ids"
    for s in stats.values():
        assert s["claims"], s["id"]
        assert s["period"] is None or PERIOD.match(s["period"]), s["id"]
        if (s["period"] or "").startswith("since:"):
            assert s["cumulative"], s["id"]  # a total since a date is cumulative
        for c in s["claims"]:
            assert c["qualifier"] in QUALIFIERS and c["end"] > c["start"] >= 0, (s["id"], c)
            assert (c["value_max"] is not None) == (c["qualifier"] == "range"), (s["id"], c)
            assert c["cited_source"] and re.match(r"^\d{4}(-\d{2}){0,2}$", c["published"]), (s["id"], c)


def test_a_span_belongs_to_one_statistic():
    spans = [(c["source"], c["start"], c["end"]) for s in GOLD["statistics"] for c in s["claims"]]
    assert len(spans) == len(set(spans))


def test_near_misses_and_discrepancies_point_at_existing_claims():
    stats = _stats()
    for a, b in GOLD["near_misses"]:
        assert a in stats and b in stats and a != b
    for d in GOLD["discrepancies"]:
        assert d["kind"] in KINDS and isinstance(d["real"], bool) and d["why"]
        assert d["a"] < len(stats[d["statistic"]]["claims"])
        other = stats[d.get("part_statistic", d["statistic"])]
        assert d["b"] < len(other["claims"])
        if "part_statistic" not in d:
            assert d["a"] != d["b"]


@pytest.fixture(scope="module")
def texts():
    shared = require_shared_corpus().parent
    if not (shared / "corpus2").is_dir():
        pytest.skip("corpus2 not present")
    from pipeline.ingest import read_document

    paths = {(GOLD_DIR / c["source"]).resolve() for s in GOLD["statistics"] for c in s["claims"]}
    return {p: read_document(p).text for p in paths}


def test_spans_are_number_phrases_of_unreserved_documents(texts):
    shared = require_shared_corpus().parent
    reserved = set(re.findall(r"^(\d{3}_\S+)$", (shared / "RESERVED.md").read_text(encoding="utf-8"), re.M))
    published = {}
    for folder in ("corpus", "corpus2"):
        with open(shared / folder / "MANIFEST.tsv", encoding="utf-8") as handle:
            published.update({r["file"]: r["publication_date"] for r in csv.DictReader(handle, delimiter="\t")})
    for s in GOLD["statistics"]:
        for c in s["claims"]:
            path = (GOLD_DIR / c["source"]).resolve()
            assert path.name not in reserved, path.name
            assert c["published"] == published[path.name], (s["id"], path.name)
            span = texts[path][c["start"]:c["end"]]
            assert NUMBER.search(span) and span == span.strip(), (s["id"], span)
