"""A real browser on the document view and on the report: spans and charts are drawn, not just written.

Drives Debian's chromium (/usr/bin/chromium) with Playwright, as tests/test_serve_browser.py
does; skipped when the browser is missing outside CI. Screenshots go to test-artifacts/.

The report test runs over the whole real corpus through the session's `shared_run` fixture
(tests/conftest.py): free when the end-to-end tests already ran it, about 90-110 s on its own.
"""
from __future__ import annotations

import pytest

from tests.test_serve_browser import ARTIFACTS, CHROMIUM, _require_browser
from tests.test_view_document import seed_records, seed_store


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def pixel_spread(png: bytes) -> float:
    """Standard deviation of the grey levels of a screenshot: about 0 for a blank area."""
    import io

    from PIL import Image, ImageStat

    return ImageStat.Stat(Image.open(io.BytesIO(png)).convert("L")).stddev[0]


def test_document_view_draws_every_record_in_a_browser(browser, tmp_path):
    from pipeline.view import write_document_view

    store = seed_store()
    records = seed_records(store)
    _, path = write_document_view(store, "000_ca1ee3d6306f0e94.txt", tmp_path / "seed.html")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(path.as_uri())
    for layer in ("quote", "claim", "date"):
        for record in records[layer]:
            bars = page.locator(f'.ngo-slice[data-layer="{layer}"][data-record-id="{record["id"]}"]')
            assert bars.count() > 0, (layer, record)
            box = bars.first.bounding_box()
            assert box and box["width"] > 0 and box["height"] > 0, (layer, record["id"])
    # the words of a highlighted figure are laid out on screen, and its label is visible
    claim = records["claim"][0]
    words = page.locator(f'.ngo-token:has(.ngo-slice[data-record-id="{claim["id"]}"][data-layer="claim"])')
    assert " ".join(words.all_inner_texts()).split()[0] in records["doc"]["text"][claim["start"]:claim["end"]]
    assert page.locator(f"#rec-claim-{claim['id']}").is_visible()

    # hovering a record in the side panel marks its words in the text
    quote = records["quote"][3]
    page.locator(f'li.record[data-key="quote:{quote["id"]}"]').hover()
    assert page.locator(".ngo-token.focus").count() > 0
    # a layer can be switched off
    entity_bar = page.locator('.ngo-slice[data-layer="entity"]').first
    assert entity_bar.is_visible()
    page.locator('input[data-toggle-layer="entity"]').uncheck()
    assert not entity_bar.is_visible()
    page.locator('input[data-toggle-layer="entity"]').check()

    shot = page.screenshot(path=str(ARTIFACTS / "view_document_seed.png"))
    assert pixel_spread(shot) > 20
    page.close()


def test_report_of_the_real_corpus_renders_its_charts(browser, shared_run, tmp_path):
    """`report` over ../shared/corpus: one offline file whose four charts are drawn and not empty."""
    from pipeline.view import write_report

    out, summary = shared_run
    path = tmp_path / "report.html"
    counts = write_report(out, path)
    assert counts["documents"] == summary.documents_ok + summary.documents_unchanged
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    assert all(url.startswith("file://") for url in requests), requests  # nothing fetched from a network

    for name in ("documents", "themes", "speakers", "figures"):
        svg = page.locator(f'figure[data-chart="{name}"] svg')
        assert svg.count() == 1, name
        box = svg.bounding_box()
        assert box["width"] > 300 and box["height"] > 100, (name, box)
        marks = page.locator(f'figure[data-chart="{name}"] svg path').count()
        assert marks > 10, (name, marks)
        shot = svg.screenshot(path=str(ARTIFACTS / f"view_report_chart_{name}.png"))
        assert pixel_spread(shot) > 15, name  # drawn, not blank

    rows = page.locator("#quotes-table tbody tr")
    assert rows.count() == counts["quotes"]
    # sorting the quotes by speaker puts them in order
    page.locator("#quotes-table thead th", has_text="speaker").click()
    speakers = [s for s in page.locator("#quotes-table tbody tr td:nth-child(2)").all_inner_texts() if s]
    assert speakers == sorted(speakers, key=str.lower)
    page.screenshot(path=str(ARTIFACTS / "view_report_shared_corpus.png"), full_page=True)

    # a figure links to its sentence in the document view
    link = page.locator("#figures-table tbody tr a").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_load_state()
    anchor = href.split("#")[1]
    assert page.locator(f"#{anchor}").is_visible()
    page.close()
