"""The unit of work of every executor: read files, analyse them, return rows ready to insert.

The main process of a run sends batches of :class:`Source` (a path, its metadata row, the
``doc_id`` its path held when last stored) and writes what comes back; everything done per
document happens here, in whichever process analyses (the run's own with ``--workers 1``, a pool
worker, a Dask worker):

1. each file is read in a budgeted child process (:class:`~pipeline.ingest.guarded.GuardedReader`,
   one per analysing process, kept for its life): a file that bursts the memory or time budget
   is that file's error, never the worker's death;
2. a document whose ``doc_id`` is the one its path held (a touched file) is *unchanged*: it is
   not analysed;
3. the others are analysed with one ``nlp.pipe`` per :data:`WORDS_PER_BATCH` words
   (:func:`pipeline.analysis.analyse_documents`), analysts' theme corrections applied, and every
   record encoded as its table's insert takes it (:func:`pipeline.store.writer.encode_result`).

What comes back is a :class:`Prepared` per source, in order. The main process then only walks
paths, compares file stats with the store, drops duplicate contents and inserts rows: ``bench``
measures its CPU time per word against a worker's (docs/performance.md).
"""
from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from pipeline.ingest.errors import ERROR_KINDS, IngestError
from pipeline.ingest.guarded import GuardedReader
from pipeline.limits import DEFAULT_LIMITS, Limits
from pipeline.records import Document, DocumentResult
from pipeline.store.writer import EncodedDocument, encode_result

log = logging.getLogger(__name__)

# A batch of the parser also closes at this many words: the parser's memory grows with the
# batch, so a cap in words (not only in documents) keeps the peak the same whatever the mix of
# long and short documents.
WORDS_PER_BATCH = 5_000


@dataclass(frozen=True)
class Source:
    """One file to read and analyse, as the main process sends it.

    ``known_doc_id`` is the ``doc_id`` the path held when it was last read and stored ``ok``
    (its stat has changed since): the same content read again is not analysed. ``suffix`` is
    appended to the text read (``bench`` makes distinct copies of a corpus with it).
    """

    path: str
    metadata: dict | None = None
    known_doc_id: str | None = None
    suffix: str = ""
    size: int = 0  # bytes on disk: the main process closes a task at TASK_BYTES


@dataclass(frozen=True)
class WorkOptions:
    """What a worker needs of the run's settings (small: it travels with every task)."""

    model: str | None = None
    batch_size: int = 16
    limits: Limits = DEFAULT_LIMITS  # reading budgets, max_tokens
    max_seconds: float | None = None  # the analysis' per-document limit (None on Dask: no signal)
    corrections: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Prepared:
    """What became of one :class:`Source`: skipped, unchanged, or a document ready to insert.

    ``outcome`` is ``skipped`` (not a publication), ``unchanged`` (the content its path held) or
    ``document`` (``encoded`` holds its rows, status ``ok`` or ``error``). ``read_ok`` says
    whether the file read without error (what the duplicate check and the file-stat cache use).
    """

    source: str
    outcome: str
    doc_id: str | None = None
    read_ok: bool = False
    status: str | None = None
    error: str | None = None
    kind: str | None = None
    n_words: int = 0
    encoded: EncodedDocument | None = None


@dataclass
class Batch:
    """A task's results and the CPU seconds the worker spent on it, its reading process's included
    (``reading_cpu_seconds`` of them)."""

    items: list[Prepared]
    cpu_seconds: float = 0.0
    reading_cpu_seconds: float = 0.0

    def add(self, other: "Batch") -> None:
        self.items.extend(other.items)
        self.cpu_seconds += other.cpu_seconds
        self.reading_cpu_seconds += other.reading_cpu_seconds


def failed(source: str, kind: str, message: str) -> Document:
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


def load_models(model: str | None = None):
    """The spaCy pipeline of the whole analysis, loaded once per process (it caches)."""
    from pipeline.nlp import load_nlp

    return load_nlp(model)


# --- reading ------------------------------------------------------------------------------------

def _from_read(source: Source, read: Document | Exception) -> Prepared | Document:
    """A read file as a document to analyse, or what becomes of it without analysis."""
    if isinstance(read, IngestError):
        if read.kind == "unsupported":  # e.g. a JSON file that is not a publication record
            return Prepared(source.path, "skipped", kind="unsupported", error=str(read))
        return failed(source.path, read.kind, str(read))
    if isinstance(read, Exception):  # a reader bug must not stop the batch
        log.debug("ingest failed for %s: %r", source.path, read)
        return failed(source.path, "corrupt", f"unexpected {type(read).__name__} while reading: {read} "
                                              "(if the file opens elsewhere, please report it)")
    document = dataclasses.replace(read, text=read.text + source.suffix) if source.suffix else read
    if source.known_doc_id is not None and document.doc_id == source.known_doc_id:
        return Prepared(source.path, "unchanged", doc_id=document.doc_id, read_ok=True, status="ok",
                        n_words=document.n_words)
    return document


