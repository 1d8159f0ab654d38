"""Date expressions: find them with spaCy, resolve them with dateparser.

Candidates are the model's ``DATE`` entities plus a :class:`spacy.matcher.Matcher` for
expressions the small model misses or splits (month ranges, "from January to March 2022",
"2011-2021", "1 October", "March 2021"). Each candidate is classified (age, duration,
span, decade, point in time) and resolved against the publication date with
``dateparser.date.DateDataParser`` — never ``search_dates``, which reads "may" or "to"
as dates. The rules are documented in ``docs/claims_and_dates.md``.
"""
from __future__ import annotations

import calendar
import re
from datetime import datetime
from functools import lru_cache

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.records import DateRecord

from .numbers import UNITS, counts_following_noun

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                       "nov", "dec")
_MONTH_WORDS = list(MONTHS) + [m + "." for m in MONTH_ABBREVIATIONS] + list(MONTH_ABBREVIATIONS)

_YEAR_SHAPE = r"^(1[89]\d\d|20\d\d)$"
_DAY_SHAPE = r"^([1-9]|[12]\d|3[01])(st|nd|rd|th)?$"

#: A month name that is not the verb "may"/"march" (those are tagged VERB/AUX).
_MONTH = {"LOWER": {"IN": _MONTH_WORDS}, "IS_TITLE": True, "POS": {"NOT_IN": ["VERB", "AUX"]}}
_MONTH_OR_ABBR = {"LOWER": {"IN": _MONTH_WORDS}, "POS": {"NOT_IN": ["VERB", "AUX"]}}
_YEAR = {"TEXT": {"REGEX": _YEAR_SHAPE}}
_DAY = {"TEXT": {"REGEX": _DAY_SHAPE}}
#: Day, month and optional year inside a range: "9 December 2007", "June", "May 3, 2020".
_POINT_IN_RANGE = [{**_DAY, "OP": "?"}, _MONTH, {**_DAY, "OP": "?"}, {"TEXT": ",", "OP": "?"},
                   {**_YEAR, "OP": "?"}]
_POINT_PREPOSITIONS = ["in", "into", "since", "until", "by", "during", "throughout", "before",
                       "after", "early", "late", "mid"]

DATE_PATTERNS: dict[str, list[list[dict]]] = {
    # between June and August (2021); from January to March 2022
    "MONTH_RANGE": [
        [{"LOWER": {"IN": ["between", "from"]}}, *_POINT_IN_RANGE,
         {"LOWER": {"IN": ["and", "to", "until", "till", "through"]}}, *_POINT_IN_RANGE],
        [_MONTH, {"TEXT": {"IN": ["-", "–", "—"]}}, _MONTH, _YEAR],
        [_DAY, {"LOWER": {"IN": ["and", "to", "-", "–"]}}, _DAY, _MONTH_OR_ABBR, {**_YEAR, "OP": "?"}],
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
        [{"LOWER": {"IN": _POINT_PREPOSITIONS}}, {**_YEAR, "POS": {"NOT_IN": ["NOUN", "PROPN"]}}],
    ],
}

_PARSER_SETTINGS = {
    "PREFER_DATES_FROM": "past",
    "PREFER_DAY_OF_MONTH": "first",
    # NGO publications mostly write day first: 12/03/2019 is 12 March
    "DATE_ORDER": "DMY",
    "RETURN_AS_TIMEZONE_AWARE": False,
}

