"""Quote marks and their pairing: pure functions of the text.

:func:`find_quote_spans` pairs quote marks paragraph by paragraph in one linear pass using the
pair table :data:`QUOTE_PAIRS`; an unclosed double quote runs to the end of its paragraph and
continues into the next one when that opens with a quote mark (the multi-paragraph quote
convention), or runs as a block quote to the first mark that closes it. Single marks pair only
when they cannot be apostrophes (returnees’, Assad’s).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.layout import is_heading, paragraph_spans

# Quote-mark pairs: opening mark -> closing marks that may end it. Straight quotes
# close themselves; a misdirected “ at the end of a quote is handled in the scanner.
QUOTE_PAIRS: dict[str, tuple[str, ...]] = {
    "“": ("”", "“"),
    "„": ("“", "”"),
    "«": ("»",),
    "»": ("«",),
    "‹": ("›",),
    '"': ('"',),
    "‘": ("’",),
    "'": ("'", '"'),  # 'typed with a slip" : a straight single opener closed by a double mark
}

# Marks that may only pair when they are clearly not apostrophes (returnees’, Assad’s).
SINGLE_QUOTES: frozenset[str] = frozenset({"‘", "'"})

# Double marks: an unclosed one runs to the end of its paragraph and may continue
# into the next paragraph (multi-paragraph quote convention).
DOUBLE_QUOTES: frozenset[str] = frozenset({"“", "„", "«", "»", "‹", '"'})

DASHES: frozenset[str] = frozenset({"—", "–", "-", "--", "―"})

# Words that mark a verb's clause as introducing a list of demands ("calls on X to:").
LIST_MARKERS: tuple[str, ...] = ("-", "–", "—", "•", "*", "·")



CONTINUATION_MAX_PARAGRAPHS = 8  # an unclosed quote may run this far to its closing mark


@dataclass
class QuoteSpan:
    """Quoted content between paired marks (``start``/``end`` exclude the marks).

    ``open`` is the offset of the opening mark, ``close`` that of the closing mark
    (``None`` when the quote runs unclosed to the end of its paragraph).
    ``para_first``/``para_last`` are paragraph indexes (several for a multi-paragraph quote).
    """

    open: int
    start: int
    end: int
    close: int | None
    para_first: int
    para_last: int


def _can_open(text: str, i: int, p_start: int, p_end: int) -> bool:
    mark = text[i]
    prev = text[i - 1] if i > p_start else " "
    nxt = text[i + 1] if i + 1 < p_end else ""
    if not nxt:
        return False
    if nxt.isspace():
        # “ followed by a space opens only when its closing ” follows in the paragraph
        # ('According to Greek media “ More than 500 ... ”'); at a paragraph end it is a
        # misdirected closing mark
        return mark == "“" and not prev.isalnum() and "”" in text[i + 1 : p_end]
    if mark in SINGLE_QUOTES:
        # ‘word …’ but not o’clock, ’90s or a stray apostrophe
        return not prev.isalnum() and (nxt.isalnum() or nxt in "“\"")
    if mark == '"':
        return prev.isspace() or prev in "([{—–-/:" or i == p_start
    return not prev.isalnum()


def _can_close(text: str, i: int, p_start: int, p_end: int, opener: str) -> bool:
    mark = text[i]
    if mark not in QUOTE_PAIRS[opener]:
        return False
    prev = text[i - 1] if i > p_start else " "
    nxt = text[i + 1] if i + 1 < p_end else ""
    if mark in SINGLE_QUOTES or mark == "’":
        # an apostrophe (Assad’s) is followed by a letter
        return not prev.isspace() and not nxt.isalnum()
    if mark == opener:  # straight " or a misdirected “ used as closer
        at_end = text[i + 1 : p_end].strip() == ""
        return at_end or (not prev.isspace() and not nxt.isalnum())
    return True


#: Every character scan_paragraph acts on; it skips straight from one to the next.
_QUOTE_MARK_RE = re.compile("[" + re.escape("".join(sorted(
    {*QUOTE_PAIRS, *(c for closers in QUOTE_PAIRS.values() for c in closers),
     *SINGLE_QUOTES, *DOUBLE_QUOTES}))) + "]")


def scan_paragraph(text: str, p_start: int, p_end: int) -> tuple[list[tuple[int, int | None]], bool]:
    """Pair marks in one paragraph; returns (open, close) pairs and whether the last is unclosed.

    One pass, plus at most one re-scan when an unclosed single quote must be given up.
    """
    pairs: list[tuple[int, int | None]] = []
    i, allow_single = p_start, True
    while True:
        open_at, opener = None, ""
        while i < p_end:
            mark = _QUOTE_MARK_RE.search(text, i, p_end)  # only quote marks open or close
            if mark is None:
                break
            i = mark.start()
            ch = text[i]
            if open_at is None:
                if ch in QUOTE_PAIRS and (allow_single or ch not in SINGLE_QUOTES) and _can_open(text, i, p_start, p_end):
                    open_at, opener = i, ch
            elif _can_close(text, i, p_start, p_end, opener):
                pairs.append((open_at, i))
                open_at = None
            elif opener in SINGLE_QUOTES and ch in DOUBLE_QUOTES and _can_open(text, i, p_start, p_end):
                open_at, opener = i, ch  # an unpaired ‘ gives way to a double quote
            i += 1
        if open_at is None:
            return pairs, False
        if opener in DOUBLE_QUOTES:
            pairs.append((open_at, None))
            return pairs, True
        restart = open_at + 1  # unclosed single quote: an apostrophe after all
        i, allow_single = restart, False


def find_quote_spans(text: str) -> list[QuoteSpan]:
    """Pair quote marks in ``text`` and return the quoted spans in order.

    Parameters
    ----------
    text : str
        Normalised document text (paragraphs separated by blank lines).

    Returns
    -------
    list of QuoteSpan
        Content spans without their marks. An unclosed double quote ends at its
        paragraph end, unless the next paragraph opens with a quote mark, in which case
        the two are one span (multi-paragraph quote convention).
    """
    paragraphs = paragraph_spans(text)
    spans: list[QuoteSpan] = []
    continuing: QuoteSpan | None = None
    resume_at: dict[int, int] = {}  # paragraph -> offset after a block quote's closing mark
    for p_index, (p_start, p_end) in enumerate(paragraphs):
        if p_index in resume_at:
            pairs, unclosed = scan_paragraph(text, resume_at[p_index], p_end)
            pairs = [(o, c) for o, c in pairs if o >= resume_at[p_index]]
        else:
            pairs, unclosed = scan_paragraph(text, p_start, p_end)
        if continuing is not None and p_index in resume_at:
            spans.append(continuing)
            continuing = None
        if continuing is not None and not (pairs and pairs[0][0] == p_start):
            # "“First paragraph ... / plain middle paragraph / last paragraph.”": a block quote
            # whose inner paragraphs open with no mark runs to the first unmatched closing mark
            block_end = _block_quote_close(text, paragraphs, p_index, continuing)
            if block_end is not None:
                last, close = block_end
                continuing.close = close
                continuing.end = content_end(text, close)
                continuing.para_last = last
                spans.append(continuing)
                continuing = None
                resume_at[last] = close + 1
                if last != p_index:
                    continue
                pairs, unclosed = scan_paragraph(text, close + 1, p_end)
        if continuing is not None:
            if pairs and pairs[0][0] == p_start:
                first_close = pairs[0][1]
                continuing.close = first_close
                continuing.end = content_end(text, first_close if first_close is not None else p_end)
                continuing.para_last = p_index
                pairs = pairs[1:]
                if first_close is None:  # still open: may continue further
                    continue
            spans.append(continuing)
            continuing = None
        for k, (open_at, close_at) in enumerate(pairs):
            start = content_start(text, open_at + 1)
            end = content_end(text, close_at if close_at is not None else p_end)
            if end <= start:
                continue
            span = QuoteSpan(open_at, start, end, close_at, p_index, p_index)
            if unclosed and k == len(pairs) - 1:
                continuing = span
            else:
                spans.append(span)
    if continuing is not None:
        spans.append(continuing)
    return spans


def _block_quote_close(text: str, paragraphs: list[tuple[int, int]], first: int,
                       open_span: QuoteSpan) -> tuple[int, int] | None:
    """(paragraph, offset) of the mark closing an unclosed quote in a later paragraph.

    Looks at most ``CONTINUATION_MAX_PARAGRAPHS`` ahead; gives up at a heading or at a paragraph
    where a double opening mark comes before any closing mark (a new quote, not the old one's
    end). Only marks that close the opener by ``QUOTE_PAIRS`` count.
    """
    opener = text[open_span.open]
    closers = QUOTE_PAIRS.get(opener, ())
    for p in range(first, min(len(paragraphs), first + CONTINUATION_MAX_PARAGRAPHS)):
        p_start, p_end = paragraphs[p]
        line = text[p_start:p_end]
        if is_heading(line):
            return None  # a heading ends the quote
        for i in range(p_start, p_end):
            ch = text[i]
            # a straight mark closes the block when it follows a word (’word." ’), a curly “ never
            closes = ch in closers and (ch != opener or opener == '"') and _can_close(text, i, p_start, p_end, opener)
            if closes and (ch != '"' or not text[i - 1].isspace()):
                return p, i
            if ch in DOUBLE_QUOTES and _can_open(text, i, p_start, p_end):
                return None
    return None


def content_start(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def content_end(text: str, i: int) -> int:
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return i
