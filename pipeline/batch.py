"""Run the pipeline over many files: walk paths, hand them to workers, write what comes back.

The main process walks the input paths, skips files whose stat the store knows unchanged, and
sends the others, in tasks of a few files (:func:`tasks`), to the executor
(:mod:`pipeline.parallel`); whichever process runs a task reads its files in a budgeted child
process, analyses them (``nlp.pipe`` and the analysis components) and encodes their rows
(:mod:`pipeline.worker`). Back in the main process, results arrive in input order: a content
already seen in this run is skipped as a duplicate, one already stored as unchanged, and the
rest inserted, one transaction per task (:meth:`~pipeline.store.StoreWriter.write_encoded`).
Memory stays flat however many documents there are; the model loads once per process, and only
when some document needs analysing. A document that fails to read or to analyse gets
``status: error`` with its message and never stops the batch.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.ingest import iter_input_paths, load_metadata
from pipeline.output import write_json_atomic
from pipeline.records import SCHEMA_VERSION, TABLES
from pipeline.settings import RunSettings
from pipeline.store import StoreWriter
from pipeline.worker import WORDS_PER_BATCH, Batch, Prepared, Source, WorkOptions, error_kind  # noqa: F401

# spaCy, scikit-learn and the extractors are imported by pipeline.worker only when a document
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


# A task (the files sent to a worker at once) closes at ``batch_size`` files or this many bytes
# on disk: about 10,000 words of plain text (2-3 s of analysis), fewer of HTML or PDF. Small
# enough to spread the load and keep a run's tail short; a task is worth a few ms of overhead.
TASK_BYTES = 64 * 1024


def tasks(sources: Iterable[Source], size: int, max_bytes: int = TASK_BYTES) -> Iterator[list[Source]]:
    """Lists of at most ``size`` sources, also closed once their files hold ``max_bytes``."""
    task: list[Source] = []
    total = 0
    for source in sources:
        task.append(source)
        total += source.size
        if len(task) >= size or total >= max_bytes:
            yield task
            task, total = [], 0
    if task:
        yield task


def work_options(settings: RunSettings, corrections: dict | None = None) -> WorkOptions:
    """What every task carries of ``settings`` (Dask runs no analysis time limit: no signal there)."""
    return WorkOptions(model=settings.model, batch_size=settings.batch_size, limits=settings.limits,
                       max_seconds=None if settings.executor == "dask" else settings.limits.max_seconds,
                       corrections=corrections or {})


def process_sources(sources: Iterable[Source], settings: RunSettings | None = None,
                    corrections: dict | None = None, **options) -> Iterator[Batch]:
    """Read, analyse and encode ``sources`` on the executor ``settings`` name; batches in input order.

    Parameters
    ----------
    sources : iterable of Source
        Read lazily, a few tasks ahead of the results.
    settings : RunSettings, optional
        ``model``, ``batch_size``, ``workers``, ``executor``, ``scheduler`` and ``limits`` are
        used; keyword ``options`` override them.
    corrections : dict, optional
        Analysts' theme corrections (:func:`pipeline.themes.review.read_corrections`), applied
        on the workers.

    Yields
    ------
    Batch
        A :class:`~pipeline.worker.Prepared` per source, in input order, whichever executor runs
        the work, and the CPU time the work took where it ran.
    """
    from pipeline import parallel

    settings = (settings or RunSettings()).replace(**options)
    work = work_options(settings, corrections)
    if settings.executor == "dask":
        yield from parallel.run_dask(tasks(sources, settings.batch_size), settings, work)
    elif settings.workers > 1:
        yield from parallel.run_process_pool(tasks(sources, settings.batch_size), settings, work)
    else:
        yield from parallel.run_serial(sources, work)


def sources_of(inputs: Iterable[tuple[Path, str | None]], metadata: dict[str, dict] | None, summary: RunSummary,
               known_doc_ids: dict[str, str] | None = None) -> Iterator[Source]:
    """The paths to read as :class:`Source`, with their metadata row; skipped paths (unsupported
    type, paths that cannot be walked) go straight into ``summary``."""
    known = known_doc_ids if known_doc_ids is not None else {}  # filled as the paths are walked
    for path, skip_reason in inputs:
        if skip_reason:
            summary.add(str(path), "skipped", skip_kind(skip_reason), skip_reason)
            continue
        row = (metadata.get(str(path)) or metadata.get(path.name)) if metadata else None
        try:
            size = path.stat().st_size
        except OSError:  # vanished or unreadable: the reader reports it
            size = 0
        yield Source(str(path), row, known.get(str(path)), size=size)


@dataclass(frozen=True)
class _ReadOk:
    """A document as it was read (``StoreWriter.is_unchanged`` asks for its status and doc_id)."""

    doc_id: str
    status: str = "ok"


def store_batches(batches: Iterable[Batch], writer: StoreWriter, summary: RunSummary,
                  on_document: Callable[[Prepared], None] | None = None) -> Batch:
    """Write what the workers prepared, one transaction per batch; returns the workers' CPU
    seconds (a :class:`~pipeline.worker.Batch` without items).

    A content already met in this run is skipped as a duplicate, one stored ``ok`` as unchanged
    (neither is written); every other document is inserted, replacing its source's old version.
    """
    seen: dict[str, str] = {}
    worker_cpu = Batch([])
    for batch in batches:
        worker_cpu.cpu_seconds += batch.cpu_seconds
        worker_cpu.reading_cpu_seconds += batch.reading_cpu_seconds
        to_write: list[Prepared] = []
        for item in batch.items:
            if item.outcome == "skipped":
                summary.add(item.source, "skipped", item.kind, item.error)
                continue
            if item.read_ok:
                if item.doc_id in seen:
                    summary.add(item.source, "skipped", "duplicate", f"duplicate content of {seen[item.doc_id]}",
                                item.doc_id)
                    continue
                seen[item.doc_id] = item.source
                writer.remember_source(item.source, "ok", item.doc_id)
            # judged on the content read, whatever its analysis gave (as before it was analysed)
            if item.outcome == "unchanged" or (item.read_ok and writer.is_unchanged(_ReadOk(item.doc_id))):
                writer.actions["unchanged"] += 1
                summary.add(item.source, "skipped", "unchanged", "unchanged: already in the store", item.doc_id)
                continue
            to_write.append(item)
        writer.write_encoded([item.encoded for item in to_write])  # a killed run loses only those in flight
        for item in to_write:
            if item.status == "ok":
                summary.add(item.source, "ok", doc_id=item.doc_id)
                summary.words += item.n_words
            else:
                summary.add(item.source, "error", item.kind, item.error, item.doc_id)
            if on_document:
                on_document(item)
    writer.flush_sources()
    return worker_cpu


def run(paths: list[str | Path], out: str | Path | None = None, settings: RunSettings | None = None, *,
        on_start: Callable[[int], None] | None = None,
        on_document: Callable[[Prepared], None] | None = None, **options) -> RunSummary:
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
        ``on_document`` every :class:`~pipeline.worker.Prepared` document as it is stored.

    Returns
    -------
    RunSummary
        Also written to ``out/run.json``.
    """
    from pipeline.themes.review import read_corrections

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
        # files whose size and mtime match the last read are skipped unread (skip_unchanged_files);
        # the others are read on the workers, and skipped there when their content is the one
        # their path held (known_doc_ids), or here when it is stored under another path
        to_read = writer.skip_unchanged_files(inputs, on_skip=unchanged)
        sources = sources_of(to_read, metadata, summary, writer.known_doc_ids)
        store_batches(process_sources(sources, settings, corrections), writer, summary, on_document)
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


__all__ = ["RunSettings", "RunSummary", "run", "process_sources", "sources_of", "store_batches", "tasks", "TABLES"]