def read_sources(sources: Iterable[Source], reader: GuardedReader) -> Iterator[Prepared | Document]:
    """Read every source with ``reader`` (its read-ahead overlaps what the caller does), in order."""
    pending: deque[Source] = deque()

    def items() -> Iterator[tuple[Path, dict | None]]:
        for source in sources:
            pending.append(source)
            yield Path(source.path), source.metadata

    for _, _, read in reader.read_all(items()):
        yield _from_read(pending.popleft(), read)


# --- analysing and encoding ---------------------------------------------------------------------

def _prepared(document: Document, result: DocumentResult, read_ok: bool, options: WorkOptions) -> Prepared:
    from pipeline.themes.review import apply_corrections

    if document.status != "ok":
        document.error_kind = error_kind(document)  # every stored failure has its kind
    elif options.corrections:
        apply_corrections(result, options.corrections)  # analysts' corrections win over the model
    return Prepared(document.source, "document", doc_id=document.doc_id, read_ok=read_ok,
                    status=document.status, error=document.error, kind=document.error_kind,
                    n_words=document.n_words, encoded=encode_result(result))


def analyse_read(read: Sequence[Prepared | Document], options: WorkOptions) -> list[Prepared]:
    """Analyse the documents among ``read`` (one ``nlp.pipe``) and encode every result, in order."""
    documents = [d for d in read if isinstance(d, Document)]
    read_ok = {id(d): d.status == "ok" for d in documents}
    results: dict[int, DocumentResult] = {}
    if any(d.status == "ok" for d in documents):
        from pipeline import analysis

        analysed = analysis.analyse_documents(documents, load_models(options.model),
                                              max_seconds=options.max_seconds, batch_size=options.batch_size,
                                              max_tokens=options.limits.max_tokens)
        results = {id(d): r for d, r in zip(documents, analysed)}
    return [item if isinstance(item, Prepared)
            else _prepared(item, results.get(id(item)) or DocumentResult(item), read_ok[id(item)], options)
            for item in read]


def batched(items: Iterable[Any], size: int, max_words: int | None = None) -> Iterator[list[Any]]:
    """Lists of at most ``size`` items, also closed once the documents among them hold
    ``max_words`` words (items that are not documents weigh nothing)."""
    batch: list[Any] = []
    words = 0
    for item in items:
        batch.append(item)
        if max_words and isinstance(item, Document):
            words += item.n_words
        if len(batch) >= size or (max_words and words >= max_words):
            yield batch
            batch, words = [], 0
    if batch:
        yield batch


def prepare_stream(sources: Iterable[Source], options: WorkOptions, reader: GuardedReader) -> Iterator[list[Prepared]]:
    """Read ``sources`` with ``reader`` and analyse them in batches; a list per batch, in order."""
    for chunk in batched(read_sources(sources, reader), options.batch_size, WORDS_PER_BATCH):
        yield analyse_read(chunk, options)


# --- in a worker process ------------------------------------------------------------------------

_READER: GuardedReader | None = None  # this process's reader, started by its first task


def _reader(limits: Limits) -> GuardedReader:
    global _READER
    if _READER is None or _READER.limits != limits:
        if _READER is not None:
            _READER.close()
        _READER = GuardedReader(limits)
    return _READER


def process_batch(sources: Sequence[Source], options: WorkOptions) -> Batch:
    """Read, analyse and encode one task's sources in this (worker) process.

    The reading process of this worker is kept from task to task; it dies with the worker.
    """
    started = time.process_time()
    reader = _reader(options.limits)
    reading = reader.cpu_seconds
    items = [item for chunk in prepare_stream(sources, options, reader) for item in chunk]
    reading = reader.cpu_seconds - reading
    return Batch(items, time.process_time() - started + reading, reading)


def died(source: Source) -> Prepared:
    """A source whose analysis killed its worker twice: an error of kind ``analysis`` (its text
    died with the worker: the document is stored without it)."""
    document = Document(source=source.path, text="", status="error", error_kind="analysis", language=None,
                        error="analysis failed: the worker process analysing this document died (out of memory, "
                              "or a crash in a library); run it alone with --workers 1 to see more")
    return Prepared(source.path, "document", doc_id=document.doc_id, status="error", error=document.error,
                    kind="analysis", encoded=encode_result(DocumentResult(document)))


__all__ = ["Batch", "Prepared", "Source", "WorkOptions", "WORDS_PER_BATCH", "analyse_read", "batched", "died",
           "error_kind", "failed", "load_models", "prepare_stream", "process_batch", "read_sources"]
