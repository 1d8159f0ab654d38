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
from datetime import datetime, timedelta
from functools import lru_cache

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.records import DateRecord

from pipeline.lexicon import UNITS

from .matching import cached_matcher
from .numbers import counts_following_noun

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
_FUZZY = {"LOWER": {"IN": ["early", "mid", "late", "mid-"]}, "OP": "?"}
_POINT_IN_RANGE = [_FUZZY, {"TEXT": "-", "OP": "?"}, {**_DAY, "OP": "?"}, _MONTH, {**_DAY, "OP": "?"},
                   {"TEXT": ",", "OP": "?"}, {**_YEAR, "OP": "?"}]
#: "the beginning of June", "the end of the year": the edge of a month or of the current year
_EDGE = [{"LOWER": "the", "OP": "?"}, {"LOWER": {"IN": ["beginning", "start", "end", "middle"]}}, {"LOWER": "of"}]
_TIME_UNIT_WORDS = ["second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
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
         {"LOWER": {"IN": _TIME_UNIT_WORDS}}],
        # "an 11-week period"
        [{"LIKE_NUM": True}, {"TEXT": {"IN": ["-", "‐"]}}, {"LOWER": {"IN": _TIME_UNIT_WORDS}},
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

_PARSER_SETTINGS = {
    "PREFER_DATES_FROM": "past",
    "PREFER_DAY_OF_MONTH": "first",
    # NGO publications mostly write day first: 12/03/2019 is 12 March
    "DATE_ORDER": "DMY",
    "RETURN_AS_TIMEZONE_AWARE": False,
}

_NUMBER_WORDS = "|".join(sorted(UNITS, key=len, reverse=True))
_QUANTITY = rf"(?:\d+(?:\.\d+)?|{_NUMBER_WORDS}|a|an|one|a few|few|several|many|the|some|half\s+a)"
_TIME_UNIT = r"(?:days?|weeks?|fortnights?|months?|years?|decades?|centur(?:y|ies)|hours?|minutes?)"
#: A length of time, not a point in it: "10 years", "for three months", "the past decade".
DURATION_RE = re.compile(
    rf"^(?:(?:for|over|during|in|within|after)\s+)?(?:the\s+|an?\s+)?"
    rf"(?:(?:past|last|previous|next|coming|first|following|recent|entire|whole|full|further|additional|other)\s+)*"
    rf"(?:{_QUANTITY}(?:\s*(?:to|or|and|-|–)\s*{_QUANTITY}|\s+or\s+more)?[\s-]+)?(?:(?:more|long|short|full|consecutive|straight)\s+)?{_TIME_UNIT}"
    rf"(?:\s+(?:and|or)\s+{_QUANTITY}\s+{_TIME_UNIT})?(?:\s+(?:period|span|stretch|window|pause|lull))?$",
    re.I,
)
#: Qualifiers in front of a length of time: "more than a decade", "nearly two years".
DURATION_QUALIFIER_RE = re.compile(
    r"^(?:more\s+than|over|nearly|almost|about|around|some|up\s+to|at\s+least|less\s+than|"
    r"fewer\s+than|under|just|roughly|approximately|a\s+further|another)\s+",
    re.I,
)
#: "last year", "next month": a point relative to the anchor, not a length of time.
POINT_RELATIVE_RE = re.compile(
    r"^(?:(?:last|next|this|previous|coming)|the\s+(?:next|following|previous|same))\s+(?:day|week|month|year)$", re.I
)
#: "the year", "the month" without a number: the anchor's year or month ("during the year").
CURRENT_UNIT_RE = re.compile(r"^the\s+(year|month)$", re.I)
#: Weeks have no ISO calendar value here: they become Monday/Sunday spans.
WEEK_RE = re.compile(r"^(this|last|next|previous|the\s+past|the\s+coming)\s+week$", re.I)
#: Offsets of a week expression's first word from the anchor's week.
WEEK_OFFSETS: dict[str, int] = {"this": 0, "last": -1, "previous": -1, "the past": -1, "next": 1, "the coming": 1}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_RE = re.compile(rf"^(?:on\s+)?({'|'.join(WEEKDAYS)})$", re.I)
#: Seasons (northern hemisphere, where most of the covered crises are) as month ranges.
SEASONS: dict[str, tuple[int, int]] = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}
SEASON_RE = re.compile(
    rf"^(?:(?P<rel>this|last|next|past)\s+|the\s+)?(?P<season>{'|'.join(SEASONS)})"
    r"(?:\s+(?:of\s+)?(?P<year>(?:1[89]|20)\d\d))?$",
    re.I,
)
QUARTER_RE = re.compile(r"^q([1-4])\s+((?:1[89]|20)\d\d)$", re.I)
QUARTER_WORDS_RE = re.compile(r"^(?:the\s+)?(first|second|third|fourth|last|final)\s+quarter\s+of\s+((?:1[89]|20)\d\d)$", re.I)
_QUARTER_NUMBERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 4, "final": 4}
#: "the first two months of the year", "the last three months of 2016": a month span.
MONTHS_OF_YEAR_RE = re.compile(
    rf"^(?:during\s+|in\s+)?the\s+(first|last|final)\s+({_NUMBER_WORDS}|\d+)\s+months\s+of\s+"
    r"(the\s+year|(?:1[89]|20)\d\d)$",
    re.I,
)
#: Year words that point forward: "the new year" in a December release is the next one.
COMING_YEAR_RE = re.compile(r"^(?:the|this)\s+(?:new|coming)\s+year$|^this\s+coming\s+year$|^the\s+year\s+ahead$", re.I)
#: Dates stated relative to another date of the text, or not at all: dropped, not guessed.
ANAPHORIC_RE = re.compile(
    r"\b(?:later|earlier|before|afterwards?)$|^the\s+(?:same|following|next|previous)\s+(?:day|week|month|year|night)$|"
    r"^(?:one|some)\s+day$|^that\s+(?:day|night|week|month|year)$",
    re.I,
)
#: All-figure dates are points, never ranges: "21-02-2017", "2017-02-21", "12/03/2019".
NUMERIC_DATE_RE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")
#: Ages are neither dates nor durations: "12-year-old", "aged 35", "10 years old".
AGE_RE = re.compile(r"(\byear[s]?[\s-]+old\b|\baged?\b|\bages\b|-year-old|\bmonths?[\s-]old\b)", re.I)
#: Words that only say "now"; kept ("today") only when they name the day of a past event.
VAGUE_NOW_RE = re.compile(r"^(?:today|today's|tonight|now|nowadays|currently|these days|present)$", re.I)
TODAY_RE = re.compile(r"^today$", re.I)
DECADE_RE = re.compile(r"^(?:the\s+)?(?:early\s+|mid-?\s*|late\s+)?(1[89]\d|20\d)0['’]?s$", re.I)
#: Words around a date that make it fuzzier but keep its calendar unit ("early 2021").
MODIFIER_RE = re.compile(
    r"^(?:(?:the\s+)?(?:very\s+)?(?:beginning|start|end|middle|close|first\s+half|second\s+half|"
    r"first\s+quarter|last\s+quarter|turn|(?:first|second|third|last|final)\s+(?:week|days|weeks|fortnight))\s+of\s+|"
    r"(?:early|mid|late|since|until|by|on|in|"
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
def _date_parser(anchor: datetime, prefer: str = "past"):
    """One parser per anchor and direction (dateparser's relative base is a setting; ~1 ms each)."""
    from dateparser.date import DateDataParser

    settings = {**_PARSER_SETTINGS, "RELATIVE_BASE": anchor, "PREFER_DATES_FROM": prefer}
    return DateDataParser(languages=["en"], settings=settings)


def _format(date: datetime, period: str) -> tuple[str, str]:
    if period == "year":
        return f"{date.year:04d}", "year"
    if period == "month":
        return f"{date.year:04d}-{date.month:02d}", "month"
    return date.strftime("%Y-%m-%d"), "day"


def _week_span(day: datetime) -> tuple[str, str]:
    monday = day - timedelta(days=day.weekday())
    return f"{monday:%Y-%m-%d}/{monday + timedelta(days=6):%Y-%m-%d}", "span"


def _resolve_calendar_words(expression: str, anchor: datetime, prefer: str) -> tuple[str, str] | None:
    """Weeks, weekdays, seasons and "the year": what dateparser resolves badly or not at all."""
    text = " ".join(expression.lower().split())
    week = WEEK_RE.match(text)
    if week:
        return _week_span(anchor + timedelta(weeks=WEEK_OFFSETS[" ".join(week.group(1).split())]))
    weekday = WEEKDAY_RE.match(text)
    if weekday:
        # the anchor's own weekday is the anchor ("on Tuesday" in a Tuesday dispatch)
        target = WEEKDAYS.index(weekday.group(1))
        if prefer == "future":
            return _format(anchor + timedelta(days=(target - anchor.weekday()) % 7), "day")
        return _format(anchor - timedelta(days=(anchor.weekday() - target) % 7), "day")
    quarter = QUARTER_RE.match(text) or QUARTER_WORDS_RE.match(text)
    if quarter:
        number = quarter.group(1).lower()
        first = 3 * (int(number) if number.isdigit() else _QUARTER_NUMBERS[number]) - 2
        year = int(quarter.group(2))
        return f"{year:04d}-{first:02d}/{year:04d}-{first + 2:02d}", "span"
    current = CURRENT_UNIT_RE.match(text)
    if current:
        return _format(anchor, current.group(1))
    if COMING_YEAR_RE.match(text):
        # "the new year" in the last quarter is the next one; earlier in the year, this one
        coming = "coming" in text or "ahead" in text or anchor.month >= 10
        return f"{anchor.year + int(coming):04d}", "year"
    season = SEASON_RE.match(text)
    if season:
        first, last = SEASONS[season.group("season")]
        if season.group("year"):
            year = int(season.group("year"))
        else:
            relation = season.group("rel") or ""
            started = anchor.month >= first  # this year's season has begun
            ended = anchor.month > last
            if relation == "this":
                year = anchor.year
            elif relation in {"last", "past"}:
                year = anchor.year if ended else anchor.year - 1
            elif relation == "next" or prefer == "future":
                year = anchor.year + 1 if started else anchor.year
            else:
                year = anchor.year if started else anchor.year - 1
        return f"{year:04d}-{first:02d}/{year:04d}-{last:02d}", "span"
    return None


_MONTH_NUMBERS = {name: number for number, name in enumerate(MONTHS, start=1)}
_ABSOLUTE_RE = re.compile(
    rf"^(?:(?P<day>[1-9]|[12]\d|3[01]) (?P<month>{'|'.join(MONTHS)}) (?P<year>(?:1[89]|20)\d\d)"
    rf"|(?P<month2>{'|'.join(MONTHS)}) (?:(?P<day2>[1-9]|[12]\d|3[01]),? )?(?P<year2>(?:1[89]|20)\d\d)"
    r"|(?P<year3>(?:1[89]|20)\d\d))$",
    re.I,
)


def _absolute_date(expression: str) -> tuple[datetime, str] | None:
    """``(date, period)`` of "2021", "March 2021", "1 March 2021", "March 1, 2021"; else None.

    The commonest date expressions, read without dateparser (about 1 ms a call): they name
    their own calendar unit, so neither the anchor nor the direction matters. The results
    equal dateparser's (``tests/test_speed_equivalence.py``); anything else, an impossible
    day included, goes to dateparser.
    """
    match = _ABSOLUTE_RE.match(expression)
    if match is None:
        return None
    year = int(match["year"] or match["year2"] or match["year3"])
    month_name = match["month"] or match["month2"]
    if month_name is None:
        return datetime(year, 1, 1), "year"
    day = match["day"] or match["day2"]
    try:
        date = datetime(year, _MONTH_NUMBERS[month_name.lower()], int(day or 1))
    except ValueError:
        return None
    return date, ("day" if day else "month")


_YEARLESS_RE = re.compile(
    rf"^(?:(?P<day>[1-9]|[12]\d|3[01]) (?P<month>{'|'.join(MONTHS)})"
    rf"|(?P<month2>{'|'.join(MONTHS)})(?: (?P<day2>[1-9]|[12]\d|3[01]))?)$",
    re.I,
)


def _yearless_date(expression: str, base: datetime, prefer: str) -> tuple[datetime, str] | None:
    """``(date, period)`` of "March", "12 March", "March 12" as dateparser reads them, else None.

    dateparser puts a month or day without a year in the base's year, then moves it a year
    back when it falls after the base (``prefer="past"``), or a year on when it does not
    (``"future"``); a month alone counts from its first day. The same rule here, checked
    against dateparser in ``tests/test_speed_equivalence.py``; 29 February, impossible days
    and a month alone after the 28th of the base's month go to dateparser.
    """
    match = _YEARLESS_RE.match(expression)
    if match is None or prefer not in {"past", "future"}:
        return None
    month = _MONTH_NUMBERS[(match["month"] or match["month2"]).lower()]
    day = match["day"] or match["day2"]
    if day is not None and (month, int(day)) == (2, 29):
        return None
    if day is None and base.day > 28:
        return None  # dateparser first puts the base's day in that month ("30 February"): its own rules
    try:
        date = datetime(base.year, month, int(day or 1))
    except ValueError:
        return None
    if prefer == "past" and date > base:
        date = date.replace(year=base.year - 1)
    elif prefer == "future" and date <= base:
        date = date.replace(year=base.year + 1)
    return date, ("day" if day else "month")


@lru_cache(maxsize=4096)
def resolve_point(expression: str, anchor: datetime | None, prefer: str = "past") -> tuple[str, str] | None:
    """Resolve one point in time to ``(value, granularity)`` or None.

    ``prefer`` is ``"past"`` (the default: NGO publications report what happened) or
    ``"future"`` (the sentence is about what will happen). With ``anchor`` None only
    absolute expressions resolve: the expression is parsed against two far-apart anchors
    and kept only when both agree.
    """
    anchors = [anchor] if anchor else [datetime(1990, 6, 15), datetime(2015, 3, 10)]
    results = set()
    for base in anchors:
        special = _resolve_calendar_words(expression, base, prefer)
        if special is not None:
            results.add(special)
            continue
        absolute = _absolute_date(expression) or _yearless_date(expression, base, prefer)
        if absolute is not None:
            date, period = absolute
        else:
            data = _date_parser(base, prefer).get_date_data(expression)
            if data.date_obj is None:
                return None
            if data.period == "week":
                results.add(_week_span(data.date_obj))
                continue
            if data.period not in {"day", "month", "year"}:
                return None
            date, period = data.date_obj, data.period
        if prefer == "future" and period == "month" and (date.year - 1, date.month) == (base.year, base.month):
            date = date.replace(year=base.year)  # "in December", written in December, is this December
        results.add(_format(date, period))
    if len(results) != 1:
        return None
    return results.pop()


def _strip_modifiers(expression: str) -> str:
    previous = None
    while previous != expression:
        previous = expression
        expression = MODIFIER_RE.sub("", expression).strip()
    return expression


def _is_duration(text: str) -> bool:
    if MONTHS_OF_YEAR_RE.match(text):
        return False  # "the first two months of the year" is a span of the calendar
    core = DURATION_QUALIFIER_RE.sub("", text)
    if re.fullmatch(_TIME_UNIT, core, re.I) and not core.lower().endswith("s"):
        return False  # "hour", "day" alone: not a length of time
    return bool(DURATION_RE.match(core)) and not POINT_RELATIVE_RE.match(core) \
        and not CURRENT_UNIT_RE.match(core) and not WEEK_RE.match(core)


def _span_side(side: tuple[str, str], other: tuple[str, str], is_end: bool) -> tuple[str, str]:
    """A year-only side of a month range takes the year's edge month ("June until the end of the year")."""
    if side[1] == "year" and other[1] == "month":
        return (f"{side[0]}-12" if is_end else f"{side[0]}-01"), "month"
    return side


def classify(expression: str, anchor: datetime | None, prefer: str = "past") -> tuple[str | None, str] | None:
    """Value and granularity of a date expression, or None when it is not a usable date.

    Returns ``(None, "duration")`` for lengths of time, ``(value, "span")`` for ranges,
    ``(value, "day"|"month"|"year")`` for points; None for ages, "today"-like words,
    anaphoric expressions ("three years later", "the next day") and expressions that
    cannot be resolved. ``prefer`` ("past"/"future") picks the direction of month and day
    names without a year.
    """
    text = re.sub(r"\s+alone$", "", " ".join(expression.split()), flags=re.I)  # "in April alone"
    if AGE_RE.search(text) or VAGUE_NOW_RE.match(text) or ANAPHORIC_RE.search(text):
        return None
    if _is_duration(text):
        return None, "duration"
    if QUARTER_WORDS_RE.match(text) and anchor is not None:
        return _resolve_calendar_words(text, anchor, prefer)
    months_of_year = MONTHS_OF_YEAR_RE.match(text)
    if months_of_year and (anchor is not None or months_of_year.group(3)[0].isdigit()):
        edge, count, year_text = months_of_year.groups()
        count = int(count) if count.isdigit() else UNITS.get(count.lower(), 0)
        year = int(year_text) if year_text[0].isdigit() else anchor.year
        if 1 <= count <= 12:
            first, last = (1, count) if edge.lower() == "first" else (13 - count, 12)
            return f"{year:04d}-{first:02d}/{year:04d}-{last:02d}", "span"
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
        elif left_year and not right_year and not CURRENT_UNIT_RE.match(_strip_modifiers(right)):
            right = f"{right} {left_year.group(1)}"
        start = resolve_point(_strip_modifiers(left), anchor, prefer)
        end = resolve_point(_strip_modifiers(right), anchor, prefer)
        if start and end and start[1] != "span" and end[1] != "span":
            start, end = _span_side(start, end, False), _span_side(end, start, True)
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
    resolved = resolve_point(core, anchor, prefer)
    if resolved is None and core.lower().startswith("the "):
        resolved = resolve_point(core[4:], anchor, prefer)
    return resolved


_MONTH_ALTERNATION = "|".join(sorted(set(_MONTH_WORDS), key=len, reverse=True)).replace(".", r"\.")
#: Something that makes an expression a date: a month, a year, a decade or a time word.
DATE_WORD_RE = re.compile(
    rf"\b(?:{_MONTH_ALTERNATION})(?![a-z])|\b(?:1[89]|20)\d\d\b|\b\d+0['’]?s\b|\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{1,4}}|"
    r"\b(?:yesterday|tomorrow|today|tonight|days?|weeks?|weekends?|months?|years?|decades?|centur(?:y|ies)|hours?|minutes?|"
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
    # "(compared with) 14 last year": a leading count that is not a day, a year or a quantity of time
    while end - start > 1 and doc[start].like_num and not re.fullmatch(_YEAR_SHAPE, doc[start].text) \
            and doc[start + 1].lower_ not in _MONTH_WORDS and doc[start + 1].lower_ not in _TIME_UNIT_WORDS \
            and doc[start + 1].lower_ not in {"-", "–", "and", "to", "or", "consecutive", "straight", "full"}:
        start += 1
    # "Last year 12 (more died)": a trailing count that is neither a year nor a day of a month
    while end - start > 1 and re.fullmatch(r"\d[\d,.]*", doc[end - 1].text) \
            and not re.fullmatch(_YEAR_SHAPE, doc[end - 1].text) and doc[end - 2].lower_ not in _MONTH_WORDS:
        end -= 1
    return doc[start:end] if end > start else None


#: Tokens every date pattern holds (a month, a year, a unit of time...): the Matcher only runs
#: near them (:class:`~pipeline.extract.matching.AnchoredMatcher`). The long range patterns
#: (up to 16 tokens) all hold a month name and run apart, near month names only, so the
#: short ones search narrow windows around the commoner years and units of time.
_LONG_DATE_LABELS = ("MONTH_RANGE", "EDGE_RANGE")
_DATE_ANCHOR_WORDS = frozenset(
    _MONTH_WORDS + _TIME_UNIT_WORDS
    + ["summer", "spring", "autumn", "fall", "winter", "fortnight", "hours", "minutes", "days", "weeks", "months", "years"]
)
_DATE_ANCHOR_REGEXES = (
    _YEAR_SHAPE,
    r"^(1[89]\d\d|20\d\d)[–—-](1[89]\d\d|20\d\d)$",
    r"^(\d{1,2}[-/.]\d{1,2}[-/.](\d\d)?\d\d|\d{4}-\d\d-\d\d)$",
)
_long_matcher = cached_matcher({label: DATE_PATTERNS[label] for label in _LONG_DATE_LABELS}, _MONTH_WORDS)
_short_matcher = cached_matcher(
    {label: rules for label, rules in DATE_PATTERNS.items() if label not in _LONG_DATE_LABELS},
    _DATE_ANCHOR_WORDS, _DATE_ANCHOR_REGEXES,
)


def date_matches(doc: Doc) -> list[tuple[int, int, int]]:
    """``(match_id, start, end)`` of :data:`DATE_PATTERNS` in ``doc``, sorted.

    The order does not matter to the callers (candidates are chosen by length, then start).
    """
    return sorted(_long_matcher(doc.vocab)(doc) + _short_matcher(doc.vocab)(doc), key=lambda m: (m[1], m[2], m[0]))


def _matched_spans(doc: Doc) -> list[Span]:
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
    spans += [s for e in doc.ents if e.label_ == "TIME" and (s := _trim(e)) is not None and _is_duration(s.text)]
    spans += matched if matched is not None else _matched_spans(doc)
    # a line break must never sit inside a date
    spans = [s for s in spans if "\n" not in s.text]
    return sorted(filter_spans(spans), key=lambda s: s.start)


#: Words before "a day"/"a month" that make it a rate ("twice a week", "100 samples a day").
_RATE_WORDS = frozenset({"every", "each", "per", "twice", "once", "thrice", "times"})
#: Verbs, modals and adjectives whose dates lie ahead of the publication ("is expected in June").
FUTURE_LEMMAS: frozenset[str] = frozenset({
    "will", "shall", "expect", "plan", "schedule", "intend", "aim", "due", "upcoming", "forthcoming",
    "scheduled", "planned", "expected", "anticipate", "set", "hope", "begin", "start", "open", "resume",
})
#: Words before a bare plural time unit that make it a length of time ("for weeks", "within hours").
_BARE_DURATION_WORDS = frozenset({"for", "within", "over", "after", "in", "often", "recent", "past", "some"})
_MODALS_FUTURE = frozenset({"will", "shall", "'ll", "wo", "’ll"})


def _governing_verb(span: Span):
    """The first verb above the span (through prepositions and nouns), or None."""
    token = span.root
    for _ in range(8):
        if token.pos_ in {"VERB", "AUX"}:
            return token
        if token.head.i == token.i:
            return None
        token = token.head
    return None


def tense_direction(span: Span) -> str:
    """``"future"`` (will, expected...), ``"nearest"`` (simple present) or ``"past"``.

    The simple present is ambiguous ("the consent expires in August" is ahead, a photo
    caption "families demand answers in August" is behind): the reading nearest to the
    publication date wins.
    """
    if refers_to_future(span):
        return "future"
    return "nearest" if _simple_present(span) else "past"


def _simple_present(span: Span) -> bool:
    verb = _governing_verb(span)
    if verb is None:
        return False
    attachment = span.root.head
    if attachment.dep_ == "prep" and attachment.lower_ in {"in", "on", "by", "from", "until", "at"}:
        attachment = attachment.head
    auxiliaries = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}]
    return attachment.i == verb.i and verb.tag_ in {"VBZ", "VBP"} and not auxiliaries \
        and verb.lemma_.lower() not in {"be", "have", "remain", "continue", "say", "show"}


