"""Simulate a large Dask cluster on this machine: the run's throughput against its number of workers.

    python scripts/bench_cluster.py [CORPUS] [--workers 1 2 4 8 16 32 64] [--seconds-per-worker 8]

What a cluster of many machines would show, where there is only this one (2 cores):

1. **Measure** a worker's real work (read, analyse, encode: :mod:`pipeline.worker`) on every
   document of CORPUS once, in this process: its CPU seconds (a batch's shared by its documents
   in proportion to their words) and the rows it prepared, pickled in a temporary folder.
2. Start a Dask scheduler in its own process (``dask scheduler``), then one-thread workers
   (``dask worker --nthreads 1``), more at each step, up to the largest count. For each count N,
   run **the main process's real work** (:func:`pipeline.parallel.run_dask` and
   :func:`pipeline.batch.store_batches` into a fresh store) over enough copies of the corpus to
   give each worker about ``--seconds-per-worker`` of work. A task on a worker loads the rows
   prepared for its documents, renames them as that copy (a distinct ``doc_id`` and source, so
   every copy is inserted) and **sleeps for their measured CPU seconds** instead of analysing.
3. Report words per second against N, the speed-up over one worker, and the main process's CPU
   time per word. A sleeping worker costs almost no CPU, so many of them fit on two cores; what
   limits the curve is what a real cluster would hit: the main process, the scheduler, and the
   per-task overhead of Dask.

Prints a Markdown table (and ``--json`` the figures). Measured figures are in docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.batch import RunSummary, store_batches, tasks  # noqa: E402
from pipeline.records import text_hash  # noqa: E402
from pipeline.settings import RunSettings  # noqa: E402
from pipeline.worker import Batch, Prepared, Source, WorkOptions  # noqa: E402


def measure(corpus: Path, folder: Path, batch_size: int = 16) -> list[dict]:
    """A worker's real work on each document of ``corpus``, once; its rows pickled in ``folder``.

    Returns one entry per source: ``path``, ``prepared`` (the pickle), ``seconds`` (CPU), ``words``.
    """
    from pipeline.batch import process_sources
    from pipeline.bench import _inputs

    paths, metadata = _inputs(corpus)
    sources = [Source(str(p), (metadata.get(str(p)) or metadata.get(p.name)) if metadata else None,
                      size=p.stat().st_size) for p in paths]
    measured: list[dict] = []
    for batch in process_sources(iter(sources), batch_size=batch_size):
        words = sum(max(item.n_words, 1) for item in batch.items)
        for item in batch.items:
            share = batch.cpu_seconds * max(item.n_words, 1) / words
            target = folder / f"{len(measured):05d}.pickle"
            target.write_bytes(pickle.dumps((share, [item]), protocol=pickle.HIGHEST_PROTOCOL))
            measured.append({"path": item.source, "prepared": str(target), "seconds": share,
                             "words": item.n_words if item.status == "ok" else 0})
    return measured


def _renamed(item: Prepared, copy: int) -> Prepared:
    """``item`` as copy ``copy`` of its document: another doc_id and source in every row."""
    if copy == 0 or item.encoded is None:
        return item
    old, new = item.doc_id, text_hash(f"{item.doc_id} copy {copy}")
    source = f"{item.source}#copy{copy}"
    rows = {}
    for table, table_rows in item.encoded.rows.items():
        if table == "documents":
            rows[table] = [(new, source, *row[2:]) for row in table_rows]
        elif table == "record_themes":  # (record_table, doc_id, record_id, theme)
            rows[table] = [(t, new, new if rid == old else rid, theme) for t, _, rid, theme in table_rows]
        else:  # doc_id first
            rows[table] = [(new, *row[1:]) for row in table_rows]
    encoded = type(item.encoded)(source, new, item.encoded.status, item.encoded.error, rows)
    return Prepared(source, item.outcome, new, item.read_ok, item.status, item.error, item.kind, item.n_words,
                    encoded)


def simulated_batch(sources: list[Source], options: WorkOptions) -> Batch:
    """A worker's task with the analysis replaced by a sleep of its measured length."""
    started = time.perf_counter()
    items: list[Prepared] = []
    seconds = 0.0
    for source in sources:
        with open(source.metadata["prepared"], "rb") as handle:
            measured, prepared = pickle.load(handle)
        seconds += measured * source.metadata["scale"]
        items.extend(_renamed(item, source.metadata["copy"]) for item in prepared)
    time.sleep(max(0.0, seconds - (time.perf_counter() - started)))
    return Batch(items, seconds)


