"""Quote marks and their pairing: pure functions of the text.

:func:`find_quote_spans` pairs quote marks paragraph by paragraph in one linear pass using the
pair table :data:`QUOTE_PAIRS` (with the doubled marks '' ’’ `` of news wires and TeX); an
unclosed double quote runs to the end of its paragraph and continues into the next one when that
opens with a quote mark (the multi-paragraph quote convention), or runs as a block quote to the
first mark that closes it, never over a heading nor past :data:`CONTINUATION_MAX_PARAGRAPHS`.
Single marks pair only when they cannot be apostrophes (returnees’, Assad’s), give way to any
later opening mark, and a ’ that may be an apostrophe (Syrians’ homes) closes only a short quote.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.layout import is_heading, paragraph_spans

# Quote-mark pairs: opening mark -> closing marks that may end it. Straight quotes
# close themselves; a misdirected “ at the end of a quote is handled in the scanner.
# Two-character marks: TeX-style ``…'' and doubled ’’ / '' closing marks of news wires.
QUOTE_PAIRS: dict[str, tuple[str, ...]] = {
    "“": ("”", "“", "’’", "''"),
    "„": ("“", "”"),
    "«": ("»",),
    "»": ("«",),
    "‹": ("›",),
    "›": ("‹",),
    '"': ('"', "''"),
    "‘": ("’", "’’"),
    "'": ("'", '"', "''"),  # 'typed with a slip" : a straight single opener closed by a double mark
    "``": ("''", "’’", "”", '"'),
    "‘‘": ("’’", "''", "”"),
    "''": ("''", "’’", "”"),
    "’’": ("’’", "''", "”"),
}

# Marks that may only pair when they are clearly not apostrophes (returnees’, Assad’s).
SINGLE_QUOTES: frozenset[str] = frozenset({"‘", "'"})

# Double marks: an unclosed one runs to the end of its paragraph and may continue
# into the next paragraph (multi-paragraph quote convention).
DOUBLE_QUOTES: frozenset[str] = frozenset({"“", "„", "«", "»", "‹", "›", '"', "``", "‘‘", "''", "’’"})

# Guillemets may be set off by spaces inside (French « Nous restons »).
SPACED_OPENERS: frozenset[str] = frozenset({"«", "‹"})

DASHES: frozenset[str] = frozenset({"—", "–", "-", "--", "―"})

# Words that mark a verb's clause as introducing a list of demands ("calls on X to:").
LIST_MARKERS: tuple[str, ...] = ("-", "–", "—", "•", "*", "·")



# An unclosed quote runs at most this many paragraphs: to its closing mark (block quote) or
# along paragraphs that each open with a mark. The guidelines end such a quote at the next
# heading; the longest multi-paragraph quote of the development gold has 5 paragraphs.
CONTINUATION_MAX_PARAGRAPHS = 8

# A single ’ after a letter and before a word (Syrians’ homes, Rabee’ Joorya) is as likely an
# apostrophe as a closing mark: it closes a ‘ only this close (a term: ‘a fresh start’ while).
SINGLE_WEAK_CLOSE_MAX_CHARS = 100
# ... unless a closing mark before punctuation follows within this many characters of the
# opener (‘We don’t know, the Syrians’ homes are gone’, says Ahmad).
SINGLE_LATE_CLOSE_MAX_CHARS = 300


@dataclass
class QuoteSpan:
    """Quoted content between paired marks (``start``/``end`` exclude the marks).

    ``open`` is the offset of the opening mark, ``close`` that of the closing mark
    (``None`` when the quote runs unclosed to the end of its paragraph); a mark may be two
    characters wide (``''``, see :func:`mark_width`).
    ``para_first``/``para_last`` are paragraph indexes (several for a multi-paragraph quote).
    """

    open: int
    start: int
    end: int
    close: int | None
    para_first: int
    para_last: int


#: Every mark scan_paragraph acts on, two-character marks first; it skips from one to the next.
_QUOTE_MARK_RE = re.compile("|".join(
    [re.escape(m) for m in ("``", "''", "‘‘", "’’")] + ["[" + re.escape("".join(sorted(
        {c for m in (*QUOTE_PAIRS, *(c for closers in QUOTE_PAIRS.values() for c in closers))
         for c in m}))) + "]"]))


_DECADE_RE = re.compile(r"\d0s\b")  # ‘90s, '80s: an apostrophe typed as an opening mark


def mark_at(text: str, i: int) -> str:
    """The quote mark at ``i`` (two characters for a doubled mark: '' ’’ ‘‘ and two backticks), or ""."""
    match = _QUOTE_MARK_RE.match(text, i)
    return match.group() if match else ""


def mark_width(text: str, i: int) -> int:
    """Characters of the quote mark at ``i``: 2 for a doubled mark, else 1."""
    return len(mark_at(text, i)) or 1


def _can_open(text: str, i: int, p_start: int, p_end: int, mark: str | None = None) -> bool:
    mark = mark or text[i]
    prev = text[i - 1] if i > p_start else " "
    after = i + len(mark)
    nxt = text[after] if after < p_end else ""
    if not nxt:
        return False
    if nxt.isspace():
        # “ followed by a space opens only when its closing ” follows in the paragraph
        # ('According to Greek media “ More than 500 ... ”'); at a paragraph end it is a
        # misdirected closing mark. French guillemets are spaced: « Nous restons ».
        if mark in SPACED_OPENERS:
            return not prev.isalnum() and QUOTE_PAIRS[mark][0] in text[after:p_end]
        return mark == "“" and not prev.isalnum() and "”" in text[after:p_end]
    if mark in SINGLE_QUOTES:
        # ‘word …’ but not o’clock, ‘90s (a decade) or a stray apostrophe
        if _DECADE_RE.match(text, after):
            return False
        return not prev.isalnum() and (nxt.isalnum() or nxt in "“\"")
    if mark == '"':
        return prev.isspace() or prev in "([{—–-/:" or i == p_start
    if len(mark) == 2:  # ``We, ''We stay,'' he said; not a code fence (```) nor a closing ,''
        return not prev.isalnum() and prev not in ".,;!?`'’" and nxt.isalnum()
    return not prev.isalnum()


NO, WEAK, CLOSES = 0, 1, 2  # _close_kind: not a closer / maybe an apostrophe / a closer


def _close_kind(text: str, i: int, p_start: int, p_end: int, opener: str, mark: str) -> int:
    if mark not in QUOTE_PAIRS[opener]:
        return NO
    prev = text[i - 1] if i > p_start else " "
    after = i + len(mark)
    nxt = text[after] if after < p_end else ""
    if mark in SINGLE_QUOTES or mark == "’":
        # an apostrophe (Assad’s) is followed by a letter
        if prev.isspace() or nxt.isalnum():
            return NO
        # Syrians’ homes, Rabee’ Joorya: after a letter and before a word, maybe an apostrophe
        weak = prev.isalnum() and nxt.isspace() and text[after + 1 : after + 2].isalpha()
        return WEAK if weak else CLOSES
    if mark == opener:  # straight " or a misdirected “ used as closer
        at_end = text[after:p_end].strip() == ""
        return CLOSES if at_end or (not prev.isspace() and not nxt.isalnum()) else NO
    if len(mark) == 2:  # ’’ / '' close after a word or punctuation, not before a letter
        return CLOSES if not prev.isspace() and not nxt.isalnum() else NO
    return CLOSES


def _can_close(text: str, i: int, p_start: int, p_end: int, opener: str, mark: str | None = None) -> bool:
    return _close_kind(text, i, p_start, p_end, opener, mark or text[i]) != NO


def _beats_weak_close(text: str, i: int, open_at: int) -> bool:
    """Does the single closing mark at ``i`` end the quote rather than an earlier weak one?
    Yes after punctuation (,’ .’), or when it comes before punctuation and not too far."""
    return text[i - 1] in ",.;:!?…" or i - open_at <= SINGLE_LATE_CLOSE_MAX_CHARS


def scan_paragraph(text: str, p_start: int, p_end: int) -> tuple[list[tuple[int, int | None]], bool]:
    """Pair marks in one paragraph; returns (open, close) pairs and whether the last is unclosed.

    One pass. An open single mark gives way to a later opening mark (‘90s … ‘We stay,’: the
    first was an apostrophe). A weak single closing mark (Syrians’ homes) is kept in reserve:
    the quote ends there unless a clear closing mark follows first; with none, a single mark still
    open at the paragraph end was an apostrophe. After a reserve is used or an opener given up,
    the scan goes on from just after it; no mark can open in what is scanned again (linear time).
    """
    pairs: list[tuple[int, int | None]] = []
    i = p_start
    while True:
        open_at, opener, weak_at = None, "", None
        while i < p_end:
            found = _QUOTE_MARK_RE.search(text, i, p_end)  # only quote marks open or close
            if found is None:
                break
            i, mark = found.start(), found.group()
            if open_at is None:
                if mark in QUOTE_PAIRS and _can_open(text, i, p_start, p_end, mark):
                    open_at, opener, weak_at = i, mark, None
                i += len(mark)
                continue
            kind = _close_kind(text, i, p_start, p_end, opener, mark)
            if kind == CLOSES and (weak_at is None or _beats_weak_close(text, i, open_at)):
                pairs.append((open_at, i))
                open_at = None
            elif kind == WEAK and i - open_at <= SINGLE_WEAK_CLOSE_MAX_CHARS and (
                    weak_at is None or (text[weak_at - 1] == "s" and text[i - 1] != "s")):
                weak_at = i  # the first in reserve, unless it looks plural possessive (Syrians’)
            elif weak_at is not None and (kind == CLOSES or (
                    mark in QUOTE_PAIRS and _can_open(text, i, p_start, p_end, mark))):
                pairs.append((open_at, weak_at))  # the reserve closes; go on after it
                open_at, i = None, weak_at + 1
                continue
            elif opener in SINGLE_QUOTES and mark in QUOTE_PAIRS and _can_open(text, i, p_start, p_end, mark):
                open_at, opener = i, mark  # an unpaired ‘ gives way to a later opening mark
            i += len(mark)
        if open_at is None:
            return pairs, False
        if weak_at is not None:
            pairs.append((open_at, weak_at))
            i = weak_at + 1
            continue
        if opener not in SINGLE_QUOTES:
            pairs.append((open_at, None))
            return pairs, True
        i = open_at + 1  # unclosed single quote: an apostrophe after all


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
                resume_at[last] = close + mark_width(text, close)
                if last != p_index:
                    continue
                pairs, unclosed = scan_paragraph(text, close + mark_width(text, close), p_end)
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
            start = content_start(text, open_at + mark_width(text, open_at))
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
    return [piece for span in spans for piece in _cap_unclosed(text, paragraphs, span)]


def _cap_unclosed(text: str, paragraphs: list[tuple[int, int]], span: QuoteSpan) -> list[QuoteSpan]:
    """An unclosed quote over more than ``CONTINUATION_MAX_PARAGRAPHS`` paragraphs (each opening
    with a mark), cut into quotes of that many paragraphs. A closed one stays whole (a resolution
    quoted paragraph by paragraph, closed at its end)."""
    if span.close is not None or span.para_last - span.para_first < CONTINUATION_MAX_PARAGRAPHS:
        return [span]
    pieces = []
    for first in range(span.para_first, span.para_last + 1, CONTINUATION_MAX_PARAGRAPHS):
        last = min(first + CONTINUATION_MAX_PARAGRAPHS - 1, span.para_last)
        p_start = paragraphs[first][0]
        open_at = span.open if first == span.para_first else p_start
        start = span.start if first == span.para_first else content_start(text, p_start + mark_width(text, p_start))
        end = span.end if last == span.para_last else content_end(text, paragraphs[last][1])
        pieces.append(QuoteSpan(open_at, start, end, None, first, last))
    return pieces


def _block_quote_close(text: str, paragraphs: list[tuple[int, int]], first: int,
                       open_span: QuoteSpan) -> tuple[int, int] | None:
    """(paragraph, offset) of the mark closing an unclosed quote in a later paragraph.

    Looks no further than ``CONTINUATION_MAX_PARAGRAPHS`` paragraphs from the opening one; gives
    up at a heading or at a paragraph where a double opening mark comes before any closing mark
    (a new quote, not the old one's end). Only marks that close the opener by ``QUOTE_PAIRS``
    count.
    """
    opener = _QUOTE_MARK_RE.match(text, open_span.open).group()
    closers = QUOTE_PAIRS.get(opener, ())
    self_closing = opener in ('"', "''", "’’")  # a curly “ never closes its own block
    for p in range(first, min(len(paragraphs), open_span.para_first + CONTINUATION_MAX_PARAGRAPHS)):
        p_start, p_end = paragraphs[p]
        line = text[p_start:p_end]
        if is_heading(line):
            return None  # a heading ends the quote
        for found in _QUOTE_MARK_RE.finditer(text, p_start, p_end):
            i, mark = found.start(), found.group()
            # a straight mark closes the block when it follows a word (’word." ’)
            closes = (mark in closers and (mark != opener or self_closing)
                      and _can_close(text, i, p_start, p_end, opener, mark))
            if closes and (mark != '"' or not text[i - 1].isspace()):
                return p, i
            if mark in DOUBLE_QUOTES and mark in QUOTE_PAIRS and _can_open(text, i, p_start, p_end, mark):
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