def refers_to_future(span: Span) -> bool:
    """True when the clause holding the date is about what will happen.

    Future modal ("will", "shall"), a verb of expectation or plan ("is expected",
    "scheduled", "due") or a main verb in the simple present ("the consent expires in
    August", "the conference begins this week"): month and day names then resolve forward.
    """
    verb = _governing_verb(span)
    if verb is None:
        return False
    chain = [verb]
    if verb.dep_ in {"xcomp", "ccomp", "advcl"} and verb.head.i != verb.i:
        chain.append(verb.head)  # "is expected to raise", "plans to open"
    current = verb
    while current.tag_ == "VBG" and current.dep_ in {"pcomp", "acl", "advcl"} and current.head.i != current.i:
        current = current.head  # "needs peaking in (April-May)" -> the clause that "will require"
        while current.pos_ == "ADP" and current.head.i != current.i:
            current = current.head
        chain.append(current)
    for token in chain:
        if token.lemma_.lower() in FUTURE_LEMMAS - {"begin", "start", "open", "resume", "set", "hope"} \
                and token.tag_ != "VBD":
            return True
        if any(child.dep_ in {"aux", "auxpass"} and child.lower_ in _MODALS_FUTURE for child in token.children):
            return True
        if token.lemma_.lower() in {"expect", "schedule", "plan", "due"} and token.tag_ in {"VBN", "JJ"}:
            return True  # "was expected in June": expected then, still ahead at publication
    return False


