"""Run the pipeline over many files: stream, parse in batches, write, summarise.

Documents flow one batch at a time: read (ingest) -> skip those already stored ->
``nlp.pipe`` and the analysis components (:func:`pipeline.analysis.analyse_documents`) -> the SQLite store (one transaction per document).
Memory stays flat however many documents there are; the model loads once, and only when
some document needs analysing. A document that fails to read or to analyse gets
``status: error`` with its message and never stops the batch.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.ingest import IngestError, iter_input_paths, load_metadata
from pipeline.ingest.guarded import GuardedReader
from pipeline.ingest.errors import ERROR_KINDS
from pipeline.limits import Limits
from pipeline.output import write_json_atomic
from pipeline.records import SCHEMA_VERSION, TABLES, Document, DocumentResult
from pipeline.settings import RunSettings
from pipeline.store import StoreWriter

# spaCy, scikit-learn and the extractors are imported by pipeline.parallel only when a document
# needs analysing: an unchanged re-run never pays the seconds their import costs

log = logging.getLogger(__name__)


OUTCOMES = ("ok", "skipped", "error")


@dataclass
class Outcome:
    """What happened to one input path.

    ``outcome`` is ``ok``, ``skipped`` or ``error``; ``kind`` is the error kind
    (:data:`pipeline.ingest.errors.ERROR_KINDS`) or the skip reason (:data:`SKIP_KINDS`).
    """

    source: str
    outcome: str
    kind: str | None = None
    message: str | None = None
    doc_id: str | None = None

    def to_dict(self) -> dict:
        return {"source": self.source, "outcome": self.outcome, "kind": self.kind, "message": self.message,
                "doc_id": self.doc_id}


# Why a path is skipped (not an error: nothing is wrong with it, or it is already done).
SKIP_KINDS = {
    "unsupported file type": "unsupported",  # MANIFEST.tsv, images, spreadsheets
    "not found": "not_found",
    "broken or looping symbolic link": "broken_link",
    "symbolic link leaving the input folder": "outside_link",  # unless --follow-links
    "unreadable folder": "unreadable_folder",
    "duplicate content": "duplicate",  # same normalised text as another input of the run
    "unchanged": "unchanged",  # already in the store with the same content
}


def skip_kind(reason: str) -> str:
    """The machine-readable kind of a skip reason (``"unsupported file type .tsv"`` -> ``unsupported``)."""
    return next((kind for prefix, kind in SKIP_KINDS.items() if reason.startswith(prefix)), "unsupported")


@dataclass
class RunSummary:
    """What happened to every input path in a run.

    Every path from :func:`~pipeline.ingest.iter_input_paths` gets exactly one
    :class:`Outcome`: ``documents_ok + len(skipped) + documents_failed == inputs``.
    """

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
    inputs: int = 0  # input paths found (files, and paths that could not be walked)
    outcomes: list[Outcome] = field(default_factory=list)  # one per input path, in input order
    run_id: int | None = None  # the run's row in the store's runs table (None: it wrote nothing)

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def add(self, source: str, outcome: str, kind: str | None = None, message: str | None = None,
            doc_id: str | None = None) -> Outcome:
        """Record the outcome of one input path (and keep the legacy lists in step)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        entry = Outcome(source, outcome, kind, message, doc_id)
        self.outcomes.append(entry)
        if outcome == "ok":
            self.documents_ok += 1
        elif outcome == "skipped":
            self.skipped.append((source, message or kind or ""))
        else:
            self.documents_failed += 1
            self.errors.append((source, message or kind or "unknown error"))
        return entry

    def counts(self) -> dict[str, int]:
        """Input paths per outcome, plus ``inputs``: ``ok + skipped + error == inputs``."""
        counts = {"inputs": self.inputs, **{o: 0 for o in OUTCOMES}}
        for entry in self.outcomes:
            counts[entry.outcome] += 1
        return counts

    def by_kind(self) -> dict[str, dict[str, int]]:
        """``{"error": {kind: n}, "skipped": {kind: n}}``, most frequent first."""
        grouped: dict[str, dict[str, int]] = {"error": {}, "skipped": {}}
        for entry in self.outcomes:
            if entry.outcome in grouped:
                kinds = grouped[entry.outcome]
                kinds[entry.kind or "unknown"] = kinds.get(entry.kind or "unknown", 0) + 1
        return {o: dict(sorted(k.items(), key=lambda kv: (-kv[1], kv[0]))) for o, k in grouped.items()}

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "counts": self.counts(),
            "by_kind": self.by_kind(),
            "documents_ok": self.documents_ok,
            "documents_failed": self.documents_failed,
            "skipped": [{"source": o.source, "reason": o.message, "kind": o.kind}
                        for o in self.outcomes if o.outcome == "skipped"],
            "errors": [{"source": o.source, "error": o.message, "kind": o.kind}
                       for o in self.outcomes if o.outcome == "error"],
            "outcomes": [o.to_dict() for o in self.outcomes],
            "records": self.records,
            "words": self.words,
            "seconds": round(self.seconds, 3),
            "words_per_second": round(self.words_per_second, 1),
            "store": {
                "path": self.store,
                "run_id": self.run_id,
                "documents_inserted": self.documents_inserted,
                "documents_replaced": self.documents_replaced,
                "documents_unchanged": self.documents_unchanged,
                "totals": self.totals,
            },
        }