def cluster_cpu_seconds(sessions: set[int]) -> float | None:
    """CPU seconds (user + system) used so far by every live process of ``sessions`` (the
    scheduler's and the workers' process trees, each started in its own session), from ``/proc``;
    None where there is no ``/proc``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        # after "pid (comm)": state ppid pgrp session ... utime stime cutime cstime (fields 3-4, 11-14)
        if int(fields[3]) in sessions:
            total += sum(int(f) for f in fields[11:15])
    return total / tick


def _start(command: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with open(log, "ab") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:  # each started in its own session: its group is its workers
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_curve(corpus: Path, counts: list[int], seconds_per_worker: float = 8.0, scale: float = 1.0,
              batch_size: int = 16, on_step=print) -> dict:
    """Measure, then run the main process against 1..max(counts) sleeping workers (see the module)."""
    from distributed import Client

    from pipeline import parallel
    from pipeline.store import StoreWriter

    with tempfile.TemporaryDirectory(prefix="ngo-cluster-") as tmp:
        folder = Path(tmp)
        on_step(f"measuring a worker's work on {corpus}")
        measured = measure(corpus, folder, batch_size)
        work_seconds = sum(m["seconds"] for m in measured) * scale
        words = sum(m["words"] for m in measured)
        report = {"corpus": str(corpus), "documents": len(measured), "words_per_copy": words,
                  "worker_seconds_per_copy": work_seconds, "scale": scale, "cpus": os.cpu_count(),
                  "load_average": os.getloadavg()[0], "steps": []}
        scheduler_file = folder / "scheduler.json"
        processes = [_start([sys.executable, "-m", "dask", "scheduler", "--scheduler-file", str(scheduler_file),
                             "--no-dashboard", "--port", "0"], folder / "scheduler.log")]
        try:
            deadline = time.monotonic() + 60
            while not scheduler_file.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            address = json.loads(scheduler_file.read_text())["address"]
            started_workers = 0
            with Client(address) as client:
                for n in sorted(counts):
                    if n > started_workers:  # add workers up to n
                        processes.append(_start(
                            [sys.executable, "-m", "dask", "worker", address, "--nworkers", str(n - started_workers),
                             "--nthreads", "1", "--no-dashboard", "--memory-limit", "0"], folder / "workers.log"))
                        started_workers = n
                    client.wait_for_workers(n, timeout=600)
                    copies = max(1, math.ceil(n * seconds_per_worker / work_seconds))
                    on_step(f"{n} workers: {copies} copies of the corpus ({copies * words:,} words)")
                    sources = [Source(m["path"], {"prepared": m["prepared"], "copy": copy, "scale": scale},
                                      size=os.path.getsize(m["path"])) for copy in range(copies) for m in measured]
                    summary = RunSummary()
                    settings = RunSettings(executor="dask", scheduler=address, batch_size=batch_size)
                    sessions = {process.pid for process in processes}
                    wall, cpu, others = time.perf_counter(), time.process_time(), cluster_cpu_seconds(sessions)
                    with StoreWriter(folder / f"store_{n}.sqlite", force=True) as writer:
                        batches = parallel.run_dask(tasks(iter(sources), batch_size), settings, WorkOptions(),
                                                    work=simulated_batch)
                        store_batches(batches, writer, summary)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    others = cluster_cpu_seconds(sessions) - others if others is not None else None
                    if summary.words != copies * words:
                        raise RuntimeError(f"{summary.words} words stored, {copies * words} expected")
                    report["steps"].append({"workers": n, "copies": copies, "words": summary.words,
                                            "seconds": wall, "words_per_second": summary.words / wall,
                                            "main_cpu_seconds": cpu, "main_cpu_us_per_word": 1e6 * cpu / summary.words,
                                            "main_busy": cpu / wall, "cluster_cpu_seconds": others,
                                            "load_average": os.getloadavg()[0],
                                            "ideal_words_per_second": n * words / work_seconds})
        finally:
            _stop(processes[::-1])
    one = report["steps"][0]["words_per_second"] / report["steps"][0]["workers"]
    for step in report["steps"]:
        step["speedup"] = step["words_per_second"] / one
    return report


def markdown(report: dict) -> str:
    lines = [f"{report['documents']} documents, {report['words_per_copy']:,} words per copy; a worker's measured "
             f"work {report['worker_seconds_per_copy']:.1f} s per copy; {report['cpus']} CPUs, load average "
             f"{report['load_average']:.2f} at start",
             "", "| workers | words | seconds | words/s | ideal words/s | speed-up | main CPU µs/word | main busy "
                 "| scheduler + workers CPU s | load average |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in report["steps"]:
        cluster = "?" if s["cluster_cpu_seconds"] is None else f"{s['cluster_cpu_seconds']:.1f}"
        lines.append(f"| {s['workers']} | {s['words']:,} | {s['seconds']:.1f} | {s['words_per_second']:,.0f} | "
                     f"{s['ideal_words_per_second']:,.0f} | {s['speedup']:.1f} | {s['main_cpu_us_per_word']:.2f} | "
                     f"{s['main_busy']:.0%} | {cluster} | {s['load_average']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=None)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64])
    parser.add_argument("--seconds-per-worker", type=float, default=8.0,
                        help="measured work given to each worker at every step (default 8)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every sleep (tests use 0.1)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    from pipeline.bench import default_corpus

    report = run_curve(args.corpus or default_corpus(), args.workers, args.seconds_per_worker, args.scale,
                       args.batch_size, on_step=lambda m: print(m, file=sys.stderr))
    print(json.dumps(report, indent=1) if args.json else markdown(report))


if __name__ == "__main__":
    main()
