"""Finding date expressions in a parsed document: Matcher patterns run near month names, years
and time words (:class:`~pipeline.extract.matching.AnchoredMatcher`), and spaCy's DATE entities,
trimmed of prepositions and merged.
"""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.extract.dates.resolve import (
    DAY_SHAPE,
    MONTH_WORDS,
    YEAR_SHAPE,
    is_duration,
)
from pipeline.extract.matching import cached_matcher
from pipeline.extract.numbers import counts_following_noun

#: A month name that is not the verb "may"/"march" (those are tagged VERB/AUX).
_MONTH = {"LOWER": {"IN": MONTH_WORDS}, "IS_TITLE": True, "POS": {"NOT_IN": ["VERB", "AUX"]}}


_MONTH_OR_ABBR = {"LOWER": {"IN": MONTH_WORDS}, "POS": {"NOT_IN": ["VERB", "AUX"]}}


_YEAR = {"TEXT": {"REGEX": YEAR_SHAPE}}


_DAY = {"TEXT": {"REGEX": DAY_SHAPE}}


#: Day, month and optional year inside a range: "9 December 2007", "June", "May 3, 2020".
_FUZZY = {"LOWER": {"IN": ["early", "mid", "late", "mid-"]}, "OP": "?"}


_POINT_IN_RANGE = [_FUZZY, {"TEXT": "-", "OP": "?"}, {**_DAY, "OP": "?"}, _MONTH, {**_DAY, "OP": "?"},
                   {"TEXT": ",", "OP": "?"}, {**_YEAR, "OP": "?"}]


#: "the beginning of June", "the end of the year": the edge of a month or of the current year
_EDGE = [{"LOWER": "the", "OP": "?"}, {"LOWER": {"IN": ["beginning", "start", "end", "middle"]}}, {"LOWER": "of"}]


TIME_UNIT_WORDS = ["second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
                    "month", "months", "year", "years", "decade", "decades", "century", "centuries"]


_POINT_PREPOSITIONS = ["in", "into", "since", "until", "by", "during", "throughout", "before",
                       "after", "early", "late", "mid"]


#: Words before a bare year that make it a date ("looking ahead to 2022"), not before a month
_YEAR_PREPOSITIONS = _POINT_PREPOSITIONS + ["to", "for", "of", "from", "through"]


