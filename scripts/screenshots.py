"""Screenshots for the README: the document view of the seed and the report of the real corpus.

    .venv/bin/python scripts/screenshots.py [--store outputs] [--out docs/img]

Uses the store of a run over ../shared/corpus (run it first:
``ngo-pipeline run ../shared/corpus --metadata ../shared/corpus/MANIFEST.tsv --out outputs``),
writes the view and the report to a temporary folder, and photographs them with Debian's
chromium (/usr/bin/chromium) through Playwright. The PNGs are cut to one screen and reduced to
a 128-colour palette to stay small in the repository.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
SEED = "000_ca1ee3d6306f0e94.txt"


def save_small(png: bytes, path: Path, colours: int = 128) -> int:
    """Write a screenshot as a palette PNG (a few times smaller than full colour); returns bytes."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT)
    image.save(path, optimize=True)
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", default="outputs", help="store file or run folder (default: outputs)")
    parser.add_argument("--out", default="docs/img", type=Path, help="folder for show.png and report.png")
    parser.add_argument("--doc", default=SEED, help=f"document to show (default: {SEED})")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    from pipeline.view import write_document_view, write_report

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        _, view = write_document_view(args.store, args.doc, Path(tmp) / "show.html")
        report = Path(tmp) / "report.html"
        counts = write_report(args.store, report, views=False)
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 820})
            page.goto(view.as_uri())
            # scroll to the seed's first direct quote: a quote, its speaker, figures and dates at once
            target = page.locator('.ngo-label[id^="rec-quote-"]').nth(3)
            if target.count():
                target.scroll_into_view_if_needed()
                page.evaluate("window.scrollBy(0, -140)")
            size = save_small(page.screenshot(), args.out / "show.png")
            print(f"{args.out / 'show.png'}: {size:,} bytes")

            page = browser.new_page(viewport={"width": 1240, "height": 1500})
            page.goto(report.as_uri())
            size = save_small(page.screenshot(), args.out / "report.png")
            print(f"{args.out / 'report.png'}: {size:,} bytes ({counts['documents']} documents, "
                  f"{counts['quotes']} quotes, {counts['claims']} figures)")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
