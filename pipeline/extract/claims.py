"""Numeric claims: "at least 65 children were killed in 2021, according to X".

A claim is a number phrase (figure, number words or a vague quantity such as "hundreds of")
with its qualifier ("at least"), unit (count, percent, money, quantity), the noun it
counts, the event that happened to them, the period, the place, the total it is part of
and the source the sentence attributes it to. Numbers are found with spaCy token
attributes and a :class:`spacy.matcher.Matcher`; their roles come from the dependency
parse. Numbers that are dates, durations, ages, ordinals, labels ("Article 7"), phone
numbers, times and list markers are not claims. See ``docs/claims_and_dates.md``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from spacy.attrs import LIKE_NUM, ORTH
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from pipeline.layout import is_running_header
from pipeline.nlp import doc_text
from pipeline.records import Claim, DateRecord, Entity

from pipeline.lexicon import (
    COUNTED_LEMMAS,
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    DEMAND_VERBS,
    EVENT_LEMMAS,
    LABEL_WORDS,
    NAME_ENTITY_LABELS,
    NOUN_EVENTS,
    PEOPLE_NOUNS,
    QUALIFIERS,
    QUANTITY_UNITS,
    REPORTING_VERBS,
    SCALES,
    SOURCE_DOCUMENT_NOUNS,
    SPACE_UNITS,
    TIME_PREPOSITIONS,
    TIME_UNITS,
    UNITS,
    VACCINE_NOUNS,
    VAGUE_PREFIXES,
    VAGUE_WORDS,
    VIOLENCE_LEMMAS,
)

from .matching import cached_matcher
from .numbers import counts_following_noun, is_ordinal, parse_figure, words_to_number

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
_PART_BEFORE_RE = re.compile(
    r"(?:\binclud(?:ing|es|ed|e)|\bamong\s+(?:them|whom|which|these|those)|\bof\s+(?:whom|which|these|them))"
    r"\s*[:,(]?\s*$",
    re.I,
)
_PART_PRONOUNS = {"them", "whom", "which", "these", "those"}
_NOT_COUNTED = TIME_UNITS | {"time", "percent", "%"}
_PASS_THROUGH_VERBS = {"include", "accord", "be", "remain", "have", "continue", "leave", "reach", "stand",
                       "number", "total", "exceed", "rise", "climb", "increase"}
_PLACE_LABELS = {"GPE", "LOC"}
#: Prepositions that make a place the scene of a claim ("in Idlib", "across Syria").
_LOCATIVE = {"in", "across", "throughout", "inside", "within", "near", "at", "around", "outside",
             "on", "all", "over"}
_SOURCE_LABELS = {"ORG", "PERSON", "GPE"}
#: Totals that are floors or vague: parts above them do not contradict them.
_FLOOR_QUALIFIERS = frozenset({"more_than", "at_least", "vague"})


@dataclass
class _Number:
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


def _digits(token: Token) -> bool:
    return parse_figure(token.text) is not None


@lru_cache(maxsize=50_000)
def _may_start_number(text: str) -> bool:
    return bool(_RANGE_TOKEN_RE.match(text)) or text.startswith("~")


def _number_start_candidates(doc: Doc) -> list[int]:
    """Indices of the tokens a number phrase may start at (like_num, "10-20", "~26%"), in order.

    Read from token arrays, so the scan in :func:`_number_spans` only visits these tokens.
    """
    if not len(doc):
        return []
    attrs = doc.to_array([ORTH, LIKE_NUM])
    distinct, position = np.unique(attrs[:, 0], return_inverse=True)
    strings = doc.vocab.strings
    by_text = np.fromiter((_may_start_number(strings[int(o)]) for o in distinct), dtype=bool, count=len(distinct))
    return np.flatnonzero(attrs[:, 1].astype(bool) | by_text[position.ravel()]).tolist()


def _number_spans(doc: Doc) -> list[tuple[Span, str]]:
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
            if low in _SCALE_WORDS or (low in {"m", "bn", "mn", "k"} and not prev.whitespace_ and _digits(prev)):
                end += 1
            elif low in UNITS and not _digits(prev) and not _digits(nxt) and prev.lower_ not in {"-"}:
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


def _value_of(span: Span, kind: str) -> tuple[float | None, float | None, str | None]:
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


def _line_start(text: str, token: Token) -> bool:
    return token.idx == 0 or text[token.idx - 1] == "\n"


_CODE_RE = re.compile(r"[/=&_\\]|%[0-9A-Fa-f]{2}|www\.|\.html?\b|\d{4}-\d\d-\d\d|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b|\d[.:]\d\d[.:]\d\d")


def _looks_like_code(chunk: str) -> bool:
    """Links, file names and identifiers: "after=2016-07-01", "Screen_Shot_2017-05-11.png"."""
    return bool(_CODE_RE.search(chunk))


def _word_around(text: str, span: Span) -> str:
    """The whitespace-delimited chunk of text holding the span ("2017-05-11_at_8.27.png")."""
    start, end = span.start_char, span.end_char
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end]


_LIST_SEPARATORS = frozenset({",", ".", "and", "or", "-", "–", "to", "&"})


def _after_label(doc: Doc, span: Span) -> bool:
    """A label word before the number or before the list it is in: "Rules 11, 12 and 71"."""
    index = span.start - 1
    sentence_start = span[0].sent.start
    while index >= sentence_start:
        token = doc[index]
        low = token.lower_
        if low in LABEL_WORDS or low.rstrip(".") in LABEL_WORDS or token.lemma_.lower() in LABEL_WORDS:
            return True
        if _digits(token):
            index -= 1
            continue
        # separators continue a list of numbers only: "Rules 11, 12, and 71", not "figures, 5,000"
        previous = index
        while previous >= sentence_start and doc[previous].lower_ in _LIST_SEPARATORS:
            previous -= 1
        if previous == index or previous < sentence_start or not _digits(doc[previous]):
            return False
        index = previous
    return False


def _is_name_or_label(doc: Doc, text: str, span: Span) -> bool:
    """Article/resolution/page numbers, list markers, phone numbers, times, ages, names."""
    first, last = span[0], span[-1]
    before = doc[first.i - 1] if first.i > 0 else None
    after = doc[last.i + 1] if last.i + 1 < len(doc) else None
    if _after_label(doc, span):
        return True
    if first.ent_type_ in NAME_ENTITY_LABELS | {"TIME"} and not (before is not None and before.lower_ in CURRENCY_SYMBOLS):
        return True
    # codes and links: "05", "35.821077", "after=2016-07-01", "Screen_Shot_2017-05-11"
    if re.match(r"^0\d", first.text) or re.search(r"\.\d{4,}$", first.text):
        return True
    if re.fullmatch(r"\d{7,}", first.text):
        return True  # an unseparated 7+ digit figure is a code or an id, not a count
    # "Sukhoi 22", "Hospital 5": a number right after the proper noun it names
    if before is not None and before.pos_ == "PROPN" and first.head.i == before.i and not before.ent_type_ == "GPE" \
            and before.lower_ not in CURRENCY_SYMBOLS:
        return True
    # a restatement in brackets: "eighteen (18) videos" (not "12,700 (3.5 percent)")
    if before is not None and before.text == "(" and before.i > 0 and (
        doc[before.i - 1].like_num or doc[before.i - 1].lower_ in SCALES
    ) and not (after is not None and after.lower_ in {"%", "percent", "per"}):
        return True
    # compound adjectives: "six-sided", "a 10-year sentence", "two-storey"
    if after is not None and after.text in {"-", "‐"} and not last.whitespace_ and not after.whitespace_ \
            and last.i + 2 < len(doc) and doc[last.i + 2].is_alpha \
            and doc[last.i + 2].lower_ not in set(UNITS) | set(SCALES):
        return True
    if first.text.startswith("+") or (before is not None and before.text in {"+", "#", "№"}):
        return True
    # phone and reference numbers: several digit groups in a row, "20 7946 0958"
    if (after is not None and _digits(after) and _digits(last)) or (
        before is not None and _digits(before) and _digits(first)
    ):
        return True
    # list markers and numbered headings: "1." / "2)" at the start of a line or list item
    if after is not None and after.text in {".", ")"} and (
        _line_start(text, first) or (before is not None and before.text[-1] in "\\;:•*-")
    ):
        return True
    # counts after a heading: "Sources (12)" at the end of its line
    if before is not None and after is not None and len(span) == 1 and before.text == "(" and after.text == ")" \
            and (after.i + 1 >= len(doc) or "\n" in after.whitespace_ or doc[after.i + 1].text.startswith("\n")):
        return True
    # footnote markers: "[3]", "word(4)"
    if before is not None and after is not None and len(span) == 1 and (
        (before.text == "[" and after.text == "]")
        or (before.text == "(" and after.text == ")" and before.i > 0 and not doc[before.i - 1].whitespace_)
    ):
        return True
    # attached to a word: "Covid-19", "H-5", "A-10"
    if before is not None and before.text in {"-", "/"} and not before.whitespace_ and before.i > 0 \
            and not doc[before.i - 1].whitespace_ and doc[before.i - 1].is_alpha:
        return True
    if after is not None and after.text in {":", "/"} and not last.whitespace_ and last.i + 2 < len(doc) \
            and _digits(doc[last.i + 2]):
        return True  # 10:30, 3/4 as a date or score
    if after is not None and after.lower_ in {"am", "pm", "a.m.", "p.m.", "hrs", "gmt", "utc"}:
        return True
    if any(t.lower_ in {"gmt", "utc", "utc/gmt"} for t in doc[max(0, first.i - 3) : first.i]):
        return True  # time zones: "UTC/GMT plus 2"
    # ages: "aged 35", "12-year-old", "10 years old", "children under 5"
    if before is not None and before.lower_ in {"aged", "age", "ages"}:
        return True
    if before is not None and before.lower_ == "of" and before.i > 0 and doc[before.i - 1].lower_ in {"age", "ages"}:
        return True  # "at the age of 17"
    if before is not None and before.lower_ == "but" and before.i > 0 and doc[before.i - 1].lower_ == "all":
        return True  # "all but three of the facilities": an exception, not a count
    if _is_clock_time(doc, span):
        return True
    tail = doc[last.i + 1 : last.i + 5].text.lower()
    if re.match(r"^[\s-]*(?:years?|months?)[\s-]*old\b", tail):
        return True
    if before is not None and before.lower_ in {"under", "over"} and before.i > 0:
        owner = doc[before.i - 1] if doc[before.i - 1].text != "(" or before.i < 2 else doc[before.i - 2]
        if owner.lemma_.lower() in {"child", "people", "person", "adult", "those", "age", "aged", "boy", "girl",
                                    "minor", "woman", "man", "youth"}:
            return True  # "children under 5", "Boys (under 18)"
    # a figure alone on its line: a page number or a table cell without its heading
    line_start = text.rfind("\n", 0, span.start_char) + 1
    line_end = text.find("\n", span.end_char)
    if text[line_start : line_end if line_end != -1 else len(text)].strip(" .,;:") == span.text:
        return _label_above(doc, text, span) is None  # a table cell under "Civilians reported injured" is a claim
    if _page_number_before_header(text, span, before):
        return True
    # "Dhiaa Abu Musaab (26)": an age in brackets after a name
    if before is not None and before.text == "(" and before.i > 0 and doc[before.i - 1].ent_type_ == "PERSON" \
            and after is not None and after.text == ")":
        return True
    # "bridge the two", "both three": a number word standing for things named before
    if first.is_alpha and len(span) == 1 and before is not None and before.lower_ in {"the", "these", "those", "both"} \
            and (after is None or after.is_punct or after.pos_ in {"VERB", "AUX", "ADP", "CCONJ"}):
        return True
    # "one of the", "no one", "the one who": pronoun uses of "one"
    if span.text.lower() == "one" and (
        (after is not None and after.lower_ in {"of", "another", "who", "which", "that"})
        or first.dep_ not in {"nummod"}
    ):
        return True
    return False


_CLOCK_RE = re.compile(r"^(?:[01]?\d|2[0-3])[.:][0-5]\d$")


def _is_clock_time(doc: Doc, span: Span) -> bool:
    """"from 11.30 to 12.30", "at 9.30": a time of day, not a figure with decimals."""
    if not _CLOCK_RE.match(span[0].text):
        return False
    before = doc[span.start - 1] if span.start > 0 else None
    after = doc[span.end] if span.end < len(doc) else None
    if after is not None and (after.lower_ in {"%", "percent", "per"} or after.lower_ in SCALES
                              or after.lower_ in CURRENCY_WORDS or after.lower_ in CURRENCY_SYMBOLS):
        return False
    if before is not None and before.lower_ in CURRENCY_SYMBOLS:
        return False
    if before is not None and before.lower_ in TIME_PREPOSITIONS:
        return True
    # the second side of a time range: "11.30-12.30", "11.30 to 12.30"
    return before is not None and before.lower_ in {"-", "–", "to", "and"} and before.i > 0 \
        and bool(_CLOCK_RE.match(doc[before.i - 1].text))


def _page_number_before_header(text: str, span: Span, before: Token | None) -> bool:
    """"... in the late 316\n\nAmnesty International Report 2009\n\n...": a page break in a PDF.

    A figure that ends its line in the middle of a sentence, followed by a short line
    without final punctuation (a running header or footer), is a page number.
    """
    rest = text[span.end_char : span.end_char + 200]
    if not rest.startswith("\n") or before is None or not before.is_alpha or not before.is_lower:
        return False
    lines = [line.strip() for line in rest.split("\n") if line.strip()]
    if not lines:
        return False
    return is_running_header(lines[0])


def _label_above(doc: Doc, text: str, span: Span) -> Span | None:
    """The short label line just above a figure alone on its line, when it names an event.

    "Civilians reported injured\n\n4", "Military actors reported killed\n\n0–5": the
    key/value layout of incident databases.
    """
    line_start = text.rfind("\n", 0, span.start_char) + 1
    line_end = text.find("\n", span.end_char)
    if text[line_start : line_end if line_end != -1 else len(text)].strip(" .,;:") != span.text:
        return None  # only a figure alone on its line has a label above it
    above_end = len(text[:line_start].rstrip())
    above_start = text.rfind("\n", 0, above_end) + 1
    label = doc.char_span(above_start, above_end, alignment_mode="contract")
    if label is None or not 1 < len(label) <= 8 or any(t.like_num for t in label):
        return None
    if not any(t.lemma_.lower() in EVENT_LEMMAS or t.lower_ in EVENT_LEMMAS for t in label):
        return None
    return label


def _is_year(span: Span) -> bool:
    """A bare 4-digit 1900-2100 figure that is not counting a following noun."""
    if len(span) != 1 or not re.fullmatch(r"(19\d\d|20\d\d|2100)", span.text):
        return False
    return not counts_following_noun(span[0])


@lru_cache(maxsize=1)
def _qualifier_phrases() -> list[tuple[int, dict[tuple[str, ...], str]]]:
    """``[(length, {words: qualifier})]``, longest first; a phrase listed twice keeps its first qualifier."""
    by_length: dict[int, dict[tuple[str, ...], str]] = {}
    for qualifier, phrases in QUALIFIERS.items():
        for phrase in phrases:
            words = tuple(phrase.split())
            if words:
                by_length.setdefault(len(words), {}).setdefault(words, qualifier)
    return sorted(by_length.items(), reverse=True)


def _qualifier_before(doc: Doc, index: int) -> tuple[str | None, int]:
    """The qualifier ending just before token ``index`` and the token it starts at (the longest wins)."""
    for length, phrases in _qualifier_phrases():
        start = index - length
        if start >= 0:
            qualifier = phrases.get(tuple(t.lower_ for t in doc[start:index]))
            if qualifier is not None:
                return qualifier, start
    return None, index


def _unit(doc: Doc, number: _Number) -> None:
    """Percent, money or quantity from the tokens around the number; sets the span edges."""
    after = doc[number.core_end] if number.core_end < len(doc) else None
    before = doc[number.core_start - 1] if number.core_start > 0 else None
    if after is not None and after.lower_ in {"%", "percent", "pc"}:
        number.unit, number.end = "percent", number.core_end + 1
        return
    if after is not None and after.lower_ == "per" and number.core_end + 1 < len(doc) \
            and doc[number.core_end + 1].lower_ == "cent":
        number.unit, number.end = "percent", number.core_end + 2
        return
    if before is not None and before.lower_ in CURRENCY_SYMBOLS and (
        not before.whitespace_ or before.lower_ not in {"try"}
    ):
        number.unit, number.counted, number.start = "money", CURRENCY_SYMBOLS[before.lower_], before.i
        return
    if after is not None:
        low = after.lower_
        two = doc[after.i : after.i + 2]
        if low in {"us", "u.s."} and len(two) == 2 and two[1].lower_ in {"dollar", "dollars"}:
            number.unit, number.counted, number.end = "money", "USD", after.i + 2
            return
        if low in CURRENCY_WORDS or (low in CURRENCY_SYMBOLS and after.text.isupper() and len(low) == 3):
            number.unit, number.end = "money", after.i + 1
            number.counted = CURRENCY_WORDS.get(low) or CURRENCY_SYMBOLS[low]
            return
        if low in QUANTITY_UNITS and (len(low) > 1 or not doc[number.core_end - 1].whitespace_):
            number.unit, number.counted, number.end = "quantity", QUANTITY_UNITS[low], after.i + 1
            return
        if low in {"square", "cubic", "metric"} and len(two) == 2 and two[1].lower_ in QUANTITY_UNITS:
            number.unit, number.end = "quantity", after.i + 2
            unit = QUANTITY_UNITS[two[1].lower_]
            number.counted = unit if low == "metric" else f"{low} {unit}"


def _counted_lemma(token: Token) -> str:
    lemma = token.lemma_.lower() if token.pos_ != "PROPN" else token.text.lower()
    if token.pos_ == "PROPN" and lemma.endswith("s") and token.ent_type_ == "NORP":
        lemma = lemma[:-1]  # "Syrians" -> "syrian"
    elif token.pos_ == "PROPN" and not token.ent_type_ and token.tag_ == "NNPS" or (
            token.pos_ == "PROPN" and not token.ent_type_ and token.is_title and lemma.endswith("s")
            and not lemma.endswith("ss")):
        # a common plural the tagger took for a name because of its capital ("Civilians reported injured")
        lemma = lemma[:-3] + "y" if lemma.endswith("ies") else lemma[:-1]
    return COUNTED_LEMMAS.get(token.lower_, COUNTED_LEMMAS.get(lemma, lemma))


def _chunk_index(doc: Doc) -> dict[int, Span]:
    """Token index -> the noun chunk holding it (computed once per document)."""
    try:
        return {i: chunk for chunk in doc.noun_chunks for i in range(chunk.start, chunk.end)}
    except ValueError:  # no dependency parse
        return {}


def _counted(doc: Doc, number: _Number, sentence: Span, chunk_of: dict[int, Span]) -> None:
    """The noun being counted (and the phrase end): head noun, noun chunk root or "of" object."""
    last = doc[number.core_end - 1]
    noun_from = number.core_end  # first token that may belong to the counted noun phrase
    restated = doc[number.core_end : number.core_end + 3]
    if len(restated) == 3 and restated[0].text == "(" and _digits(restated[1]) and restated[2].text == ")":
        # "eighteen (18) videos": the noun comes after the bracketed figure
        last, noun_from = restated[1], number.core_end + 3
        number.end = noun_from
    nxt = doc[noun_from] if noun_from < sentence.end else None
    if nxt is not None and nxt.lower_ == "of":
        objects = [c for c in nxt.children if c.dep_ == "pobj"]
        obj = objects[0] if objects else None
        if obj is None and nxt.i + 1 < sentence.end:
            following = doc[nxt.i + 1 : min(nxt.i + 6, sentence.end)]
            obj = next((t for t in following if t.pos_ in {"NOUN", "PROPN", "PRON"}), None)
        if obj is not None and obj.i - nxt.i <= 8:
            if obj.lower_ in _PART_PRONOUNS:
                number.of_pronoun = True
                number.end = obj.i + 1
                return
            if number.qualifier == "vague" or number.unit == "count" and obj.pos_ != "PRON" \
                    and doc[number.core_start].lower_ not in {"one"} and not obj.ent_type_:
                if obj.lemma_.lower() not in _NOT_COUNTED and obj.pos_ in {"NOUN", "PROPN"} \
                        and _plain_noun_phrase(doc, nxt.i + 1, obj.i):
                    number.counted = _counted_lemma(obj)
                    number.counted_token = obj.i
                    number.end = max(number.end, obj.i + 1)
                return
    head = None
    if last.dep_ in {"nummod", "quantmod", "compound", "nmod", "amod"} and last.head.i > last.i \
            and last.head.pos_ in {"NOUN", "PROPN"}:
        head = last.head
        while head.dep_ in {"compound", "nmod"} and head.head.i > head.i and head.head.pos_ in {"NOUN", "PROPN"}:
            head = head.head
    if head is None:
        chunk = chunk_of.get(last.i)
        if chunk is not None and chunk.root.i > last.i:
            head = chunk.root
    if head is not None and head.i - noun_from <= 8 and head.i < sentence.end \
            and _plain_noun_phrase(doc, noun_from, head.i):
        number.counted = _counted_lemma(head)
        number.counted_token = head.i
        number.end = max(number.end, head.i + 1)
        return
    # "of whom 38 were refugees", "... and 19 were women": the noun after the copula names what is counted
    following = doc[number.core_end : min(number.core_end + 4, sentence.end)]
    if len(following) >= 2 and following[0].lemma_.lower() == "be":
        noun = next((t for t in following[1:] if t.pos_ not in {"ADV", "DET", "ADJ"}), None)
        if noun is not None and noun.pos_ == "NOUN" and noun.tag_ in {"NNS", "NNPS"}:
            number.counted = _counted_lemma(noun)


def _plain_noun_phrase(doc: Doc, start: int, head: int) -> bool:
    """Tokens ``start..head`` read as one noun phrase: words, commas, joined hyphens, "and".

    A comma is part of the phrase only in a coordination ("air, artillery and missile
    attacks"), not before a new phrase ("Around 250 injured, death toll").
    """
    tokens = doc[start : head + 1]
    if any(t.text == "," for t in tokens) and not any(t.lower_ in {"and", "or"} for t in tokens):
        return False
    for token in tokens:
        if token.is_punct and token.text not in {",", "-", "‐", "'", "’"}:
            return False
        if token.text in {"-", "‐"} and (token.whitespace_ or doc[token.i - 1].whitespace_):
            return False  # "18 - Munitions": a separator, not a compound
        if token.pos_ in {"VERB", "AUX"} and token.i != head and token.dep_ not in {"amod", "compound", "nmod"}:
            return False
    return bool(re.fullmatch(r"[^\W\d_][\w'’-]*", doc[head].text))


def _first_verb(token: Token) -> Token | None:
    """The clause verb above ``token``, passing through "including", "be"…"""
    current = token
    for _ in range(8):
        if current.pos_ in {"VERB", "AUX"} and current.lemma_.lower() not in _PASS_THROUGH_VERBS | {"include"}:
            return current
        if current.pos_ in {"VERB", "AUX"} and current.dep_ in {"conj", "advcl", "ccomp", "relcl"}:
            return None  # "... and thousands are continuing to suffer": not the verb of the first clause
        if current.head.i == current.i:
            return current if current.pos_ in {"VERB", "AUX"} else None
        current = current.head
    return None


def _event_lemma(token: Token, counted: str | None) -> str | None:
    """The event a verb or adjective names, with the few lemmas that need context."""
    lemma = token.lemma_.lower()
    if lemma == "lose" and any(c.dep_ == "dobj" and c.lemma_.lower() in {"life", "lives"} for c in token.children):
        return "killed"  # "lost their lives"
    if lemma == "hold" and (counted not in PEOPLE_NOUNS or any(
            c.dep_ == "nsubj" and c.lemma_.lower() in SOURCE_DOCUMENT_NOUNS for c in token.children)):
        return None  # "the database holds 9,412 cases": only people are held in detention, by people
    if lemma == "receive" and any(c.dep_ == "dobj" and c.lemma_.lower() in VACCINE_NOUNS for c in token.children):
        return "vaccinated"  # "3.8% have received a first vaccine dose"
    return EVENT_LEMMAS.get(lemma)


def _death_event(token: Token) -> str:
    """"deaths" and "fatalities" are ``killed`` in a sentence about violence, else ``died``."""
    sentence = token.sent
    violent = any(t.lemma_.lower() in VIOLENCE_LEMMAS for t in sentence)
    return "killed" if violent else "died"


def _event(number: _Number, doc: Doc) -> str | None:
    if number.unit == "quantity" and number.counted in SPACE_UNITS:
        return None  # distances and areas do not undergo events ("less than 10 kilometres")
    anchor = doc[number.counted_token] if number.counted_token is not None else doc[number.core_end - 1]
    counted = number.counted
    following = doc[number.core_end] if number.core_end < len(doc) else None
    if number.counted_token is None and following is not None and following.lower_ in EVENT_LEMMAS \
            and following.pos_ in {"ADJ", "VERB"}:
        return EVENT_LEMMAS[following.lower_]  # "Around 250 injured"
    # a relative clause or participle on the noun: "people killed in...", "people who were detained"
    # (not the clause of a sub-count: "1,400 detainees, 58 of whom died")
    for child in anchor.children:
        if child.dep_ not in {"relcl", "acl"} or any(t.like_num for t in child.subtree):
            continue
        event = _event_lemma(child, counted)
        if event:
            return event
        if child.lemma_.lower() in _PASS_THROUGH_VERBS:  # "people who remain disappeared"
            for grandchild in child.children:
                if grandchild.dep_ in {"acomp", "xcomp", "oprd"} and grandchild.lemma_.lower() in EVENT_LEMMAS:
                    return EVENT_LEMMAS[grandchild.lemma_.lower()]
    # an event noun around the count: "the deaths of 1,612 civilians", "cases of enforced disappearance"
    for token in (anchor, doc[number.core_start], doc[number.core_end - 1]):
        if token.dep_ == "pobj" and token.head.lower_ == "of" and token.head.head.lemma_.lower() in NOUN_EVENTS:
            event = NOUN_EVENTS[token.head.head.lemma_.lower()]
            return _death_event(anchor) if event == "killed" else event
    for prep in anchor.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.lemma_.lower() in NOUN_EVENTS:
                    return NOUN_EVENTS[obj.lemma_.lower()]
    # a copula or "remain": the adjective on the verb ("tens of thousands remain unaccounted for",
    # "28,000 people were able to return")
    for token in (anchor, doc[number.core_start]):
        current = token.head
        if current.lemma_.lower() in _PASS_THROUGH_VERBS:
            for child in current.children:
                if child.dep_ in {"acomp", "xcomp", "attr", "advcl"} and child.lemma_.lower() in EVENT_LEMMAS:
                    return EVENT_LEMMAS[child.lemma_.lower()]
                if child.dep_ == "acomp":
                    for complement in child.children:
                        if complement.dep_ == "xcomp" and complement.lemma_.lower() in EVENT_LEMMAS:
                            return EVENT_LEMMAS[complement.lemma_.lower()]
    # "6.7 million people were living in internal displacement", "held in detention"
    verb = _first_verb(anchor) or (anchor.head if anchor.head.pos_ in {"VERB", "AUX"} else None)
    if verb is not None:
        for prep in verb.children:
            if prep.dep_ == "prep" and prep.lower_ in {"in", "into"}:
                for obj in prep.children:
                    if obj.dep_ == "pobj" and obj.lemma_.lower() in NOUN_EVENTS:
                        return NOUN_EVENTS[obj.lemma_.lower()]
    verb = _first_verb(anchor)
    if verb is not None:
        event = _event_lemma(verb, counted)
        if event:
            return event
        for child in verb.children:  # "remain forcibly disappeared", "are still missing"
            if child.dep_ in {"acomp", "xcomp", "oprd", "advcl", "conj"} and child.i > anchor.i \
                    and child.lemma_.lower() in EVENT_LEMMAS and child.lemma_.lower() in {
                        "missing", "miss", "disappear", "disappeared", "detain", "detained",
                        "kill", "injure", "injured", "displace", "displaced", "arrest", "unaccounted"}:
                return EVENT_LEMMAS[child.lemma_.lower()]
    if counted in NOUN_EVENTS:
        return _death_event(anchor) if NOUN_EVENTS[counted] == "killed" else NOUN_EVENTS[counted]
    for child in anchor.children:
        if child.dep_ == "amod" and child.lemma_.lower() in EVENT_LEMMAS:
            return EVENT_LEMMAS[child.lemma_.lower()]
    return None


def _clean_source(text: str) -> str:
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text.strip())
    text = re.sub(r"^(?:the)\s+", "", text, flags=re.I)
    return text.strip(" ,.;:")


def _entity_at(token: Token, entities: list[Entity], labels: set[str]) -> Entity | None:
    for entity in entities:
        if entity.start <= token.idx < entity.end and entity.label in labels:
            return entity
    return None


def _sentence_source(sentence: Span, entities: list[Entity]) -> tuple[str, Span | None] | None:
    """Who the sentence attributes its figures to, and (for a reporting verb) its clause."""
    for token in sentence:
        if token.lower_ == "according" and token.i + 1 < sentence.end and token.nbor(1).lower_ == "to":
            to = token.nbor(1)
            objects = [c for c in to.children if c.dep_ == "pobj"]
            start = to.i + 1
            if start < sentence.end and sentence.doc[start].lower_ == "the":
                start += 1
            if start >= sentence.end:
                continue
            entity = _entity_at(sentence.doc[start], entities, _SOURCE_LABELS)
            if entity is not None:
                return _clean_source(entity.canonical or entity.text), None
            if objects:
                obj = objects[0]
                if obj.lemma_.lower() in SOURCE_DOCUMENT_NOUNS:
                    # "according to data compiled by the SDDU": the author, not "data"
                    author = next((e for t in obj.subtree if t is not obj
                                   for e in [_entity_at(t, entities, {"ORG", "PERSON"})] if e), None)
                    if author is None:
                        continue
                    return _clean_source(author.canonical or author.text), None
                left = obj.left_edge.i
                while left <= obj.i and sentence.doc[left].pos_ == "DET":
                    left += 1
                return _clean_source(sentence.doc[left : obj.i + 1].text), None
    for token in sentence:
        if token.pos_ != "VERB" or token.lemma_.lower() not in REPORTING_VERBS:
            continue
        subjects = [c for c in token.children if c.dep_ == "nsubj" and c.pos_ == "PROPN"]
        if not subjects:
            continue
        subject = subjects[0]
        clause = sentence.doc[token.left_edge.i : token.right_edge.i + 1]
        entity = _entity_at(subject, entities, _SOURCE_LABELS)
        if entity is not None:
            return _clean_source(entity.canonical or entity.text), clause
        left = subject.left_edge.i
        while sentence.doc[left].pos_ == "DET":
            left += 1
        return _clean_source(sentence.doc[left : subject.i + 1].text), clause
    return None


def _date_verb(doc: Doc, date: DateRecord) -> Token | None:
    span = doc.char_span(date.start, date.end, alignment_mode="expand")
    return _first_verb(span.root) if span is not None else None


def _entities_or_doc(doc: Doc, entities: list[Entity]) -> list[Entity]:
    if entities:
        return entities
    return [Entity(e.start_char, e.end_char, e.text, e.label_, e.text) for e in doc.ents]


def extract_claims(
    doc: Doc,
    dates: list[DateRecord],
    entities: list[Entity],
    published: str | None = None,
) -> list[Claim]:
    """Find the numeric claims of a document.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        The parsed normalised text.
    dates : list of DateRecord
        Output of :func:`pipeline.extract.dates.extract_dates`: numbers inside them are
        not claims, and their values give ``Claim.period``.
    entities : list of Entity
        Entities of the document; GPE/LOC ones give ``Claim.location`` and ORG/PERSON ones
        the ``source``. When empty, the spaCy entities of ``doc`` are used.
    published : str or None
        Publication date: a period opened by "since" ("since March 2011") runs up to it.

    Returns
    -------
    list of Claim
        In text order, ids ``c1, c2…``; ``claim.text == doc.text[claim.start:claim.end]``.
        ``flags`` holds ``parts_exceed_total`` where sub-counts contradict their total
        (:func:`flag_inconsistent_parts`).
    """
    text = doc_text(doc)  # Doc.text is rebuilt from the tokens on every access
    entities = _entities_or_doc(doc, entities)
    date_chars = [(d.start, d.end) for d in dates]
    numbers: list[_Number] = []
    for span, kind in _number_spans(doc):
        if any(s < span.end_char and span.start_char < e for s, e in date_chars):
            continue
        if kind in {"FIGURE", "RANGE_TOKEN"} and (_is_year(span) or _is_name_or_label(doc, text, span)):
            continue
        if _looks_like_code(_word_around(text, span)):
            continue
        value, value_max, override = _value_of(span, kind)
        if value is None:
            continue
        if _dot_thousands(doc, span):
            value = float(span.text.replace(".", ""))
        number = _Number(span.start, span.end, span.start, span.end, value, value_max)
        if override:
            number.qualifier = override
        numbers.append(number)
    numbers = _merge_ranges(doc, numbers)

    kept: list[tuple[_Number, Span]] = []
    chunk_of = _chunk_index(doc)
    for number in numbers:
        sentence = doc[number.core_start].sent
        _unit(doc, number)
        if number.qualifier == "exact":  # vague quantities and ranges keep their own qualifier
            qualifier, start = _qualifier_before(doc, number.start)
            if qualifier:
                number.qualifier, number.start = qualifier, start
        if number.unit == "count":
            _counted(doc, number, sentence, chunk_of)
            if number.counted in QUANTITY_UNITS:  # "dozens of tonnes"
                number.unit, number.counted = "quantity", QUANTITY_UNITS[number.counted]
        if number.counted_token is not None and doc[number.counted_token].lower_ in TIME_UNITS \
                and any(s <= doc[number.counted_token].idx < e for s, e in date_chars):
            # "compared with 14 last year": the noun belongs to a date, the number counts something else
            number.counted, number.counted_token, number.end = None, None, number.core_end
        if number.counted_token is not None and doc[number.counted_token].lower_ in _NOT_COUNTED:
            continue  # "10 years", "three times": a duration or a multiplier
        if number.counted_token is not None and doc[number.counted_token].ent_type_ in NAME_ENTITY_LABELS - {"PERSON"}:
            continue  # "314 Amnesty International Report": a page number before a title
        if number.unit == "count" and number.counted is None and number.end < len(doc) \
                and doc[number.end].lower_ in _NOT_COUNTED:
            continue
        if (number.counted == "time" or (number.end < len(doc) and doc[number.end].lower_ == "times")) \
                and (_is_multiplier(doc, number) or not _counts_events(doc, number)):
            continue  # "ten times higher", "prices rose three times"; "shelled nine times" counts attacks
        if _is_definite_reference(doc, number):
            continue  # "the three NGOs", "uses the two chemicals": things counted earlier
        if _is_demand(doc[number.core_end - 1]):
            continue  # "urged the EU to resettle at least 10,000 refugees": a target, not a fact
        kept.append((number, sentence))

    # "at least 7 of the 23 facilities": 23 is the base of the proportion, not a claim of its own
    kept = [(n, sent) for n, sent in kept
            if not any(o is not n and o.start <= n.core_start and n.core_end <= o.end
                       and not (o.core_start <= n.core_start and n.core_end <= o.core_end) for o, _ in kept)]
    kept.sort(key=lambda pair: doc[pair[0].start].idx)
    claims: list[Claim] = []
    claim_numbers: list[_Number] = []
    sources: dict[int, tuple[str, Span | None] | None] = {}
    for number, sentence in kept:
        start_char = doc[number.start].idx
        end_token = doc[number.end - 1]
        end_char = end_token.idx + len(end_token.text)
        claim = Claim(
            claim_id=f"c{len(claims) + 1}",
            start=start_char,
            end=end_char,
            text=text[start_char:end_char],
            value=number.value,
            value_max=number.value_max,
            qualifier=number.qualifier,
            unit=number.unit,
            counted=number.counted,
            sentence_start=sentence.start_char,
            sentence_end=sentence.end_char,
        )
        if sentence.start not in sources:
            sources[sentence.start] = _sentence_source(sentence, entities)
        found = sources[sentence.start]
        if found is not None:
            source, clause = found
            if clause is None or clause.start <= number.core_start < clause.end:
                claim.source = source
        claims.append(claim)
        claim_numbers.append(number)

    _link_parts(doc, text, claims, claim_numbers)
    for index, (claim, number) in enumerate(zip(claims, claim_numbers)):
        total = _claim_by_id(claims, claim.part_of)
        claim.event = _event(number, doc)
        if total is not None:
            if claim.counted is None:
                claim.counted = total.counted
            if claim.event is None:
                claim.event = total.event
        elif claim.counted is None and claim.unit == "count" and not number.of_pronoun:
            _borrow_counted(claims, index, _shares_verb(doc, number, claim_numbers[:index]))
        label = _label_above(doc, text, doc[number.core_start : number.core_end]) \
            if claim.counted is None and claim.event is None else None
        if label is not None:  # "Civilians reported injured / 4"
            claim.event = next(EVENT_LEMMAS.get(t.lemma_.lower()) or EVENT_LEMMAS[t.lower_] for t in label
                               if t.lemma_.lower() in EVENT_LEMMAS or t.lower_ in EVENT_LEMMAS)
            noun = next((t for t in label if t.tag_ in {"NNS", "NNPS"}), None)
            claim.counted = _counted_lemma(noun) if noun is not None else None
        claim.period = _period(doc, text, claim, number, dates, total, published)
        claim.location = _location(doc, claim, entities)
    # "one room", "one site": a lone "one" is a count only when something happened to it
    dropped = {c.claim_id for c, n in zip(claims, claim_numbers)
               if c.value == 1 and c.event is None and doc[n.core_start].lower_ in {"one", "a", "an", "single"}
               and not any(other.part_of == c.claim_id for other in claims)}
    if dropped:
        claims = _renumber([c for c in claims if c.claim_id not in dropped])
    flag_inconsistent_parts(claims)
    return claims


def flag_inconsistent_parts(claims: list[Claim]) -> None:
    """Add ``parts_exceed_total`` to totals whose sub-counts add up to more than them.

    The flag goes on the total when the sum of its direct parts exceeds it, and on a part
    that alone exceeds its total (:func:`check_parts`). Totals stated as a floor ("at
    least", "more than") or vaguely cannot be exceeded.
    """
    def flag(claim: Claim) -> None:
        if "parts_exceed_total" not in claim.flags:
            claim.flags.append("parts_exceed_total")

    by_id = {c.claim_id: c for c in claims}
    for part_id, total_id in check_parts(claims):
        flag(by_id[part_id])
        flag(by_id[total_id])
    for total in claims:
        parts = [c for c in claims if c.part_of == total.claim_id and c.value is not None and c.unit == total.unit]
        if len(parts) < 2 or total.value is None or total.qualifier in _FLOOR_QUALIFIERS:
            continue
        ceiling = total.value_max if total.value_max is not None else total.value
        if sum(p.value for p in parts) > ceiling:
            flag(total)


def _renumber(claims: list[Claim]) -> list[Claim]:
    """Ids ``c1, c2…`` again after claims were dropped, keeping ``part_of`` links."""
    new_ids = {c.claim_id: f"c{i}" for i, c in enumerate(claims, start=1)}
    for claim in claims:
        claim.claim_id = new_ids[claim.claim_id]
        claim.part_of = new_ids.get(claim.part_of) if claim.part_of else None
    return claims


def _borrow_counted(claims: list[Claim], index: int, same_verb: bool = False) -> None:
    """A bare number takes the noun of the count before it in its sentence.

    "killed at least 80 people and wounded more than 200" -> person; "four fuel ships,
    compared with 14" -> ship. The event is borrowed too when the number has none.
    """
    claim = claims[index]
    for previous in reversed(claims[:index]):
        if previous.sentence_start != claim.sentence_start:
            break
        if previous.unit == "count" and previous.counted is not None and previous.part_of is None:
            claim.counted = previous.counted
            if claim.event is None and same_verb:
                claim.event = previous.event
            return


def _shares_verb(doc: Doc, number: _Number, earlier: list[_Number]) -> bool:
    """True when the number's clause verb is the one of the count before it (or neither has one)."""
    if not earlier:
        return False
    verb = _first_verb(doc[number.core_end - 1])
    other = earlier[-1]
    other_verb = _first_verb(doc[other.counted_token] if other.counted_token is not None else doc[other.core_end - 1])
    if verb is None or other_verb is None:
        return verb is None and other_verb is None
    return verb.i == other_verb.i


def _dot_thousands(doc: Doc, span: Span) -> bool:
    """"346.443 EUR", "1.234 families": a dot before exactly three digits in money or people.

    Currencies have two decimals and people are not counted in fractions, so a
    European thousands separator is the only sensible reading.
    """
    if not re.fullmatch(r"\d{1,3}\.\d{3}", span.text):
        return False
    after = doc[span.end] if span.end < len(doc) else None
    before = doc[span.start - 1] if span.start > 0 else None
    if after is not None and after.lower_ in SCALES:
        return False  # "1.234 million"
    money = (after is not None and (after.lower_ in CURRENCY_WORDS or (after.lower_ in CURRENCY_SYMBOLS and after.text.isupper()))) \
        or (before is not None and before.lower_ in CURRENCY_SYMBOLS)
    people = after is not None and after.tag_ in {"NNS", "NNPS"} and (
        _counted_lemma(after) in PEOPLE_NOUNS or after.ent_type_ == "NORP")
    return money or people


def _is_definite_reference(doc: Doc, number: _Number) -> bool:
    """"the two chemicals": a small number word after "the" with nothing new said of the noun.

    "the four civilians injured in the attack" and "the half-million children who live in
    Idlib" state a figure; "the three NGOs" only points back at a group already introduced.
    """
    first = doc[number.core_start]
    if number.core_end - number.core_start != 1 or first.lower_ not in UNITS or not 2 <= UNITS[first.lower_] <= 10:
        return False
    if number.core_start == 0 or doc[number.core_start - 1].lower_ not in {"the", "these", "those", "both"}:
        return False
    if number.counted_token is None:
        return False
    noun = doc[number.counted_token]
    return not any(c.dep_ in {"acl", "relcl", "prep"} for c in noun.children)


def _counts_events(doc: Doc, number: _Number) -> bool:
    """"shelled at least nine times": "N times" on a verb of a reported event."""
    verb = _first_verb(doc[number.counted_token] if number.counted_token is not None else doc[number.core_end - 1])
    return verb is not None and verb.lemma_.lower() in EVENT_LEMMAS


def _is_multiplier(doc: Doc, number: _Number) -> bool:
    """"three times higher", "ten times as many": a factor, not a count of events."""
    end = number.end + 1 if number.end < len(doc) and doc[number.end].lower_ == "times" else number.end
    after = doc[end] if end < len(doc) else None
    return after is None or after.tag_ in {"JJR", "RBR"} or after.lower_ in {"as", "more", "less", "the", "that", "what", "over"}


def _is_demand(token: Token) -> bool:
    """True when the number sits in the infinitive of a call: "urged donors to fund 10,000 places"."""
    infinitive = False
    for ancestor in token.ancestors:
        if ancestor.pos_ in {"VERB", "AUX"}:
            if any(c.dep_ == "aux" and c.lower_ == "to" for c in ancestor.children):
                infinitive = True
            elif ancestor.lemma_.lower() in DEMAND_VERBS:
                return infinitive
            elif not infinitive:
                return False
    return False


def _merge_ranges(doc: Doc, numbers: list[_Number]) -> list[_Number]:
    """Join "between 10 and 20", "10 to 20", "10-20" into one range number."""
    merged: list[_Number] = []
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
                    merged.append(_Number(start, nxt.core_end, number.core_start, nxt.core_end,
                                          number.value, nxt.value, "range"))
                    skip = True
                    continue
        merged.append(number)
    return merged


def _claim_by_id(claims: list[Claim], claim_id: str | None) -> Claim | None:
    if claim_id is None:
        return None
    return next((c for c in claims if c.claim_id == claim_id), None)


#: Text between two sub-counts of one total: "46 were children and 19 were women", "65 children, 38 women".
_SIBLING_GAP_RE = re.compile(r"^\s*(?:[^\W\d]+\s+){0,3}?(?:,\s*and|,|and)\s*$")


#: A sentence opening on its total: "Of the 360,000 people identified, only 12,700 were reached".
_OF_TOTAL_RE = re.compile(r"^\s*of\s+(?:the\s+|these\s+|those\s+|all\s+)?$", re.I)
_SENTENCE_END_RE = re.compile(r"[.!?;:][\"”’)]?\s|\n")


def _link_parts(doc: Doc, text: str, claims: list[Claim], numbers: list[_Number]) -> None:
    """Set ``part_of``: "including 284 children", "167 of them", "of whom 20", "38 women" (conj).

    "of them" in a sentence without a count before it points at the last count of the
    sentence before ("47 attacks. In 29 of them, ...").
    """
    for index, (claim, number) in enumerate(zip(claims, numbers)):
        # the same sentence, or one the parser split without a full stop ("... 2024, of whom 46")
        previous = [j for j in range(index) if claims[j].unit == claim.unit and (
            claims[j].sentence_start == claim.sentence_start
            or not _SENTENCE_END_RE.search(text[claims[j].end : claim.start]))]
        if not previous:
            sentence = doc[number.core_start].sent
            lead = text[sentence.start_char : claim.start]
            opens_sentence = not any(t.pos_ in {"NOUN", "PROPN", "PRON"} and t.lower_ not in _PART_PRONOUNS
                                     for t in doc[sentence.start : number.start])
            if (number.of_pronoun or _PART_BEFORE_RE.search(lead)) and opens_sentence:
                before = [j for j in range(index) if claims[j].unit == claim.unit and claims[j].part_of is None
                          and claims[j].sentence_end <= sentence.start_char + 1
                          and claims[j].sentence_start >= _previous_sentence_start(doc, sentence)]
                if before:
                    claim.part_of = claims[before[-1]].claim_id
            continue
        total_index = previous[-1]
        total = claims[total_index]
        between = text[total.end : claim.start]
        if number.of_pronoun or _PART_BEFORE_RE.search(between):
            claim.part_of = total.claim_id
            continue
        if _OF_TOTAL_RE.search(text[total.sentence_start : total.start]) and total.part_of is None \
                and "," in between:
            claim.part_of = total.claim_id  # "Of the 360,000 people identified, only 12,700..."
            continue
        if total.part_of is None:
            continue
        # a sibling of a part: "of whom 46 were children and 19 were women"
        if _SIBLING_GAP_RE.match(between):
            claim.part_of = total.part_of
            continue
        # an apposition or conjunct of a part: "including at least 65 children, 38 women"
        if number.counted_token is not None and re.fullmatch(r"\s*(?:,|and|, and)\s*", between):
            token = doc[number.counted_token]
            other = numbers[total_index].counted_token
            if other is not None and token.dep_ in {"conj", "appos"} and token.head.i == other:
                claim.part_of = total.part_of


def _previous_sentence_start(doc: Doc, sentence: Span) -> int:
    if sentence.start == 0:
        return 0
    return doc[sentence.start - 1].sent.start_char


_SINCE = re.compile(r"\bsince\s+(?:the\s+(?:start|beginning|outbreak)\s+of\s+)?$", re.I)


def _open_ended(text: str, date: DateRecord, published: str | None) -> str | None:
    """``START/published`` for "since March 2011": the figure covers everything up to publication."""
    if published is None or date.value is None or "/" in date.value:
        return date.value
    if _SINCE.search(text[max(0, date.start - 40):date.start]) and date.value < published:
        return f"{date.value}/{published}"
    return date.value


def _period(doc: Doc, text: str, claim: Claim, number: _Number, dates: list[DateRecord],
            total: Claim | None, published: str | None = None) -> str | None:
    in_sentence = [d for d in dates if d.value is not None and d.granularity != "duration"
                   and claim.sentence_start <= d.start < claim.sentence_end]
    if not in_sentence:
        return total.period if total is not None else None
    anchor = doc[number.counted_token] if number.counted_token is not None else doc[number.core_end - 1]
    verb = _first_verb(anchor)
    if verb is not None:
        attached = [d for d in in_sentence if _date_verb(doc, d) is verb]
        if attached:
            return _open_ended(text, min(attached, key=lambda d: abs(d.start - claim.end)), published)
    if total is not None and total.period is not None:
        return total.period
    return _open_ended(text, min(in_sentence, key=lambda d: abs(d.start - claim.start)), published)


def _is_scene(doc: Doc, entity: Entity) -> bool:
    """True when the place is the object of a locative preposition ("in (northern) Syria")."""
    span = doc.char_span(entity.start, entity.end, alignment_mode="expand")
    if span is None:
        return False
    token = span.root
    for _ in range(3):
        if token.dep_ == "pobj":
            return token.head.lower_ in _LOCATIVE
        if token.dep_ not in {"compound", "nmod", "amod", "poss", "appos", "conj"} or token.head.i == token.i:
            return False
        token = token.head
    return False


def _location(doc: Doc, claim: Claim, entities: list[Entity]) -> str | None:
    places = [e for e in entities if e.label in _PLACE_LABELS
              and claim.sentence_start <= e.start < claim.sentence_end and _is_scene(doc, e)]
    after = [e for e in places if e.start >= claim.end]
    if after:
        return min(after, key=lambda e: e.start).canonical
    before = [e for e in places if e.end <= claim.start]
    if before:
        return max(before, key=lambda e: e.end).canonical
    return None


def check_parts(claims: list[Claim]) -> list[tuple[str, str]]:
    """Sub-counts larger than their total: ``(part claim_id, total claim_id)`` pairs.

    A part is compared with the total's ``value_max`` when the total is a range.
    """
    by_id = {c.claim_id: c for c in claims}
    bad: list[tuple[str, str]] = []
    for claim in claims:
        total = by_id.get(claim.part_of or "")
        if total is None or claim.value is None or total.value is None:
            continue
        ceiling = total.value_max if total.value_max is not None else total.value
        if claim.value > ceiling and total.qualifier not in _FLOOR_QUALIFIERS:
            bad.append((claim.claim_id, total.claim_id))
    return bad
