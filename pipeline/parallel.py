"""Analyse batches of documents in this process, in a pool of processes, or on a Dask cluster.

The main process reads documents (ingest) and writes the store; the analysis (spaCy parse,
extractors, themes) runs wherever the executor puts it. Every executor takes batches of
:class:`~pipeline.records.Document` in order and yields :class:`~pipeline.records.DocumentResult`
in the same order, so the store ends up the same whichever runs the work (tested).

- ``serial`` (``--workers 1``): in this process; the model loads on the first batch.
- ``process`` (``--workers N``): a :class:`concurrent.futures.ProcessPoolExecutor` whose
  workers load the model once each (an initializer); forked on Linux when this process runs
  no other thread, else spawned (:func:`start_method`).
- ``dask`` (``--executor dask [--scheduler ADDRESS]``): a ``distributed`` cluster, a local one
  when no address is given; each worker process loads the model once (``load_nlp`` and
  ``ThemeClassifier.load`` cache per process).

At most a few batches per worker are in flight at any time, so memory stays flat however long
the input. Per-document time limit (``--max-seconds``): enforced with ``SIGALRM`` where the
analysis runs in a process's main thread (serial and process executors); Dask runs tasks in
worker threads, where no signal can interrupt them, so there the limit is not enforced.
"""
from __future__ import annotations

import logging
from collections import deque
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from pipeline.limits import DEFAULT_LIMITS, DocumentTimeout, time_limit  # noqa: F401  (re-exported)
from pipeline.processes import die_with_parent as _die_with_parent
from pipeline.processes import start_method  # noqa: F401  (re-exported)
from pipeline.records import Document, DocumentResult
from pipeline.settings import RunSettings

log = logging.getLogger(__name__)

# batches submitted ahead of the one being collected, per worker: enough to keep every
# worker busy while the main process writes, few enough to keep memory flat
IN_FLIGHT_PER_WORKER = 2


def _analysis():
    # imported when a document needs analysing: an unchanged re-run never imports spaCy
    from pipeline import analysis

    return analysis


def load_models(model: str | None = None):
    """The spaCy pipeline of the whole analysis, loaded once per process (it caches)."""
    from pipeline.nlp import load_nlp

    return load_nlp(model)


def analyse_batch(documents: Sequence[Document], model: str | None = None,
                  max_seconds: float | None = None, batch_size: int = 16,
                  max_tokens: int | None = DEFAULT_LIMITS.max_tokens) -> list[DocumentResult]:
    """Parse a batch with one ``nlp.pipe`` and analyse each document; failures become error results.

    This is the unit of work of every executor: it runs in the main process, in a pool worker
    or on a Dask worker, and only needs the documents (no file, no store).
    """
    if not any(d.status == "ok" for d in documents):
        return [DocumentResult(d) for d in documents]
    return _analysis().analyse_documents(documents, load_models(model), max_seconds=max_seconds,
                                         batch_size=batch_size, max_tokens=max_tokens)


# --- executors ----------------------------------------------------------------------------------

def _in_order(submit, batches: Iterable[list[Document]], in_flight: int) -> Iterator[DocumentResult]:
    """Submit batches ahead (at most ``in_flight``) and yield their results in input order."""
    pending: deque = deque()
    for batch in batches:
        pending.append(submit(batch))
        if len(pending) >= in_flight:
            yield from pending.popleft().result()
    while pending:
        yield from pending.popleft().result()


def _init_pool_worker(model: str | None) -> None:
    """Load the models once per worker process, before the first batch arrives."""
    _die_with_parent()
    try:
        load_models(model)
    except Exception:  # noqa: BLE001
        # an initializer that raises breaks the whole pool and hides the reason; the first
        # batch calls load_models again and its error (ModelNotFound...) reaches the run
        log.debug("model loading failed in a worker", exc_info=True)


def run_serial(batches: Iterable[list[Document]], settings: RunSettings) -> Iterator[DocumentResult]:
    """Analyse in this process; the model loads on the first batch that needs it."""
    for batch in batches:
        yield from analyse_batch(batch, settings.model, settings.limits.max_seconds, settings.batch_size,
                                 settings.limits.max_tokens)


