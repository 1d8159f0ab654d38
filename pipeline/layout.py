"""What a line of a document is: a paragraph, a heading, the end of a sentence, a dateline.

Decided here once for every stage: the spaCy pass (:func:`pipeline.nlp.paragraph_boundaries`
keeps a headline whole and splits a dateline off), quotes (a heading ends a quote block and
stops attribution across it), claims (a running header after a page number) and themes (the
section heading that gives a sentence its context). The normalised text of a document
(:mod:`pipeline.ingest.normalise`) has one paragraph per line, so a line is a paragraph.
"""
from __future__ import annotations

import re
from typing import Sequence

#: What a line of prose ends with; a line that ends otherwise is a title, a heading or a label.
SENTENCE_END: tuple[str, ...] = tuple(".!?:;\"”’)…")
#: ... and a heading does not end with a comma either (it would be the start of a list).
HEADING_END: tuple[str, ...] = SENTENCE_END + (",",)
#: Markdown heading and emphasis marks around a heading ("## Background", "**Key figures**").
HEADING_MARKUP = "#*_ \t>"
#: A heading is at most this many words.
HEADING_MAX_WORDS = 10
#: A page's running header or footer is shorter: at most this many words (longer lines there are
#: the rows of a table, "No. of SDB training kits procured and delivered 1").
RUNNING_HEADER_MAX_WORDS = 8
#: A line of at most this many tokens that does not end like a sentence is one sentence
#: (a headline, a dateline, a heading), however the parser would cut it.
HEADLINE_MAX_TOKENS = 30
#: A dateline ("BEIRUT, 4 May 2024 —") is found within the first this many tokens of a line.
DATELINE_MAX_TOKENS = 14

_DASHES = frozenset({"—", "–", "-", "--"})
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line of ``text``, whitespace-trimmed."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        lead = len(line) - len(line.lstrip())
        trail = len(line.rstrip())
        if trail > lead:
            spans.append((match.start() + lead, match.start() + trail))
    return spans


def ends_like_sentence(line: str) -> bool:
    """True when the line ends with sentence punctuation (or a closing quote or bracket)."""
    return line.rstrip().endswith(SENTENCE_END)


def ends_as_sentence(line: str) -> bool:
    """True when the line, closing quote marks and brackets set aside, ends with ``.!?…:;``.

    Stricter than :func:`ends_like_sentence`: a quoted headline (“Stop the deportations”)
    does not end as a sentence.
    """
    return line.rstrip("”’\"»)] ").endswith(tuple(".!?…:;"))


def is_heading(line: str, max_words: int = HEADING_MAX_WORDS) -> bool:
    """A heading: a short capitalised line (markdown marks aside) that does not end like a
    sentence or with a comma ("Background", "Deaths in custody", "## Key figures")."""
    heading = line.strip().strip(HEADING_MARKUP).strip()
    return (bool(heading) and len(heading.split()) <= max_words and heading[0].isupper()
            and not heading.endswith(HEADING_END))


def is_running_header(line: str) -> bool:
    """A page's running header or footer: a heading of at most :data:`RUNNING_HEADER_MAX_WORDS`."""
    return is_heading(line, RUNNING_HEADER_MAX_WORDS)



def section_headings(text: str) -> list[tuple[int, str]]:
    """``(start, heading)`` of the section headings of a document, in text order.

    A section heading is a heading (:func:`is_heading`) of more than two characters (not a drop
    capital) that is a markdown heading or follows a blank line. A line that occurs more than
    once ("Amnesty International Report 2013", a page's running header) is not a section heading.
    """
    candidates: list[tuple[int, str]] = []
    offset, previous_blank = 0, True
    for line in text.split("\n"):
        heading = line.strip().strip(HEADING_MARKUP).strip()
        if len(heading) > 2 and is_heading(line) and (previous_blank or line.lstrip().startswith("#")):
            candidates.append((offset, heading))
        previous_blank = not line.strip()
        offset += len(line) + 1
    counts: dict[str, int] = {}
    for _, heading in candidates:
        counts[heading.lower()] = counts.get(heading.lower(), 0) + 1
    return [(start, heading) for start, heading in candidates if counts[heading.lower()] == 1]


# --- datelines (on spaCy tokens) ----------------------------------------------------------------

def _is_dateline_token(token) -> bool:
    """Tokens a dateline is made of: place names, dates, punctuation ("BEIRUT, 4 May 2024")."""
    text = token.text
    return (token.is_punct or token.like_num or text[:1].isupper()
            or token.lower_ in _MONTHS or (text.islower() and len(text) <= 3))  # Port-au-Prince


def dateline_end(line: Sequence) -> int | None:
    """Index (in the Doc) of the dash that closes a dateline opening this line of tokens.

    "ADDIS ABABA, 15 November 2025 — The Africa CDC confirmed ..." -> the index of "—".
    The dash must stand apart (spaced on one side; "Port-au-Prince" is a name) and be followed
    by a capitalised word; a dash followed by a date continues the dateline.
    """
    for i, token in enumerate(line[:DATELINE_MAX_TOKENS]):
        spaced = bool(token.whitespace_) or (i > 0 and bool(line[i - 1].whitespace_))
        if token.text in _DASHES and spaced and i > 0:
            following = line[i + 1] if i + 1 < len(line) else None
            if following is None or not all(_is_dateline_token(t) for t in line[:i]):
                return None
            if following.like_num or following.lower_ in _MONTHS:
                continue  # "Port-au-Prince, Haiti – 27 October 2025 – UNICEF said ..."
            # a date, a place in capitals or a bracket marks a dateline, not "Mariam Haddad — Director"
            marked = any(t.like_num or t.lower_ in _MONTHS or t.text == "(" or (t.is_upper and len(t) >= 3)
                         for t in line[:i])
            return line[i].i if marked and following.text[:1].isupper() else None
        if not _is_dateline_token(token):
            return None
    return None
