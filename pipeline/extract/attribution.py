"""Attribution: who a sentence says words or figures come from.

Shared by quotes and claims, so a quote's speaker and a figure's source are found by the same
cues: speech and reporting verbs and their subjects (:func:`subject_of`, :func:`is_speech_verb`,
:func:`cue_text`), "according to X" (:func:`according_to`, :func:`source_matcher`) and the source
of the figures in a sentence (:func:`figure_source`); a figure inside a quote that its sentence
attributes to no one takes the quote's speaker (:func:`quote_speaker_at`), so the two agree. Who the subject *is* (a pronoun, a surname,
"the network") is resolved by :mod:`pipeline.extract.quotes.speakers`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

import numpy as np
from spacy.attrs import LEMMA, POS
from spacy.parts_of_speech import VERB
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from pipeline import lexicon as lex
from pipeline.extract.matching import AnchoredMatcher
from pipeline.records import Entity, Quote


def subject_of(verb: Token, depth: int = 0) -> Token | None:
    """The speaking subject of ``verb``, following relative clauses and shared subjects.

    "one of the workers, who stated:" -> "one"; "X published a post stating:" -> X;
    "X arrived and said:" -> X.
    """
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            if child.lower_ in ("who", "which", "that") and verb.dep_ == "relcl":
                head = verb.head
                if head.dep_ == "pobj" and head.head.lower_ == "of":
                    owner = head.head.head  # "one of the workers, who said" / "a member of the team, who said"
                    if owner.lower_ == "one" or owner.lemma_.lower() in lex.SPEAKER_NOUNS:
                        return owner
                return head
            return child
    if depth < 3 and verb.dep_ == "pcomp" and verb.head.lower_ == "as" and verb.head.head.i != verb.head.i:
        return subject_of(verb.head.head, depth + 1)  # "X was quoted as saying ..." -> X
    if depth < 3 and verb.dep_ in ("conj", "xcomp", "advcl", "acl") and verb.head.i != verb.i:
        head = verb.head
        if verb.dep_ == "acl":
            # "published a post on their page stating:" -> climb to the verb governing "post"
            for _ in range(4):
                if head.pos_ in ("VERB", "AUX") or head.head.i == head.i:
                    break
                head = head.head
            if head.pos_ not in ("VERB", "AUX"):
                return None
        return subject_of(head, depth + 1)
    return None


@lru_cache(maxsize=8)
def source_matcher(vocab: Vocab) -> AnchoredMatcher:
    """"according to": run only near the phrases' words (:class:`AnchoredMatcher`)."""
    return AnchoredMatcher(vocab, {"SOURCE": [[{"LOWER": w} for w in phrase] for phrase in lex.SOURCE_PHRASES]},
                           anchor_words={word for phrase in lex.SOURCE_PHRASES for word in phrase})


def reported_speech_verbs(doc: Doc) -> list[int]:
    """Indices of the verbs that may report speech (lemma in ``INDIRECT_VERBS``), in text order.

    What a one-node ``DependencyMatcher`` on ``{"LEMMA": {"IN": ...}, "POS": "VERB"}`` finds
    (``tests/test_speed_equivalence.py``), read from token arrays.
    """
    if not len(doc):
        return []
    attrs = doc.to_array([POS, LEMMA])
    strings = doc.vocab.strings
    return [i for i in np.flatnonzero(attrs[:, 0] == VERB).tolist()
            if strings[int(attrs[i, 1])] in lex.INDIRECT_VERBS]


def cue_text(verb: Token) -> str:
    """The cue as written, with its particle: "said", "told", "called on", "urging"."""
    lemma = verb.lemma_.lower()
    particles = lex.PHRASAL_CUES.get(lemma)
    if particles:
        for child in verb.children:
            if child.lower_ in particles and child.dep_ in ("prep", "prt"):
                return f"{verb.text} {child.text}"
    return verb.text


