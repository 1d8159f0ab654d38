"""The figures ledger: claims grouped into statistics across documents, and their discrepancies.

Records are built by hand from short texts written for these tests (no model), then written
through the store, which keys them into the ledger as a run does.
"""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.records import Claim, Document, DocumentResult
from pipeline.store import StoreWriter
from pipeline.store.ledger.keys import agree, counted_of, period_of, place_of, statistic_key, value_range
from tests.conftest import stored

runner = CliRunner()


# --- keys ------------------------------------------------------------------------------------------

def test_periods_are_spelled_one_way():
    assert period_of("2011-03/2021-12-21", "2021-12-21") == "since:2011-03"  # "since March 2011"
    assert period_of("2021-01-01/2021-12-31", "2022-01-05") == "2021"
    assert period_of("2015-01/2024-12", None) == "2015/2024"
    assert period_of("2021-06-01/2021-06-30", None) == "2021-06"
    assert period_of("2021-06", None) == "2021-06"
    # no period stated: a count as of the publication month
    assert period_of(None, "2017-11-20") == "2017-11"


def test_wording_tolerated_and_differences_kept_apart():
    deaths = statistic_key("count", "death", "1,202 civilian deaths", None, "Syrian Arab Republic", "2021", "2022-01-02")
    killed = statistic_key("count", "civilian", "1,202 civilians", "killed", "Syria", "2021-01-01/2021-12-31", "2021-12-21")
    assert deaths == killed
    assert deaths.label == "civilian killed · Syria · 2021"
    for other in (statistic_key("count", "civilian", "9 civilians", "killed", "Idlib", "2021", None),
                  statistic_key("count", "civilian", "9 civilians", "killed", "Syria", "2021-06", None),
                  statistic_key("count", "civilian", "9 civilians", "injured", "Syria", "2021", None)):
        assert other.statistic_id != killed.statistic_id
    assert place_of("Idleb governorate") == place_of("Idlib") == "Idlib"
    assert counted_of("syrian", None, "count") == "person"
    # people with nothing happening to them, and bare percentages, are not comparable statistics
    assert statistic_key("count", "person", "13 million people", None, "Syria", None, "2020-01-01") is None
    assert statistic_key("percent", None, "3.8%", None, "Syria", None, "2021-12-21") is None


def test_qualifiers_count():
    exact = value_range(1202, None, "exact")
    assert agree(value_range(1200, None, "more_than"), exact)
    assert not agree(value_range(300, None, "at_least"), value_range(284, None, "exact"))
    assert agree(value_range(100, None, "about"), value_range(95, None, "exact"))
    assert agree(value_range(1000, None, "vague"), value_range(4500, None, "exact"))  # "thousands"
    assert not agree(value_range(1000, None, "vague"), value_range(12000, None, "exact"))
    assert not agree(value_range(1202, None, "exact"), value_range(1300, None, "exact"))


# --- the store ---------------------------------------------------------------------------------

def _document(name: str, organisation: str, published: str, sentences: list[tuple[str, dict]]) -> DocumentResult:
    """A document of one sentence per figure; each figure's span is the first field ``text``."""
    text = "\n\n".join(s for s, _ in sentences)
    claims, offset = [], 0
    for i, (sentence, fields) in enumerate(sentences, start=1):
        s_start = text.index(sentence, offset)
        offset = s_start + len(sentence)
        start = text.index(fields["text"], s_start)
        claims.append(Claim(f"c{i}", start, start + len(fields["text"]), sentence_start=s_start,
                            sentence_end=offset, **fields))
    doc = Document(source=f"in/{name}.txt", text=text, title=name, organisation=organisation,
                   published=published, format="txt")
    return DocumentResult(doc, claims=claims)


def _killed(text: str, value: float, source: str | None = None, qualifier: str = "exact", period="2021",
            location="Syria", counted="civilian", event="killed", part_of=None) -> dict:
    return dict(text=text, value=value, qualifier=qualifier, counted=counted, event=event, period=period,
                location=location, source=source, part_of=part_of)


SNHR = "Syrian Network for Human Rights"


def snhr_report() -> DocumentResult:
    return _document("snhr-annual", SNHR, "2022-01-01", [
        ("In 2021, 1,202 civilians were killed in Syria, including 284 children.",
         _killed("1,202 civilians", 1202)),
        ("Of them, 284 children were killed in Syria in 2021.", _killed("284 children", 284, counted="child",
                                                                        part_of="c1")),
        ("Since March 2011, 100,000 people have disappeared in Syria.",
         _killed("100,000 people", 100000, period="2011-03/2022-01-01", counted="person", event="disappeared")),
    ])


def campaign_release(*extra: tuple[str, dict]) -> DocumentResult:
    return _document("campaign", "The Syria Campaign", "2022-01-10", [
        ("More than 1,200 civilian deaths in Syria in 2021, says the SNHR.",
         _killed("More than 1,200 civilian deaths", 1200, source="SNHR", qualifier="more_than", counted="death",
                 event=None)),
        ("At least 300 children died in Syria in 2021, SNHR said.",
         _killed("At least 300 children", 300, source="SNHR", qualifier="at_least", counted="child")),
        ("In Idlib, 500 civilians were killed in 2021.", _killed("500 civilians", 500, location="Idlib")),
        *extra,
    ])


