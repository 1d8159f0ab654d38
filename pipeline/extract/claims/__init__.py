"""Numeric claims: "at least 65 children were killed in 2021, according to X".

A claim is a number phrase (:mod:`~pipeline.extract.claims.phrases`) that is not a label, a
date or a code (:mod:`~pipeline.extract.claims.filters`), with its qualifier, unit, what it
counts and the event (:mod:`~pipeline.extract.claims.roles`), the total it is part of
(:mod:`~pipeline.extract.claims.parts`), its period and place
(:mod:`~pipeline.extract.claims.context`) and the source the sentence attributes it to
(:func:`pipeline.extract.attribution.figure_source`). See ``docs/claims_and_dates.md``.
"""
from __future__ import annotations

from spacy.tokens import Doc, Span

from pipeline.doctext import doc_text
from pipeline.extract.attribution import figure_source, quote_speaker_at
from pipeline.extract.claims.context import find_location, find_period
from pipeline.extract.claims.filters import (
    counts_events,
    is_definite_reference,
    is_demand,
    is_multiplier,
    is_name_or_label,
    is_year,
    label_above,
    looks_like_code,
    word_around,
)
from pipeline.extract.claims.parts import (
    check_parts,
    claim_by_id,
    flag_inconsistent_parts,
    link_parts,
    renumber,
)
from pipeline.extract.claims.phrases import (
    NUMBER_PATTERNS,
    Number,
    merge_ranges,
    number_spans,
    value_of,
)
from pipeline.extract.claims.roles import (
    NOT_COUNTED,
    borrow_counted,
    chunk_index,
    counted_lemma,
    dot_thousands,
    find_counted,
    find_event,
    find_unit,
    qualifier_before,
    shares_verb,
)
from pipeline.extract.claims.wholes import fill_counted, fill_counted_late, find_whole
from pipeline.lexicon import (
    EVENT_LEMMAS,
    NAME_ENTITY_LABELS,
    QUANTITY_UNITS,
    TIME_UNITS,
)
from pipeline.records import Claim, DateRecord, Entity, Quote

__all__ = ["NUMBER_PATTERNS", "check_parts", "extract_claims", "flag_inconsistent_parts"]


def _entities_or_doc(doc: Doc, entities: list[Entity]) -> list[Entity]:
    if entities:
        return entities
    return [Entity(e.start_char, e.end_char, e.text, e.label_, e.text) for e in doc.ents]


