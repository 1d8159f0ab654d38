"""Who a pronoun, a surname or "the lawyer" refers back to, and each person's gender.

A "he"/"she" goes to the most recent compatible person (a person of the pronoun's gender within
:data:`~pipeline.extract.quotes.context.PRONOUN_PARAGRAPHS` paragraphs wins over a nearer person
of unknown gender); a surname alone to the full name mentioned earlier; "the lawyer" to the
person introduced with that role. Gender evidence comes from titles, apposed nouns, pronouns and
first names (:data:`pipeline.lexicon.GENDER`).
"""
from __future__ import annotations

import bisect
from dataclasses import replace

from spacy.tokens import Token

from pipeline import lexicon as lex
from pipeline.extract.quotes.context import (
    LOOKBACK,
    PENALTY_PRONOUN,
    PRONOUN_PARAGRAPHS,
    Context,
    Speaker,
    paragraph_start,
)

ROLE_LOOKBACK_CHARS = 30  # "lawyer Pieter Borms": a role just before a name, for "the lawyer"


def looks_like_personal_name(name: str) -> bool:
    words = name.split()
    return 2 <= len(words) <= 3 and all(w[:1].isupper() and w[1:].islower() for w in words)


def full_name(ctx: Context, surname: str, offset: int) -> str:
    """A surname alone -> the full name of a person mentioned earlier ("Lang" -> "Peter Lang")."""
    for sp in reversed(ctx.speakers[-LOOKBACK:]):
        if sp.type == "PERSON" and sp.name and " " in sp.name and sp.name.split()[-1] == surname:
            return sp.name
    idx = bisect.bisect_left(ctx.entity_starts, offset) - 1
    stop = max(-1, idx - LOOKBACK)
    while idx > stop:
        ent = ctx.entities[idx]
        # any label: the small model may have called "Rouba Khalil" an organisation
        if (" " in ent.canonical and ent.canonical.split()[-1] == surname
                and (ent.label == "PERSON" or looks_like_personal_name(ent.canonical))):
            return ent.canonical
        idx -= 1
    return surname


def pronoun_gender(word: str) -> str | None:
    return lex.gender_of_word(word, ("pronouns",))


def person_gender(ctx: Context, name: str | None) -> str | None:
    """Gender evidence for a named person: title, apposed noun, pronoun, first name.

    Titles ("Ms Haddad") and nouns ("X, a mother of three") win over a possessive or subject
    pronoun later in a sentence the person is the subject of ("Omar described how the strike
    hit his home"), which wins over the first-name table (``resources/lexicon/gender.yaml``).
    """
    if not name:
        return None
    if name in ctx.genders:
        return ctx.genders[name]
    votes: dict[str, str] = {}
    if not ctx.entities_by_name:
        for ent in ctx.entities:
            ctx.entities_by_name.setdefault(ent.canonical, []).append(ent)
    for ent in ctx.entities_by_name.get(name, []):
        if ctx.inside_quote(ent.start):
            continue
        before = ctx.text[max(0, ent.start - 12): ent.start].split()
        if before:
            gender = lex.gender_of_word(before[-1], ("titles",))
            if gender:
                votes.setdefault("title", gender)
        span = ctx.doc.char_span(ent.start, ent.end, alignment_mode="expand")
        if span is None:
            continue
        head = span.root
        for child in head.rights:
            if child.dep_ == "appos":
                gender = lex.gender_of_word(child.lemma_, ("nouns",))
                if gender:
                    votes.setdefault("noun", gender)
        if head.dep_ in ("nsubj", "nsubjpass"):
            for token in ctx.doc[span.end: head.sent.end]:
                gender = pronoun_gender(token.lower_)
                if gender and not ctx.inside_quote(token.idx):
                    votes.setdefault("pronoun", gender)
                    break
    votes.setdefault("name", lex.gender_of_word(name.split()[0], ("first_names",)))
    gender = next((votes[k] for k in ("title", "noun", "pronoun", "name") if votes.get(k)), None)
    ctx.genders[name] = gender
    return gender


def _description_gender(description: str) -> str | None:
    for word in description.lower().split():
        gender = lex.gender_of_word(word.strip(",.’'"), ("nouns",))
        if gender:
            return gender
    return None


