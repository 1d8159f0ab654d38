"""Quote marks: which opening mark each closing mark may end, as data.

The word lists of attribution (speech verbs, speaker nouns, organisation words, gender evidence)
are in :mod:`pipeline.lexicon`.
"""
from __future__ import annotations

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