def extract_claims(
    doc: Doc,
    dates: list[DateRecord],
    entities: list[Entity],
    published: str | None = None,
    quotes: list[Quote] | None = None,
) -> list[Claim]:
    """Find the numeric claims of a document.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        The parsed normalised text.
    dates : list of DateRecord
        Output of :func:`pipeline.extract.dates.extract_dates`: numbers inside them are
        not claims, and their values give ``Claim.period``.
    entities : list of Entity
        Entities of the document; GPE/LOC ones give ``Claim.location`` and ORG/PERSON ones
        the ``source``. When empty, the spaCy entities of ``doc`` are used.
    published : str or None
        Publication date: a period opened by "since" ("since March 2011") runs up to it.
    quotes : list of Quote, optional
        Quotes and reported speech of the document (:func:`pipeline.extract.quotes.extract_quotes`):
        a figure the sentence attributes to no one takes the named speaker of the quote it stands
        in (:func:`pipeline.extract.attribution.quote_speaker_at`), so a figure's source and the
        speaker of its quote agree.

    Returns
    -------
    list of Claim
        In text order, ids ``c1, c2…``; ``claim.text == doc.text[claim.start:claim.end]``.
        ``flags`` holds ``parts_exceed_total`` where sub-counts contradict their total
        (:func:`flag_inconsistent_parts`).
    """
    text = doc_text(doc)  # Doc.text is rebuilt from the tokens on every access
    entities = _entities_or_doc(doc, entities)
    date_chars = [(d.start, d.end) for d in dates]
    numbers: list[Number] = []
    for span, kind in number_spans(doc):
        if any(s < span.end_char and span.start_char < e for s, e in date_chars):
            continue
        if kind in {"FIGURE", "RANGE_TOKEN"} and (is_year(span) or is_name_or_label(doc, text, span)):
            continue
        if looks_like_code(word_around(text, span)):
            continue
        value, value_max, override = value_of(span, kind)
        if value is None:
            continue
        if dot_thousands(doc, span):
            value = float(span.text.replace(".", ""))
        number = Number(span.start, span.end, span.start, span.end, value, value_max)
        if override:
            number.qualifier = override
        numbers.append(number)
    numbers = merge_ranges(doc, numbers)

    kept: list[tuple[Number, Span]] = []
    chunk_of = chunk_index(doc)
    for number in numbers:
        sentence = doc[number.core_start].sent
        find_unit(doc, number)
        if number.qualifier == "exact":  # vague quantities and ranges keep their own qualifier
            qualifier, start = qualifier_before(doc, number.start)
            if qualifier:
                number.qualifier, number.start = qualifier, start
        if number.unit == "percent":
            find_whole(doc, number, sentence)
        if number.unit == "count":
            find_counted(doc, number, sentence, chunk_of)
            if number.counted in QUANTITY_UNITS:  # "dozens of tonnes"
                number.unit, number.counted = "quantity", QUANTITY_UNITS[number.counted]
        if number.counted_token is not None and doc[number.counted_token].lower_ in TIME_UNITS \
                and any(s <= doc[number.counted_token].idx < e for s, e in date_chars):
            # "compared with 14 last year": the noun belongs to a date, the number counts something else
            number.counted, number.counted_token, number.end = None, None, number.core_end
        if number.counted_token is not None and doc[number.counted_token].lower_ in NOT_COUNTED:
            continue  # "10 years", "three times": a duration or a multiplier
        if number.counted_token is not None and doc[number.counted_token].ent_type_ in NAME_ENTITY_LABELS - {"PERSON"}:
            continue  # "314 Amnesty International Report": a page number before a title
        if number.unit == "count" and number.counted is None and number.end < len(doc) \
                and doc[number.end].lower_ in NOT_COUNTED:
            continue
        if (number.counted == "time" or (number.end < len(doc) and doc[number.end].lower_ == "times")) \
                and (is_multiplier(doc, number) or not counts_events(doc, number)):
            continue  # "ten times higher", "prices rose three times"; "shelled nine times" counts attacks
        if is_definite_reference(doc, number):
            continue  # "the three NGOs", "uses the two chemicals": things counted earlier
        if is_demand(doc[number.core_end - 1]):
            continue  # "urged the EU to resettle at least 10,000 refugees": a target, not a fact
        kept.append((number, sentence))

    # "at least 7 of the 23 facilities": 23 is the base of the proportion, not a claim of its own
    kept = [(n, sent) for n, sent in kept
            if not any(o is not n and o.start <= n.core_start and n.core_end <= o.end
                       and not (o.core_start <= n.core_start and n.core_end <= o.core_end) for o, _ in kept)]
    kept.sort(key=lambda pair: doc[pair[0].start].idx)
    claims: list[Claim] = []
    claim_numbers: list[Number] = []
    sources: dict[int, tuple[str, Span | None] | None] = {}
    for number, sentence in kept:
        start_char = doc[number.start].idx
        end_token = doc[number.end - 1]
        end_char = end_token.idx + len(end_token.text)
        claim = Claim(
            claim_id=f"c{len(claims) + 1}",
            start=start_char,
            end=end_char,
            text=text[start_char:end_char],
            value=number.value,
            value_max=number.value_max,
            qualifier=number.qualifier,
            unit=number.unit,
            counted=number.counted,
            sentence_start=sentence.start_char,
            sentence_end=sentence.end_char,
        )
        if sentence.start not in sources:
            sources[sentence.start] = figure_source(sentence, entities)
        found = sources[sentence.start]
        if found is not None:
            source, clause = found
            if clause is None or clause.start <= number.core_start < clause.end:
                claim.source = source
        if claim.source is None and quotes:
            claim.source = quote_speaker_at(quotes, claim.start, claim.end)
        claims.append(claim)
        claim_numbers.append(number)

    link_parts(doc, text, claims, claim_numbers)
    for index, (claim, number) in enumerate(zip(claims, claim_numbers)):
        total = claim_by_id(claims, claim.part_of)
        claim.event = find_event(number, doc)
        if total is not None:
            if claim.counted is None:
                claim.counted = total.counted
            if claim.event is None:
                claim.event = total.event
        else:
            fill_counted(doc, text, claims, claim_numbers, index)  # "57% of hospitals", "the number of X"
            if claim.counted is None and claim.unit == "count" and not number.of_pronoun:
                borrow_counted(claims, index, shares_verb(doc, number, claim_numbers[:index]))
            fill_counted_late(doc, text, claims, claim_numbers, index)
        label = label_above(doc, text, doc[number.core_start : number.core_end]) \
            if claim.counted is None and claim.event is None else None
        if label is not None:  # "Civilians reported injured / 4"
            claim.event = next(EVENT_LEMMAS.get(t.lemma_.lower()) or EVENT_LEMMAS[t.lower_] for t in label
                               if t.lemma_.lower() in EVENT_LEMMAS or t.lower_ in EVENT_LEMMAS)
            noun = next((t for t in label if t.tag_ in {"NNS", "NNPS"}), None)
            claim.counted = counted_lemma(noun) if noun is not None else None
        claim.period = find_period(doc, text, claim, number, dates, total, published)
        claim.location = find_location(doc, claim, entities)
    # "one room", "one site": a lone "one" is a count only when something happened to it
    dropped = {c.claim_id for c, n in zip(claims, claim_numbers)
               if c.value == 1 and c.event is None and doc[n.core_start].lower_ in {"one", "a", "an", "single"}
               and not any(other.part_of == c.claim_id for other in claims)}
    if dropped:
        claims = renumber([c for c in claims if c.claim_id not in dropped])
    flag_inconsistent_parts(claims)
    return claims
