"""Resolving a date expression to ISO, anchored to the publication date: pure string functions.

:func:`classify` reads one expression ("last March", "between 2011 and 2013", "three weeks",
"Q2 2021") and returns its value (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or ``START/END``) and
granularity; relative expressions are resolved against the anchor with dateparser.
"""
from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta
from functools import lru_cache

from pipeline.lexicon import UNITS

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)


MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                       "nov", "dec")


MONTH_WORDS = list(MONTHS) + [m + "." for m in MONTH_ABBREVIATIONS] + list(MONTH_ABBREVIATIONS)


YEAR_SHAPE = r"^(1[89]\d\d|20\d\d)$"


DAY_SHAPE = r"^([1-9]|[12]\d|3[01])(st|nd|rd|th)?$"


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


def strip_modifiers(expression: str) -> str:
    previous = None
    while previous != expression:
        previous = expression
        expression = MODIFIER_RE.sub("", expression).strip()
    return expression


def is_duration(text: str) -> bool:
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
    if is_duration(text):
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
        if re.fullmatch(DAY_SHAPE, left):  # "17 and 18 February": the day takes the month
            left = f"{left} {re.sub(r'^[0-9]+(?:st|nd|rd|th)?', '', right).strip()}"
        left_year, right_year = YEAR_RE.search(left), YEAR_RE.search(right)
        # a side without a year takes the other side's: "from January to March 2022"
        if right_year and not left_year:
            left = f"{left} {right_year.group(1)}"
        elif left_year and not right_year and not CURRENT_UNIT_RE.match(strip_modifiers(right)):
            right = f"{right} {left_year.group(1)}"
        start = resolve_point(strip_modifiers(left), anchor, prefer)
        end = resolve_point(strip_modifiers(right), anchor, prefer)
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
    core = strip_modifiers(text)
    if not core or not re.search(r"[A-Za-z0-9]", core):
        return None
    if re.fullmatch(r"\d+", core) and not re.fullmatch(YEAR_SHAPE, core):
        return None  # a bare number is not a date
    resolved = resolve_point(core, anchor, prefer)
    if resolved is None and core.lower().startswith("the "):
        resolved = resolve_point(core[4:], anchor, prefer)
    return resolved


def _first_day(value: str) -> datetime:
    first = value.split("/")[0]
    parts = [int(p) for p in first.split("-")] + [1, 1]
    return datetime(parts[0], parts[1], parts[2])


def classify_span(text: str, anchor: datetime | None, prefer: str = "past") -> tuple[str | None, str] | None:
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
