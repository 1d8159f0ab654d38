"""Totals and their sub-counts: ``part_of`` links ("including 284 children", "167 of them") and
the ``parts_exceed_total`` flag where sub-counts contradict their total.
"""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span

from pipeline.extract.claims.phrases import Number
from pipeline.extract.claims.roles import PART_PRONOUNS
from pipeline.records import Claim

_PART_BEFORE_RE = re.compile(
    r"(?:\binclud(?:ing|es|ed|e)|\bamong\s+(?:them|whom|which|these|those)|\bof\s+(?:whom|which|these|them))"
    r"\s*[:,(]?\s*$",
    re.I,
)


#: Totals that are floors or vague: parts above them do not contradict them.
_FLOOR_QUALIFIERS = frozenset({"more_than", "at_least", "vague"})


def flag_inconsistent_parts(claims: list[Claim]) -> None:
    """Add ``parts_exceed_total`` to totals whose sub-counts add up to more than them.

    The flag goes on the total when the sum of its direct parts exceeds it, and on a part
    that alone exceeds its total (:func:`check_parts`). Totals stated as a floor ("at
    least", "more than") or vaguely cannot be exceeded.
    """
    def flag(claim: Claim) -> None:
        if "parts_exceed_total" not in claim.flags:
            claim.flags.append("parts_exceed_total")

    by_id = {c.claim_id: c for c in claims}
    for part_id, total_id in check_parts(claims):
        flag(by_id[part_id])
        flag(by_id[total_id])
    for total in claims:
        parts = [c for c in claims if c.part_of == total.claim_id and c.value is not None and c.unit == total.unit]
        if len(parts) < 2 or total.value is None or total.qualifier in _FLOOR_QUALIFIERS:
            continue
        ceiling = total.value_max if total.value_max is not None else total.value
        if sum(p.value for p in parts) > ceiling:
            flag(total)


def renumber(claims: list[Claim]) -> list[Claim]:
    """Ids ``c1, c2…`` again after claims were dropped, keeping ``part_of`` links."""
    new_ids = {c.claim_id: f"c{i}" for i, c in enumerate(claims, start=1)}
    for claim in claims:
        claim.claim_id = new_ids[claim.claim_id]
        claim.part_of = new_ids.get(claim.part_of) if claim.part_of else None
    return claims


def claim_by_id(claims: list[Claim], claim_id: str | None) -> Claim | None:
    if claim_id is None:
        return None
    return next((c for c in claims if c.claim_id == claim_id), None)


#: Text between two sub-counts of one total: "46 were children and 19 were women", "65 children, 38 women".
_SIBLING_GAP_RE = re.compile(r"^\s*(?:[^\W\d]+\s+){0,3}?(?:,\s*and|,|and)\s*$")


#: A sentence opening on its total: "Of the 360,000 people identified, only 12,700 were reached".
_OF_TOTAL_RE = re.compile(r"^\s*of\s+(?:the\s+|these\s+|those\s+|all\s+)?$", re.I)


_SENTENCE_END_RE = re.compile(r"[.!?;:][\"”’)]?\s|\n")


def link_parts(doc: Doc, text: str, claims: list[Claim], numbers: list[Number]) -> None:
    """Set ``part_of``: "including 284 children", "167 of them", "of whom 20", "38 women" (conj).

    "of them" in a sentence without a count before it points at the last count of the
    sentence before ("47 attacks. In 29 of them, ...").
    """
    for index, (claim, number) in enumerate(zip(claims, numbers)):
        # the same sentence, or one the parser split without a full stop ("... 2024, of whom 46")
        previous = [j for j in range(index) if claims[j].unit == claim.unit and (
            claims[j].sentence_start == claim.sentence_start
            or not _SENTENCE_END_RE.search(text[claims[j].end : claim.start]))]
        if not previous:
            sentence = doc[number.core_start].sent
            lead = text[sentence.start_char : claim.start]
            opens_sentence = not any(t.pos_ in {"NOUN", "PROPN", "PRON"} and t.lower_ not in PART_PRONOUNS
                                     for t in doc[sentence.start : number.start])
            if (number.of_pronoun or _PART_BEFORE_RE.search(lead)) and opens_sentence:
                before = [j for j in range(index) if claims[j].unit == claim.unit and claims[j].part_of is None
                          and claims[j].sentence_end <= sentence.start_char + 1
                          and claims[j].sentence_start >= _previous_sentence_start(doc, sentence)]
                if before:
                    claim.part_of = claims[before[-1]].claim_id
            continue
        total_index = previous[-1]
        total = claims[total_index]
        between = text[total.end : claim.start]
        if number.of_pronoun or _PART_BEFORE_RE.search(between):
            claim.part_of = total.claim_id
            continue
        if _OF_TOTAL_RE.search(text[total.sentence_start : total.start]) and total.part_of is None \
                and "," in between:
            claim.part_of = total.claim_id  # "Of the 360,000 people identified, only 12,700..."
            continue
        if total.part_of is None:
            continue
        # a sibling of a part: "of whom 46 were children and 19 were women"
        if _SIBLING_GAP_RE.match(between):
            claim.part_of = total.part_of
            continue
        # an apposition or conjunct of a part: "including at least 65 children, 38 women"
        if number.counted_token is not None and re.fullmatch(r"\s*(?:,|and|, and)\s*", between):
            token = doc[number.counted_token]
            other = numbers[total_index].counted_token
            if other is not None and token.dep_ in {"conj", "appos"} and token.head.i == other:
                claim.part_of = total.part_of


def _previous_sentence_start(doc: Doc, sentence: Span) -> int:
    if sentence.start == 0:
        return 0
    return doc[sentence.start - 1].sent.start_char


def check_parts(claims: list[Claim]) -> list[tuple[str, str]]:
    """Sub-counts larger than their total: ``(part claim_id, total claim_id)`` pairs.

    A part is compared with the total's ``value_max`` when the total is a range.
    """
    by_id = {c.claim_id: c for c in claims}
    bad: list[tuple[str, str]] = []
    for claim in claims:
        total = by_id.get(claim.part_of or "")
        if total is None or claim.value is None or total.value is None:
            continue
        ceiling = total.value_max if total.value_max is not None else total.value
        if claim.value > ceiling and total.qualifier not in _FLOOR_QUALIFIERS:
            bad.append((claim.claim_id, total.claim_id))
    return bad