def _failed(source: str, kind: str, message: str) -> Document:
    """An error document: stored with its kind and message, never analysed."""
    return Document(source=source, text="", status="error", error=f"{kind}: {message}", error_kind=kind,
                    language=None)


def error_kind(document: Document) -> str:
    """The kind of a failed document: its ``error_kind``, else the prefix of its message."""
    if document.error_kind:
        return document.error_kind
    prefix = (document.error or "").split(":", 1)[0]
    if prefix in ERROR_KINDS:
        return prefix
    return "analysis" if prefix.startswith("analysis") else "corrupt"


def iter_documents(
    inputs: Iterable[tuple[Path, str | None]],
    metadata: dict[str, dict] | None,
    summary: RunSummary,
    limits: Limits | None = None,
) -> Iterator[Document]:
    """Read every input (from ``iter_input_paths``), yielding documents and noting skips.

    Skipped paths (unsupported type, duplicate content, paths that cannot be walked) go
    straight into ``summary``; every other path is yielded as a document, ``status="error"``
    (with ``error_kind``) when it could not be read, so the batch stores and counts it. Files are
    read in a separate process under ``limits.max_memory_mb`` and ``limits.max_seconds``
    (:class:`~pipeline.ingest.guarded.GuardedReader`).
    """
    seen: dict[str, str] = {}

    def to_read() -> Iterator[tuple[Path, dict | None]]:
        for path, skip_reason in inputs:
            if skip_reason:
                summary.add(str(path), "skipped", skip_kind(skip_reason), skip_reason)
                continue
            yield path, (metadata.get(str(path)) or metadata.get(path.name)) if metadata else None

    with GuardedReader(limits) as reader:  # each file read under a memory and time budget
        for path, _, read in reader.read_all(to_read()):
            source = str(path)
            if isinstance(read, IngestError):
                if read.kind == "unsupported":  # e.g. a JSON file that is not a publication record
                    summary.add(source, "skipped", "unsupported", str(read))
                else:
                    yield _failed(source, read.kind, str(read))
                continue
            if isinstance(read, Exception):  # a reader bug must not stop the batch
                log.debug("ingest failed for %s: %r", source, read)
                yield _failed(source, "corrupt", f"unexpected {type(read).__name__} while reading: {read} "
                                                 "(if the file opens elsewhere, please report it)")
                continue
            if read.doc_id in seen:
                summary.add(source, "skipped", "duplicate", f"duplicate content of {seen[read.doc_id]}",
                            read.doc_id)
                continue
            seen[read.doc_id] = source
            yield read


def _batched(items: Iterable[Document], size: int, max_words: int | None = None) -> Iterator[list[Document]]:
    """Lists of at most ``size`` items, also closed once they hold ``max_words`` words.

    The word cap keeps the parser's memory per batch bounded and balances the load between
    workers: one 40-page report weighs as much as a dozen press releases.
    """
    batch: list[Document] = []
    words = 0
    for item in items:
        batch.append(item)
        words += item.n_words if max_words else 0
        if len(batch) >= size or (max_words and words >= max_words):
            yield batch
            batch, words = [], 0
    if batch:
        yield batch


# A batch also closes at this many words: the parser's memory grows with the batch, so a cap
# in words (not only in documents) keeps the peak the same whatever the mix of long and short
# documents; in parallel runs it also spreads the load (about a second of analysis).
WORDS_PER_BATCH = 5_000


