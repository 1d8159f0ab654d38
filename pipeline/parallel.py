"""Run the work of :mod:`pipeline.worker` in this process, in a pool of processes, or on a Dask cluster.

The main process sends sources (paths and metadata, :class:`~pipeline.worker.Source`) and
writes the rows that come back; reading, analysis and encoding run wherever the executor puts
them (:func:`pipeline.worker.process_batch`). Every executor yields
:class:`~pipeline.worker.Batch` results in input order, so the store ends up the same whichever
runs the work (tested table by table).

- ``serial`` (``--workers 1``): in this process, the files read :data:`~pipeline.ingest.guarded.READ_AHEAD`
  ahead by one reading process; the model loads on the first batch that needs it.
- ``process`` (``--workers N``): a :class:`concurrent.futures.ProcessPoolExecutor` whose
  workers load the model once each (an initializer) and keep one reading process each; forked
  on Linux when this process runs no other thread, else spawned (:func:`start_method`). A worker
  that dies breaks the pool: it is restarted and the task's sources retried one by one.
- ``dask`` (``--executor dask [--scheduler ADDRESS]``): a ``distributed`` cluster, a local one
  when no address is given; each worker process loads the model once and keeps one reading
  process. A worker that dies (killed, out of memory) costs only its tasks in flight: the
  scheduler runs them again on another worker; a task that has killed
  :data:`DASK_ALLOWED_FAILURES` + 1 workers is retried source by source, and a source that kills
  a worker again fails with kind ``analysis``.

At most a few tasks per worker are in flight at any time, so memory stays flat however long
the input. Per-document time limit (``--max-seconds``): enforced with ``SIGALRM`` where the
analysis runs in a process's main thread (serial and process executors); Dask runs tasks in
worker threads, where no signal can interrupt them, so there the analysis limit is not enforced
(reading still is: it runs in the reading process).
"""
from __future__ import annotations

import logging
import time
from collections import deque
from contextlib import contextmanager
from typing import Iterable, Iterator

from pipeline import worker
from pipeline.ingest.guarded import GuardedReader
from pipeline.limits import DocumentTimeout, time_limit  # noqa: F401  (re-exported)
from pipeline.processes import die_with_parent as _die_with_parent
from pipeline.processes import start_method  # noqa: F401  (re-exported)
from pipeline.settings import RunSettings
from pipeline.worker import Batch, Source, WorkOptions, load_models  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

# tasks submitted ahead of the one being collected, per worker: enough to keep every
# worker busy while the main process writes, few enough to keep memory flat
IN_FLIGHT_PER_WORKER = 2
# how many workers one task may kill on Dask before it is retried source by source
# (the scheduler's ``allowed_failures``; its default is 3)
DASK_ALLOWED_FAILURES = 3


# --- executors ----------------------------------------------------------------------------------

def _in_order(submit, collect, tasks: Iterable[list[Source]], in_flight: int, wait_any=None,
              buffered: int | None = None) -> Iterator[Batch]:
    """Submit tasks ahead and yield their results in input order.

    At most ``in_flight`` tasks are unfinished at any time, and at most ``buffered`` (default three
    times as many) submitted but not yet yielded: one long task at the head of the line does not
    keep the other workers idle, and memory stays bounded. ``wait_any(handles)`` blocks until one
    of the handles ``submit`` returned has finished (without it, the window is ``in_flight``
    tasks, submitted as the oldest is yielded).
    """
    buffered = max(in_flight, buffered or (3 * in_flight if wait_any else in_flight))
    pending: deque = deque()  # (task, handle), in input order
    running: set = set()  # handles of unfinished tasks
    tasks = iter(tasks)
    exhausted = False
    while True:
        while not exhausted and len(pending) < buffered and len(running) < in_flight:
            task = next(tasks, None)
            if task is None:
                exhausted = True
                break
            handle = submit(task)
            pending.append((task, handle))
            running.add(id(handle))
        if not pending:
            return
        task, handle = pending[0]
        if wait_any is None or _done(handle) or len(pending) >= buffered:
            pending.popleft()
            running.discard(id(handle))
            yield collect(task, handle)
            continue
        finished = wait_any([h for _, h in pending if id(h) in running])
        running.difference_update(id(h) for h in finished)


def _future(handle):
    return handle[1] if isinstance(handle, tuple) else handle


def _done(handle) -> bool:
    return _future(handle).done()


def _wait_pool(handles: list) -> list:
    """The pool's handles among ``handles`` that have finished (waits for at least one)."""
    from concurrent.futures import FIRST_COMPLETED, wait

    done, _ = wait([_future(h) for h in handles], return_when=FIRST_COMPLETED)
    return [h for h in handles if _future(h) in done]


def _init_pool_worker(model: str | None) -> None:
    """Load the models once per worker process, before the first task arrives."""
    _die_with_parent()
    try:
        worker.load_models(model)
    except Exception:  # noqa: BLE001
        # an initializer that raises breaks the whole pool and hides the reason; the first
        # task calls load_models again and its error (ModelNotFound...) reaches the run
        log.debug("model loading failed in a worker", exc_info=True)


def _timed(items: Iterable, spent: list[float]) -> Iterator:
    """``items``, adding the CPU time spent producing each (the main process's work) to ``spent[0]``."""
    items = iter(items)
    while True:
        started = time.process_time()
        try:
            item = next(items)
        except StopIteration:
            return
        finally:
            spent[0] += time.process_time() - started
        yield item


