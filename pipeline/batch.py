"""Run the pipeline over many files: stream, parse in batches, write, summarise.

Documents flow one batch at a time: read (ingest) -> skip those already stored ->
``nlp.pipe`` -> :func:`analyse_doc` -> the SQLite store (one transaction per document).
Memory stays flat however many documents there are; the model loads once, and only when
some document needs analysing. A document that fails to read or to analyse gets
``status: error`` with its message and never stops the batch.
"""
from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.analysis import analyse_doc
from pipeline.ingest import IngestError, iter_input_paths, load_metadata, read_document
from pipeline.limits import DEFAULT_LIMITS, Limits
from pipeline.nlp import load_nlp
from pipeline.output import write_json_atomic
from pipeline.records import SCHEMA_VERSION, TABLES, Document, DocumentResult
from pipeline.store import STORE_NAME, StoreWriter, resolve_store_path
from pipeline.themes.classifier import ThemeClassifier

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What happened to every input path in a run."""

    documents_ok: int = 0
    documents_failed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    records: dict[str, int] = field(default_factory=dict)  # rows written by this run
    words: int = 0
    seconds: float = 0.0
    store: str | None = None
    documents_inserted: int = 0
    documents_replaced: int = 0
    documents_unchanged: int = 0  # already stored with the same content: not analysed again
    totals: dict[str, int] = field(default_factory=dict)  # rows in the store after the run

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "documents_ok": self.documents_ok,
            "documents_failed": self.documents_failed,
            "skipped": [{"source": s, "reason": r} for s, r in self.skipped],
            "errors": [{"source": s, "error": e} for s, e in self.errors],
            "records": self.records,
            "words": self.words,
            "seconds": round(self.seconds, 3),
            "words_per_second": round(self.words_per_second, 1),
            "store": {
                "path": self.store,
                "documents_inserted": self.documents_inserted,
                "documents_replaced": self.documents_replaced,
                "documents_unchanged": self.documents_unchanged,
                "totals": self.totals,
            },
        }


def _failed(source: str, message: str) -> Document:
    return Document(source=source, text="", status="error", error=message, language=None)


def iter_documents(
    inputs: Iterable[tuple[Path, str | None]],
    metadata: dict[str, dict] | None,
    summary: RunSummary,
    limits: Limits | None = None,
) -> Iterator[Document]:
    """Read every input (from ``iter_input_paths``), yielding documents and noting skips."""
    seen: dict[str, str] = {}
    for path, skip_reason in inputs:
        source = str(path)
        if skip_reason:
            summary.skipped.append((source, skip_reason))
            continue
        row = None
        if metadata:
            row = metadata.get(source) or metadata.get(path.name)
        try:
            document = read_document(path, row, limits)
        except IngestError as exc:
            yield _failed(source, f"{exc.kind}: {exc}")
            continue
        except Exception as exc:  # a reader bug must not stop the batch
            log.debug("ingest failed for %s", source, exc_info=True)
            yield _failed(source, f"unexpected {type(exc).__name__}: {exc}")
            continue
        if document.doc_id in seen:
            summary.skipped.append((source, f"duplicate content of {seen[document.doc_id]}"))
            continue
        seen[document.doc_id] = source
        yield document


def _batched(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def process_documents(
    documents: Iterable[Document],
    *,
    model: str | None = None,
    batch_size: int = 16,
) -> Iterator[DocumentResult]:
    """Analyse documents in batches through one ``nlp.pipe``; errors become error results."""
    nlp = classifier = None
    for batch in _batched(documents, batch_size):
        if nlp is None:  # loaded on the first batch: a run where nothing changed never pays for it
            nlp = load_nlp(model)
            classifier = ThemeClassifier.load()
        ok = [d for d in batch if d.status == "ok"]
        parsed = dict(zip((id(d) for d in ok), nlp.pipe((d.text for d in ok), batch_size=batch_size)))
        for document in batch:
            if document.status != "ok":
                yield DocumentResult(document)
                continue
            try:
                yield analyse_doc(document, parsed[id(document)], classifier)
            except Exception as exc:
                log.debug("analysis failed for %s", document.source, exc_info=True)
                tb = traceback.extract_tb(exc.__traceback__)[-1]
                document.status = "error"
                document.error = (f"analysis failed: {type(exc).__name__}: {exc} "
                                  f"({Path(tb.filename).name}:{tb.lineno})")
                yield DocumentResult(document)


def run(
    paths: list[str | Path],
    out_dir: str | Path,
    *,
    metadata_file: str | Path | None = None,
    model: str | None = None,
    batch_size: int = 16,
    store: str | Path | None = None,
    force: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    on_start: Callable[[int], None] | None = None,
    on_document: Callable[[DocumentResult], None] | None = None,
) -> RunSummary:
    """Process ``paths`` (files or folders) into the SQLite store.

    Parameters
    ----------
    paths : list of str or Path
        Files or folders (walked recursively).
    out_dir : str or Path
        Output folder: holds ``run.json`` and, unless ``store`` is given, ``pipeline.sqlite``.
    store : str or Path, optional
        The store file to write (default ``out_dir/pipeline.sqlite``).
    force : bool
        Analyse every document again, even those already stored unchanged.
    limits : Limits
        Per-document size and time limits (:mod:`pipeline.limits`).
    on_start, on_document : callable, optional
        ``on_start`` receives the number of documents to read (skipped files excluded),
        ``on_document`` every result as it is stored.

    Returns
    -------
    RunSummary
        Also written to ``out_dir/run.json``.
    """
    started = time.perf_counter()
    summary = RunSummary()
    metadata = load_metadata(metadata_file) if metadata_file else None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    store_path = resolve_store_path(store) if store else out_dir / STORE_NAME
    summary.store = str(store_path)
    inputs = list(iter_input_paths(list(paths)))  # paths only: cheap, and walked once
    if on_start:
        on_start(sum(1 for _, skip in inputs if not skip))
    with StoreWriter(store_path, force=force) as writer:
        documents = writer.skip_unchanged(iter_documents(inputs, metadata, summary, limits))
        for result in process_documents(documents, model=model, batch_size=batch_size):
            writer.write(result)
            document = result.document
            if document.status == "ok":
                summary.documents_ok += 1
                summary.words += document.n_words
            else:
                summary.documents_failed += 1
                summary.errors.append((document.source, document.error or "unknown error"))
            if on_document:
                on_document(result)
        summary.records = dict(writer.records)
        summary.documents_inserted = writer.actions["inserted"]
        summary.documents_replaced = writer.actions["replaced"]
        summary.documents_unchanged = writer.actions["unchanged"]
        summary.totals = writer.totals()
    summary.seconds = time.perf_counter() - started
    write_json_atomic(out_dir / "run.json", summary.to_dict())
    return summary


__all__ = ["RunSummary", "run", "process_documents", "iter_documents", "TABLES"]
