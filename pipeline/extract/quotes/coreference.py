"""Who a pronoun, a surname or "the lawyer" refers back to, and each person's gender.

A "he"/"she" goes to the most salient compatible person (a person of the pronoun's gender within
:data:`~pipeline.extract.quotes.context.PRONOUN_PARAGRAPHS` paragraphs wins over a nearer person
of unknown gender; the person speaking and the subject win over a person only mentioned); a surname alone to the full name mentioned earlier; "the lawyer" to the
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
    SALIENCE_RECENT,
    SALIENCE_SPEAKER,
    SALIENCE_SUBJECT,
    Context,
    Speaker,
    _Mention,
    paragraph_start,
)

NAME_MODIFIERS = ("compound", "flat", "det", "amod", "poss", "nummod")  # words inside a name or description

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
    """The person a "he"/"she" at ``offset`` refers to: the most salient compatible person.

    Within the last :data:`PRONOUN_PARAGRAPHS` paragraphs a person known to have the pronoun's
    gender wins over a person of unknown gender (often a mislabelled place or outlet: "Knack",
    "Masnaa"); among those, the most salient (:func:`salience`): the person speaking and the
    subject of the clause beat a person only mentioned nearer the pronoun ("“…,” said Kerry.
    Kerry met Tom Smith. “…,” he said." -> Kerry). Further back, the most recent compatible one.
    """
    last = bisect.bisect_left(ctx.mention_offsets, offset) - 1
    stop = max(-1, last - LOOKBACK)
    own_quote = ctx.containing_quote(offset)
    candidates = [ctx.mentions[i] for i in range(last, stop, -1)
                  if ctx.mentions[i].quote_open in (None, own_quote)]
    horizon = paragraph_start(ctx, offset, PRONOUN_PARAGRAPHS)
    recent = [m for m in candidates if m.offset >= horizon]
    here = ctx.sentence_index(offset)
    tiers = ([m for m in recent if m.gender == gender] if gender is not None else [],
             [m for m in recent if gender is None or m.gender is None or m.gender == gender])
    for tier in tiers:
        if tier:
            return max(tier, key=lambda m: (salience(ctx, m, here), m.offset)).speaker
    for mention in candidates:
        if gender is None or mention.gender is None or mention.gender == gender:
            return mention.speaker
    return None


def salience(ctx: Context, mention: _Mention, sentence: int) -> float:
    """How likely ``mention``'s person is the one a pronoun in sentence ``sentence`` means.

    :data:`SALIENCE_RECENT`, plus :data:`SALIENCE_SUBJECT` for the subject of its clause ("The
    mayor, John Smith, met ..."), plus :data:`SALIENCE_SPEAKER` for the subject of a speech verb
    (the person speaking); the sum is halved with each sentence between the mention and the
    pronoun (Lappin and Leass's scheme, much simplified).
    """
    if mention.role is None:
        span = ctx.doc.char_span(mention.offset, mention.offset + 1, alignment_mode="expand")
        subject = spoke = False
        if span is not None:
            token = span[0]
            # from the first word of a name or description to its head ("Tom" -> "Smith")
            while token.dep_ in NAME_MODIFIERS and token.head.i > token.i:
                token = token.head
            if token.dep_ == "appos":  # "The mayor, John Smith, said"
                token = token.head
            subject = token.dep_ in ("nsubj", "nsubjpass")
            lemma = token.head.lemma_.lower()
            spoke = subject and (lemma in lex.SPEECH_VERBS or lemma in lex.INDIRECT_VERBS)
        mention.role = (ctx.sentence_index(mention.offset), subject, spoke)
    where, subject, spoke = mention.role
    weight = SALIENCE_RECENT + SALIENCE_SUBJECT * subject + SALIENCE_SPEAKER * spoke
    return weight * 0.5 ** max(0, sentence - where)


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


def role_reference(ctx: Context, token: Token) -> Speaker:
    """ "the President said", "President:" -> the person introduced earlier with that role
    ("President Joe Biden"); with none, the unnamed description ("the President"), never a
    person called "President"."""
    first = next((t for t in ctx.doc[token.left_edge.i : token.i + 1] if t.pos_ != "DET"), token)
    title = " ".join(ctx.text[first.idx : token.idx + len(token)].lower().split())  # "attorney-general"
    i = bisect.bisect_left(ctx.mention_offsets, token.idx) - 1
    stop = max(-1, i - LOOKBACK)
    while i > stop:
        mention = ctx.mentions[i]
        name = mention.speaker.name or ""
        if mention.speaker.type == "PERSON" and " " in name:
            before = " ".join(ctx.text[max(0, mention.offset - ROLE_LOOKBACK_CHARS) : mention.offset].lower().split())
            if before.endswith(title) or title == (mention.speaker.role or "").lower():
                return replace(mention.speaker, start=token.left_edge.idx, end=token.idx + len(token),
                               role=mention.speaker.role or token.text, penalty=PENALTY_PRONOUN)
        i -= 1
    start = token.left_edge.idx if token.left_edge.i < token.i else token.idx
    return Speaker(ctx.text[start : token.idx + len(token)], "UNNAMED", start=start, end=token.idx + len(token),
                   penalty=PENALTY_PRONOUN)


def is_bare_role(name: str) -> bool:
    """A one-word role used as a name: "President", "Minister" (not "Mr.")."""
    word = name.lower().rstrip(".")
    return (" " not in name and word not in lex.HONORIFICS
            and (word in lex.ROLE_WORDS or word in lex.RANK_TITLES or word in lex.SPEAKER_NOUNS))


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