_NUMBER_WORDS = "|".join(sorted(UNITS, key=len, reverse=True))
_QUANTITY = rf"(?:\d+(?:\.\d+)?|{_NUMBER_WORDS}|a|an|one|a few|few|several|many|the|some)"
_TIME_UNIT = r"(?:days?|weeks?|months?|years?|decades?|centur(?:y|ies)|hours?|minutes?)"
#: A length of time, not a point in it: "10 years", "for three months", "the past decade".
DURATION_RE = re.compile(
    rf"^(?:(?:for|over|during|in|within|after)\s+)?(?:the\s+|an?\s+)?"
    rf"(?:(?:past|last|previous|next|coming|first|following|recent|entire|whole|full)\s+)*"
    rf"(?:{_QUANTITY}(?:\s*(?:to|or|and|-|–)\s*{_QUANTITY})?[\s-]+)?(?:(?:more|long|short|full)\s+)?{_TIME_UNIT}"
    rf"(?:\s+(?:and|or)\s+{_QUANTITY}\s+{_TIME_UNIT})?$",
    re.I,
)
#: "last year", "next month": a point relative to the anchor, not a length of time.
POINT_RELATIVE_RE = re.compile(
    r"^(?:(?:last|next|this|previous|coming)|the\s+(?:next|following|previous|same))\s+(?:day|week|month|year)$", re.I
)
#: All-figure dates are points, never ranges: "21-02-2017", "2017-02-21", "12/03/2019".
NUMERIC_DATE_RE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")
#: Ages are neither dates nor durations: "12-year-old", "aged 35", "10 years old".
AGE_RE = re.compile(r"(\byear[s]?[\s-]+old\b|\baged?\b|\bages\b|-year-old|\bmonths?[\s-]old\b)", re.I)
#: Words that only say "now"; dropped because in NGO prose they rarely mean the day itself.
VAGUE_NOW_RE = re.compile(r"^(?:today|today's|tonight|now|nowadays|currently|these days|present)$", re.I)
DECADE_RE = re.compile(r"^(?:the\s+)?(?:early\s+|mid-?\s*|late\s+)?(1[89]\d|20\d)0['’]?s$", re.I)
#: Words around a date that make it fuzzier but keep its calendar unit ("early 2021").
MODIFIER_RE = re.compile(
    r"^(?:(?:the\s+)?(?:very\s+)?(?:beginning|start|end|middle|close|first\s+half|second\s+half|"
    r"first\s+quarter|last\s+quarter|turn)\s+of\s+|(?:early|mid|late|since|until|by|on|in|"
    r"from|during|throughout|before|after|around|as\s+of|spring|summer|autumn|fall|winter)[\s-]+)",
    re.I,
)
SPAN_RE = re.compile(
    r"^(?:between|from)?\s*(?P<left>.+?)\s*(?:\band\b|\bto\b|\buntil\b|\btill\b|\bthrough\b|[–—-])\s*(?P<right>.+)$",
    re.I,
)
YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def anchor_from_published(published: str | None) -> datetime | None:
    """The reference date for relative expressions.

    ``YYYY-MM-DD`` is that day; ``YYYY-MM`` is the last day of the month and ``YYYY``
    the last day of the year, so "On 1 October" in a December 2021 release (or a release
    only dated 2021) resolves to 2021-10-01 with dates preferred from the past.
    """
    if not published:
        return None
    parts = published.strip()[:10].split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            return datetime(year, 12, 31)
        month = int(parts[1])
        if len(parts) == 2:
            return datetime(year, month, calendar.monthrange(year, month)[1])
        return datetime(year, month, int(parts[2]))
    except (ValueError, IndexError):
        return None


@lru_cache(maxsize=64)
def _date_parser(anchor: datetime):
    """One parser per anchor (dateparser's relative base is a setting; building one costs ~1 ms)."""
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={**_PARSER_SETTINGS, "RELATIVE_BASE": anchor})


def _format(date: datetime, period: str) -> tuple[str, str]:
    if period == "year":
        return f"{date.year:04d}", "year"
    if period == "month":
        return f"{date.year:04d}-{date.month:02d}", "month"
    return date.strftime("%Y-%m-%d"), "day"


