"""Command line: ``ngo-pipeline run|train ...`` (also ``python -m pipeline``)."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from pipeline.cli_errors import warnings_printed
from pipeline.cli_figures import figures
from pipeline.cli_options import MAX_LIMIT, MAX_MIB, MAX_SECONDS, MAX_WORKERS, console, folder
from pipeline.cli_options import clear_errors as _clear_errors
from pipeline.cli_options import fail as _fail
from pipeline.cli_options import stdout as _stdout
from pipeline.console import HIGHLIGHT, eval_tables, print_run_summary, search_table

app = typer.Typer(
    help="Turn NGO publications into structured, verifiable records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
# soft_wrap: a message is never cut mid-path when the output is not a terminal (pipes, tests: 80 columns)


def _version(value: bool) -> None:
    if value:
        from pipeline import __version__
        from pipeline.records import SCHEMA_VERSION

        print(f"ngo-pipeline {__version__} (output schema {SCHEMA_VERSION})")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Turn NGO publications into structured, verifiable records."""


@app.command()
@_clear_errors
def run(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of publications.")],
    out: Annotated[Path, typer.Option("--out", "-o", callback=folder, help="Output folder.")] = Path("outputs"),
    metadata: Annotated[
        Optional[Path],
        typer.Option(help="CSV/TSV with columns file, title, organisation, published."),
    ] = None,
    model: Annotated[Optional[str], typer.Option(help="spaCy model name or path.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per nlp.pipe batch.")] = 16,
    store: Annotated[
        Optional[Path], typer.Option(help="Store file to write (default: OUT/pipeline.sqlite).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Analyse documents again even when unchanged.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    max_mb: Annotated[float, typer.Option(min=0, max=MAX_MIB, help="Largest input file in MiB (0: no limit).")] = 50,
    max_chars: Annotated[int, typer.Option(min=0, help="Longest text in characters (0: no limit).")] = 1_000_000,
    max_pages: Annotated[int, typer.Option(min=0, help="Most PDF pages (0: no limit).")] = 2_000,
    max_seconds: Annotated[float, typer.Option(
        min=0, max=MAX_SECONDS, help="Longest reading, and longest analysis, of one document (0: no limit).")] = 300,
    max_tokens: Annotated[int, typer.Option(min=0, help="Most spaCy tokens in one document (0: no limit).")] = 250_000,
    max_memory_mb: Annotated[int, typer.Option(
        min=0, help="Memory one file may take while it is read, in MiB (0: no limit).")] = 1_024,
    follow_links: Annotated[bool, typer.Option(
        "--follow-links", help="Read files that symbolic links in the input folders point to outside them.")] = False,
    lock_timeout: Annotated[float, typer.Option(
        min=0, max=MAX_SECONDS, help="Seconds to wait while another run holds the store, then fail "
                                     "(a store being served fails at once).")] = 60,
    workers: Annotated[Optional[int], typer.Option(
        min=1, max=MAX_WORKERS, help="Processes analysing documents in parallel, each loading the model once "
                                     "(default: all cores).")] = None,
    executor: Annotated[str, typer.Option(
        help="process (a local pool of --workers) or dask (a Dask cluster; see docs/performance.md).")] = "process",
    scheduler: Annotated[Optional[str], typer.Option(
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor dask; default: a local "
             "cluster of --workers processes).")] = None,
) -> None:
    """Process publications into the SQLite store (OUT/pipeline.sqlite) and print a summary.

    Unchanged documents (same content hash) are skipped; a changed file's records are
    replaced. JSON Lines, CSV and Parquet come from `ngo-pipeline export`.
    """
    from pipeline.batch import run as run_batch
    from pipeline.ingest.core import MetadataError
    from pipeline.limits import MB, Limits
    from pipeline.settings import EXECUTORS, RunSettings
    from pipeline.store import StoreError

    if executor not in EXECUTORS:
        raise typer.BadParameter(f"choose {' or '.join(EXECUTORS)}", param_hint="--executor")
    if scheduler and executor != "dask":
        raise typer.BadParameter("--scheduler needs --executor dask", param_hint="--scheduler")
    for path in paths:
        if not path.exists():
            raise typer.BadParameter(f"{path} does not exist", param_hint="PATHS")
    if metadata is not None and not metadata.is_file():
        raise typer.BadParameter(f"{metadata} is not a file", param_hint="--metadata")
    settings = RunSettings(
        out=out, store=store, metadata_file=metadata, model=model, batch_size=batch_size, force=force,
        limits=Limits(max_bytes=int(max_mb * MB), max_chars=max_chars, max_pages=max_pages,
                      max_seconds=max_seconds, max_tokens=max_tokens, max_memory_mb=max_memory_mb),
        workers=workers or os.cpu_count() or 1, executor=executor, scheduler=scheduler,
        lock_timeout=lock_timeout, follow_links=follow_links)
    progress = Progress(
        TextColumn("[bold]analysing"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[name]}", markup=False), TimeRemainingColumn(),  # file names are not markup
        console=console, disable=quiet, transient=True,
        # redrawn on each document instead of by a refresh thread: with no other thread
        # running, worker processes can be forked from the loaded parent (pipeline.parallel)
        auto_refresh=False,
    )
    with progress, warnings_printed(console):  # a bad date in --metadata, say, is a warning line
        task = progress.add_task("run", total=None, name="")
        try:
            summary = run_batch(
                paths, settings=settings,
                on_start=lambda total: progress.update(task, total=total, refresh=True),
                on_document=lambda r: progress.update(task, advance=1, name=Path(r.source).name[:40],
                                                      refresh=True),
            )
        except (*_model_not_found(), MetadataError, FileNotFoundError, StoreError) as exc:
            _fail(exc)  # a missing model, an unreadable --metadata file, a bad or locked store
    print_run_summary(summary, out, _stdout())
    if summary.documents_ok == 0 and summary.documents_failed > 0:
        raise typer.Exit(1)


def _model_not_found() -> tuple[type[Exception], ...]:
    """The errors of a missing spaCy or theme model, imported only when an error is being handled:
    importing them imports spaCy (a second), which a run with nothing to analyse never needs."""
    from pipeline.nlp import ModelNotFound
    from pipeline.themes.model import ModelError

    return ModelNotFound, ModelError


@app.command()
@_clear_errors
def bench(
    path: Annotated[Optional[Path], typer.Argument(
        help="Files or folder to benchmark (default: ../shared/corpus when present, else corpus/).")] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Stream the corpus N times (distinct copies).")] = 1,
    workers: Annotated[int, typer.Option(
        min=1, max=MAX_WORKERS, help="Processes for the pipeline (and n_process of nlp.pipe).")] = 1,
    executor: Annotated[str, typer.Option(help="process or dask.")] = "process",
    model: Annotated[Optional[str], typer.Option(help="spaCy model name or path.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per nlp.pipe batch.")] = 16,
    stages: Annotated[bool, typer.Option(help="Time each stage (an extra pass over the corpus once).")] = True,
    scale_memory: Annotated[bool, typer.Option(
        "--scale-memory", help="Also measure peak memory at 1x and 10x the corpus (in subprocesses).")] = False,
    output_format: Annotated[str, typer.Option("--format", help="table, json or markdown.")] = "table",
) -> None:
    """Words per second of bare spaCy nlp.pipe vs the whole pipeline on the same documents,
    their ratio, peak memory and the time share of each stage (docs/performance.md)."""
    import json

    from pipeline.bench import format_markdown, format_table, run_bench, summary_lines

    if output_format not in ("table", "json", "markdown"):
        raise typer.BadParameter("choose table, json or markdown", param_hint="--format")
    if executor not in ("process", "dask"):
        raise typer.BadParameter("choose process or dask", param_hint="--executor")
    if path is not None and not path.exists():
        raise typer.BadParameter(f"{path} does not exist", param_hint="PATH")
    # steps printed as lines, not a live spinner: a spinner's thread would make the pool spawn
    # its workers instead of forking them (pipeline.parallel.start_method), a cost (a) does not pay
    report = run_bench(path, repeat=repeat, workers=workers, executor=executor, model=model,
                       batch_size=batch_size, stages=stages, scale_memory=scale_memory,
                       on_step=lambda message: console.print(f"[dim]{escape(message)}[/dim]", highlight=False))
    if output_format == "json":
        print(json.dumps(report, indent=2))
    elif output_format == "markdown":
        print(format_markdown(report))
    else:
        out_console = _stdout()
        for line in summary_lines(report):
            out_console.print(line, highlight=False)
        if "stages" in report:
            out_console.print(format_table(report))


@app.command()
@_clear_errors
def train(
    out: Annotated[Optional[Path], typer.Option(
        callback=folder, help="Model folder (default: the package's pipeline/resources/themes).")] = None,
    family: Annotated[str, typer.Option(help="Model family: svm (default), logreg, sgd or cnb.")] = "svm",
    corrections: Annotated[Optional[Path], typer.Option(
        help="Analysts' corrections file (default: data/themes/corrections.jsonl).")] = None,
    real: Annotated[Optional[list[Path]], typer.Option(
        help="Gold folder of labelled real documents to train on (repeatable; "
             "default: data/gold/themes_train).")] = None,
) -> None:
    """Train the sentence theme model on labelled real documents, written sentences and review
    corrections; thresholds come from grouped out-of-fold scores."""
    from pipeline.evaluate import GoldError
    from pipeline.themes.estimators import FAMILIES
    from pipeline.themes.training import default_held_out_dirs
    from pipeline.themes.training import train as train_themes

    if family not in FAMILIES:
        raise typer.BadParameter(f"choose from {', '.join(FAMILIES)}", param_hint="--family")
    for real_dir in real or []:
        if not real_dir.is_dir():
            raise typer.BadParameter(f"{real_dir} is not a folder", param_hint="--real")
    with console.status("training the theme classifier"):
        try:
            metrics = train_themes(out_dir=out, family=family, corrections=corrections,
                                   held_out=default_held_out_dirs(), real_dirs=real or None)
        except (GoldError, ValueError) as exc:
            _fail(exc)
    table = Table(title=f"{metrics['real_sentences']} real sentences of {metrics['real_documents']} documents"
                        f" + {metrics['n_examples']} written ({metrics['n_corrections']} from review); "
                        f"out-of-fold scores, {metrics['cv_folds']} groups of documents", title_justify="left")
    for column in ("theme", "threshold", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "theme" else "right")
    for theme, m in metrics["cv"]["per_theme"].items():
        table.add_row(theme, f"{metrics['thresholds'][theme]:.2f}", f"{m['precision']:.3f}",
                      f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]))
    out_console = _stdout()
    out_console.print(table)
    out_console.print(f"macro-F1 {metrics['cv']['macro_f1']:.3f}; model written to "
                      f"{metrics['model_path']} (card: {metrics['card_path']})", markup=False)
    for held_out in metrics.get("held_out", []):
        overall = held_out["rows"][0]
        out_console.print(f"held-out {Path(held_out['gold_dir']).name} ({overall['sentences']} sentences): "
                          f"macro-F1 {overall['macro_f1']:.3f}, micro-F1 {overall['micro_f1']:.3f}")


