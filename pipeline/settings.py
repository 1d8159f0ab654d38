"""One object for everything a run is told: inputs' metadata, outputs, model, limits, parallelism.

``ngo-pipeline run`` builds a :class:`RunSettings` from its options and hands it down unchanged:
:func:`pipeline.batch.run` -> :func:`pipeline.batch.process_sources` -> the executors of
:mod:`pipeline.parallel` -> :func:`pipeline.worker.process_batch` (what a worker needs of it,
:class:`~pipeline.worker.WorkOptions`) -> :func:`pipeline.analysis.analyse_documents`. From Python,
``pipeline.batch.run(paths, out, workers=2)`` builds one from keyword arguments.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.limits import DEFAULT_LIMITS, Limits
from pipeline.store.db import DEFAULT_LOCK_TIMEOUT
from pipeline.store.schema import STORE_NAME

EXECUTORS = ("process", "dask")


@dataclass(frozen=True)
class RunSettings:
    """The settings of one run.

    Parameters
    ----------
    out : Path
        Output folder: ``run.json`` and, unless ``store`` is given, ``pipeline.sqlite``.
    store : Path, optional
        The store file to write (default ``out/pipeline.sqlite``).
    metadata_file : Path, optional
        CSV/TSV of per-file metadata (``file``, ``title``, ``organisation``, ``published``).
    model : str, optional
        spaCy model name or path (default: :func:`pipeline.nlp.default_model_name`).
    batch_size : int
        Documents per ``nlp.pipe`` batch (a batch also closes at
        :data:`pipeline.worker.WORDS_PER_BATCH` words), and files per task sent to a worker (a
        task also closes at :data:`pipeline.batch.TASK_BYTES` bytes).
    force : bool
        Analyse documents again even when the store holds them unchanged.
    limits : Limits
        Per-document size and time limits.
    workers : int
        Processes analysing documents in parallel (``1``: this process).
    executor : {"process", "dask"}
        A local process pool, or a Dask cluster.
    scheduler : str, optional
        Dask scheduler address; default: a local cluster of ``workers`` processes.
    lock_timeout : float
        Seconds to wait while another process holds the store, then fail.
    corrections : Path, optional
        Analysts' theme corrections applied to every document (default:
        :func:`pipeline.themes.review.default_corrections_path`; a missing file means none).
    follow_links : bool
        Read files that symbolic links in the input folders point to outside those folders
        (default: skipped, kind ``outside_link``).
    """

    out: Path = field(default=Path("outputs"))
    store: Path | None = None
    metadata_file: Path | None = None
    model: str | None = None
    batch_size: int = 16
    force: bool = False
    limits: Limits = DEFAULT_LIMITS
    workers: int = 1
    executor: str = "process"
    scheduler: str | None = None
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    corrections: Path | None = None
    follow_links: bool = False

    def __post_init__(self):
        if self.executor not in EXECUTORS:
            raise ValueError(f"unknown executor {self.executor!r}: choose {' or '.join(EXECUTORS)}")
        if self.workers < 1 or self.batch_size < 1:
            raise ValueError("workers and batch_size must be at least 1")

    def replace(self, **changes) -> "RunSettings":
        """A copy with ``changes`` (``None`` values are ignored, so options left unset keep theirs)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def store_path(self) -> Path:
        """The store file this run writes."""
        if self.store is None:
            return Path(self.out) / STORE_NAME
        from pipeline.store import resolve_store_path

        return resolve_store_path(self.store)