def later_report() -> DocumentResult:
    return _document("snhr-later", SNHR, "2023-01-01", [
        ("Since March 2011, 90,000 people have disappeared in Syria.",
         _killed("90,000 people", 90000, period="2011-03/2023-01-01", counted="person", event="disappeared")),
        ("In 2021, 250 civilians were killed in Syria.", _killed("250 civilians", 250)),
    ])


@pytest.fixture()
def ledger_store(tmp_path):
    store = tmp_path / "pipeline.sqlite"
    with StoreWriter(store) as writer:
        for result in (snhr_report(), campaign_release()):
            writer.write(result)
    return store


def _statistics(store) -> dict[str, dict]:
    return {row["label"]: row for row in stored(store, "SELECT * FROM statistics")}


def _members(store, label: str) -> list[str]:
    return [r["text"] for r in stored(store, "SELECT c.text FROM statistic_claims sc JOIN statistics s USING "
                                             "(statistic_id) JOIN claims c ON c.doc_id = sc.doc_id AND c.claim_id = "
                                             "sc.claim_id WHERE s.label = ? ORDER BY sc.published, c.start", (label,))]


def test_claims_of_one_statistic_are_grouped_across_documents(ledger_store):
    stats = _statistics(ledger_store)
    assert _members(ledger_store, "civilian killed · Syria · 2021") == ["1,202 civilians", "More than 1,200 civilian deaths"]
    row = stats["civilian killed · Syria · 2021"]
    assert (row["n_documents"], row["n_sources"], row["min_value"], row["max_value"]) == (2, 1, 1200, 1202)
    assert "civilian killed · Idlib · 2021" in stats  # kept apart: another place
    assert _members(ledger_store, "person disappeared · Syria · since 2011-03") == ["100,000 people"]


def test_discrepancies_with_their_evidence(ledger_store):
    found = stored(ledger_store, "SELECT x.kind, ca.text AS a, cb.text AS b FROM discrepancies x "
                                 "JOIN claims ca ON ca.doc_id = x.doc_id_a AND ca.claim_id = x.claim_id_a "
                                 "JOIN claims cb ON cb.doc_id = x.doc_id_b AND cb.claim_id = x.claim_id_b")
    kinds = {(f["kind"], f["a"], f["b"]) for f in found}
    # "at least 300" attributed to SNHR, whose own report says 284: flagged twice over
    assert ("same_source_different_value", "284 children", "At least 300 children") in kinds
    assert ("misattributed", "284 children", "At least 300 children") in kinds
    # "more than 1,200" and "1,202" agree: nothing flagged between them
    assert not any("1,200" in f["a"] + f["b"] for f in found)


def test_a_later_publication_updates_only_what_it_touches(ledger_store):
    before = {r["statistic_id"]: r for r in stored(ledger_store, "SELECT * FROM statistics")}
    with StoreWriter(ledger_store) as writer:
        writer.write(later_report())
    after = {r["statistic_id"]: r for r in stored(ledger_store, "SELECT * FROM statistics")}
    kinds = {r["kind"]: r["detail"] for r in stored(ledger_store, "SELECT kind, detail FROM discrepancies")}
    assert "cumulative_decrease" in kinds and "90,000" in kinds["cumulative_decrease"]
    assert "subcount_exceeds_total" in kinds and "284" in kinds["subcount_exceeds_total"]
    assert kinds["subcount_exceeds_total"].startswith("total “250 civilians”")
    idlib = next(i for i, r in before.items() if r["location"] == "Idlib")
    assert after[idlib] == before[idlib]  # untouched by the new document


def test_an_unchanged_rerun_does_not_touch_the_ledger(ledger_store):
    from pipeline.store.db import connect, transaction
    from pipeline.store.ledger import update_ledger

    before = stored(ledger_store, "SELECT * FROM statistics ORDER BY statistic_id")
    assert not stored(ledger_store, "SELECT * FROM store_meta WHERE key = 'derived_stale'")
    conn = connect(ledger_store)
    with transaction(conn):
        done = update_ledger(conn)  # what a run that changed nothing would find to do
    conn.close()
    assert (done.claims_keyed, done.statistics_updated, done.stale) == (0, 0, set())
    assert stored(ledger_store, "SELECT * FROM statistics ORDER BY statistic_id") == before


def test_replacing_a_document_refreshes_its_statistics(ledger_store):
    changed = campaign_release(("In Syria, 1,300 civilians were killed in 2021, SNHR said.",
                                _killed("1,300 civilians", 1300, source="SNHR")))
    with StoreWriter(ledger_store) as writer:
        assert writer.write(changed) == "replaced"
    row = _statistics(ledger_store)["civilian killed · Syria · 2021"]
    assert (row["n_claims"], row["n_documents"], row["max_value"]) == (3, 2, 1300)
    assert stored(ledger_store, "SELECT count(*) AS n FROM statistic_claims")[0]["n"] == 7
    flagged = stored(ledger_store, "SELECT detail FROM discrepancies WHERE kind = 'misattributed'")
    assert any("1,300" in f["detail"] for f in flagged)
    orphans = stored(ledger_store, "SELECT count(*) AS n FROM discrepancies WHERE doc_id_b NOT IN "
                                   "(SELECT doc_id FROM documents) OR doc_id_a NOT IN (SELECT doc_id FROM documents)")
    assert orphans[0]["n"] == 0