# the commands that write CSV (review export, search, export) neutralise formulas unless told not to
_RAW_CSV_HELP = ("Write CSV cells exactly as stored: no ' before text starting with = + - @ "
                 "(which a spreadsheet would run as a formula).")

review_app = typer.Typer(help="Analysts' review of sentence themes: export a CSV, import corrections.",
                         no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("export")
@_clear_errors
def review_export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder of a run.")] = Path("outputs"),
    file: Annotated[Path, typer.Option("--file", "-f", help="CSV to write.")] = Path("review.csv"),
    raw_csv: Annotated[bool, typer.Option("--raw-csv", help=_RAW_CSV_HELP)] = False,
) -> None:
    """Write the statements of OUT with predicted themes and scores to a CSV for review."""
    from pipeline.themes.review import export_review

    try:
        rows = export_review(out, file, raw_csv=raw_csv)
    except FileNotFoundError as exc:
        _fail(exc)
    _stdout().print(f"{rows} statements written to {file}; edit the 'themes' column "
                    f"(ids separated by ';') and run `ngo-pipeline review import {file} --out {out}`", markup=False)


@review_app.command("import")
@_clear_errors
def review_import(
    file: Annotated[Path, typer.Argument(help="The edited review CSV.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder to update in place.")] = Path("outputs"),
    corrections: Annotated[Optional[Path], typer.Option(
        help="Corrections file (default: data/themes/corrections.jsonl).")] = None,
) -> None:
    """Store the corrected themes of FILE (they win over predictions and feed the next train)."""
    from pipeline.themes.review import ReviewError, import_review

    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")
    try:
        result = import_review(file, corrections, out)
    except ReviewError as exc:
        _fail(exc)
    _stdout().print(f"{result['corrected']} corrected statements stored in {result['corrections_path']} "
                    f"({result['corrections']} corrections in all); {result['output_rows_updated']} "
                    f"rows updated in {out}. Retrain with `ngo-pipeline train` to learn from them.", markup=False)


