"""Where and when a figure holds: its period (a date of its clause, "since March 2011" running
to publication) and its place (a locative place name in its sentence).
"""
from __future__ import annotations

import re

from spacy.tokens import Doc, Token

from pipeline.extract.claims.phrases import Number
from pipeline.extract.claims.roles import first_verb
from pipeline.records import Claim, DateRecord, Entity

_PLACE_LABELS = {"GPE", "LOC"}


#: Prepositions that make a place the scene of a claim ("in Idlib", "across Syria").
_LOCATIVE = {"in", "across", "throughout", "inside", "within", "near", "at", "around", "outside",
             "on", "all", "over"}


def _date_verb(doc: Doc, date: DateRecord) -> Token | None:
    span = doc.char_span(date.start, date.end, alignment_mode="expand")
    return first_verb(span.root) if span is not None else None


_SINCE = re.compile(r"\bsince\s+(?:the\s+(?:start|beginning|outbreak)\s+of\s+)?$", re.I)


def _open_ended(text: str, date: DateRecord, published: str | None) -> str | None:
    """``START/published`` for "since March 2011": the figure covers everything up to publication."""
    if published is None or date.value is None or "/" in date.value:
        return date.value
    if _SINCE.search(text[max(0, date.start - 40):date.start]) and date.value < published:
        return f"{date.value}/{published}"
    return date.value


def find_period(doc: Doc, text: str, claim: Claim, number: Number, dates: list[DateRecord],
            total: Claim | None, published: str | None = None) -> str | None:
    in_sentence = [d for d in dates if d.value is not None and d.granularity != "duration"
                   and claim.sentence_start <= d.start < claim.sentence_end]
    if not in_sentence:
        return total.period if total is not None else None
    anchor = doc[number.counted_token] if number.counted_token is not None else doc[number.core_end - 1]
    verb = first_verb(anchor)
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


def find_location(doc: Doc, claim: Claim, entities: list[Entity]) -> str | None:
    places = [e for e in entities if e.label in _PLACE_LABELS
              and claim.sentence_start <= e.start < claim.sentence_end and _is_scene(doc, e)]
    after = [e for e in places if e.start >= claim.end]
    if after:
        return min(after, key=lambda e: e.start).canonical
    before = [e for e in places if e.end <= claim.start]
    if before:
        return max(before, key=lambda e: e.end).canonical
    return None