def speaker_gender(ctx: Context, speaker: Speaker) -> str | None:
    if speaker.type == "PERSON":
        return person_gender(ctx, speaker.name)
    if speaker.type == "UNNAMED" and speaker.name:
        return _description_gender(speaker.name)
    return None


def resolve_person_pronoun(ctx: Context, offset: int, gender: str | None) -> Speaker | None:
    """The most recent person before ``offset`` whose gender does not contradict ``gender``.

    A person known to have the pronoun's gender within the last few paragraphs wins over a more
    recent person of unknown gender (often a mislabelled place or outlet: "Knack", "Masnaa").
    """
    last = bisect.bisect_left(ctx.mention_offsets, offset) - 1
    stop = max(-1, last - LOOKBACK)
    own_quote = ctx.containing_quote(offset)
    candidates = [ctx.mentions[i] for i in range(last, stop, -1)
                  if ctx.mentions[i].quote_open in (None, own_quote)]
    if gender is not None:
        horizon = paragraph_start(ctx, offset, PRONOUN_PARAGRAPHS)
        for mention in candidates:
            if mention.offset < horizon:
                break
            if mention.gender == gender:
                return mention.speaker
    for mention in candidates:
        if gender is None or mention.gender is None or mention.gender == gender:
            return mention.speaker
    return None


def definite_role(ctx: Context, token: Token) -> Speaker | None:
    """ "The lawyer asked ..." -> the person introduced with that role shortly before.

    Only for a bare definite description ("the lawyer", not "a lawyer" or "the UN lawyer"): the
    most recent person mention, within ``PRONOUN_PARAGRAPHS`` paragraphs, whose role or the words
    just before whose name hold the noun.
    """
    lefts = list(token.lefts)
    if [t.lower_ for t in lefts] != ["the"]:
        return None
    noun = token.lemma_.lower()
    horizon = paragraph_start(ctx, token.idx, PRONOUN_PARAGRAPHS)
    i = bisect.bisect_left(ctx.mention_offsets, token.idx) - 1
    while i >= 0 and ctx.mentions[i].offset >= horizon:
        mention = ctx.mentions[i]
        if mention.speaker.type == "PERSON":
            before = ctx.text[max(0, mention.offset - ROLE_LOOKBACK_CHARS) : mention.offset].lower()
            if noun in before.split() or noun in (mention.speaker.role or "").lower().split():
                return replace(mention.speaker, start=token.left_edge.idx, end=token.idx + len(token),
                               penalty=PENALTY_PRONOUN)
        i -= 1
    return None


def most_recent(ctx: Context, offset: int, want: str) -> Speaker | None:
    """Latest speaker or entity of type ``want`` (PERSON/ORG) mentioned before ``offset``."""
    best: Speaker | None = None
    for sp in reversed(ctx.speakers[-LOOKBACK:]):
        if sp.start is not None and sp.start < offset and sp.type == want:
            best = sp
            break
    idx = bisect.bisect_left(ctx.entity_starts, offset) - 1
    labels = ("PERSON",) if want == "PERSON" else ("ORG",)
    steps = 0
    while idx >= 0 and steps < LOOKBACK:
        ent = ctx.entities[idx]
        steps += 1
        if ent.label in labels and not ctx.inside_quote(ent.start):
            if best is None or ent.start > (best.start or -1):
                if best is not None and best.name == ent.canonical:
                    return best
                name = full_name(ctx, ent.canonical, ent.start) if want == "PERSON" and " " not in ent.canonical else ent.canonical
                return Speaker(name, want, start=ent.start, end=ent.end)
            break
        idx -= 1
    return best


def fill_from_earlier(ctx: Context, speaker: Speaker) -> None:
    """A later mention ("said Laila Kiki") keeps the role and organisation given earlier."""
    for earlier in reversed(ctx.speakers[-LOOKBACK:]):
        if earlier.name == speaker.name and earlier.type == speaker.type:
            speaker.role = speaker.role or earlier.role
            speaker.org = speaker.org or earlier.org
            if speaker.role and speaker.org:
                return