@app.command("eval")
@_clear_errors
def eval_(
    task: Annotated[str, typer.Argument(help="What to score: quotes, claims, dates, themes or statistics.")],
    gold_dir: Annotated[Path, typer.Argument(help="Folder of gold files (see docs/evaluation.md).")],
    model: Annotated[Optional[str], typer.Option(help="spaCy model name or path.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    show_errors: Annotated[int, typer.Option("--errors", help="Print up to N example mistakes.")] = 0,
) -> None:
    """Score the pipeline's TASK records against annotated documents in GOLD_DIR."""
    import json

    from pipeline.evaluate import TASKS, GoldError, evaluate
    from pipeline.nlp import ModelNotFound

    if task not in (*TASKS, "statistics"):
        raise typer.BadParameter(f"choose from {', '.join(TASKS)}, statistics", param_hint="TASK")
    if output_format not in ("table", "json"):
        raise typer.BadParameter("choose table or json", param_hint="--format")
    try:
        with console.status(f"scoring {task} on {escape(str(gold_dir))}"):
            report = evaluate(task, gold_dir, model=model)
    except (GoldError, ModelNotFound) as exc:
        _fail(exc)
    out_console = _stdout()
    if output_format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    for table in eval_tables(report):
        out_console.print(table)
    for error in report.errors[:show_errors]:
        out_console.print(f"  {error}", markup=False, highlight=False)


# --- the store: search, export, serve ---------------------------------------------------

_DEFAULT_STORE = Path("outputs")


def _store_path(store: Path) -> Path:
    from pipeline.store import resolve_store_path

    return resolve_store_path(store)


_SEARCH_FIELDS = {
    "quotes": ("doc_id", "record_id", "speaker", "speaker_role", "speaker_org", "published", "title",
               "source_path", "start", "end", "text", "themes", "snippet", "score"),
    "statements": ("doc_id", "record_id", "published", "organisation", "title", "source_path", "start", "end",
                   "text", "themes", "snippet", "score"),
    "claims": ("doc_id", "record_id", "text", "value", "qualifier", "unit", "counted", "event", "source",
               "published", "title", "source_path", "start", "end", "sentence", "themes", "snippet", "score"),
    "documents": ("doc_id", "published", "organisation", "title", "source_path", "n_words", "themes",
                  "theme_scores", "snippet", "score"),
}


@app.command()
@_clear_errors
def search(
    query: Annotated[Optional[str], typer.Argument(
        help='Words (all must match, stemmed), "a phrase", OR, NOT, prefix*. Omit to list by filters.')] = None,
    target: Annotated[str, typer.Option("--in", help="quotes, statements, claims or documents.")] = "quotes",
    speaker: Annotated[Optional[str], typer.Option(help="Speaker name or part of it (quotes).")] = None,
    org: Annotated[Optional[str], typer.Option(
        help="Speaker's organisation (quotes) or publishing organisation.")] = None,
    theme: Annotated[Optional[str], typer.Option(help="Theme, e.g. detention.")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="Published on or after YYYY[-MM[-DD]].")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Published on or before YYYY[-MM[-DD]].")] = None,
    source: Annotated[Optional[str], typer.Option(help="Carries a figure attributed to SOURCE (e.g. SNHR).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="At most this many results.")] = 20,
    rank_all: Annotated[bool, typer.Option("--rank-all", help=(
        "Rank every match, not only the 1,000 most recently stored (slower for common words)."))] = False,
    output_format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    raw_csv: Annotated[bool, typer.Option("--raw-csv", help=_RAW_CSV_HELP)] = False,
    store: Annotated[Path, typer.Option(help="Store file, or a folder holding pipeline.sqlite.")] = _DEFAULT_STORE,
) -> None:
    """Full-text search of the store's quotes (or statements, claims, documents), best match first."""
    import csv
    import json
    import sys

    from pipeline.csvsafe import safe_row
    from pipeline.store import SearchError, StoreError
    from pipeline.store import search as search_store

    if output_format not in ("table", "json", "csv"):
        raise typer.BadParameter("choose table, json or csv", param_hint="--format")
    if raw_csv and output_format != "csv":
        raise typer.BadParameter("only with --format csv", param_hint="--raw-csv")
    if target not in _SEARCH_FIELDS:
        raise typer.BadParameter("choose quotes, statements, claims or documents", param_hint="--in")
    highlight = HIGHLIGHT if output_format == "table" else ("**", "**")
    try:
        hits = search_store(_store_path(store), query, target=target, speaker=speaker, org=org, theme=theme,
                            date_from=date_from, date_to=date_to, source=source, limit=limit,
                            highlight=highlight, **({"rank_window": None} if rank_all else {}))
    except (SearchError, StoreError) as exc:
        _fail(exc)
    fields = _SEARCH_FIELDS[target]
    rows = [{f: hit.get(f) for f in fields} for hit in hits]
    if output_format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif output_format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            cells = {**row, **{k: json.dumps(row[k]) for k in ("themes", "theme_scores") if k in row}}
            writer.writerow(safe_row(cells, raw=raw_csv))
    else:
        title = f"{len(hits)} {target}" + (f" matching {query!r}" if query else "")
        if hits.window:  # a broad query: say what the ranking saw (docs/store.md, "Ranking")
            title += f", best of the {hits.window:,} most recently stored matches (--rank-all: every match)"
        _stdout().print(search_table(hits, target, title))


app.command("figures")(figures)


@app.command()
@_clear_errors
def export(
    out: Annotated[Path, typer.Option("--out", "-o", callback=folder, help="Folder to write the tables to.")],
    output_format: Annotated[str, typer.Option("--format", help="jsonl, csv or parquet.")] = "jsonl",
    raw_csv: Annotated[bool, typer.Option("--raw-csv", help=_RAW_CSV_HELP)] = False,
    store: Annotated[Path, typer.Option(help="Store file, or a folder holding pipeline.sqlite.")] = _DEFAULT_STORE,
) -> None:
    """Write every table of the store to OUT as JSON Lines, CSV or Parquet."""
    from pipeline.store import StoreError
    from pipeline.store.export import FORMATS
    from pipeline.store.export import export as export_store

    if output_format not in FORMATS:
        raise typer.BadParameter(f"choose {', '.join(FORMATS)}", param_hint="--format")
    if raw_csv and output_format != "csv":
        raise typer.BadParameter("only with --format csv", param_hint="--raw-csv")
    try:
        counts = export_store(_store_path(store), out, output_format, raw_csv=raw_csv)
    except StoreError as exc:
        _fail(exc)
    table = Table(title=escape(f"exported to {out}/"), title_justify="left")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, count in counts.items():
        table.add_row(f"{name}.{output_format}", str(count))
    _stdout().print(table)


@app.command()
@_clear_errors
def serve(
    store: Annotated[Path, typer.Option(help="Store file, or a folder holding pipeline.sqlite.")] = _DEFAULT_STORE,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8001,
    allow_host: Annotated[Optional[list[str]], typer.Option(
        "--allow-host", metavar="HOST",
        help="Also answer requests whose Host header names HOST (a proxy forwarding to the server); "
             "repeatable. Otherwise only localhost, 127.0.0.1 and ::1.")] = None,
) -> None:
    """Browse the store in Datasette (read-only, on 127.0.0.1) until Ctrl-C."""
    from pipeline.store import StoreError, open_store
    from pipeline.view.guard import check_host_name
    from pipeline.view.serve import database_name

    path = _store_path(store)
    try:
        allow_hosts = tuple(check_host_name(name) for name in allow_host or ())
        open_store(path).close()  # fail before the server starts: missing store, other schema
    except (StoreError, ValueError) as exc:
        _fail(exc)
    console.print(f"serving {path} read-only at http://127.0.0.1:{port}/{database_name(path)} (Ctrl-C stops)",
                  markup=False)
    _serve_until_stopped(path, port, allow_hosts)


def _serve_until_stopped(path: Path, port: int, allow_hosts: tuple[str, ...] = ()) -> None:
    """Serve the store in Datasette; exit 2 with the lock holder's message when a run is writing it."""
    from pipeline.store import StoreError
    from pipeline.view.serve import serve as serve_store

    try:
        serve_store(path, port=port, allow_hosts=allow_hosts)
    except StoreError as exc:
        _fail(exc)


# --- views: one document with its records highlighted; a report on a batch ---------------

def _open_in_browser(target: str, delay: float = 0.0) -> None:
    import threading
    import webbrowser

    threading.Timer(delay, webbrowser.open, args=(target,)).start()


@app.command()
@_clear_errors
def show(
    doc: Annotated[str, typer.Argument(
        help="The document: its doc_id, source path or file name, or part of its title.")],
    store: Annotated[Path, typer.Option(help="Store file, or a folder holding pipeline.sqlite.")] = _DEFAULT_STORE,
    html: Annotated[Optional[Path], typer.Option(
        "--html", "-o", help="HTML file to write (default: views/<doc_id>.html beside the store).")] = None,
    open_page: Annotated[bool, typer.Option("--open", help="Open the page in a web browser.")] = False,
    serve_page: Annotated[bool, typer.Option(
        "--serve", help="Serve the store in Datasette instead and print the document's URL.")] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1 for --serve.")] = 8001,
) -> None:
    """Write (or serve) one document with every record highlighted: entities, quotes, figures, dates."""
    from pipeline.store import StoreError, open_store
    from pipeline.view.document import (
        DocumentLookupError,
        find_document,
        write_document_view,
    )

    path = _store_path(store)
    try:
        if serve_page:
            conn = open_store(path)
            try:
                doc_id = find_document(conn, doc)
            finally:
                conn.close()
        else:
            doc_id, written = write_document_view(path, doc, html)
    except (StoreError, DocumentLookupError) as exc:
        _fail(exc)
    if serve_page:
        url = f"http://127.0.0.1:{port}/-/document/{doc_id}"
        console.print(f"serving {path} read-only; the document is at {url} (Ctrl-C stops)", markup=False)
        if open_page:
            _open_in_browser(url, delay=1.5)
        _serve_until_stopped(path, port)
        return
    _stdout().print(f"{written} written (document {doc_id})", markup=False)
    if open_page:
        _open_in_browser(written.resolve().as_uri())


@app.command()
@_clear_errors
def report(
    store: Annotated[Path, typer.Option(help="Store file, or a folder holding pipeline.sqlite.")] = _DEFAULT_STORE,
    html: Annotated[Optional[Path], typer.Option(
        "--html", "-o", help="HTML file to write (default: report.html beside the store).")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="Published on or after YYYY[-MM[-DD]].")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Published on or before YYYY[-MM[-DD]].")] = None,
    theme: Annotated[Optional[str], typer.Option(
        help="Only the documents about this theme, and the records about it.")] = None,
    org: Annotated[Optional[str], typer.Option(help="Publishing organisation, or part of its name.")] = None,
    top: Annotated[int, typer.Option(min=1, help="Speakers and figures to chart.")] = 15,
    every: Annotated[str, typer.Option(
        help="Chart period: week, month, quarter, year, or auto (by the span of dates).")] = "auto",
    views: Annotated[bool, typer.Option(
        "--views/--no-views", help="Also write the document views the report links to (views/ beside it).")] = True,
    open_page: Annotated[bool, typer.Option("--open", help="Open the report in a web browser.")] = False,
) -> None:
    """Write one offline HTML report of the store: documents over time, themes, speakers, figures, quotes."""
    from pipeline.store import StoreError
    from pipeline.view.report import ReportError, write_report

    path = _store_path(store)
    out = html if html is not None else path.parent / "report.html"
    try:
        with console.status("writing the report"):
            summary = write_report(path, out, date_from=date_from, date_to=date_to, theme=theme, org=org,
                                   top=top, every=every, views=views)
    except (StoreError, ReportError) as exc:
        _fail(exc)
    views_note = f"; {summary['views']} document views in {summary['views_dir']}" if summary["views"] else ""
    _stdout().print(f"{out} written: {summary['documents']} documents, {summary['quotes']} quotes, "
                    f"{summary['claims']} figures, {summary['statements']} statements{views_note}", markup=False)
    if open_page:
        _open_in_browser(out.resolve().as_uri())


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app()


if __name__ == "__main__":
    main()