@lru_cache(maxsize=4096)
def resolve_point(expression: str, anchor: datetime | None) -> tuple[str, str] | None:
    """Resolve one point in time to ``(value, granularity)`` or None.

    With ``anchor`` None only absolute expressions resolve: the expression is parsed
    against two far-apart anchors and kept only when both agree.
    """
    anchors = [anchor] if anchor else [datetime(1990, 6, 15), datetime(2015, 3, 10)]
    results = set()
    for base in anchors:
        data = _date_parser(base).get_date_data(expression)
        if data.date_obj is None or data.period not in {"day", "month", "year"}:
            return None
        results.add(_format(data.date_obj, data.period))
    if len(results) != 1:
        return None
    return results.pop()


def _strip_modifiers(expression: str) -> str:
    previous = None
    while previous != expression:
        previous = expression
        expression = MODIFIER_RE.sub("", expression).strip()
    return expression


def classify(expression: str, anchor: datetime | None) -> tuple[str | None, str] | None:
    """Value and granularity of a date expression, or None when it is not a usable date.

    Returns ``(None, "duration")`` for lengths of time, ``(value, "span")`` for ranges,
    ``(value, "day"|"month"|"year")`` for points; None for ages, "today"-like words and
    expressions that cannot be resolved.
    """
    text = " ".join(expression.split())
    if AGE_RE.search(text) or VAGUE_NOW_RE.match(text):
        return None
    if DURATION_RE.match(text) and not POINT_RELATIVE_RE.match(text):
        return None, "duration"
    decade = DECADE_RE.match(text)
    if decade:
        first = int(decade.group(1)) * 10
        return f"{first}/{first + 9}", "span"
    span = SPAN_RE.match(text)
    if span and not re.match(r"^\d{4}-\d{2}(-\d{2})?$", text) and not NUMERIC_DATE_RE.match(text):
        left, right = span.group("left"), span.group("right")
        if re.fullmatch(_DAY_SHAPE, left):  # "17 and 18 February": the day takes the month
            left = f"{left} {re.sub(r'^[0-9]+(?:st|nd|rd|th)?', '', right).strip()}"
        left_year, right_year = YEAR_RE.search(left), YEAR_RE.search(right)
        # a side without a year takes the other side's: "from January to March 2022"
        if right_year and not left_year:
            left = f"{left} {right_year.group(1)}"
        elif left_year and not right_year:
            right = f"{right} {left_year.group(1)}"
        start = resolve_point(_strip_modifiers(left), anchor)
        end = resolve_point(_strip_modifiers(right), anchor)
        if start and end:
            if end[0] < start[0] and start[1] == end[1] and (left_year is None) != (right_year is None):
                # "between November and February 2021", "9 December 2007 and 30 January":
                # the range crosses a new year
                if right_year:
                    start = (f"{int(start[0][:4]) - 1:04d}{start[0][4:]}", start[1])
                else:
                    end = (f"{int(end[0][:4]) + 1:04d}{end[0][4:]}", end[1])
            elif end[0] < start[0] and not left_year and not right_year:
                start = (f"{int(start[0][:4]) - 1:04d}{start[0][4:]}", start[1])
            if start == end:
                return start
            if end[0] < start[0]:
                return None  # two dates listed, not a range: "12.11.2025 and 2017-02-22"
            return f"{start[0]}/{end[0]}", "span"
    core = _strip_modifiers(text)
    if not core or not re.search(r"[A-Za-z0-9]", core):
        return None
    if re.fullmatch(r"\d+", core) and not re.fullmatch(_YEAR_SHAPE, core):
        return None  # a bare number is not a date
    resolved = resolve_point(core, anchor)
    if resolved is None and core.lower().startswith("the "):
        resolved = resolve_point(core[4:], anchor)
    return resolved


_MONTH_ALTERNATION = "|".join(sorted(set(_MONTH_WORDS), key=len, reverse=True)).replace(".", r"\.")
#: Something that makes an expression a date: a month, a year, a decade or a time word.
DATE_WORD_RE = re.compile(
    rf"\b(?:{_MONTH_ALTERNATION})(?![a-z])|\b(?:1[89]|20)\d\d\b|\b\d+0['’]?s\b|\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{1,4}}|"
    r"\b(?:yesterday|tomorrow|today|tonight|days?|weeks?|weekends?|months?|years?|decades?|centur(?:y|ies)|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|spring|summer|autumn|fall|winter|"
    r"ago|quarter|eve|night|morning|evening|afternoon|christmas|easter|ramadan|eid)\b",
    re.I,
)


