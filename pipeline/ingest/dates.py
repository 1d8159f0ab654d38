"""Publication dates: normalise metadata values and find a dateline near the top of a text."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from dateparser.date import DateDataParser

_SETTINGS = {"PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": False}

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
# Candidate date strings, most specific first; matched case-insensitively.
DATE_PATTERN = re.compile(
    rf"\b(?:"
    rf"(?:{_MONTH}\s+{_DAY},?\s+{_YEAR})"  # December 21, 2021
    rf"|(?:{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR})"  # 21 December 2021
    rf"|(?:{_YEAR}-\d{{2}}-\d{{2}})"  # 2021-12-21
    rf"|(?:{_MONTH},?\s+{_YEAR})"  # December 2021
    rf")\b",
    re.IGNORECASE,
)
# After the date in a dateline: a dash, bar or colon introducing the text.
_DATELINE_TAIL = re.compile(r"^\s*\)?\s*[-–—|:/]")
DATELINE_MAX_PARAGRAPHS = 6
DATELINE_SHORT_CHARS = 80
DATELINE_PREFIX_CHARS = 100
# Words besides the date in a dateline paragraph ("Press release /", "Last Updated:").
DATELINE_LABEL_WORDS = 5

_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?\s*$")
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?")


@lru_cache(maxsize=1)
def _parser() -> DateDataParser:
    return DateDataParser(languages=["en"], settings=_SETTINGS)


def parse_date_string(value: str) -> str | None:
    """Parse one candidate date string with dateparser into ``YYYY-MM-DD`` or ``YYYY-MM``.

    Only the string given is parsed (never a search through running text); a month-only
    value ("August 2021") keeps month precision.
    """
    value = value.strip()
    if not value:
        return None
    data = _parser().get_date_data(value)
    if data is None or data.date_obj is None:
        return None
    if data.period == "year":
        return f"{data.date_obj.year:04d}"
    if data.period == "month":
        return data.date_obj.strftime("%Y-%m")
    return data.date_obj.strftime("%Y-%m-%d")


def to_iso_date(value: object) -> str | None:
    """Normalise a metadata date value to ISO ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``.

    Accepts ``date``/``datetime`` objects, ISO strings (with or without time; partial
    ``2003-01`` kept as is), PDF dates (``D:20070515...``) and free text parsed by
    dateparser ("5/23/2006 10:4:36", "21 Dec 2021").
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and 1800 < value < 2200:
        return f"{int(value):04d}"
    text = str(value).strip()
    if not text:
        return None
    pdf = _PDF_DATE.match(text)
    if pdf:
        return _calendar_day("-".join(part for part in pdf.groups() if part))
    iso = _ISO.match(text)
    if iso:
        return _calendar_day("-".join(part for part in iso.groups() if part))
    return parse_date_string(text)


def _calendar_day(value: str) -> str | None:
    """``value`` if it names a day (or month, or year) of the calendar, else None: a PDF's
    creation date of 2020-02-30 is no date."""
    from pipeline.records import is_iso_date

    return value if is_iso_date(value) else None


def find_dateline(paragraphs: list[str]) -> str | None:
    """Find a publication dateline near the top of a text and return its ISO date.

    A dateline is a date in one of the first :data:`DATELINE_MAX_PARAGRAPHS` paragraphs
    that either sits in a short paragraph with at most a short label besides it
    ("Press release / December 21, 2021", "Last updated: June 19, 2017") or in the first characters of a paragraph followed by
    a dash or colon ("PANAMA CITY, 26 October 2025 - As ...", "21 December 2021 – ...").
    A date mentioned inside a running sentence is not a dateline.
    """
    for paragraph in paragraphs[:DATELINE_MAX_PARAGRAPHS]:
        head = paragraph[:DATELINE_PREFIX_CHARS]
        for match in DATE_PATTERN.finditer(head):
            rest = paragraph[: match.start()] + paragraph[match.end() :]
            label_only = len(paragraph) <= DATELINE_SHORT_CHARS and len(rest.split()) <= DATELINE_LABEL_WORDS
            if label_only or _DATELINE_TAIL.match(paragraph[match.end():]):
                value = parse_date_string(match.group(0))
                if value:
                    return value
    return None


def is_dateline(paragraph: str) -> bool:
    """Whether a short paragraph is mostly a date (so it is not a title)."""
    match = DATE_PATTERN.search(paragraph)
    return bool(match) and len(paragraph) <= DATELINE_SHORT_CHARS and len(match.group(0)) >= 0.3 * len(paragraph)