def run_process_pool(batches: Iterable[list[Document]], settings: RunSettings) -> Iterator[DocumentResult]:
    """Analyse in ``settings.workers`` processes, each loading the model once; results in input order.

    The pool starts only when a batch holds a document to analyse: a run where every document
    is unchanged (or failed to read) starts no process and loads no model. A worker that dies (killed for memory, a crash in a
    C extension) breaks the whole pool: the pool is restarted, the batch being collected is
    analysed again one document at a time, and a document that kills a worker again fails
    with kind ``analysis``; the run goes on.
    """
    workers = settings.workers
    pool = _PoolWithRestart(workers, settings.model, settings.limits.max_seconds, settings.batch_size,
                            settings.limits.max_tokens)
    try:
        pending: deque = deque()
        for batch in batches:
            pending.append((batch, pool.submit(batch)))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield from pool.collect(pending)
        while pending:
            yield from pool.collect(pending)
    finally:
        pool.shutdown()


class _PoolWithRestart:
    """A process pool that survives the death of a worker (see :func:`run_process_pool`)."""

    def __init__(self, workers: int, model: str | None, max_seconds: float | None, batch_size: int,
                 max_tokens: int | None = DEFAULT_LIMITS.max_tokens):
        self.workers, self.model, self.max_seconds, self.batch_size = workers, model, max_seconds, batch_size
        self.max_tokens = max_tokens
        self.pool = None  # started by the first batch with work in it

    def _start(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context(start_method())
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_init_pool_worker,
                                   initargs=(self.model,))

    def submit(self, batch: list[Document]):
        """A future of the batch's results (None when no document of it needs analysing)."""
        if not any(d.status == "ok" for d in batch):
            return None
        if self.pool is None:
            self.pool = self._start()
        return self.pool.submit(analyse_batch, batch, self.model, self.max_seconds, self.batch_size,
                                self.max_tokens)

    def _restart(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = self._start()

    def collect(self, pending: deque) -> list[DocumentResult]:
        """Results of the oldest pending batch; after a crash, resubmit the others."""
        from concurrent.futures.process import BrokenProcessPool

        batch, future = pending.popleft()
        if future is None:
            return [DocumentResult(d) for d in batch]
        try:
            return future.result()
        except BrokenProcessPool:
            log.warning("a worker process died; restarting the pool and retrying %d documents one by one",
                        len(batch))
        self._restart()
        results = []
        for document in batch:
            retry = self.submit([document])
            try:
                results.extend(retry.result() if retry is not None else [DocumentResult(document)])
            except BrokenProcessPool:
                results.append(_analysis().mark_failed(
                    document, "analysis", "analysis failed: the worker process analysing this document died "
                    "(out of memory, or a crash in a library); run it alone with --workers 1 to see more"))
                self._restart()
        # the other batches in flight died with the pool: submit them again, in order
        for i, (other, _) in enumerate(pending):
            pending[i] = (other, self.submit(other))
        return results

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _chain(first, rest):
    yield first
    yield from rest


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None):
    """A ``distributed.Client`` on ``scheduler``, or on a local cluster of ``workers`` processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # the optional extra is not installed
        raise RuntimeError("--executor dask needs dask and distributed: pip install -e . installs them") from exc
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    # one thread per worker process: the analysis is CPU-bound Python, threads would share the GIL
    with LocalCluster(n_workers=workers or 1, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def run_dask(batches: Iterable[list[Document]], settings: RunSettings) -> Iterator[DocumentResult]:
    """Analyse on a Dask cluster (local when ``scheduler`` is None); results in input order.

    Each worker process loads the model once (``load_nlp`` and ``ThemeClassifier.load`` cache
    per process). ``--max-seconds`` is not enforced: Dask runs tasks in worker threads.
    """
    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        return
    with dask_client(settings.scheduler, settings.workers) as client:
        n_workers = max(1, sum(client.nthreads().values()))

        def submit(batch):
            # pure=False: two equal batches (a re-run with --force) are still two tasks
            return client.submit(analyse_batch, batch, settings.model, None, settings.batch_size,
                                 settings.limits.max_tokens, pure=False)

        yield from _in_order(submit, _chain(first, batches), n_workers * IN_FLIGHT_PER_WORKER)