def _is_counting_year(span: Span) -> bool:
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
    # "Last year 12 (more died)": a trailing count that is neither a year nor a day of a month
    while end - start > 1 and re.fullmatch(r"\d[\d,.]*", doc[end - 1].text) \
            and not re.fullmatch(_YEAR_SHAPE, doc[end - 1].text) and doc[end - 2].lower_ not in _MONTH_WORDS:
        end -= 1
    return doc[start:end] if end > start else None


@lru_cache(maxsize=4)
def _matcher(vocab) -> Matcher:
    matcher = Matcher(vocab)
    for key, patterns in DATE_PATTERNS.items():
        matcher.add(key, patterns)
    return matcher


def _matched_spans(doc: Doc) -> list[Span]:
    spans = []
    for match_id, start, end in _matcher(doc.vocab)(doc):
        span = doc[start:end]
        if doc.vocab.strings[match_id] == "POINT" and span[0].lower_ in _POINT_PREPOSITIONS:
            span = doc[start + 1 : end]  # keep the preposition out of a single point
        spans.append(span)
    return spans


def date_candidates(doc: Doc, matched: list[Span] | None = None) -> list[Span]:
    """DATE entities plus Matcher spans; overlapping ones keep the longest span."""
    spans = [s for e in doc.ents if e.label_ == "DATE" and (s := _trim(e)) is not None]
    spans += matched if matched is not None else _matched_spans(doc)
    # a line break must never sit inside a date
    spans = [s for s in spans if "\n" not in s.text]
    return sorted(filter_spans(spans), key=lambda s: s.start)


def extract_dates(doc: Doc, published: str | None) -> list[DateRecord]:
    """Find and resolve the date expressions of a document.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        The parsed normalised text.
    published : str or None
        Publication date (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``) used as the anchor of
        relative expressions ("last year", "On 1 October"). When None, only absolute
        expressions get a value.

    Returns
    -------
    list of DateRecord
        In text order, ids ``d1, d2…``; ``record.text == doc.text[record.start:record.end]``.
        ``value`` is ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``, ``START/END`` (granularity
        ``span``) or None (granularity ``duration``, or a relative expression without a
        publication date).
    """
    anchor = anchor_from_published(published)
    matched = _matched_spans(doc)
    resolved: list[tuple[Span, tuple[str | None, str]]] = []
    for span in date_candidates(doc, matched):
        if not DATE_WORD_RE.search(span.text) or _is_counting_year(span):
            continue  # "between 10 and 20" people, "2000 blankets"
        result = _classify_span(span.text, anchor)
        if result is not None:
            resolved.append((span, result))
            continue
        # the entity is wrong as a whole ("March 16, 2017 - March 17, 2017"): try its parts
        inside = [m for m in matched if span.start <= m.start and m.end <= span.end and m != span]
        for part in filter_spans(inside):
            part_result = _classify_span(part.text, anchor)
            if part_result is not None:
                resolved.append((part, part_result))
    resolved.sort(key=lambda pair: pair[0].start)
    return [
        DateRecord(
            date_id=f"d{number}",
            start=span.start_char,
            end=span.end_char,
            text=span.text,
            value=value,
            granularity=granularity,
        )
        for number, (span, (value, granularity)) in enumerate(resolved, start=1)
    ]


def _classify_span(text: str, anchor: datetime | None) -> tuple[str | None, str] | None:
    result = classify(text, anchor)
    if result is None and anchor is None and not AGE_RE.search(text):
        # a relative expression without a publication date: kept, unresolved
        relative = classify(text, datetime(2000, 6, 15))
        if relative is not None:
            return None, relative[1]
    return result