def is_speech_verb(token: Token) -> bool:
    lemma = token.lemma_.lower()
    if lemma not in lex.SPEECH_VERBS or token.pos_ not in ("VERB", "AUX"):
        return False
    particles = lex.PHRASAL_CUES.get(lemma)
    return not particles or any(c.lower_ in particles for c in token.children)


def according_to(tokens: list[Token]) -> Token | None:
    """The object of "according to" among ``tokens``, if any."""
    for a, b in zip(tokens, tokens[1:]):
        if a.lower_ == "according" and b.lower_ == "to":
            pobj = [c for c in b.children if c.dep_ == "pobj"]
            return pobj[0] if pobj else None
    return None


# --- the source of figures -------------------------------------------------------------

_SOURCE_LABELS = {"ORG", "PERSON", "GPE"}


def _clean_source(text: str) -> str:
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text.strip())
    text = re.sub(r"^(?:the)\s+", "", text, flags=re.I)
    return text.strip(" ,.;:")


def _entity_with_label(token: Token, entities: list[Entity], labels: set[str]) -> Entity | None:
    for entity in entities:
        if entity.start <= token.idx < entity.end and entity.label in labels:
            return entity
    return None


def figure_source(sentence: Span, entities: list[Entity]) -> tuple[str, Span | None] | None:
    """Who the sentence attributes its figures to, and (for a reporting verb) its clause.

    "according to X" (the author when X is a document: "data compiled by the SDDU"), else the
    named subject of a reporting verb (:data:`pipeline.lexicon.lex.REPORTING_VERBS`), whose clause
    holds the figures it sources.
    """
    for token in sentence:
        if token.lower_ == "according" and token.i + 1 < sentence.end and token.nbor(1).lower_ == "to":
            to = token.nbor(1)
            objects = [c for c in to.children if c.dep_ == "pobj"]
            start = to.i + 1
            if start < sentence.end and sentence.doc[start].lower_ == "the":
                start += 1
            if start >= sentence.end:
                continue
            entity = _entity_with_label(sentence.doc[start], entities, _SOURCE_LABELS)
            if entity is not None:
                return _clean_source(entity.canonical or entity.text), None
            if objects:
                obj = objects[0]
                if obj.lemma_.lower() in lex.SOURCE_DOCUMENT_NOUNS:
                    # "according to data compiled by the SDDU": the author, not "data"
                    author = next((e for t in obj.subtree if t is not obj
                                   for e in [_entity_with_label(t, entities, {"ORG", "PERSON"})] if e), None)
                    if author is None:
                        continue
                    return _clean_source(author.canonical or author.text), None
                left = obj.left_edge.i
                while left <= obj.i and sentence.doc[left].pos_ == "DET":
                    left += 1
                return _clean_source(sentence.doc[left : obj.i + 1].text), None
    for token in sentence:
        if token.pos_ != "VERB" or token.lemma_.lower() not in lex.REPORTING_VERBS:
            continue
        subjects = [c for c in token.children if c.dep_ == "nsubj" and c.pos_ == "PROPN"]
        if not subjects:
            continue
        subject = subjects[0]
        clause = sentence.doc[token.left_edge.i : token.right_edge.i + 1]
        entity = _entity_with_label(subject, entities, _SOURCE_LABELS)
        if entity is not None:
            return _clean_source(entity.canonical or entity.text), clause
        left = subject.left_edge.i
        while sentence.doc[left].pos_ == "DET":
            left += 1
        return _clean_source(sentence.doc[left : subject.i + 1].text), clause
    return None


def quote_speaker_at(quotes: Sequence[Quote], start: int, end: int) -> str | None:
    """The named speaker (a person or an organisation) of the quote or reported statement that
    holds ``[start, end)``, the innermost one when quotes nest; None when there is none."""
    holding = [q for q in quotes if q.start <= start and end <= q.end and q.speaker
               and q.speaker_type in ("PERSON", "ORG")]
    return min(holding, key=lambda q: q.end - q.start).speaker if holding else None
