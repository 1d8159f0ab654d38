"""PDF text with PDFium (pypdfium2): drop page furniture, undo hyphenation, rebuild paragraphs.

PDFium reads a page's text about 20 times faster than pypdf, the pure-Python reader this
module used before (docs/performance.md).
"""
from __future__ import annotations

import re
import statistics
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.ingest.dates import to_iso_date
from pipeline.ingest.errors import IngestError
from pipeline.ingest.normalise import SENTENCE_END

if TYPE_CHECKING:
    from pypdfium2 import PdfTextPage

_PDFIUM_LOCK = threading.Lock()

# Lines looked at for running headers and footers, at the top and at the bottom of a page.
FURNITURE_ZONE_LINES = 3
# A header/footer recurs on at least this share of pages (and on at least 2 pages).
FURNITURE_MIN_SHARE = 0.5
FURNITURE_MAX_CHARS = 100
# A line ending a sentence and shorter than this share of the page's usual line length
# ends its paragraph (columns without blank lines between paragraphs).
PARAGRAPH_END_RATIO = 0.75
# A vertical gap this many times the usual line spacing separates paragraphs.
PARAGRAPH_GAP_RATIO = 1.4

_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
_HYPHEN_BREAK = re.compile(r"(\w+)-\n(\w+)")
# every "word-word" pair on one line, overlapping ("a-b-c" gives "a-b" and "b-c")
_HYPHENATED_PAIR = re.compile(r"(?<!\w)(?=(\w+-\w+))")
_WORD = re.compile(r"\w+")
# Titles written by authoring tools, not by authors.
_JUNK_TITLE = re.compile(r"^(microsoft\s+\w+\s*-|untitled|document\d*$)|\.(docx?|txt|indd|qxd|pdf|rtf)\b", re.IGNORECASE)
MIN_TITLE_WORDS = 3


def _furniture_key(line: str) -> str:
    """Line identity for header/footer detection: page numbers and spacing ignored."""
    return re.sub(r"[\d\s]+", "", line).lower()


def _page_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r", "\n").split("\n")]


