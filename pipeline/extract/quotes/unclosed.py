"""A quote whose closing mark is missing must not run over its own cue or the next quote.

“We need blankets now, said Ahmad Karimi. The convoy … — the writer forgot the ” after "now,":
the quote ends at the comma before the cue, and the cue's subject speaks. When an opening mark
follows the cue (“A, said X. “B,” said Y.), the rest is a quote of its own. Used by
:func:`~pipeline.extract.quotes.direct.direct_quotes`; see ``docs/quotes.md`` section 1.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from spacy.tokens import Token

from pipeline.extract.attribution import is_speech_verb, subject_of
from pipeline.extract.quotes.context import Context
from pipeline.extract.quotes.marks import (
    DOUBLE_QUOTES,
    QuoteSpan,
    content_start,
    mark_at,
    mark_width,
)

# A pronoun that can stand for the speaker of a cue inside a quote ("…, she said.").
CUE_PRONOUNS = frozenset({"he", "she", "they"})


@dataclass
class InnerCue:
    end: int  # the quote's new end: just after the comma before the cue
    verb: Token
    subject: Token


def inner_cue(ctx: Context, q: QuoteSpan) -> InnerCue | None:
    """The cue inside a one-paragraph quote whose closing mark is missing, if any.

    A speech verb inside the quote with its subject after a comma (", said X." / ", X said."),
    ending its sentence, in a quote that is unclosed or that holds an opening mark right after
    the cue (the next quote). Such a quote is cut at the comma (:func:`apply_inner_cue`).
    """
    if q.para_first != q.para_last:
        return None
    doc = ctx.doc
    span = doc.char_span(q.start, q.end, alignment_mode="contract")
    if span is None:
        return None
    for verb in span[1:]:
        if not is_speech_verb(verb):
            continue
        subject = subject_of(verb)
        if subject is None or not (subject.pos_ == "PROPN" or subject.lower_ in CUE_PRONOUNS):
            continue
        first, last = min(verb.i, subject.left_edge.i), max(verb.i, subject.right_edge.i)
        if first - 1 <= span.start or doc[first - 1].text != "," or last + 1 >= len(doc):
            continue
        if doc[last + 1].text not in (".", "!", "?"):
            continue  # the cue must end its sentence: ", he said the road was closed" is speech
        if q.close is not None and _reopening(ctx, doc[last + 1].idx + 1, q) is None:
            continue  # a closed quote with a cue inside and no new quote after it: leave it
        return InnerCue(doc[first - 1].idx + 1, verb, subject)
    return None


def _reopening(ctx: Context, after: int, q: QuoteSpan) -> int | None:
    """Offset of a double opening mark right after ``after`` (spaces aside), inside ``q``."""
    i = content_start(ctx.text, after)
    return i if i < q.end and mark_at(ctx.text, i) in DOUBLE_QUOTES else None


def apply_inner_cue(ctx: Context, q: QuoteSpan, cue: InnerCue) -> None:
    """Cut ``q`` at the cue; the quote opening after the cue, if any, is entered in ``ctx``."""
    last = max(cue.verb.i, cue.subject.right_edge.i)
    reopen = _reopening(ctx, ctx.doc[last + 1].idx + 1, q) if q.close is not None else None
    if reopen is not None:
        tail = QuoteSpan(reopen, content_start(ctx.text, reopen + mark_width(ctx.text, reopen)),
                         q.end, q.close, q.para_first, q.para_last)
        insert_span(ctx, q, tail)
    for mention in ctx.mentions:  # the cue's words stand outside any quote
        if mention.quote_open == q.open and mention.offset >= cue.end:
            mention.quote_open = None
    q.end, q.close = cue.end, None


def insert_span(ctx: Context, q: QuoteSpan, tail: QuoteSpan) -> None:
    """Enter ``tail``, cut from the end of ``q``, in ``ctx`` right after ``q``."""
    i = bisect.bisect_right(ctx.quote_opens, q.open)
    ctx.quote_spans.insert(i, tail)
    ctx.quote_opens.insert(i, tail.open)
    for mention in ctx.mentions:  # the words of the tail now stand in its own quote
        if mention.quote_open == q.open and mention.offset >= tail.open:
            mention.quote_open = tail.open
