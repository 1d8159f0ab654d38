"""Number phrases: figures, number words, vague quantities ("tens of thousands") and ranges.

Found with spaCy token attributes and an anchored :class:`~spacy.matcher.Matcher`
(:data:`NUMBER_PATTERNS`); :func:`value_of` reads their value, :func:`merge_ranges` joins "between
10 and 20".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from spacy.attrs import LIKE_NUM, ORTH
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from pipeline.extract.matching import cached_matcher
from pipeline.extract.numbers import is_ordinal, parse_figure, words_to_number
from pipeline.lexicon import (
    SCALES,
    UNITS,
    VAGUE_PREFIXES,
    VAGUE_WORDS,
)

_SCALE_WORDS = ["hundred", "thousand", "million", "billion", "trillion"]


_VAGUE_SCALES = ["thousands", "millions", "billions"]


#: Vague and word quantities the token attributes alone would mis-read.
NUMBER_PATTERNS: dict[str, list[list[dict]]] = {
    "VAGUE": [
        # tens of thousands, hundreds of millions
        [{"LOWER": {"IN": ["tens", "hundreds"]}}, {"LOWER": "of"}, {"LOWER": {"IN": _VAGUE_SCALES}}],
        [{"LOWER": {"IN": list(VAGUE_WORDS)}}],
        # several hundred, a few thousand
        [{"LOWER": {"IN": ["a"]}, "OP": "?"}, {"LOWER": {"IN": sorted(VAGUE_PREFIXES)}},
         {"LOWER": {"IN": _SCALE_WORDS}}],
    ],
    "WORDS": [
        # a dozen, half a million, half-million, a million, one and a half million
        [{"LOWER": {"IN": ["a", "one", "half"]}}, {"LOWER": "dozen"}],
        [{"LOWER": "half"}, {"LOWER": {"IN": ["a", "an"]}}, {"LOWER": {"IN": _SCALE_WORDS}}],
        [{"LOWER": "half"}, {"TEXT": {"IN": ["-", "‐"]}}, {"LOWER": {"IN": _SCALE_WORDS}}],
        [{"LOWER": {"IN": ["a", "an"]}}, {"LOWER": {"IN": _SCALE_WORDS}}],
    ],
}


#: Connectors that make "N <connector> M" a range (with "between" for "and").
_RANGE_CONNECTORS = {"to", "-", "–", "—", "and", "or"}


_RANGE_TOKEN_RE = re.compile(r"^(\d[\d,.]*)[–—-](\d[\d,.]*)$")


@dataclass
class Number:
    """A number phrase while its fields are being worked out (token offsets)."""

    start: int  # first token of the phrase (qualifier, currency or number)
    end: int  # one past the last token (number, unit or counted noun)
    core_start: int
    core_end: int
    value: float | None
    value_max: float | None = None
    qualifier: str = "exact"
    unit: str = "count"
    counted: str | None = None
    counted_token: int | None = None
    of_pronoun: bool = False


# every number pattern holds a scale or vague-quantity word: the Matcher only runs near them
_matcher = cached_matcher(NUMBER_PATTERNS, [*VAGUE_WORDS, *_SCALE_WORDS, *_VAGUE_SCALES, "dozen"])


def _is_number_word(token: Token) -> bool:
    low = token.lower_
    return low in UNITS or low in SCALES or parse_figure(low) is not None


def is_figure(token: Token) -> bool:
    return parse_figure(token.text) is not None


@lru_cache(maxsize=50_000)
def _may_start_number(text: str) -> bool:
    return bool(_RANGE_TOKEN_RE.match(text)) or text.startswith("~")


def _number_start_candidates(doc: Doc) -> list[int]:
    """Indices of the tokens a number phrase may start at (like_num, "10-20", "~26%"), in order.

    Read from token arrays, so the scan in :func:`number_spans` only visits these tokens.
    """
    if not len(doc):
        return []
    attrs = doc.to_array([ORTH, LIKE_NUM])
    distinct, position = np.unique(attrs[:, 0], return_inverse=True)
    strings = doc.vocab.strings
    by_text = np.fromiter((_may_start_number(strings[int(o)]) for o in distinct), dtype=bool, count=len(distinct))
    return np.flatnonzero(attrs[:, 1].astype(bool) | by_text[position.ravel()]).tolist()


def number_spans(doc: Doc) -> list[tuple[Span, str]]:
    """Number phrases: Matcher hits for vague/word quantities plus runs of number tokens."""
    found: list[Span] = []
    kinds: dict[tuple[int, int], str] = {}
    for match_id, start, end in _matcher(doc.vocab)(doc):
        span = doc[start:end]
        found.append(span)
        kinds[(start, end)] = doc.vocab.strings[match_id]
    i = 0
    for candidate in _number_start_candidates(doc):
        if candidate < i:
            continue  # inside the phrase found last
        i = candidate
        token = doc[i]
        range_token = _RANGE_TOKEN_RE.match(token.text)
        approximate = token.text.startswith("~") and parse_figure(token.text[1:]) is not None  # "~26%"
        if not (token.like_num or range_token or approximate) or is_ordinal(token.text):
            continue
        if not range_token and not approximate and not _is_number_word(token):
            continue
        end = i + 1
        # extend over scale words and number words: "1.5 million", "twenty-three", "$5m"
        while end < len(doc):
            nxt = doc[end]
            low = nxt.lower_
            prev = doc[end - 1]
            if low in _SCALE_WORDS or (low in {"m", "bn", "mn", "k"} and not prev.whitespace_ and is_figure(prev)):
                end += 1
            elif low in UNITS and not is_figure(prev) and not is_figure(nxt) and prev.lower_ not in {"-"}:
                end += 1
            elif low in {"-", "‐"} and not prev.whitespace_ and end + 1 < len(doc) \
                    and doc[end + 1].lower_ in UNITS and prev.lower_ in UNITS:
                end += 2
            elif low == "and" and prev.lower_ in _SCALE_WORDS and end + 1 < len(doc) \
                    and doc[end + 1].lower_ in UNITS:
                end += 2  # "two hundred and fifty"
            else:
                break
        found.append(doc[i:end])
        kinds[(i, end)] = "RANGE_TOKEN" if range_token else "FIGURE"
        i = end
    spans = filter_spans(found)
    return [(s, kinds.get((s.start, s.end), "FIGURE")) for s in sorted(spans, key=lambda s: s.start)]


def value_of(span: Span, kind: str) -> tuple[float | None, float | None, str | None]:
    """``(value, value_max, qualifier_override)`` of a number phrase."""
    words = [t.text for t in span]
    lows = [w.lower() for w in words]
    if kind == "RANGE_TOKEN":
        left, right = _RANGE_TOKEN_RE.match(span.text).groups()
        return parse_figure(left), parse_figure(right), "range"
    if words[0].startswith("~"):
        return words_to_number([words[0][1:], *words[1:]]), None, "about"
    if kind == "VAGUE":
        if lows[0] in {"tens", "hundreds"} and len(lows) == 3:
            return float((10 if lows[0] == "tens" else 100) * VAGUE_WORDS[lows[2]]), None, "vague"
        if lows[-1] in VAGUE_WORDS:
            return float(VAGUE_WORDS[lows[-1]]), None, "vague"
        return float(SCALES[lows[-1]]), None, "vague"
    return words_to_number(words), None, None



def merge_ranges(doc: Doc, numbers: list[Number]) -> list[Number]:
    """Join "between 10 and 20", "10 to 20", "10-20" into one range number."""
    merged: list[Number] = []
    skip = False
    for index, number in enumerate(numbers):
        if skip:
            skip = False
            continue
        nxt = numbers[index + 1] if index + 1 < len(numbers) else None
        gap = 1
        if nxt is not None and number.core_end < len(doc) and doc[number.core_end].lower_ in {"%", "percent"} \
                and nxt.core_start == number.core_end + 2:
            gap = 2  # "20% to 50%": the unit is written on both sides
        if nxt is not None and nxt.core_start == number.core_end + gap:
            connector = doc[number.core_end + gap - 1].lower_
            before = doc[number.core_start - 1].lower_ if number.core_start > 0 else ""
            if connector in _RANGE_CONNECTORS - {"and", "or"} or (connector == "and" and before == "between"):
                scale = SCALES.get(doc[nxt.core_end - 1].lower_, 1) if nxt.core_end - nxt.core_start > 1 else 1
                if scale >= 1000 and number.value is not None and nxt.value is not None \
                        and doc[number.core_end - 1].lower_ not in SCALES and number.value * scale <= nxt.value:
                    number.value *= scale  # "between 3.0 and 3.49 million": the scale is shared
                if nxt.value is not None and number.value is not None and nxt.value >= number.value \
                        and number.value_max is None and nxt.value_max is None:
                    start = number.core_start - 1 if before in {"between", "from"} else number.core_start
                    merged.append(Number(start, nxt.core_end, number.core_start, nxt.core_end,
                                          number.value, nxt.value, "range"))
                    skip = True
                    continue
        merged.append(number)
    return merged
