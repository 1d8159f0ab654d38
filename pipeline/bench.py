"""Benchmark the pipeline against spaCy itself, on the same documents in one run.

``ngo-pipeline bench [PATH] [--repeat N] [--workers N] [--scale-memory]`` measures:

(a) bare ``nlp.pipe``: the same spaCy model loaded with ``spacy.load`` (what a spaCy user
    gets), piping the already-ingested texts (``n_process=N`` with ``--workers N``);
(b) the whole pipeline: ingest (reading every file again) -> spaCy -> extractors -> themes
    -> writing a temporary store, through :func:`pipeline.batch.process_sources` and
    :func:`pipeline.batch.store_batches`, as ``ngo-pipeline run`` does;
and their ratio, in words per second over the same word count; and, of (b), the main process's
CPU time per word against a worker's (reading, analysis, encoding), the serial fraction and the
speed-up bound it implies (:func:`serial_fraction`). Model loading is outside
both timings (the pool's start-up, with ``--workers N``, is inside both).

Stage shares come from a third, instrumented pass over the corpus once, in this process: the
run's own spaCy pipeline, component by component, each timed on CPU time (:func:`stage_pass`),
grouped as ingest, spaCy (the model's components), one stage per analysis component (entities,
dates, claims, quotes, themes) and the store write. ``--repeat N`` streams the
corpus N times, each copy made distinct by a short closing line ("Copy b.") so the store
never deduplicates it. ``--scale-memory`` runs pass (b) in fresh subprocesses at 1x and 10x
the corpus and reports both peaks: streaming keeps them equal.
"""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from pipeline.records import Document

REPO = Path(__file__).resolve().parents[1]
WARM_UP_TEXT = "BEIRUT, 4 May 2024 — “We will not stop,” said Rana Aziz of the Lebanese Red Cross."


def default_corpus() -> Path:
    """``../shared/corpus`` beside the checkout when present, else the sample ``corpus/``."""
    shared = REPO.parent / "shared" / "corpus"
    return shared if shared.is_dir() else REPO / "corpus"


def _copy_marker(copy: int) -> str:
    """A closing line that makes copy ``copy`` of a text distinct: "Copy b.", "Copy c.", ...

    Letters only: a number would be read as a claim or a date.
    """
    letters = ""
    n = copy
    while True:
        letters = chr(ord("a") + n % 26) + letters
        n //= 26
        if n == 0:
            break
    return f"\n\nCopy {letters}."


def _as_copy(document: Document, copy: int) -> Document:
    if copy == 0 or document.status != "ok":
        return document
    # a new Document: its doc_id (a cached hash) is computed from the new text
    return dataclasses.replace(document, text=document.text + _copy_marker(copy))


def _inputs(path: Path) -> tuple[list[Path], dict | None]:
    from pipeline.ingest import iter_input_paths, load_metadata

    paths = [p for p, skip in iter_input_paths([path]) if skip is None]
    manifest = path / "MANIFEST.tsv" if path.is_dir() else None
    metadata = load_metadata(manifest) if manifest and manifest.is_file() else None
    return paths, metadata


def _read(path: Path, metadata: dict | None) -> Document:
    from pipeline.ingest import IngestError, read_document

    try:
        return read_document(path, metadata)
    except IngestError as exc:
        return Document(source=str(path), text="", status="error", error=str(exc), error_kind=exc.kind)


def peak_memory_mib() -> dict[str, float]:
    """Peak resident memory of this process and of its largest finished child, in MiB."""
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    return {"process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale,
            "largest_child": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale}


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its finished children: unlike the wall
    clock, it barely moves when other jobs share the machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def _timed(totals: dict[str, float], stage: str, clock=time.perf_counter):
    started = clock()
    try:
        yield
    finally:
        totals[stage] = totals.get(stage, 0.0) + clock() - started


# --- the passes -----------------------------------------------------------------------------

