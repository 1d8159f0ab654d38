"""The theme model's inputs: a sentence, its lemmas and entity labels, and its context.

Shared by inference (:mod:`pipeline.themes.model`, :mod:`pipeline.themes.statements`) and training
(:mod:`pipeline.themes.training`), so both read sentences the same way.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
from spacy.tokens import Doc

from pipeline.layout import HEADING_MARKUP, section_headings


def linguistic_string(tokens: Iterable[Any]) -> str:
    """Lemmas of the content words plus one ``ent_<LABEL>`` token per named entity.

    Lemmas merge inflections the word n-grams keep apart ("deported", "deporting" ->
    "deport"); entity labels let the model learn that *a country* or *a number of people* is
    involved without memorising which one. Stop words, punctuation and numbers are dropped.
    """
    parts: list[str] = []
    for token in tokens:
        if token.ent_iob_ == "B" and token.ent_type_:
            parts.append(f"ent_{token.ent_type_.lower()}")
        if token.is_alpha and not token.is_stop and len(token) > 1:
            parts.append(token.lemma_.lower())
    return " ".join(parts)


def linguistic_strings_of_spans(doc: Doc, spans: Sequence[tuple[int, int]]) -> list[str]:
    """:func:`linguistic_string` of the token ranges ``[start, end)`` of ``doc``, from token arrays.

    The same strings (``tests/test_speed_equivalence.py``) without a Token object per word.
    """
    import bisect

    from spacy.attrs import ENT_IOB, ENT_TYPE, IS_ALPHA, IS_STOP, LEMMA, LENGTH

    if not spans:
        return []
    attrs = doc.to_array([ENT_IOB, ENT_TYPE, IS_ALPHA, IS_STOP, LENGTH, LEMMA])
    starts_entity = (attrs[:, 0] == 3) & (attrs[:, 1] != 0)  # ENT_IOB 3 is "B"
    content_word = (attrs[:, 2] != 0) & (attrs[:, 3] == 0) & (attrs[:, 4] > 1)
    kept = np.flatnonzero(starts_entity | content_word)
    strings = doc.vocab.strings
    pieces: list[str] = []  # each kept token's contribution, in token order
    for i, entity, content, ent_type, lemma in zip(kept.tolist(), starts_entity[kept].tolist(),
                                                   content_word[kept].tolist(), attrs[kept, 1].tolist(),
                                                   attrs[kept, 5].tolist()):
        if entity and content:
            pieces.append(f"ent_{strings[ent_type].lower()} {strings[lemma].lower()}")
        elif entity:
            pieces.append(f"ent_{strings[ent_type].lower()}")
        else:
            pieces.append(strings[lemma].lower())
    positions = kept.tolist()
    return [" ".join(pieces[bisect.bisect_left(positions, start):bisect.bisect_left(positions, end)])
            for start, end in spans]


def linguistic_strings(texts: Sequence[str]) -> list[str]:
    """:func:`linguistic_string` of texts parsed with the pipeline's spaCy model."""
    from pipeline.analysis import parse
    from pipeline.nlp import load_nlp

    return [linguistic_string(doc) for doc in parse(load_nlp(), texts, batch_size=256)]


def sentence_contexts(text: str, spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """The context of each sentence: its section heading, then the sentence before it.

    A sentence often carries its theme only through the section it sits in ("Deaths in
    custody", then "Two brothers died three days after their arrest."); the heading is the
    nearest heading line before the sentence, left out when the sentence starts on the
    heading's own line (it is the heading) or when the previous sentence is the heading.
    """
    headings = section_headings(text)
    contexts: list[str] = []
    h = -1
    for i, (start, _end, _text) in enumerate(spans):
        while h + 1 < len(headings) and headings[h + 1][0] <= start:
            h += 1
        previous = spans[i - 1][2] if i else ""
        parts = []
        if h >= 0:
            heading_start, heading = headings[h]
            line_end = text.find("\n", heading_start)
            on_heading_line = line_end == -1 or start < line_end
            if not on_heading_line and previous.strip(HEADING_MARKUP) != heading:
                parts.append(heading)
        if previous:
            parts.append(previous)
        contexts.append(" ".join(parts))
    return contexts


def as_columns(texts: Sequence[str], contexts: Sequence[str] | None,
                lemmas: Sequence[str] | None = None) -> dict[str, list[str]]:
    if contexts is None:
        contexts = [""] * len(texts)
    if len(contexts) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(contexts)} contexts")
    texts = [t or "" for t in texts]
    if lemmas is None:
        lemmas = linguistic_strings(texts)
    if len(lemmas) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(lemmas)} lemma strings")
    return {"text": texts, "context": [c or "" for c in contexts], "lemmas": list(lemmas)}
