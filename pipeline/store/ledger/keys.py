"""What statistic a claim reports: its key (thing counted, event, place, period) and its value range.

Plain functions over plain values (a claim row and its document's publication date), so the
ledger can key a million claims without spaCy. The word lists are data
(``pipeline/resources/lexicon/ledger.yaml``).
"""
from __future__ import annotations

import calendar
import hashlib
import math
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from pipeline.lexicon import (LEDGER_COUNTED, LEDGER_COUNTED_EVENTS, LEDGER_DEMONYMS, LEDGER_EVENTS,
                              LEDGER_MODIFIERS, LEDGER_NEEDS_EVENT, LEDGER_STATES, LEDGER_PLACE_SUFFIXES, LEDGER_PLACES)

#: Relative tolerance of "about N" (either side).
ABOUT = 0.10
#: Relative difference under which two exact values are the same figure (rounding, a typo'd digit
#: is not: 1,202 and 1,203 differ by less than this, so they agree).
SAME_VALUE = 0.005

_WORD = re.compile(r"[A-Za-z][\w'’-]*")


@dataclass(frozen=True)
class StatisticKey:
    """What makes two claims the same statistic: the thing counted, the event, the place and the
    period (``since:START`` for a running total; see :func:`period_of`)."""

    unit: str
    counted: str
    event: str | None
    location: str | None
    period: str | None

    @property
    def cumulative(self) -> bool:
        return self.period is not None and self.period.startswith("since:")

    @cached_property
    def statistic_id(self) -> str:
        raw = "|".join(part or "" for part in (self.unit, self.counted, self.event, self.location, self.period))
        return hashlib.sha1(raw.casefold().encode("utf-8")).hexdigest()[:16]

    @property
    def label(self) -> str:
        """A readable name: "civilian killed · Syria · 2021"."""
        what = self.counted if self.unit != "percent" else f"% of {self.counted}"
        parts = [f"{what} {self.event}" if self.event else what, self.location or "(no place)"]
        if self.period is None:
            parts.append("undated")
        elif self.cumulative:
            parts.append("since " + self.period[len("since:"):])
        else:
            parts.append(self.period)
        return " · ".join(parts)


def counted_of(counted: str | None, modifier: str | None, unit: str) -> str | None:
    """The thing counted as the ledger compares it, from the claim's counted lemma and the word
    before it in the claim's span (:func:`_modifier`): "civilian deaths" count civilians."""
    if not counted:
        return None
    key = counted.casefold().strip()
    if unit in ("money", "quantity"):
        return key
    if key in LEDGER_DEMONYMS:
        return "person"
    base = LEDGER_COUNTED.get(key, key)
    if modifier and base in ("person", key):
        return LEDGER_MODIFIERS[modifier]
    return base


def event_of(event: str | None, counted: str | None) -> str | None:
    """The claim's event, or the one its counted noun names ("deaths" -> killed)."""
    if event:
        return LEDGER_EVENTS.get(event, event)
    if counted:
        return LEDGER_COUNTED_EVENTS.get(counted.casefold().strip())
    return None


def place_of(location: str | None) -> str | None:
    """A place name normalised so that its spellings compare equal ("Idleb governorate" = "Idlib")."""
    if not location:
        return None
    name = " ".join(location.replace("’", "'").split())
    key = name.casefold()
    if key in LEDGER_PLACES:
        return LEDGER_PLACES[key]
    if key.startswith("the "):
        name, key = name[4:], key[4:]
    words = name.split()
    while len(words) > 1 and words[-1].casefold() in LEDGER_PLACE_SUFFIXES:
        words.pop()
    name = " ".join(words)
    return LEDGER_PLACES.get(name.casefold(), name)


_YEAR_SPAN = re.compile(r"^(\d{4})(?:-01(?:-01)?)?/(\d{4})(?:-12(?:-31)?)?$")
_MONTH_SPAN = re.compile(r"^(\d{4}-\d{2})(?:-01)?/(\d{4}-\d{2})(?:-\d{2})?$")