def bare_spacy_pass(texts: Iterator[str], model_name: str, *, workers: int = 1, batch_size: int = 16
                    ) -> dict[str, Any]:
    """(a): ``spacy.load`` + ``nlp.pipe`` over the texts; model loading not timed."""
    import spacy

    nlp = spacy.load(model_name)
    list(nlp.pipe([WARM_UP_TEXT]))  # first-call costs (allocations, lazy tables) are not throughput
    started, cpu = time.perf_counter(), cpu_seconds()
    n_docs = 0
    for _ in nlp.pipe(texts, batch_size=batch_size, n_process=workers):
        n_docs += 1
    return {"seconds": time.perf_counter() - started, "cpu_seconds": cpu_seconds() - cpu, "documents": n_docs,
            "pipes": list(nlp.pipe_names)}


def pipeline_pass(paths: list[Path], metadata: dict | None, store_path: Path, *, repeat: int = 1,
                  workers: int = 1, executor: str = "process", model: str | None = None,
                  batch_size: int = 16) -> dict[str, Any]:
    """(b): paths -> workers (read, analyse, encode) -> the store, streaming ``repeat`` copies.

    The same functions as ``ngo-pipeline run`` (:func:`pipeline.batch.process_sources`,
    :func:`pipeline.batch.store_batches`). Also splits the CPU time between the main process
    (``main_cpu_seconds``: walking sources, inserting rows, the store's closing rebuild) and the
    work a worker does (``worker_cpu_seconds``: reading, analysis, encoding, wherever it ran).
    """
    from pipeline.batch import RunSummary, process_sources, store_batches
    from pipeline.limits import Limits
    from pipeline.parallel import load_models
    from pipeline.settings import RunSettings
    from pipeline.store import StoreWriter
    from pipeline.worker import Source

    if executor == "process":
        # as (a): model loading is not timed (forked workers inherit the loaded model)
        nlp = load_models(model)
        list(nlp.pipe([WARM_UP_TEXT]))

    def sources() -> Iterator[Source]:
        for copy in range(repeat):
            for path in paths:
                row = (metadata.get(str(path)) or metadata.get(path.name)) if metadata else None
                yield Source(str(path), row, suffix=_copy_marker(copy) if copy else "", size=path.stat().st_size)

    summary = RunSummary()
    settings = RunSettings(model=model, batch_size=batch_size, workers=workers, executor=executor,
                           limits=Limits(max_seconds=0))
    started, cpu, main_started = time.perf_counter(), cpu_seconds(), time.process_time()
    with StoreWriter(store_path, force=True) as writer:
        work = store_batches(process_sources(sources(), settings), writer, summary)
        # the peak of the streaming part, before the store rebuilds its cross-document tables
        streaming_peak = peak_memory_mib()["process"]
    main_cpu = time.process_time() - main_started
    if executor == "process" and workers == 1:  # analysis ran in this process: it is not the main's
        main_cpu -= work.cpu_seconds - work.reading_cpu_seconds  # (reading ran in a child)
    worker_cpu = work.cpu_seconds
    failed = sum(1 for o in summary.outcomes if o.outcome == "error" and o.kind in ("timeout", "analysis"))
    # children's CPU counts once they are joined: the pool is shut down by now (Dask workers are not)
    return {"seconds": time.perf_counter() - started, "cpu_seconds": cpu_seconds() - cpu,
            "documents": summary.documents_ok, "words": summary.words, "failed": failed,
            "main_cpu_seconds": main_cpu, "worker_cpu_seconds": worker_cpu, "streaming_peak_mib": streaming_peak}


def serial_fraction(main_cpu: float, worker_cpu: float, words: int) -> dict[str, float]:
    """The main process's CPU per word against a worker's, and the speed-up that bounds.

    Every word costs ``main`` CPU seconds in the one main process and ``worker`` in some worker:
    by Amdahl's law no number of workers runs faster than ``(main + worker) / main`` times one
    process (``1 / serial_fraction``), and the main process saturates at about ``worker / main``
    busy workers.
    """
    fraction = main_cpu / (main_cpu + worker_cpu) if main_cpu + worker_cpu > 0 else 0.0
    return {"main_us_per_word": 1e6 * main_cpu / words if words else 0.0,
            "worker_us_per_word": 1e6 * worker_cpu / words if words else 0.0,
            "main_share_of_worker": main_cpu / worker_cpu if worker_cpu else 0.0,
            "serial_fraction": fraction, "speedup_bound": 1 / fraction if fraction else float("inf")}