# --- the command ---------------------------------------------------------------------------------

def test_figures_lists_filters_and_shows_a_timeline(ledger_store):
    listed = runner.invoke(app, ["figures", "--store", str(ledger_store), "--counted", "civilian", "--event",
                                 "killed", "--location", "Syria", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [r["label"] for r in rows] == ["civilian killed · Syria · 2021"]
    assert runner.invoke(app, ["figures", "--store", str(ledger_store), "--from", "2022", "--format", "json",
                               "--counted", "civilian"]).stdout.strip() == "[]"
    by_source = json.loads(runner.invoke(app, ["figures", "--store", str(ledger_store), "--source", "SNHR",
                                               "--discrepancies", "--format", "json"]).stdout)
    assert [r["label"] for r in by_source] == ["child killed · Syria · 2021"]
    shown = runner.invoke(app, ["figures", rows[0]["statistic_id"][:8], "--store", str(ledger_store), "--format", "json"])
    timeline = json.loads(shown.stdout)
    assert [c["text"] for c in timeline["claims"]] == ["1,202 civilians", "More than 1,200 civilian deaths"]
    first = timeline["claims"][0]
    assert (first["source"], first["publisher"]) == (None, SNHR) and first["end"] - first["start"] == len("1,202 civilians")
    table = runner.invoke(app, ["figures", rows[0]["statistic_id"], "--store", str(ledger_store)])
    assert table.exit_code == 0 and "1,202 civilians" in table.stdout
    csv_out = runner.invoke(app, ["figures", "--store", str(ledger_store), "--format", "csv"]).stdout
    assert csv_out.splitlines()[0].startswith("statistic_id,label,")


@pytest.mark.parametrize("args, message", [
    (["figures", "abc"], "not a statistic id"),
    (["figures", "abcdef12"], "no statistic"),
    (["figures", "--from", "2021-13"], "not a date"),
])
def test_figures_errors_are_clear(ledger_store, args, message):
    result = runner.invoke(app, [*args, "--store", str(ledger_store)])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_the_seed_figure_on_the_shared_corpus(shared_run):
    """Done-when of issue 18: the seed's 1,202 civilians killed in Syria in 2021, with its source."""
    out, _ = shared_run
    result = runner.invoke(app, ["figures", "--store", str(out), "--counted", "civilian", "--event", "killed",
                                 "--location", "Syria", "--from", "2021", "--to", "2021", "--format", "json"])
    rows = json.loads(result.stdout)
    seed = next(r for r in rows if r["period"] == "2021")
    timeline = json.loads(runner.invoke(app, ["figures", seed["statistic_id"], "--store", str(out),
                                              "--format", "json"]).stdout)
    assert any(c["value"] == 1202 and c["source"] == SNHR for c in timeline["claims"])


def test_the_report_charts_the_statistics_stated_by_several_publications(ledger_store):
    from pipeline.view.report import render_report

    with StoreWriter(ledger_store) as writer:
        writer.write(later_report())
    html, _ = render_report(ledger_store)
    section = html[html.index('<section id="statistics">'):html.index('<section id="quotes">')]
    assert "civilian killed · Syria · 2021" in section and "<svg" in section
    assert "person disappeared · Syria · since 2011-03" in section  # the running total, in two reports
    assert "cumulative decrease" in section and "subcount exceeds total" in section
    assert 'href="views/' in section  # each figure links to its document view
    assert "in a discrepancy" in section  # the legend of the ringed marks


def test_the_ledger_benchmark_runs_at_a_tiny_size(tmp_path, capsys):
    """scripts/bench_ledger.py (the million-claim figures in docs/performance.md), at 600 claims."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "bench_ledger.py"
    spec = importlib.util.spec_from_file_location("bench_ledger", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = bench.main(["--claims", "600", "--per-document", "20", "--new", "3", "--store",
                          str(tmp_path / "pipeline.sqlite")])
    assert results["first build"]["claims_keyed"] == 600
    assert results["nothing new"]["claims_keyed"] == results["nothing new"]["statistics_updated"] == 0
    assert results["3 new documents"]["claims_keyed"] == 60
    assert "first build" in capsys.readouterr().out


def test_people_counted_with_a_state_instead_of_an_event():
    from pipeline.store.ledger.keys import state_after

    assert state_after(" who are in need of humanitarian assistance in Yemen") == "in need"
    assert state_after(" remain severely food insecure") == "food insecure"
    assert state_after(", according to the UN") is None
    need = statistic_key("count", "person", "13.1 million people", None, "Syria", "2017", None, " in need of aid")
    assert need is not None and need.label == "person in need · Syria · 2017"