def remove_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop running headers/footers and page numbers.

    A running header/footer is a short line repeated on many pages (page numbers and
    spacing ignored) and found among the first or last lines of at least two of them.
    Text extraction does not always keep it at the top or bottom of the page (side bars,
    pull quotes), so it is then removed wherever it occurs on the page.
    Bare page numbers are removed from the top and bottom lines of each page.
    """
    def zone(lines: list[str]) -> set[int]:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        return set(filled[:FURNITURE_ZONE_LINES] + filled[-FURNITURE_ZONE_LINES:])

    counts: Counter[str] = Counter()
    edge_counts: Counter[str] = Counter()
    zones = [zone(lines) for lines in pages]
    for lines, edges in zip(pages, zones):
        counts.update({_furniture_key(line) for line in lines if len(line.strip()) <= FURNITURE_MAX_CHARS} - {""})
        edge_counts.update({_furniture_key(lines[i]) for i in edges} - {""})
    threshold = max(2, FURNITURE_MIN_SHARE * len(pages))
    recurring = {key for key, n in counts.items() if n >= threshold and edge_counts[key] >= 2}
    cleaned = []
    for lines, edges in zip(pages, zones):
        kept = []
        for i, line in enumerate(lines):
            stripped = line.strip()
            if i in edges and _PAGE_NUMBER.match(stripped):
                continue
            if len(stripped) <= FURNITURE_MAX_CHARS and _furniture_key(stripped) in recurring:
                continue
            kept.append(line)
        cleaned.append(kept)
    return cleaned


def join_hyphenated(text: str) -> str:
    """Undo end-of-line hyphenation: ``civil-\\nians`` -> ``civilians``.

    The hyphen is dropped only when the next line starts in lower case and the document
    does not itself spell the word with a hyphen elsewhere (``landslide-prone``); before
    a capital or a digit it is kept (``al-\\nAssad`` -> ``al-Assad``).
    """
    # the words and hyphenated pairs the text spells on one line, collected once: looking each
    # one up in the whole text per line break was quadratic (minutes for a 2,000-page PDF)
    hyphenated = {m.group(1) for m in _HYPHENATED_PAIR.finditer(text)}
    words = set(_WORD.findall(text))

    def fix(match: re.Match[str]) -> str:
        left, right = match.group(1), match.group(2)
        if right[:1].islower():
            if f"{left}-{right}" in hyphenated and f"{left}{right}" not in words:
                return f"{left}-{right}"
            return left + right
        return f"{left}-{right}"

    return _HYPHEN_BREAK.sub(fix, text)


def _mark_paragraph_ends(lines: list[str]) -> list[str]:
    """Insert a blank line after a line that ends a sentence clearly before the right
    margin: in column layouts the only trace of a paragraph end."""
    lengths = [len(line.strip()) for line in lines if len(line.strip()) > 20]
    if len(lengths) < 5:
        return lines
    width = statistics.quantiles(lengths, n=10)[-1]  # 90th percentile line length
    out = []
    for line in lines:
        out.append(line)
        stripped = line.strip()
        if stripped.endswith(SENTENCE_END) and len(stripped) < PARAGRAPH_END_RATIO * width:
            out.append("")
    return out


def page_text(textpage: PdfTextPage) -> str:
    """Text of one page, with a blank line where the vertical gap before a line is
    clearly larger than the page's usual line spacing (a paragraph break that plain text
    extraction loses).

    PDFium ends lines with CRLF and writes a hyphen that breaks a word at the end of a line
    as U+FFFE, without the line break; it becomes "-" plus a line break here, and
    :func:`join_hyphenated` decides whether the word is joined.
    """
    raw = textpage.get_text_range()
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    plain = "\n".join(lines).replace("\ufffe", "-\n")
    if len(raw) != textpage.count_chars():  # characters and text do not line up: no positions
        return plain
    # the vertical position (bottom of the loose box, which spans the font's full height) of
    # the first and last character of every line; PDFium sometimes runs two printed lines into one line of text, so the
    # gap before a line is measured from the last character of the line above
    firsts: list[float | None] = []
    lasts: list[float | None] = []
    index = 0
    for line in lines:
        content = line.strip()
        if content:
            first = index + len(line) - len(line.lstrip())
            firsts.append(textpage.get_charbox(first, loose=True)[1])
            lasts.append(textpage.get_charbox(first + len(content) - 1, loose=True)[1])
        else:
            firsts.append(None)
            lasts.append(None)
        index += len(line) + (2 if raw.startswith("\r\n", index + len(line)) else 1)
    gaps: list[float | None] = []  # the drop from the line above, for lines with text
    previous: float | None = None
    for first, last in zip(firsts, lasts):
        gaps.append(None if first is None or previous is None else previous - first)
        previous = last if last is not None else previous
    steps = [gap for gap in gaps if gap is not None and gap > 0]
    if len(steps) < 3:
        return plain
    # the usual line spacing: a low quantile, not the median, as prose lines PDFium runs
    # together (hyphenated breaks) hide their steps and leave paragraph gaps overrepresented
    usual = statistics.quantiles(steps, n=4)[0] if len(steps) >= 4 else min(steps)
    out: list[str] = []
    for line, gap in zip(lines, gaps):
        if gap is not None and gap > PARAGRAPH_GAP_RATIO * usual:
            out.append("")
        out.append(line)
    return "\n".join(out).replace("\ufffe", "-\n")


def _pdf_title(value: object) -> str | None:
    title = str(value or "").strip()
    if not title or _JUNK_TITLE.search(title) or len(title.split()) < MIN_TITLE_WORDS:
        return None
    return title


def read_pdf(path: Path, max_pages: int = 0) -> tuple[str, dict[str, str | None]]:
    """Text and metadata (title, published, author) of a PDF file.

    Parameters
    ----------
    path : Path
        The PDF file.
    max_pages : int
        Refuse a PDF of more pages (``too_large``), counted before any text is extracted;
        0 for no limit.

    Raises
    ------
    IngestError
        ``encrypted`` (password needed), ``corrupt`` (unreadable), ``no_text`` (no text
        layer: a scanned PDF needs OCR), ``too_large`` (more than ``max_pages`` pages).
    """
    # imported here, not at the top: a run with no PDF to read never pays for loading PDFium
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:  # PDFium is not thread-safe
        try:
            pdf = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise IngestError("encrypted", "encrypted PDF: a password is needed to read it") from exc
            raise IngestError("corrupt", f"unreadable PDF: {exc}") from exc
        try:
            n_pages = len(pdf)
            if max_pages and n_pages > max_pages:
                raise IngestError("too_large", f"PDF of {n_pages:,} pages is above the limit of {max_pages:,}: "
                                               "raise --max-pages to read it")
            texts = []
            for page in pdf:
                textpage = page.get_textpage()
                texts.append(page_text(textpage))
                textpage.close()
                page.close()
            info = pdf.get_metadata_dict(skip_empty=True)
        except IngestError:
            raise
        except (pdfium.PdfiumError, ValueError, OSError) as exc:
            raise IngestError("corrupt", f"unreadable PDF: {exc}") from exc
        finally:
            pdf.close()
    if not any(t.strip() for t in texts):
        raise IngestError("no_text", "no extractable text: a scanned PDF (images only)? OCR is needed "
                                     "to read it (e.g. `ocrmypdf in.pdf out.pdf`, then run on out.pdf)")
    pages = remove_page_furniture([_page_lines(t) for t in texts])
    lines: list[str] = []
    for page in pages:
        page_lines = _mark_paragraph_ends(page)
        while page_lines and not page_lines[0].strip():
            page_lines.pop(0)
        while page_lines and not page_lines[-1].strip():
            page_lines.pop()
        if not page_lines:
            continue
        # Paragraphs run across pages: a page break is a paragraph break only after a
        # finished sentence.
        if lines and lines[-1].strip() and lines[-1].strip().endswith(SENTENCE_END):
            lines.append("")
        lines.extend(page_lines)
    text = join_hyphenated("\n".join(lines))
    meta = {
        "title": _pdf_title(info.get("Title")),
        "published": to_iso_date(info.get("CreationDate")),
        "author": (str(info.get("Author")).strip() or None) if info.get("Author") else None,
    }
    return text, meta