def stage_names(nlp) -> tuple[str, ...]:
    """The stage table's rows: ingest, ``spacy`` (the tokenizer and every component that is not an
    analysis component), one row per analysis component, named after the record type it assigns
    (:data:`pipeline.records.RECORD_TYPES`), and the store write."""
    from pipeline.analysis import analysis_pipes
    from pipeline.records import RECORD_TYPES

    by_component = {rt.component: rt.stage for rt in RECORD_TYPES.values() if rt.component}
    return ("ingest", "spacy", *(by_component.get(name, name) for name, _ in analysis_pipes(nlp)), "write")


def stage_pass(documents: list[Document], store_path: Path, *, model: str | None = None,
               batch_size: int = 16, ingest_seconds: float = 0.0) -> dict[str, Any]:
    """CPU seconds per stage over the documents once, in this process (instrumented, not the run).

    Runs the run's own pipeline (``load_nlp``) component by component over the whole corpus,
    each component over every document before the next (``pipe`` in batches where the component
    has one, as ``nlp.pipe`` runs it), and times each on CPU time: ``components`` holds every
    component, ``stages`` groups them as :func:`stage_names` says.
    """
    from pipeline.analysis import analysis_pipes, result_from_doc
    from pipeline.components import make_doc
    from pipeline.parallel import load_models
    from pipeline.records import RECORD_TYPES
    from pipeline.store import StoreWriter

    nlp = load_models(model)
    stage_of = {rt.component: rt.stage for rt in RECORD_TYPES.values() if rt.component}
    analysis = {name for name, _ in analysis_pipes(nlp)}
    clock = time.process_time  # CPU time of this process: shares that other jobs barely move
    components: dict[str, float] = {}
    ok = [d for d in documents if d.status == "ok"]
    with _timed(components, "tokenizer", clock):
        docs = [make_doc(nlp, d.text, d.published, d.organisation) for d in ok]
    for name, proc in nlp.pipeline:
        with _timed(components, name, clock):
            if hasattr(proc, "pipe"):
                docs = list(proc.pipe(docs, batch_size=batch_size))
            else:
                docs = [proc(doc) for doc in docs]
    stages = {stage: 0.0 for stage in stage_names(nlp)}
    stages["ingest"] = ingest_seconds
    for name, seconds in components.items():
        stages[stage_of.get(name, name) if name in analysis else "spacy"] += seconds
    with StoreWriter(store_path, force=True) as writer:
        with _timed(stages, "write", clock):
            for document, doc in zip(ok, docs):
                writer.write(result_from_doc(document, doc))
        closing = clock()
    stages["write"] += clock() - closing
    return {"stages": stages, "components": components}


def machine() -> dict[str, Any]:
    """What the figures were measured on (the load average says how busy it was)."""
    import spacy

    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "spacy": spacy.__version__, "load_average": [round(x, 2) for x in os.getloadavg()]}
    try:
        with open("/proc/meminfo") as handle:
            info["memory_gib"] = round(int(handle.readline().split()[1]) / 1024 ** 2, 1)
    except OSError:
        pass
    return info


