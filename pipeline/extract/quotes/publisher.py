"""The publishing organisation, when the metadata does not name it, and acronym speakers.

The publisher is the speaker of "we"/"our"; an acronym speaker ("AI said") takes the full name
it abbreviates, so the same speaker has one name across documents.
"""
from __future__ import annotations

from spacy.tokens import Doc

from pipeline import lexicon as lex
from pipeline.doctext import doc_text
from pipeline.extract.attribution import is_speech_verb
from pipeline.extract.entities import acronym
from pipeline.extract.quotes.context import Context
from pipeline.extract.quotes.reported import trailing_attribution_in
from pipeline.extract.quotes.speakers import strip_det
from pipeline.layout import is_heading, paragraph_spans
from pipeline.records import Entity, Quote

PUBLISHER_PARAGRAPHS = 6  # opening paragraphs searched for the publisher speaking


BYLINE_NOUNS = ("statement", "declaration", "communique", "communiqué", "release", "briefing", "submission")


BYLINE_MAX_WORDS = 8  # "Statement by <organisation>": a line of a name, not a sentence


def guess_publisher(doc: Doc, entities: list[Entity]) -> str | None:
    """The publishing organisation when the metadata does not name it, for "we"/"our".

    An "About (the) X" section names it; else a byline in the opening paragraphs ("Statement by
    the X Collective"); otherwise the first organisation that speaks ("X said today", "X calls
    on") in the opening paragraphs of the release.
    """
    text = doc_text(doc)
    orgs = {e.canonical.lower(): e.canonical for e in entities if e.label == "ORG"}
    paragraphs = paragraph_spans(text)
    for start, end in paragraphs:
        line = text[start:end]
        if line.startswith("About ") and is_heading(line):
            name = strip_det(line[len("About "):])
            if name.lower() in orgs:
                return orgs[name.lower()]
    opening = paragraphs[:PUBLISHER_PARAGRAPHS]
    for start, end in opening:
        # a byline of the release: "Statement by the Hawran Rights Collective"
        words = text[start:end].split(" ", 2)
        if len(words) == 3 and words[1] in ("by", "of", "from") and words[0].lower() in BYLINE_NOUNS \
                and len(words[2].split()) <= BYLINE_MAX_WORDS:
            name = strip_det(words[2].rstrip(" ."))
            if name.lower() in orgs:
                return orgs[name.lower()]
    limit = opening[-1][1] if opening else 0
    for token in doc:
        if token.idx >= limit:
            break
        subject = None
        if token.dep_ == "nsubj" and (is_speech_verb(token.head) or token.head.lemma_.lower() in lex.INDIRECT_VERBS):
            subject = token
        elif token.pos_ == "VERB" and token.lemma_.lower() in lex.INDIRECT_VERBS:
            trailing = trailing_attribution_in(doc, text, token)  # "..., the CRRN said today."
            subject = trailing[2] if trailing else None
        if subject is not None:
            ent = next((e for e in entities if e.start <= subject.idx < e.end), None)
            if ent is not None and ent.label == "ORG" and " " in ent.canonical:
                return ent.canonical
    return None


def expand_acronym_speakers(ctx: Context, quotes: list[Quote]) -> None:
    """An acronym speaker ("AI said", "SNHR documented") takes the full name it abbreviates: the
    publisher's, else that of the one organisation of the document with those initials, so the
    same speaker has one name across documents."""
    full_names: dict[str, set[str]] = {}
    for entity in ctx.entities:
        if entity.label == "ORG" and " " in entity.canonical:
            full_names.setdefault(acronym(entity.canonical), set()).add(entity.canonical)
    publisher = ctx.organisation
    for quote in quotes:
        name = quote.speaker
        if not name or " " in name or len(name) < 2 or not name.isupper():
            continue
        if publisher and " " in publisher and acronym(publisher) == name:
            quote.speaker = publisher
        elif len(full_names.get(name, ())) == 1:
            (quote.speaker,) = full_names[name]
