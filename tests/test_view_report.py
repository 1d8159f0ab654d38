"""`ngo-pipeline report`: one offline HTML page whose numbers are the store's.

Runs over the store of the sample corpus (the session's `sample_run`, shared with other test
files); the browser test (tests/test_view_browser.py) renders the report of the real corpus.
"""
from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from tests.conftest import stored


@pytest.fixture(scope="module")
def sample_report(sample_run, tmp_path_factory):
    """(store file, parsed report, report path) written by `ngo-pipeline report` over the sample corpus."""
    from pipeline.cli import app

    out, _ = sample_run
    path = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(app, ["report", "--store", str(out), "--html", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path} written" in " ".join(result.output.split())
    return out / "pipeline.sqlite", lxml_html.fromstring(path.read_text(encoding="utf-8")), path


def test_every_chart_is_an_inline_svg_with_marks(sample_report):
    _, root, path = sample_report
    charts = {fig.get("data-chart"): fig for fig in root.xpath('//figure[@class="chart"]')}
    assert set(charts) == {"documents", "themes", "speakers", "figures"}
    for name, figure in charts.items():
        (svg,) = figure.xpath("./*[local-name()='svg']")
        marks = svg.xpath(".//*[local-name()='path' or local-name()='use' or local-name()='rect']")
        assert len(marks) > 10, name
    page = path.read_text(encoding="utf-8")
    # offline: nothing fetched from anywhere (links to the document views are relative)
    assert not root.xpath("//script[@src] | //link[@href] | //img[starts-with(@src, 'http')]")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_documents_chart_counts_documents_per_organisation(sample_report):
    store, root, _ = sample_report
    docs = stored(store, "SELECT organisation FROM documents WHERE status = 'ok'")
    assert root.xpath('//*[@id="n-documents"]')[0].text == str(len(docs))
    svg = lxml_html.tostring(root.xpath('//figure[@data-chart="documents"]')[0], encoding="unicode")
    organisations = {d["organisation"] or "unknown" for d in docs}
    shown = {o for o in organisations if f">{o}<" in svg}  # legend entries
    # the legend names up to 8 organisations, and groups the rest
    assert len(shown) == min(8, len(organisations))
    assert (">other organisations<" in svg) == (len(organisations) > 8)


def test_quote_table_lists_every_quote_linked_to_its_view(sample_report):
    store, root, path = sample_report
    quotes = stored(store, "SELECT doc_id, quote_id, text FROM quotes")
    rows = root.xpath('//table[@id="quotes-table"]/tbody/tr')
    assert len(rows) == len(quotes)
    links = root.xpath('//table[@id="quotes-table"]//a/@href')
    assert sorted(links) == sorted(f"views/{q['doc_id']}.html#rec-quote-{q['quote_id']}" for q in quotes)
    # each link lands on the quote in the document view written beside the report
    for link in links[:40]:
        file, anchor = link.split("#")
        view = (path.parent / file).read_text(encoding="utf-8")
        assert f'id="{anchor}"' in view


def test_top_speakers_match_the_store(sample_report):
    store, root, _ = sample_report
    counts = stored(store, "SELECT sp.name, count(*) AS n FROM quote_speakers qs "
                           "JOIN speakers sp USING (speaker_id) GROUP BY sp.speaker_id ORDER BY n DESC")
    rows = [[td.text_content() for td in tr.xpath("./td")] for tr in
            root.xpath('//table[@id="speakers-table"]/tbody/tr')]
    assert rows
    assert [int(r[4]) for r in rows] == sorted((int(r[4]) for r in rows), reverse=True)
    expected = {c["name"]: c["n"] for c in counts}
    for row in rows:
        assert expected[row[0]] == int(row[4])
    assert int(rows[0][4]) == counts[0]["n"]


def test_largest_figures_are_the_largest_per_thing_counted_and_event(sample_report):
    store, root, _ = sample_report
    claims = pd.DataFrame(stored(store, "SELECT doc_id, claim_id, value, counted, event FROM claims "
                                        "WHERE unit = 'count' AND counted IS NOT NULL AND value IS NOT NULL"))
    claims["event"] = claims["event"].fillna("")
    largest = claims.groupby(["counted", "event"])["value"].max()
    rows = root.xpath('//table[@id="figures-table"]/tbody/tr')
    assert len(rows) == min(15, len(largest))
    values = []
    for row in rows:
        cells = row.xpath("./td")
        value, counted, event = float(cells[1].get("data-sort")), cells[2].text_content(), cells[3].text_content()
        assert value == largest[(counted, event)]
        values.append(value)
        href = cells[0].xpath(".//a/@href")[0]
        doc_id, claim_id = re.fullmatch(r"views/(\w+)\.html#rec-claim-(c\d+)", href).groups()
        claim = claims[(claims["doc_id"] == doc_id) & (claims["claim_id"] == claim_id)].iloc[0]
        assert (claim["value"], claim["counted"], claim["event"]) == (value, counted, event)
        # the sentence is shown with the figure marked in it
        assert cells[-1].xpath(".//mark")[0].text == cells[0].text_content()
    assert values == sorted(values, reverse=True)
    assert values[0] == largest.max()


def test_filters_by_date_organisation_and_theme(sample_run):
    from pipeline.view import render_report

    out, _ = sample_run
    store = out / "pipeline.sqlite"
    docs = stored(store, "SELECT doc_id, organisation, published FROM documents")

    def quote_docs(page: str) -> set[str]:
        root = lxml_html.fromstring(page)
        return {re.search(r"views/(\w+)\.html", a).group(1) for a in root.xpath('//table[@id="quotes-table"]//a/@href')}

    page, data = render_report(store, date_from="2022", date_to="2023-06")
    expected = {d["doc_id"] for d in docs if "2022" <= d["published"][:7] <= "2023-06"}
    assert set(data["documents"]["doc_id"]) == expected and 0 < len(expected) < len(docs)
    assert quote_docs(page) <= expected

    word = next(d["organisation"] for d in docs if d["organisation"]).split()[-1].lower()
    _, data = render_report(store, org=word)
    expected = {d["doc_id"] for d in docs if word in (d["organisation"] or "").lower()}
    assert set(data["documents"]["doc_id"]) == expected and 0 < len(expected) < len(docs)

    page, data = render_report(store, theme="detention")
    assert len(data["quotes"]) and all("detention" in t for t in data["quotes"]["themes"])
    themed = stored(store, "SELECT count(*) AS n FROM quotes, json_each(quotes.themes) WHERE json_each.value = ?",
                    ("detention",))[0]["n"]
    assert len(lxml_html.fromstring(page).xpath('//table[@id="quotes-table"]/tbody/tr')) == themed


def test_bad_filters_are_reported(sample_run, tmp_path):
    from pipeline.cli import app
    from pipeline.view import ReportError, render_report

    out, _ = sample_run
    with pytest.raises(ReportError, match="not a date"):
        render_report(out, date_from="21/12/2021")
    result = CliRunner().invoke(app, ["report", "--store", str(out), "--theme", "weather",
                                      "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "unknown theme 'weather'" in result.output
    assert not (tmp_path / "r.html").exists()


def test_period_follows_the_span_of_dates():
    from pipeline.view.report import choose_period, publication_day

    days = publication_day(pd.Series(["2021", "2021-05", "2021-05-03", None]))
    assert [d.date().isoformat() if pd.notna(d) else None for d in days] == [
        "2021-01-01", "2021-05-01", "2021-05-03", None]
    assert choose_period(publication_day(pd.Series(["2021-01-04", "2021-03-01"]))) == "week"
    assert choose_period(publication_day(pd.Series(["2021-01-04", "2022-12-01"]))) == "month"
    assert choose_period(publication_day(pd.Series(["2003", "2024-12-08"]))) == "year"
    assert choose_period(publication_day(pd.Series(["2003", "2024-12-08"])), "week") == "week"


def test_weekly_chart_has_a_bar_slot_for_every_week():
    """Weeks without a publication still get their place on the axis (time is not squeezed)."""
    from pipeline.view.report import _period_labels, publication_day

    days = publication_day(pd.Series(["2021-12-21", "2022-01-10", "2021-12-22"]))
    labels, every = _period_labels(days, "week")
    assert every == ["2021-12-20", "2021-12-27", "2022-01-03", "2022-01-10"]
    assert Counter(labels) == {"2021-12-20": 2, "2022-01-10": 1}


def test_documents_by_theme_lists_the_documents_about_each_theme(sample_report):
    import json

    store, page, _ = sample_report
    rows = page.xpath('//table[@id="document-themes-table"]/tbody/tr')
    listed = {row.xpath("td")[0].text_content(): int(row.xpath("td")[1].text_content()) for row in rows}
    documents = stored(store, "SELECT themes FROM documents WHERE status = 'ok'")
    expected = Counter(theme for doc in documents for theme in json.loads(doc["themes"]))
    assert listed == dict(expected)
    assert "covid" in listed