def _is_rate_or_modifier(span: Span) -> bool:
    """"100 samples a day", "every month", "the two-week threshold": not dates."""
    doc = span.doc
    before = doc[span.start - 1] if span.start > 0 else None
    after = doc[span.end] if span.end < len(doc) else None
    first = span[0].lower_
    index = span.start - 1
    while index >= 0 and (doc[index].like_num or doc[index].pos_ == "CCONJ"):
        index -= 1  # "every six or twelve months"
    if index >= 0 and doc[index].lower_ in _RATE_WORDS:
        return True
    if first in {"a", "an", "per"} and before is not None and (before.pos_ in {"NOUN", "NUM"} or before.like_num):
        return True
    if after is not None and after.lower_ == "old":
        return True  # "70 years old male": an age
    if after is not None and after.lower_ in {"later", "earlier", "afterwards", "before"}:
        return True  # "three years later": relative to another date of the text
    if first in {"every", "each"}:
        return True
    if re.fullmatch(r"(?:hours|minutes|days|weeks|months|years|decades)", span.text, re.I) and (
            before is None or before.lower_ not in _BARE_DURATION_WORDS) and not (after is not None and after.lower_ == "of"):
        return True  # "cut their hours": a bare plural is a length of time only after "for", "within"…
    if re.search(r"\w-(?:day|week|month|year|hour|minute|decade)s?$", span.text, re.I) and after is not None \
            and after.pos_ in {"NOUN", "PROPN", "ADJ"}:
        return True  # a compound adjective: "a 10-year sentence", "the two-week threshold"
    if len(span) == 1 and first in {*SEASONS, "winter"} and span.root.dep_ in {"compound", "amod", "nmod"}:
        return True  # "autumn crops", "the winter season"
    if len(span) == 1 and re.fullmatch(_YEAR_SHAPE, span.text) and before is not None \
            and before.text.isupper() and len(before.text) >= 2 and before.is_alpha and not before.whitespace_ == "":
        return True  # "CPHIA 2026": the year of a named event
    last = span[-1]
    if last.lower_ in _TIME_UNIT_WORDS and last.is_title and not last.is_sent_start:
        return True  # "On a Day for Darfur": a capitalised time word names an event
    if span.root.dep_ == "attr" and first in {"a", "an"}:
        return True  # "is a month in which..."
    return False


