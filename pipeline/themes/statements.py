"""Every sentence of a document as a statement with its themes, and the themes of quotes and claims.

:func:`classify_sentences` is what the ``ngo_themes`` spaCy component runs: one call of the
model for the whole document, each sentence read with its section heading and the sentence
before it as context (:func:`~pipeline.themes.features.sentence_contexts`). A quote or a claim
takes the themes of the sentences it overlaps (:func:`assign_record_themes`). Analysts'
corrections are not read here: the run applies them (:func:`pipeline.themes.review.apply_corrections`).
"""
from __future__ import annotations

from typing import Iterable

from spacy.tokens import Doc

from pipeline.doctext import doc_text
from pipeline.records import Statement
from pipeline.themes.features import linguistic_strings_of_spans, sentence_contexts
from pipeline.themes.model import ThemeClassifier


def classify_sentences(doc: Doc, classifier: ThemeClassifier) -> list[Statement]:
    """Classify every sentence of a document.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        Parsed normalised text (sentence boundaries set).
    classifier : ThemeClassifier
        Trained model; called once for the whole document.

    Returns
    -------
    list of Statement
        One per non-blank sentence, ids ``s1, s2, ...`` in text order, offsets trimmed of
        surrounding whitespace so ``doc.text[start:end] == statement.text``; the model's themes
        (``themes_source="model"``).
    """
    spans: list[tuple[int, int, str]] = []
    token_ranges: list[tuple[int, int]] = []
    text_of_doc = doc_text(doc)
    for sent in doc.sents:
        raw = text_of_doc[sent.start_char:sent.end_char]  # sent.text, without rebuilding it
        stripped = raw.strip()
        if not stripped:
            continue
        start = sent.start_char + (len(raw) - len(raw.lstrip()))
        end = start + len(stripped)
        spans.append((start, end, stripped))
        token_ranges.append((sent.start, sent.end))
    if not spans:
        return []
    # linguistic_string of each sentence, from the document's parse: no second spaCy pass
    lemmas = linguistic_strings_of_spans(doc, token_ranges)
    texts = [text for _, _, text in spans]
    predictions = classifier.predict(texts, sentence_contexts(text_of_doc, spans), lemmas)
    return [Statement(statement_id=f"s{i}", start=start, end=end, text=text, themes=themes, scores=scores)
            for i, ((start, end, text), (themes, scores)) in enumerate(zip(spans, predictions), 1)]


def themes_of_span(start: int, end: int, statements: list[Statement]) -> list[str]:
    """Themes of the sentences a span overlaps, in taxonomy order, without repeats."""
    themes: list[str] = []
    for st in statements:
        if st.start < end and start < st.end:
            themes.extend(t for t in st.themes if t not in themes)
    return themes


def assign_record_themes(records: Iterable, statements: list[Statement]) -> None:
    """Give each record (a quote, a claim) the themes of the sentences it overlaps."""
    for record in records:
        record.themes = themes_of_span(record.start, record.end, statements)
