"""``paragraph_boundaries``: sentences never cross a line break; headlines and datelines stay whole.

Runs before the parser, which keeps the boundaries already set. What a headline and a dateline
are is decided in :mod:`pipeline.layout`.
"""
from __future__ import annotations

import re

import numpy as np
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START
from spacy.errors import Errors
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.layout import HEADLINE_MAX_TOKENS, SENTENCE_END, dateline_end

# Token.is_sent_start True / False as stored in a SENT_START array (1 / -1, as uint64)
_SENT_START, _NOT_SENT_START = np.uint64(1), np.uint64(np.iinfo(np.uint64).max)


def _line_ends(text: str, starts: np.ndarray, lengths: np.ndarray, spaces: np.ndarray) -> list[int]:
    """Indices of the tokens a line break follows (in their trailing space or, for a space
    token, in its text), plus the last token: where the lines of a document end."""
    breaks = np.fromiter((m.start() for m in re.finditer("\n", text)), dtype=np.int64)
    holder = np.searchsorted(starts, breaks, side="right") - 1  # the token whose text or space holds it
    kept = holder >= 0
    breaks, holder = breaks[kept], holder[kept]
    ends_line = (breaks >= starts[holder] + lengths[holder]) | spaces[holder]
    ends = set(holder[ends_line].tolist())
    ends.add(len(starts) - 1)
    return sorted(ends)


@Language.component("paragraph_boundaries")
def paragraph_boundaries(doc: Doc) -> Doc:
    """Start a sentence after every line break so sentences never cross paragraphs.

    Runs before the parser, which keeps boundaries that are already set. A short line
    without closing punctuation (a headline, a dateline, a section heading) is kept whole
    as one sentence, and a dateline fused to the first sentence of a paragraph
    ("BEIRUT, 4 February 2024 — The army ...") is split off as a sentence of its own.
    """
    if not len(doc):
        return doc
    if doc.has_annotation("DEP"):
        raise ValueError(Errors.E043)  # what Token.is_sent_start's setter says
    text = doc.text
    # token arrays instead of Token objects, and the boundaries written in one call at the end:
    # Token.is_sent_start's setter scans the whole document on every call
    attrs = doc.to_array([IDX, IS_SPACE, LENGTH])
    sent_starts = doc.to_array(SENT_START)
    starts, spaces, lengths = attrs[:, 0], attrs[:, 1].astype(bool), attrs[:, 2]
    words_before = np.concatenate(([0], np.cumsum(~spaces)))  # non-space tokens before index i
    last_word = np.maximum.accumulate(np.where(spaces, -1, np.arange(len(doc))))  # last non-space token <= i
    line_start = 0
    for i in _line_ends(text, starts, lengths, spaces):
        # tokens line_start..i form one line (plus trailing space tokens)
        n_words = int(words_before[i + 1] - words_before[line_start])
        if n_words:
            last = int(last_word[i])
            last_text = text[starts[last]: starts[last] + lengths[last]]
        if n_words and n_words <= HEADLINE_MAX_TOKENS and not last_text.endswith(SENTENCE_END):
            sent_starts[line_start + 1 : i + 1] = _NOT_SENT_START
        elif n_words:
            dash = dateline_end(doc[line_start : i + 1])
            if dash is not None:
                sent_starts[dash + 1] = _SENT_START
        if i + 1 < len(doc):
            sent_starts[i + 1] = _SENT_START
        line_start = i + 1
    doc.from_array([SENT_START], sent_starts.reshape(-1, 1))
    return doc