def run_bench(path: str | Path | None = None, *, repeat: int = 1, workers: int = 1, executor: str = "process",
              model: str | None = None, batch_size: int = 16, stages: bool = True,
              scale_memory: bool = False, on_step=None) -> dict[str, Any]:
    """Run the benchmark; returns a JSON-ready report (see :func:`format_table`).

    Parameters
    ----------
    path : str or Path, optional
        A folder or file of publications (default: :func:`default_corpus`).
    repeat : int
        Stream the corpus this many times (distinct copies) through (a) and (b).
    workers : int
        Processes for (b), and ``n_process`` of (a).
    stages : bool
        Also run the instrumented pass for the time share of each stage (the corpus once).
    scale_memory : bool
        Also run (b) in subprocesses at 1x and 10x ``repeat`` and report both memory peaks.
    on_step : callable, optional
        Receives a short description of each step as it starts (progress).
    """
    from pipeline.nlp import default_model_name

    step = on_step or (lambda message: None)
    path = Path(path) if path else default_corpus()
    model_name = model or default_model_name()
    report: dict[str, Any] = {"corpus": str(path), "repeat": repeat, "workers": workers, "executor": executor,
                              "model": model_name, "machine": machine()}
    paths, metadata = _inputs(path)
    step(f"ingesting {len(paths)} files")
    if paths:
        _read(paths[0], metadata)  # readers import their libraries on first use: not ingest time
    cpu = time.process_time()
    documents = [_read(p, metadata) for p in paths]
    ingest_cpu_seconds = time.process_time() - cpu
    ok = [d for d in documents if d.status == "ok"]
    texts = [(d.text, c) for c in range(repeat) for d in ok]
    words = sum(len((text + (_copy_marker(c) if c else "")).split()) for text, c in texts)
    report["documents"] = len(ok) * repeat
    report["words"] = words

    step(f"(a) bare nlp.pipe over {words:,} words")
    bare = bare_spacy_pass((t + (_copy_marker(c) if c else "") for t, c in texts), model_name,
                           workers=workers, batch_size=batch_size)
    report["bare_spacy"] = {**bare, "words_per_second": words / bare["seconds"]}

    with tempfile.TemporaryDirectory(prefix="ngo-bench-") as tmp:
        step(f"(b) whole pipeline over {words:,} words")
        whole = pipeline_pass(paths, metadata, Path(tmp) / "bench.sqlite", repeat=repeat, workers=workers,
                              executor=executor, model=model, batch_size=batch_size)
        if whole["words"] != words:
            raise RuntimeError(f"(b) saw {whole['words']} words, (a) {words}: the corpus changed during the run")
        report["pipeline"] = {**whole, "words_per_second": words / whole["seconds"]}
        report["serial"] = serial_fraction(whole["main_cpu_seconds"], whole["worker_cpu_seconds"], words)
        report["ratio"] = report["pipeline"]["words_per_second"] / report["bare_spacy"]["words_per_second"]
        # the same ratio on CPU time: what the wall-clock ratio would be on a quiet machine
        report["ratio_cpu"] = bare["cpu_seconds"] / whole["cpu_seconds"] if executor == "process" else None
        if stages:
            step("stage shares (instrumented pass over the corpus once)")
            timed = stage_pass(documents, Path(tmp) / "stages.sqlite", model=model, batch_size=batch_size,
                               ingest_seconds=ingest_cpu_seconds)
            seconds, total = timed["stages"], sum(timed["stages"].values())
            report["stages"] = {"words": sum(d.n_words for d in ok), "seconds": seconds,
                                "share": {k: v / total for k, v in seconds.items()},
                                "components": timed["components"]}
    report["peak_memory_mib"] = peak_memory_mib()
    if scale_memory:
        report["memory_scaling"] = {}
        for factor in (1, 10):
            step(f"memory at {factor}x the corpus ({factor * repeat} copies, in a subprocess)")
            report["memory_scaling"][f"{factor}x"] = memory_probe(path, repeat=factor * repeat, workers=workers,
                                                                  executor=executor, model=model,
                                                                  batch_size=batch_size)
        one, ten = report["memory_scaling"]["1x"], report["memory_scaling"]["10x"]
        report["memory_scaling"]["growth"] = ten["peak_mib"] / one["peak_mib"] - 1
    report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


def memory_probe(path: Path, *, repeat: int, workers: int = 1, executor: str = "process", model: str | None = None,
                 batch_size: int = 16) -> dict[str, Any]:
    """Run pass (b) alone in a fresh Python process and return its peaks (and throughput)."""
    command = [sys.executable, "-m", "pipeline.bench", str(path), "--repeat", str(repeat), "--workers", str(workers),
               "--executor", executor, "--batch-size", str(batch_size)] + (["--model", model] if model else [])
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"memory probe failed: {completed.stderr.strip()[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _probe_main(argv: list[str] | None = None) -> None:
    """``python -m pipeline.bench PATH --repeat N``: pass (b) only; prints its peaks as JSON."""
    import argparse

    parser = argparse.ArgumentParser(description=_probe_main.__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--executor", default="process")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--model")
    args = parser.parse_args(argv)
    paths, metadata = _inputs(args.path)
    with tempfile.TemporaryDirectory(prefix="ngo-bench-") as tmp:
        result = pipeline_pass(paths, metadata, Path(tmp) / "bench.sqlite", repeat=args.repeat, workers=args.workers,
                               executor=args.executor, model=args.model, batch_size=args.batch_size)
    peaks = peak_memory_mib()
    # workers hold their own model: the peak that matters is the larger of main and a worker
    print(json.dumps({"repeat": args.repeat, "words": result["words"], "seconds": round(result["seconds"], 2),
                      "process_mib": round(peaks["process"], 1), "largest_child_mib": round(peaks["largest_child"], 1),
                      "peak_mib": round(max(peaks.values()), 1),
                      "streaming_peak_mib": round(result["streaming_peak_mib"], 1)}))


