"""Every sentence of a document as a statement with its themes, and the themes of quotes and claims.

:func:`classify_sentences` is what the ``ngo_themes`` spaCy component runs: one call of the
model for the whole document, each sentence read with its section heading, the sentence before
it, its paragraph and the document's opening, then in its paragraph, section and document
(:meth:`~pipeline.themes.model.ThemeClassifier.document_proba`). A quote or a claim
takes the themes of the sentences it overlaps (:func:`assign_record_themes`). Analysts'
corrections are not read here: the run applies them (:func:`pipeline.themes.review.apply_corrections`).
"""
from __future__ import annotations

from typing import Iterable

from spacy.tokens import Doc

from pipeline.doctext import doc_text
from pipeline.records import Statement
from pipeline.themes.features import document_sentences
from pipeline.themes.model import ThemeClassifier


def classify_sentences(doc: Doc, classifier: ThemeClassifier) -> list[Statement]:
    """Classify every sentence of a document, each in its context.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        Parsed normalised text (sentence boundaries set).
    classifier : ThemeClassifier
        Trained model; called once for the whole document (:meth:`ThemeClassifier.document_proba`).

    Returns
    -------
    list of Statement
        One per non-blank sentence, ids ``s1, s2, ...`` in text order, offsets trimmed of
        surrounding whitespace so ``doc.text[start:end] == statement.text``; the model's themes
        (``themes_source="model"``).
    """
    sentences = document_sentences(doc, doc_text(doc))
    if not sentences:
        return []
    predictions = classifier.themes_and_scores(classifier.document_proba(sentences))
    return [Statement(statement_id=f"s{i}", start=s["start"], end=s["end"], text=s["text"], themes=themes,
                      scores=scores)
            for i, (s, (themes, scores)) in enumerate(zip(sentences, predictions), 1)]


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
