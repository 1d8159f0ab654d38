"""Reading numbers: figures ("1,234.5"), number words ("two hundred and fifty"), ordinals.

The word tables (number words, scales, qualifiers, currencies, units, events) are data in
:mod:`pipeline.lexicon`.
"""
from __future__ import annotations

import re

from pipeline.lexicon import (
    EXACT_WORDS,
    FRACTIONS,
    ORDINAL_WORDS,
    SCALES,
    TIME_UNITS,
    UNITS,
)

_NUMBER_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$|^[+-]?\d+(\.\d+)?$")
_ORDINAL_RE = re.compile(r"^\d+(st|nd|rd|th)$", re.I)


def is_ordinal(text: str) -> bool:
    """True for "5th", "second", "twentieth"…"""
    low = text.lower()
    return bool(_ORDINAL_RE.match(low)) or low in ORDINAL_WORDS or low.endswith("ieth")


_DOT_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:\.\d{3}){2,}$|^\d{1,3}\.000$")


_DECIMAL_COMMA_RE = re.compile(r"^\d+,\d{1,2}$")


def parse_figure(text: str) -> float | None:
    """Parse a written figure: "1,202" -> 1202.0, "3.8" -> 3.8; anything else -> None.

    Dots as thousands separators are read as such only when unambiguous: two or more
    groups ("1.500.000") or a ".000" group ("500.000"); "346.443" stays a decimal here
    (the claim extractor reads it as thousands before a currency or a count of people).
    A comma before one or two digits is a decimal comma ("USD 1,26 million" -> 1.26).
    """
    clean = text.strip()
    if _DECIMAL_COMMA_RE.match(clean):
        return float(clean.replace(",", "."))
    if _DOT_THOUSANDS_RE.match(clean):
        return float(clean.replace(".", ""))
    if not _NUMBER_RE.match(clean):
        return None
    return float(clean.replace(",", ""))


def words_to_number(words: list[str]) -> float | None:
    """Value of a number written in words and/or figures.

    ``["two", "hundred"]`` -> 200, ``["1.5", "million"]`` -> 1.5e6,
    ``["half", "a", "million"]`` -> 5e5, ``["twenty", "-", "three"]`` -> 23. Returns None
    when a word is not a number word.
    """
    total = 0.0
    current: float | None = None
    for raw in words:
        word = raw.lower()
        if word in {"-", "‐", "a", "an", "and"}:
            continue
        figure = parse_figure(word)
        if figure is not None:
            current = (current or 0) + figure
        elif word in UNITS:
            current = (current or 0) + UNITS[word]
        elif word in FRACTIONS:
            current = (current or 0) + FRACTIONS[word]
        elif word in EXACT_WORDS:
            current = (current or 1) * EXACT_WORDS[word]
        elif word in SCALES:
            scale = SCALES[word]
            current = (current if current is not None else 1) * scale
            if scale >= 1000:
                total += current
                current = None
        else:
            return None
    return total + (current or 0)


def counts_following_noun(token) -> bool:
    """True when a year-shaped figure counts the plural noun after it.

    "2000 blankets" is a count; "the 2005 arms ban" and "in 2005 elections" after a
    determiner or with a singular noun are years.
    """
    head = token.head
    before = token.nbor(-1) if token.i > 0 else None
    return (
        token.dep_ == "nummod"
        and head.i > token.i
        and head.pos_ == "NOUN"
        and head.tag_ in {"NNS", "NNPS"}
        and head.lower_ not in TIME_UNITS
        and not (before is not None and before.pos_ in {"DET", "PRON"})
    )
