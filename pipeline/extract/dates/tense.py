"""Reading a date in its sentence: whether the clause points to the future ("will reopen in
March"), whether a number is a rate or a modifier ("every two weeks"), what "today" means.
"""
from __future__ import annotations

import re

from spacy.tokens import Span

from pipeline.extract.dates.find import TIME_UNIT_WORDS
from pipeline.extract.dates.resolve import SEASONS, YEAR_SHAPE

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


def is_rate_or_modifier(span: Span) -> bool:
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
    if len(span) == 1 and re.fullmatch(YEAR_SHAPE, span.text) and before is not None \
            and before.text.isupper() and len(before.text) >= 2 and before.is_alpha and not before.whitespace_ == "":
        return True  # "CPHIA 2026": the year of a named event
    last = span[-1]
    if last.lower_ in TIME_UNIT_WORDS and last.is_title and not last.is_sent_start:
        return True  # "On a Day for Darfur": a capitalised time word names an event
    if span.root.dep_ == "attr" and first in {"a", "an"}:
        return True  # "is a month in which..."
    return False


def today_value(span: Span, published: str | None) -> tuple[str, str] | None:
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
