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
               lemmas: Sequence[str] | None = None, paragraphs: Sequence[str] | None = None,
               openings: Sequence[str] | None = None) -> dict[str, list[str]]:
    """The model's input columns: ``text``, ``context``, ``lemmas``, ``paragraph`` (the sentence's
    whole paragraph) and ``opening`` (its document's opening sentences); a missing column is
    empty text, missing lemmas are computed with spaCy."""
    n = len(texts)
    texts = [t or "" for t in texts]
    if lemmas is None:
        lemmas = linguistic_strings(texts)
    columns = {"text": texts}
    for name, values in (("context", contexts), ("lemmas", lemmas), ("paragraph", paragraphs),
                         ("opening", openings)):
        values = [""] * n if values is None else [v or "" for v in values]
        if len(values) != n:
            raise ValueError(f"got {n} texts but {len(values)} {name} values")
        columns[name] = values
    return columns


# --- a sentence in its document ------------------------------------------------------------------

OPENING_SENTENCES = 3  # the document's opening (title, standfirst): what the whole is about


def document_sentences(doc: Doc, text: str) -> list[dict[str, Any]]:
    """The sentences of a parsed document as the theme model reads them, in order.

    Each: ``index``, ``start``, ``end`` (trimmed of surrounding whitespace), ``paragraph`` (the
    line it sits on), ``text``, ``lemmas`` (from the document's own parse), ``context`` (its
    section heading and the sentence before, :func:`sentence_contexts`) and ``heading`` (the
    section heading alone, or "").
    """
    spans, ranges = [], []
    for sent in doc.sents:
        raw = text[sent.start_char:sent.end_char]  # sent.text, without rebuilding it
        stripped = raw.strip()
        if stripped:
            start = sent.start_char + len(raw) - len(raw.lstrip())
            spans.append((start, start + len(stripped), stripped))
            ranges.append((sent.start, sent.end))
    if not spans:
        return []
    lemmas = linguistic_strings_of_spans(doc, ranges)
    contexts = sentence_contexts(text, spans)
    headings = section_headings(text)
    rows, h = [], -1
    line = 0
    previous_start = 0
    for i, ((start, end, sentence), lemma, context) in enumerate(zip(spans, lemmas, contexts)):
        while h + 1 < len(headings) and headings[h + 1][0] <= start:
            h += 1
        line += text.count("\n", previous_start, start)
        previous_start = start
        rows.append({"index": i, "start": start, "end": end, "paragraph": line, "text": sentence,
                     "lemmas": lemma, "context": context, "heading": headings[h][1] if h >= 0 else ""})
    return rows


def paragraph_and_opening(sentences: Sequence[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """For each sentence of one document: the text of its whole paragraph, and the document's
    opening (its first :data:`OPENING_SENTENCES` sentences)."""
    by_paragraph: dict[int, list[str]] = {}
    for row in sentences:
        by_paragraph.setdefault(row["paragraph"], []).append(row["text"])
    paragraphs = {number: " ".join(texts) for number, texts in by_paragraph.items()}  # each joined once
    opening = " ".join(row["text"] for row in sentences[:OPENING_SENTENCES])
    return [paragraphs[row["paragraph"]] for row in sentences], [opening] * len(sentences)


# the context features of the second stage, per theme (see context_features)
CONTEXT_FEATURES = ("own", "previous", "next", "window", "paragraph", "section", "document", "document_top",
                    "length", "position")
WINDOW = 2  # sentences either side
DOCUMENT_TOP = 5  # the mean of a document's this many highest scores: how much of it is about the theme


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def context_features(scores: np.ndarray, paragraphs: Sequence[int], headings: Sequence[str],
                     lengths: Sequence[int]) -> np.ndarray:
    """The first-stage scores of one document's sentences in their context, per theme.

    Returns an array of shape ``(n_sentences, n_themes, len(CONTEXT_FEATURES))``: the sentence's
    own score (as a logit), the scores of the sentence before and after, the mean of the
    :data:`WINDOW` sentences either side, of the rest of its paragraph and of its section, the
    document's mean and the mean of its :data:`DOCUMENT_TOP` highest scores; then the sentence's
    length (log of its words) and its position in the document (0 to 1).
    """
    S = np.asarray(scores, dtype=float)
    n, t = S.shape
    if n == 0:
        return np.zeros((0, t, len(CONTEXT_FEATURES)))
    zeros = np.zeros((1, t))
    previous = np.vstack([zeros, S[:-1]])
    following = np.vstack([S[1:], zeros])
    cumulative = np.vstack([zeros, np.cumsum(S, axis=0)])
    window = np.zeros_like(S)
    for k in range(n):
        lo, hi = max(0, k - WINDOW), min(n, k + WINDOW + 1)
        count = hi - lo - 1
        if count:
            window[k] = (cumulative[hi] - cumulative[lo] - S[k]) / count
    paragraph = np.zeros_like(S)
    paragraphs = np.asarray(paragraphs)
    for value in np.unique(paragraphs):
        rows = paragraphs == value
        count = rows.sum()
        if count > 1:
            paragraph[rows] = (S[rows].sum(axis=0) - S[rows]) / (count - 1)
    section = np.zeros_like(S)
    headings = np.asarray(headings, dtype=object)
    for value in set(headings.tolist()):
        rows = headings == value
        section[rows] = S[rows].mean(axis=0)
    document = np.broadcast_to(S.mean(axis=0), S.shape)
    top = np.broadcast_to(np.sort(S, axis=0)[-min(DOCUMENT_TOP, n):].mean(axis=0), S.shape)
    length = np.broadcast_to(np.log1p(np.asarray(lengths, dtype=float))[:, None], S.shape)
    position = np.broadcast_to((np.arange(n) / max(1, n - 1))[:, None], S.shape)
    return np.stack([_logit(S), previous, following, window, paragraph, section, document, top, length, position],
                    axis=2)