def process_documents(documents: Iterable[Document], settings: RunSettings | None = None,
                      **options) -> Iterator[DocumentResult]:
    """Analyse documents in batches (one ``nlp.pipe`` each); errors become error results.

    Parameters
    ----------
    documents : iterable of Document
        Read lazily, one batch at a time.
    settings : RunSettings, optional
        ``model``, ``batch_size``, ``workers``, ``executor``, ``scheduler`` and
        ``limits.max_seconds`` (the longest analysis of one document; not enforced on Dask) are
        used; keyword ``options`` override them.

    Yields
    ------
    DocumentResult
        In input order, whichever executor runs the work.
    """
    from pipeline import parallel

    settings = (settings or RunSettings()).replace(**options)
    batches = _batched(documents, settings.batch_size, WORDS_PER_BATCH)
    if settings.executor == "dask":
        yield from parallel.run_dask(batches, settings)
    elif settings.workers > 1:
        yield from parallel.run_process_pool(batches, settings)
    else:
        yield from parallel.run_serial(batches, settings)


def run(paths: list[str | Path], out: str | Path | None = None, settings: RunSettings | None = None, *,
        on_start: Callable[[int], None] | None = None,
        on_document: Callable[[DocumentResult], None] | None = None, **options) -> RunSummary:
    """Process ``paths`` (files or folders) into the SQLite store.

    Parameters
    ----------
    paths : list of str or Path
        Files or folders (walked recursively).
    out : str or Path, optional
        Output folder (``settings.out``): holds ``run.json`` and, unless ``settings.store`` is
        given, ``pipeline.sqlite``.
    settings : RunSettings, optional
        Everything else the run is told (:class:`~pipeline.settings.RunSettings`); keyword
        ``options`` (``workers=2``, ``force=True``, ``metadata_file=...``) override its fields.
    on_start, on_document : callable, optional
        ``on_start`` receives the number of documents to read (skipped files excluded),
        ``on_document`` every result as it is stored.

    Returns
    -------
    RunSummary
        Also written to ``out/run.json``.
    """
    from pipeline.themes.review import apply_corrections, read_corrections

    settings = (settings or RunSettings()).replace(out=Path(out) if out is not None else None, **options)
    started = time.perf_counter()
    summary = RunSummary()
    metadata = load_metadata(settings.metadata_file) if settings.metadata_file else None
    corrections = read_corrections(settings.corrections)
    out_dir = Path(settings.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    store_path = settings.store_path
    summary.store = str(store_path)
    inputs = list(iter_input_paths(list(paths), settings.follow_links))  # paths only: cheap, walked once
    if on_start:
        on_start(sum(1 for _, skip in inputs if not skip))
    summary.inputs = len(inputs)

    def unchanged(source: str, doc_id: str | None) -> None:
        summary.add(source, "skipped", "unchanged", "unchanged: already in the store", doc_id)

    with StoreWriter(store_path, force=settings.force, lock_timeout=settings.lock_timeout) as writer:
        # files whose size and mtime match the last read are skipped unread (skip_unchanged_files),
        # the others read, then skipped when their content hash is stored (skip_unchanged)
        to_read = writer.skip_unchanged_files(inputs, on_skip=unchanged)
        documents = writer.skip_unchanged(
            writer.remember_sources(iter_documents(to_read, metadata, summary, settings.limits)),
            on_skip=lambda d: unchanged(d.source, d.doc_id))
        for result in process_documents(documents, settings):
            document = result.document
            if document.status != "ok":
                document.error_kind = error_kind(document)  # every stored failure has its kind
            else:
                apply_corrections(result, corrections)  # analysts' corrections win over the model
            writer.write(result)  # commits this document: a killed run loses only those in flight
            if document.status == "ok":
                summary.add(document.source, "ok", doc_id=document.doc_id)
                summary.words += document.n_words
            else:
                summary.add(document.source, "error", document.error_kind, document.error, document.doc_id)
            if on_document:
                on_document(result)
        writer.record_outcomes(summary.outcomes)  # stored only when the run wrote a document
        writer.finish_run(summary.counts())
        summary.run_id = writer.run_id
        summary.records = dict(writer.records)
        summary.documents_inserted = writer.actions["inserted"]
        summary.documents_replaced = writer.actions["replaced"]
        summary.documents_unchanged = writer.actions["unchanged"]
        summary.totals = writer.totals()
    summary.seconds = time.perf_counter() - started
    write_json_atomic(out_dir / "run.json", summary.to_dict())
    return summary


__all__ = ["RunSettings", "RunSummary", "run", "process_documents", "iter_documents", "TABLES"]