DATE_PATTERNS: dict[str, list[list[dict]]] = {
    # between June and August (2021); from January to March 2022
    "MONTH_RANGE": [
        [{"LOWER": {"IN": ["between", "from"]}}, *_POINT_IN_RANGE,
         {"LOWER": {"IN": ["and", "to", "until", "till", "through"]}}, *_POINT_IN_RANGE],
        [_MONTH, {"TEXT": {"IN": ["-", "–", "—"]}}, _MONTH, _YEAR],
        [_DAY, {"LOWER": {"IN": ["and", "to", "-", "–"]}}, _DAY, _MONTH_OR_ABBR, {**_YEAR, "OP": "?"}],
    ],
    # from the beginning of June until the end of the year
    "EDGE_RANGE": [
        [{"LOWER": {"IN": ["from", "between"]}}, *left, _MONTH, {**_YEAR, "OP": "?"},
         {"LOWER": {"IN": ["to", "until", "till", "through", "and"]}}, *right]
        for left in (_EDGE, [])
        for right in ([*_EDGE, {"LOWER": "the"}, {"LOWER": {"IN": ["year", "month"]}}],
                      [*_EDGE, _MONTH, {**_YEAR, "OP": "?"}])
    ],
    # "(April–May)", "June-August": two months joined by a dash, year optional
    "MONTH_DASH": [[_MONTH, {"TEXT": {"IN": ["-", "–", "—"]}}, _MONTH, {**_YEAR, "OP": "?"}]],
    # Q3 2025; the first quarter of 2022
    "QUARTER": [[{"TEXT": {"REGEX": r"^Q[1-4]$"}}, _YEAR],
                [{"LOWER": "the", "OP": "?"}, {"LOWER": {"IN": ["first", "second", "third", "fourth", "last", "final"]}},
                 {"LOWER": "quarter"}, {"LOWER": "of"}, _YEAR]],
    # "Year: 2022", "Date: 2023" in metadata blocks (the label is dropped)
    "LABELLED_YEAR": [[{"LOWER": {"IN": ["year", "date", "dated", "published", "updated"]}}, {"TEXT": ":"}, _YEAR]],
    # last year, this week, next month: found inside longer entities ("the same period last year")
    "RELATIVE": [
        [{"LOWER": {"IN": ["last", "next", "this", "previous", "coming"]}},
         {"LOWER": {"IN": ["year", "month", "week", "summer", "spring", "autumn", "fall", "winter"]}}],
    ],
    # a week, half a century, 48 hours: lengths of time the model misses or labels TIME
    "DURATION": [
        [{"LOWER": {"IN": ["a", "an", "one"]}}, {"LOWER": {"IN": ["week", "fortnight", "decade", "century"]}}],
        [{"LOWER": "half"}, {"LOWER": "a"}, {"LOWER": {"IN": ["century", "decade", "year"]}}],
        [{"LIKE_NUM": True}, {"LOWER": {"IN": ["consecutive", "straight", "full", "long", "more"]}, "OP": "?"},
         {"LOWER": {"IN": TIME_UNIT_WORDS}}],
        # "an 11-week period"
        [{"LIKE_NUM": True}, {"TEXT": {"IN": ["-", "‐"]}}, {"LOWER": {"IN": TIME_UNIT_WORDS}},
         {"LOWER": {"IN": ["period", "span", "stretch", "window", "pause", "lull"]}}],
        # "within hours", "for weeks": a bare plural unit (the preposition is dropped)
        [{"LOWER": {"IN": ["within", "for"]}}, {"LOWER": {"IN": ["hours", "minutes", "days", "weeks", "months", "years"]}}],
    ],
    # between 2011 and 2021; from 2011 to 2021; 2011-2021 (split by the tokenizer)
    "YEAR_RANGE": [
        [{"LOWER": {"IN": ["between", "from"]}}, _YEAR, {"LOWER": {"IN": ["and", "to", "until", "till", "through"]}}, _YEAR],
        [_YEAR, {"TEXT": {"IN": ["-", "–", "—"]}}, _YEAR],
        [{"TEXT": {"REGEX": r"^(1[89]\d\d|20\d\d)[–—-](1[89]\d\d|20\d\d)$"}}],
    ],
    # all-figure dates: 19-11-2025, 19/11/2025, 2025-11-19 (kept whole or split by the tokenizer)
    "NUMERIC": [
        [{"TEXT": {"REGEX": r"^(\d{1,2}[-/.]\d{1,2}[-/.](\d\d)?\d\d|\d{4}-\d\d-\d\d)$"}}],
        [{"TEXT": {"REGEX": r"^\d{1,2}$"}}, {"TEXT": {"IN": ["-", "/", "."]}}, {"TEXT": {"REGEX": r"^\d{1,2}$"}},
         {"TEXT": {"IN": ["-", "/", "."]}}, _YEAR],
        [_YEAR, {"TEXT": "-"}, {"TEXT": {"REGEX": r"^\d\d$"}}, {"TEXT": "-"}, {"TEXT": {"REGEX": r"^\d\d$"}}],
    ],
    # 1 October (2021); October 1(, 2021); March 2021
    "POINT": [
        [_DAY, _MONTH_OR_ABBR, {**_YEAR, "OP": "?"}],
        [_MONTH, _DAY, {"TEXT": ",", "OP": "?"}, {**_YEAR, "OP": "?"}],
        [_MONTH, _YEAR],
        [{"LOWER": {"IN": _POINT_PREPOSITIONS}}, _MONTH],
        [{"LOWER": {"IN": _YEAR_PREPOSITIONS}}, {**_YEAR, "POS": {"NOT_IN": ["NOUN", "PROPN"]}}],
    ],
}


_MONTH_ALTERNATION = "|".join(sorted(set(MONTH_WORDS), key=len, reverse=True)).replace(".", r"\.")


#: Something that makes an expression a date: a month, a year, a decade or a time word.
DATE_WORD_RE = re.compile(
    rf"\b(?:{_MONTH_ALTERNATION})(?![a-z])|\b(?:1[89]|20)\d\d\b|\b\d+0['’]?s\b|\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{1,4}}|"
    r"\b(?:yesterday|tomorrow|today|tonight|days?|weeks?|weekends?|months?|years?|decades?|centur(?:y|ies)|hours?|minutes?|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|spring|summer|autumn|fall|winter|"
    r"ago|quarter|eve|night|morning|evening|afternoon|christmas|easter|ramadan|eid)\b",
    re.I,
)