def _today(span: Span, published: str | None) -> tuple[str, str] | None:
    """"said today", "the court today sentenced": the publication day; "the risk today": nothing."""
    if not published or not re.fullmatch(r"\d{4}-\d\d-\d\d", published.strip()[:10]) or len(published.strip()) < 10:
        return None
    after = span.doc[span.end] if span.end < len(span.doc) else None
    if after is not None and after.tag_ in {"VB", "VBP", "VBZ"}:
        return None  # "torture today continue(s)": nowadays, whatever the parse says
    if span.start > 0 and span.doc[span.start - 1].pos_ == "CCONJ":
        return None  # "at the time, nor today": a contrast with the present
    verb = _governing_verb(span)
    if verb is None:
        return None
    perfect = any(c.dep_ == "aux" and c.lemma_.lower() == "have" for c in verb.children)
    if verb.tag_ == "VBD" or perfect or (verb.tag_ == "VBN" and verb.dep_ in {"acl", "ROOT", "advcl", "relcl"}):
        return published.strip()[:10], "day"
    return None


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
        if _is_rate_or_modifier(span):
            continue
        if TODAY_RE.match(span.text):
            today = _today(span, published)
            if today is not None:
                resolved.append((span, today))
            continue
        prefer = tense_direction(span)
        result = _classify_span(span.text, anchor, prefer)
        if result is not None:
            resolved.append((span, result))
            continue
        if ANAPHORIC_RE.search(span.text) or AGE_RE.search(span.text):
            continue  # "three years later", "70 years old": their parts are no better
        # the entity is wrong as a whole ("March 16, 2017 - March 17, 2017"): try its parts
        inside = [m for m in matched if span.start <= m.start and m.end <= span.end and m != span]
        for part in filter_spans(inside):
            part_result = _classify_span(part.text, anchor, prefer)
            if part_result is not None:
                resolved.append((part, part_result))
    resolved.sort(key=lambda pair: pair[0].start)
    resolved = _year_in_context(resolved)
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


