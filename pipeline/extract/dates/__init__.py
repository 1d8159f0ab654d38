"""Date expressions: find them with spaCy, resolve them with dateparser.

Candidates are the model's ``DATE`` entities plus a :class:`spacy.matcher.Matcher` for
expressions the small model misses or splits (month ranges, "from January to March 2022",
"2011-2021", "1 October", "March 2021"): :mod:`~pipeline.extract.dates.find`. Each candidate
is read in its sentence (:mod:`~pipeline.extract.dates.tense`), classified (age, duration, span,
decade, point in time) and resolved against the publication date with
``dateparser.date.DateDataParser`` (:mod:`~pipeline.extract.dates.resolve`) — never
``search_dates``, which reads "may" or "to" as dates. The rules are documented in
``docs/claims_and_dates.md``.
"""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.extract.dates.find import (
    DATE_WORD_RE,
    date_candidates,
    is_counting_year,
    matched_spans,
)
from pipeline.extract.dates.resolve import (
    AGE_RE,
    ANAPHORIC_RE,
    TODAY_RE,
    anchor_from_published,
    classify,
    classify_span,
    resolve_point,
    strip_modifiers,
)
from pipeline.extract.dates.tense import (
    is_rate_or_modifier,
    tense_direction,
    today_value,
)
from pipeline.records import DateRecord

__all__ = ["anchor_from_published", "classify", "extract_dates", "resolve_point"]


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
    matched = matched_spans(doc)
    resolved: list[tuple[Span, tuple[str | None, str]]] = []
    for span in date_candidates(doc, matched):
        if not DATE_WORD_RE.search(span.text) or is_counting_year(span):
            continue  # "between 10 and 20" people, "2000 blankets"
        if is_rate_or_modifier(span):
            continue
        if TODAY_RE.match(span.text):
            today = today_value(span, published)
            if today is not None:
                resolved.append((span, today))
            continue
        prefer = tense_direction(span)
        result = classify_span(span.text, anchor, prefer)
        if result is not None:
            resolved.append((span, result))
            continue
        if ANAPHORIC_RE.search(span.text) or AGE_RE.search(span.text):
            continue  # "three years later", "70 years old": their parts are no better
        # the entity is wrong as a whole ("March 16, 2017 - March 17, 2017"): try its parts
        inside = [m for m in matched if span.start <= m.start and m.end <= span.end and m != span]
        for part in filter_spans(inside):
            part_result = classify_span(part.text, anchor, prefer)
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
        if result[1] == "year" and re.fullmatch(r"the\s+year", strip_modifiers(" ".join(span.text.split())), re.I):
            sentence = span.sent
            window_start = span.doc[sentence.start - 1].sent.start if sentence.start > 0 else 0
            named = [r for s, r in out if s.start >= window_start and r[1] == "year" and r[0]
                     and not re.search(r"\bthe\s+year\b", s.text, re.I)]
            if named:
                result = named[-1]
        out.append((span, result))
    return out