def period_of(period: str | None, published: str | None) -> str | None:
    """The claim's period, in one spelling per period.

    A running total ("since March 2011", stored as ``2011-03/<published>``) becomes
    ``since:2011-03``; whole calendar years written as a span become ``2021`` or ``2015/2024``;
    a whole month as a span becomes ``2021-06``. A figure that states no period is a count as of
    its publication: its period is the publication month (``2017-11``), so it meets a figure of
    another publication that names that month.
    """
    if not period:
        return published[:7] if published else None
    if "/" in period:
        start, end = period.split("/", 1)
        if published and end == published:
            return f"since:{start}"
        match = _YEAR_SPAN.match(period)
        if match and ("-" in start or "-" in end or match.group(1) == match.group(2)):
            first, last = match.groups()
            return first if first == last else f"{first}/{last}"
        match = _MONTH_SPAN.match(period)
        if match and match.group(1) == match.group(2) and (end.endswith(match.group(2)) or _month_end(end)):
            return match.group(1)
    return period


def _month_end(day: str) -> bool:
    """Whether ``YYYY-MM-DD`` is the last day of its month."""
    try:
        year, month, dd = (int(x) for x in day.split("-"))
        return dd == calendar.monthrange(year, month)[1]
    except (ValueError, calendar.IllegalMonthError):
        return False


def statistic_key(unit: str | None, counted: str | None, text: str | None, event: str | None,
                  location: str | None, period: str | None, published: str | None,
                  after: str | None = None) -> StatisticKey | None:
    """The key of a claim's statistic, or None when the claim counts nothing comparable: a bare
    percentage, a figure whose noun is unknown, people with nothing happening to them.

    ``after`` is the text that follows the claim's span: for people counted with no event, a
    state named there ("in need", "food insecure": ``states`` in ``ledger.yaml``) stands for it.
    """
    unit = unit or "count"
    if not counted:
        return None
    modifier = _modifier(counted.casefold().strip(), text) if unit not in ("money", "quantity") else None
    if not event and after:
        event = state_after(after)
    return _key(unit, counted, modifier, event, location, period, published)


_STATE = re.compile(r"^\W*(?:(?:who|are|were|is|was|remain|remained|still|currently|now|being|been|in|of|the|"
                    r"whom|[a-z]+ly)\W+){0,3}(" + "|".join(sorted((re.escape(p) for p in LEDGER_STATES), key=len,
                                                                  reverse=True)) + r")\b", re.I)


def state_after(after: str) -> str | None:
    """The state named just after a figure of people: "13.1 million people [who are] in need"."""
    match = _STATE.match(after)
    return LEDGER_STATES[match.group(1).casefold()] if match else None


def _modifier(counted: str, text: str | None) -> str | None:
    """A word of the claim's span before its noun that names who is counted ("civilian deaths")."""
    if not text:
        return None
    words = [w.casefold() for w in _WORD.findall(text)]
    if counted in words:
        words = words[:words.index(counted)]
    for word in reversed(words):
        if word in LEDGER_MODIFIERS:
            return word
    return None


@lru_cache(maxsize=65536)
def _key(unit: str, counted: str, modifier: str | None, event: str | None, location: str | None,
         period: str | None, published: str | None) -> StatisticKey | None:
    # many claims share these values: a million claims make a few hundred thousand distinct keys
    thing = counted_of(counted, modifier, unit)
    happened = event_of(event, counted)
    if happened is None and thing in LEDGER_NEEDS_EVENT:
        return None
    return StatisticKey(unit, thing, happened, place_of(location), period_of(period, published))


def value_range(value: float | None, value_max: float | None, qualifier: str | None) -> tuple[float, float] | None:
    """The values a claim allows, as a closed interval: "more than 1,200" -> (1200+, inf),
    "at least 300" -> [300, inf), "about 100" -> [90, 110], "thousands" -> [1000, 10000)."""
    if value is None:
        return None
    q = qualifier or "exact"
    if q == "range" and value_max is not None:
        return (min(value, value_max), max(value, value_max))
    if q == "at_least":
        return (value, math.inf)
    if q == "more_than":
        return (math.nextafter(value, math.inf), math.inf)
    if q == "up_to":
        return (0.0, value)
    if q == "less_than":
        return (0.0, math.nextafter(value, 0.0))
    if q == "about":
        return (value * (1 - ABOUT), value * (1 + ABOUT))
    if q == "vague":  # the scale word: "thousands" is 1,000 up to (not including) 10,000
        return (value, math.nextafter(value * 10, 0.0))
    tolerance = abs(value) * SAME_VALUE
    return (value - tolerance, value + tolerance)


def agree(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether two value ranges can both be true."""
    return a[0] <= b[1] and b[0] <= a[1]
