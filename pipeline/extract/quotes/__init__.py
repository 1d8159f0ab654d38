"""Quotes and their speakers: direct quotes, mixed quotes and reported speech.

One module per concern:

- :mod:`~pipeline.extract.quotes.marks`: quote marks and their pairing (pure text functions);
- :mod:`~pipeline.extract.quotes.direct`: attributing quoted spans (direct and mixed quotes);
- :mod:`~pipeline.extract.quotes.reported`: reported speech;
- :mod:`~pipeline.extract.quotes.documents`: documents as speakers ("the report found");
- :mod:`~pipeline.extract.quotes.accounts`: witness accounts given as paragraphs after "X said:";
- :mod:`~pipeline.extract.quotes.speakers` and :mod:`~pipeline.extract.quotes.coreference`:
  speaker resolution (names, roles, organisations, pronouns, gender, back-references);
- :mod:`~pipeline.extract.quotes.publisher`: the publisher for "we", acronym speakers;
- :mod:`pipeline.extract.attribution`: the cues (speech verbs, "according to", subjects) shared
  with the claims extractor.

The rules are described in ``docs/quotes.md``; the word lists are data in
:mod:`pipeline.lexicon`. :func:`extract_quotes` is the entry point; the ``ngo_quotes`` spaCy
component (:mod:`pipeline.components`) calls it.
"""
from __future__ import annotations

from spacy.tokens import Doc

from pipeline.doctext import doc_text
from pipeline.extract.quotes.accounts import witness_accounts
from pipeline.extract.quotes.context import Context
from pipeline.extract.quotes.direct import direct_quotes, nested_quotes
from pipeline.extract.quotes.marks import QuoteSpan, find_quote_spans
from pipeline.extract.quotes.publisher import expand_acronym_speakers, guess_publisher
from pipeline.extract.quotes.reported import add_reported_speech
from pipeline.extract.quotes.speakers import collect_person_mentions
from pipeline.layout import paragraph_spans
from pipeline.records import Entity, Quote

__all__ = ["QuoteSpan", "extract_quotes", "find_quote_spans", "guess_publisher"]


def extract_quotes(doc: Doc, entities: list[Entity], organisation: str | None = None) -> list[Quote]:
    """Direct, mixed and indirect quotes of ``doc`` with their speakers.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        Parsed normalised text (from :func:`pipeline.nlp.load_nlp`).
    entities : list of Entity
        Named entities of the document; ``canonical`` maps short forms to full names.
        When empty, ``doc.ents`` are used with ``canonical`` equal to their text.
    organisation : str, optional
        Publishing organisation: the speaker for "we"/"our".

    Returns
    -------
    list of Quote
        Ordered by ``start`` with ids ``q1, q2, ...``; ``doc.text[q.start:q.end] == q.text``.
    """
    if not entities:
        entities = [Entity(e.start_char, e.end_char, e.text, e.label_, e.text) for e in doc.ents]
    entities = sorted(entities, key=lambda e: e.start)
    text = doc_text(doc)
    organisation = organisation or guess_publisher(doc, entities)
    ctx = Context(
        doc=doc,
        text=text,
        entities=entities,
        organisation=organisation,
        quote_spans=find_quote_spans(text),
        paragraphs=paragraph_spans(text),
        entity_starts=[e.start for e in entities],
        person_labels={e.canonical for e in entities if e.label == "PERSON"},
    )
    ctx.quote_opens = [s.open for s in ctx.quote_spans]
    ctx.quoted_paragraphs = {p for s in ctx.quote_spans for p in range(s.para_first, s.para_last + 1)}
    collect_person_mentions(ctx)
    results = direct_quotes(ctx)
    quotes = [quote for _, quote in results]
    quotes += nested_quotes(ctx, [q for q, quote in results if quote.kind == "direct"])
    quotes += witness_accounts(ctx)  # "X described:" + first-person paragraphs without marks
    add_reported_speech(ctx, quotes)
    expand_acronym_speakers(ctx, quotes)
    quotes.sort(key=lambda r: (r.start, r.end))
    for n, quote in enumerate(quotes, 1):
        quote.quote_id = f"q{n}"
    return quotes
