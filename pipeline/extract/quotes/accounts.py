"""Witness accounts set off as paragraphs without quote marks.

A report often introduces a survivor's words with "X said:" or "X described:" at the end of a
paragraph and gives them as the following paragraphs, in the first person, without quote marks.
Those paragraphs are X's words: :func:`witness_accounts` makes them one record of kind
``indirect`` (no quote marks, so not ``direct``), from the first word of the account to the last.
"""
from __future__ import annotations

from pipeline import lexicon as lex
from pipeline.extract.attribution import cue_text, is_speech_verb
from pipeline.extract.quotes.context import CONF_INDIRECT, Context
from pipeline.extract.quotes.marks import LIST_MARKERS
from pipeline.extract.quotes.speakers import speaker_for_verb
from pipeline.layout import is_heading
from pipeline.records import Quote

ACCOUNT_MAX_PARAGRAPHS = 8  # an account longer than this is not one witness's words

FIRST_PERSON = frozenset({"i", "me", "my", "we", "us", "our"})


def _first_person(ctx: Context, start: int, end: int) -> bool:
    span = ctx.doc.char_span(start, end, alignment_mode="contract")
    return span is not None and any(t.lower_ in FIRST_PERSON for t in span)


def _account_paragraph(ctx: Context, p: int) -> bool:
    """A paragraph that can be a witness's words: plain text, no quote marks, in the first person."""
    start, end = ctx.paragraphs[p]
    line = ctx.text[start:end]
    return (p not in ctx.quoted_paragraphs and not is_heading(line) and line[:1].isupper()
            and not line.startswith(LIST_MARKERS) and not line.rstrip().endswith(":")
            and _first_person(ctx, start, end))


def _introducing_verb(ctx: Context, p: int):
    """The speech verb of a paragraph ending in ':' ("One survivor described:"), if any."""
    start, end = ctx.paragraphs[p]
    if not ctx.text[start:end].rstrip().endswith(":") or p in ctx.quoted_paragraphs:
        return None
    window = ctx.doc.char_span(start, end, alignment_mode="contract")
    if window is None or not len(window):
        return None
    last_sent = window[-1].sent
    verbs = [t for t in ctx.doc[max(last_sent.start, window.start) : window.end]
             if is_speech_verb(t) or (t.pos_ == "VERB" and t.lemma_.lower() in lex.INDIRECT_VERBS)]
    return verbs[-1] if verbs else None


def witness_accounts(ctx: Context) -> list[Quote]:
    """Records for first-person paragraphs introduced by "X said:" / "X described:".

    The account runs over the paragraphs that follow the introduction while they are plain
    first-person text (no quote marks, no heading, no list, no new introduction), at most
    :data:`ACCOUNT_MAX_PARAGRAPHS`. Only accounts of a resolved person (named or described) are
    kept.
    """
    records: list[Quote] = []
    p = 0
    while p < len(ctx.paragraphs) - 1:
        verb = _introducing_verb(ctx, p)
        if verb is None or not _account_paragraph(ctx, p + 1):
            p += 1
            continue
        last = p + 1
        while (last + 1 < len(ctx.paragraphs) and last + 1 - p <= ACCOUNT_MAX_PARAGRAPHS
               and _account_paragraph(ctx, last + 1)):
            last += 1
        speaker = speaker_for_verb(ctx, verb)
        if speaker is not None and speaker.name is not None and speaker.type in ("PERSON", "UNNAMED"):
            # a witness is a person; "UNHCR launched an appeal calling for ...:" + a footer is not
            start = ctx.paragraphs[p + 1][0]
            end = start + len(ctx.text[start : ctx.paragraphs[last][1]].rstrip())
            records.append(Quote(
                quote_id="", kind="indirect", start=start, end=end, text=ctx.text[start:end],
                speaker=speaker.name, speaker_type=speaker.type, speaker_role=speaker.role,
                speaker_org=speaker.org, speaker_start=speaker.start, speaker_end=speaker.end,
                cue=cue_text(verb), confidence=round(max(0.05, CONF_INDIRECT - speaker.penalty), 2),
            ))
        p = last + 1
    return records