def _year_in_context(resolved: list[tuple[Span, tuple[str | None, str]]]) -> list[tuple[Span, tuple[str | None, str]]]:
    """"In 2022, ... . ... throughout the year": "the year" is the year named in its sentence or the one before.

    Without such a year it stays the publication year (an annual report's "the year").
    """
    out: list[tuple[Span, tuple[str | None, str]]] = []
    for span, result in resolved:
        if result[1] == "year" and re.fullmatch(r"the\s+year", _strip_modifiers(" ".join(span.text.split())), re.I):
            sentence = span.sent
            window_start = span.doc[sentence.start - 1].sent.start if sentence.start > 0 else 0
            named = [r for s, r in out if s.start >= window_start and r[1] == "year" and r[0]
                     and not re.search(r"\bthe\s+year\b", s.text, re.I)]
            if named:
                result = named[-1]
        out.append((span, result))
    return out


def _first_day(value: str) -> datetime:
    first = value.split("/")[0]
    parts = [int(p) for p in first.split("-")] + [1, 1]
    return datetime(parts[0], parts[1], parts[2])


def _classify_span(text: str, anchor: datetime | None, prefer: str = "past") -> tuple[str | None, str] | None:
    if prefer == "nearest":
        past, future = classify(text, anchor, "past"), classify(text, anchor, "future")
        if past is None or future is None or past[0] is None or future[0] is None or anchor is None:
            result = past or future
        else:
            result = min((past, future), key=lambda r: abs((_first_day(r[0]) - anchor).days))
    else:
        result = classify(text, anchor, prefer)
    if result is None and anchor is None and not AGE_RE.search(text):
        # a relative expression without a publication date: kept, unresolved
        relative = classify(text, datetime(2000, 6, 15))
        if relative is not None:
            return None, relative[1]
    return result