def is_counting_year(span: Span) -> bool:
    """"2000 blankets": a year-shaped figure counting the noun after it."""
    return len(span) == 1 and counts_following_noun(span[0])


def _trim(span: Span) -> Span | None:
    """Drop surrounding whitespace and punctuation tokens and a possessive "'s"."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].is_space or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].is_space or doc[end - 1].is_punct or doc[end - 1].tag_ == "POS"):
        end -= 1
    # "(compared with) 14 last year": a leading count that is not a day, a year or a quantity of time
    while end - start > 1 and doc[start].like_num and not re.fullmatch(YEAR_SHAPE, doc[start].text) \
            and doc[start + 1].lower_ not in MONTH_WORDS and doc[start + 1].lower_ not in TIME_UNIT_WORDS \
            and doc[start + 1].lower_ not in {"-", "–", "and", "to", "or", "consecutive", "straight", "full"}:
        start += 1
    # "Last year 12 (more died)": a trailing count that is neither a year nor a day of a month
    while end - start > 1 and re.fullmatch(r"\d[\d,.]*", doc[end - 1].text) \
            and not re.fullmatch(YEAR_SHAPE, doc[end - 1].text) and doc[end - 2].lower_ not in MONTH_WORDS:
        end -= 1
    return doc[start:end] if end > start else None


#: Tokens every date pattern holds (a month, a year, a unit of time...): the Matcher only runs
#: near them (:class:`~pipeline.extract.matching.AnchoredMatcher`). The long range patterns
#: (up to 16 tokens) all hold a month name and run apart, near month names only, so the
#: short ones search narrow windows around the commoner years and units of time.
_LONG_DATE_LABELS = ("MONTH_RANGE", "EDGE_RANGE")


_DATE_ANCHOR_WORDS = frozenset(
    MONTH_WORDS + TIME_UNIT_WORDS
    + ["summer", "spring", "autumn", "fall", "winter", "fortnight", "hours", "minutes", "days", "weeks", "months", "years"]
)


_DATE_ANCHOR_REGEXES = (
    YEAR_SHAPE,
    r"^(1[89]\d\d|20\d\d)[–—-](1[89]\d\d|20\d\d)$",
    r"^(\d{1,2}[-/.]\d{1,2}[-/.](\d\d)?\d\d|\d{4}-\d\d-\d\d)$",
)


_long_matcher = cached_matcher({label: DATE_PATTERNS[label] for label in _LONG_DATE_LABELS}, MONTH_WORDS)


_short_matcher = cached_matcher(
    {label: rules for label, rules in DATE_PATTERNS.items() if label not in _LONG_DATE_LABELS},
    _DATE_ANCHOR_WORDS, _DATE_ANCHOR_REGEXES,
)


def date_matches(doc: Doc) -> list[tuple[int, int, int]]:
    """``(match_id, start, end)`` of :data:`DATE_PATTERNS` in ``doc``, sorted.

    The order does not matter to the callers (candidates are chosen by length, then start).
    """
    return sorted(_long_matcher(doc.vocab)(doc) + _short_matcher(doc.vocab)(doc), key=lambda m: (m[1], m[2], m[0]))


def matched_spans(doc: Doc) -> list[Span]:
    spans = []
    for match_id, start, end in date_matches(doc):
        span = doc[start:end]
        label = doc.vocab.strings[match_id]
        if (label == "POINT" and span[0].lower_ in _YEAR_PREPOSITIONS) or (label == "DURATION" and span[0].lower_ in {"within", "for"}):
            span = doc[start + 1 : end]  # keep the preposition out of a single point
        if label == "LABELLED_YEAR":
            span = doc[end - 1 : end]
        while len(span) > 1 and span[-1].is_punct:
            span = span[:-1]  # "May 14," -> "May 14"
        spans.append(span)
    return spans


def date_candidates(doc: Doc, matched: list[Span] | None = None) -> list[Span]:
    """DATE entities, TIME entities that are lengths of time ("48 hours") and Matcher spans.

    Overlapping candidates keep the longest span.
    """
    spans = [s for e in doc.ents if e.label_ == "DATE" and (s := _trim(e)) is not None]
    spans += [s for e in doc.ents if e.label_ == "TIME" and (s := _trim(e)) is not None and is_duration(s.text)]
    spans += matched if matched is not None else matched_spans(doc)
    # a line break must never sit inside a date
    spans = [s for s in spans if "\n" not in s.text]
    return sorted(filter_spans(spans), key=lambda s: s.start)