# --- output ---------------------------------------------------------------------------------

def summary_lines(report: dict[str, Any]) -> list[str]:
    """The headline figures as plain lines (also what the table's title holds)."""
    m = report["machine"]
    lines = [
        f"corpus {report['corpus']} x{report['repeat']}: {report['documents']:,} documents, "
        f"{report['words']:,} words; model {report['model']}; workers {report['workers']}",
        f"machine: {m['cpus']} CPUs, {m.get('memory_gib', '?')} GiB, Python {m['python']}, spaCy {m['spacy']}; "
        f"load average {m['load_average'][0]:.2f} at start, {m['load_average_end'][0]:.2f} at end",
        f"(a) bare nlp.pipe: {report['bare_spacy']['words_per_second']:,.0f} words/s "
        f"({report['bare_spacy']['seconds']:.1f} s)",
        f"(b) whole pipeline: {report['pipeline']['words_per_second']:,.0f} words/s "
        f"({report['pipeline']['seconds']:.1f} s)",
        f"ratio b/a: {report['ratio']:.3f}"
        + (f" (on CPU time: {report['ratio_cpu']:.3f}; CPU s: a {report['bare_spacy']['cpu_seconds']:.1f}, "
           f"b {report['pipeline']['cpu_seconds']:.1f})" if report.get("ratio_cpu") else ""),
        f"main-process CPU per word: {report['serial']['main_us_per_word']:.2f} µs, a worker's "
        f"{report['serial']['worker_us_per_word']:.1f} µs ({report['serial']['main_share_of_worker']:.2%}); "
        f"serial fraction {report['serial']['serial_fraction']:.2%}, "
        f"Amdahl speed-up bound {report['serial']['speedup_bound']:,.0f} workers",
        f"peak memory: {report['peak_memory_mib']['process']:,.0f} MiB (this process), "
        f"{report['peak_memory_mib']['largest_child']:,.0f} MiB (largest worker)",
    ]
    scaling = report.get("memory_scaling")
    if scaling:
        lines.append(f"peak memory of (b) alone: {scaling['1x']['peak_mib']:,.0f} MiB at 1x "
                     f"({scaling['1x']['words']:,} words), {scaling['10x']['peak_mib']:,.0f} MiB at 10x "
                     f"({scaling['10x']['words']:,} words): {scaling['growth']:+.1%}")
    return lines


def format_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown, ready to paste into docs/performance.md."""
    out = [f"- {line}" for line in summary_lines(report)]
    if "stages" in report:
        out += ["", "| stage | CPU seconds | share |", "|---|---:|---:|"]
        for stage, seconds in report["stages"]["seconds"].items():
            out.append(f"| {stage} | {seconds:.2f} | {report['stages']['share'][stage]:.1%} |")
    return "\n".join(out)


def format_table(report: dict[str, Any]):
    """The stage shares as a rich Table (print :func:`summary_lines` above it)."""
    from rich.table import Table

    table = Table(title="stage shares (CPU time, one instrumented pass)", title_justify="left")
    table.add_column("stage")
    table.add_column("CPU seconds", justify="right")
    table.add_column("share", justify="right")
    if "stages" in report:
        for stage, seconds in report["stages"]["seconds"].items():
            table.add_row(stage, f"{seconds:.2f}", f"{report['stages']['share'][stage]:.1%}")
    return table


if __name__ == "__main__":
    _probe_main()
