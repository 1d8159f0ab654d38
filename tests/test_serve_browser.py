"""A real browser on `ngo-pipeline serve`: search quotes, apply a speaker facet, read the rows.

Drives Debian's chromium (/usr/bin/chromium, installed by .ci/run) with Playwright; no browser is
downloaded. Skipped when the browser is missing outside CI, a failure in CI.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"  # gitignored; CI keeps what a run leaves there


def _require_browser():
    missing = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "playwright is not installed"
    if missing is None and not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (apt-get install chromium)"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(sample_run):
    """`ngo-pipeline serve` over the store of the sample corpus run; yields its base URL."""
    _require_browser()
    out, _ = sample_run
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--store", str(out), "--port", str(port)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail(f"serve did not start: {proc.stdout.read()[-2000:]}")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_search_then_speaker_facet_in_a_browser(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server}/pipeline/quotes")
            total = page.locator("table.rows-and-columns tbody tr").count()
            page.fill("input[name=_search]", "deportations")
            page.press("input[name=_search]", "Enter")
            page.wait_for_load_state()
            assert "_search=deportations" in page.url
            texts = page.locator("table.rows-and-columns tbody td.col-text").all_inner_texts()
            assert texts and len(texts) < total  # the search filtered the table
            assert all("deport" in t.lower() for t in texts), texts  # porter: deportations, deported...

            page.locator("[data-column=speaker] a", has_text="Rami Aoun").first.click()
            page.wait_for_load_state()
            assert "speaker=Rami+Aoun" in page.url or "speaker=Rami%20Aoun" in page.url
            speakers = page.locator("table.rows-and-columns tbody td.col-speaker").all_inner_texts()
            shown = page.locator("table.rows-and-columns tbody td.col-text").all_inner_texts()
            assert speakers and set(speakers) == {"Rami Aoun"}
            assert "Deportations are happening at night," in shown
            # every quote links to its span shown in its document
            link = page.locator("td.col-text a", has_text="Deportations are happening at night,")
            assert "span_in_context?doc_id=" in link.get_attribute("href")
            shot = ARTIFACTS / "serve_quotes_search_facet.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")

            link.click()
            page.wait_for_load_state()
            assert "Deportations are happening at night," in page.locator("td.col-span").inner_text()
            page.screenshot(path=str(ARTIFACTS / "serve_span_in_context.png"), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