def run_serial(sources: Iterable[Source], options: WorkOptions) -> Iterator[Batch]:
    """Read and analyse in this process (one reading process, read-ahead across batches).

    Each :class:`~pipeline.worker.Batch` carries the CPU time of its reading and analysis,
    the work that a worker would do (the time spent producing ``sources`` is left out).
    """
    spent = [0.0]
    with GuardedReader(options.limits) as reader:
        started, reading, outside = time.process_time(), reader.cpu_seconds, spent[0]
        for items in worker.prepare_stream(_timed(sources, spent), options, reader):
            now, read = time.process_time(), reader.cpu_seconds - reading
            yield Batch(items, now - started - (spent[0] - outside) + read, read)
            started, reading, outside = time.process_time(), reader.cpu_seconds, spent[0]


def run_process_pool(tasks: Iterable[list[Source]], settings: RunSettings, options: WorkOptions
                     ) -> Iterator[Batch]:
    """Run tasks in ``settings.workers`` processes, each loading the model once; results in input order.

    The pool starts with the first task: a run where every file is unchanged starts no process
    and loads no model. A worker that dies (killed for memory, a crash in a C extension) breaks
    the whole pool: the pool is restarted, the task being collected is run again one source at a
    time, and a source that kills a worker again fails with kind ``analysis``; the run goes on.
    """
    pool = _PoolWithRestart(settings.workers, options)
    try:
        yield from _in_order(pool.submit, pool.collect, tasks, settings.workers * IN_FLIGHT_PER_WORKER, _wait_pool)
    finally:
        pool.shutdown()


class _PoolWithRestart:
    """A process pool that survives the death of a worker (see :func:`run_process_pool`)."""

    def __init__(self, workers: int, options: WorkOptions):
        self.workers, self.options = workers, options
        self.pool = None  # started by the first task
        self.generation = 0  # pools started so far: a future of an earlier pool died with it

    def _start(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.generation += 1
        context = multiprocessing.get_context(start_method())
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_init_pool_worker,
                                   initargs=(self.options.model,))

    def submit(self, task: list[Source]) -> tuple[int, object]:
        """The pool's generation and a future of the task's :class:`~pipeline.worker.Batch`."""
        if self.pool is None:
            self.pool = self._start()
        return self.generation, self.pool.submit(worker.process_batch, task, self.options)

    def _restart(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = self._start()

    def collect(self, task: list[Source], submitted: tuple[int, object]) -> Batch:
        """The results of ``task``; after a crash, the task is run again source by source."""
        from concurrent.futures.process import BrokenProcessPool

        generation, future = submitted
        finished = future.done() and not future.cancelled() and future.exception() is None
        if generation != self.generation and not finished:  # it died with an earlier pool: again
            generation, future = self.submit(task)
        try:
            return future.result()
        except BrokenProcessPool:
            log.warning("a worker process died; restarting the pool and retrying %d files one by one", len(task))
        self._restart()
        batch = Batch([])
        for source in task:
            try:
                batch.add(self.submit([source])[1].result())
            except BrokenProcessPool:
                batch.items.append(worker.died(source))
                self._restart()
        return batch

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


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
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": DASK_ALLOWED_FAILURES}), \
            LocalCluster(n_workers=workers or 1, threads_per_worker=1, processes=True,
                         dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def run_dask(tasks: Iterable[list[Source]], settings: RunSettings, options: WorkOptions,
             work=None) -> Iterator[Batch]:
    """Run tasks on a Dask cluster (local when ``settings.scheduler`` is None); results in input order.

    Each worker process loads the model once (``load_nlp`` and ``ThemeClassifier.load`` cache
    per process) and keeps one reading process. Workers read the files themselves: on a cluster
    of several machines, every worker must see the input paths (a shared filesystem). A worker
    that dies costs its tasks in flight, which the scheduler runs again elsewhere; a task that
    killed more than :data:`DASK_ALLOWED_FAILURES` workers is retried one source at a time, and a
    source that kills a worker then fails with kind ``analysis``. ``work`` replaces
    :func:`pipeline.worker.process_batch` (``scripts/bench_cluster.py`` simulates the analysis).
    """
    work = work or worker.process_batch
    tasks = iter(tasks)
    first = next(tasks, None)
    if first is None:
        return
    from distributed import KilledWorker

    with dask_client(settings.scheduler, settings.workers) as client:
        n_workers = max(1, sum(client.nthreads().values()))

        def submit(task):
            # pure=False: two equal tasks (a re-run with --force) are still two tasks
            return client.submit(work, task, options, pure=False)

        def collect(task, future) -> Batch:
            try:
                return future.result()
            except KilledWorker:
                log.warning("a task killed %d Dask workers; retrying its %d files one by one",
                            DASK_ALLOWED_FAILURES + 1, len(task))
            batch = Batch([])
            for source in task:
                try:
                    batch.add(submit([source]).result())
                except KilledWorker:
                    batch.items.append(worker.died(source))
            return batch

        def wait_any(futures: list) -> list:
            from distributed import wait

            done, _ = wait(futures, return_when="FIRST_COMPLETED")
            return [f for f in futures if f in done]

        yield from _in_order(submit, collect, _chain(first, tasks), n_workers * IN_FLIGHT_PER_WORKER, wait_any)


def _chain(first, rest):
    yield first
    yield from rest
