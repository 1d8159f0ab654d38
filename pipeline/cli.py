"""Command line: ``ngo-pipeline run|train ...`` (also ``python -m pipeline``)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

app = typer.Typer(
    help="Turn NGO publications into structured, verifiable records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)


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
def run(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of publications.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("outputs"),
    metadata: Annotated[
        Optional[Path],
        typer.Option(help="CSV/TSV with columns file, title, organisation, published."),
    ] = None,
    model: Annotated[Optional[str], typer.Option(help="spaCy model name or path.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per nlp.pipe batch.")] = 16,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Process publications into JSON Lines tables in OUT and print a summary."""
    from pipeline.batch import run as run_batch
    from pipeline.nlp import ModelNotFound

    for path in paths:
        if not path.exists():
            raise typer.BadParameter(f"{path} does not exist", param_hint="PATHS")
    if metadata is not None and not metadata.is_file():
        raise typer.BadParameter(f"{metadata} is not a file", param_hint="--metadata")
    progress = Progress(
        TextColumn("[bold]analysing"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[name]}"), TimeRemainingColumn(),
        console=console, disable=quiet, transient=True,
    )
    with progress:
        task = progress.add_task("run", total=None, name="")
        try:
            summary = run_batch(
                paths, out, metadata_file=metadata, model=model, batch_size=batch_size,
                on_start=lambda total: progress.update(task, total=total),
                on_document=lambda r: progress.update(task, advance=1, name=Path(r.document.source).name[:40]),
            )
        except (ModelNotFound, FileNotFoundError) as exc:  # a spaCy or theme model is missing
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2)
    _print_summary(summary, out)
    if summary.documents_ok == 0 and summary.documents_failed > 0:
        raise typer.Exit(1)


def _print_summary(summary, out: Path) -> None:
    out_console = Console()
    table = Table()
    table.add_column("table")
    table.add_column("records", justify="right")
    for name, count in summary.records.items():
        table.add_row(name, str(count))
    out_console.print(f"records written to {out}/")
    out_console.print(table)
    out_console.print(
        f"documents: [green]{summary.documents_ok} ok[/green], "
        f"[red]{summary.documents_failed} failed[/red], {len(summary.skipped)} skipped; "
        f"{summary.words:,} words in {summary.seconds:.1f} s "
        f"({summary.words_per_second:,.0f} words/s)"
    )
    for source, reason in summary.skipped:
        out_console.print(f"  [yellow]skipped[/yellow] {source}: {reason}")
    for source, error in summary.errors:
        out_console.print(f"  [red]error[/red] {source}: {error}")


@app.command()
def train(
    out: Annotated[Optional[Path], typer.Option(help="Model folder (default: models/themes).")] = None,
) -> None:
    """Train the sentence theme classifier from data/themes into models/."""
    from pipeline.themes.classifier import train as train_themes

    with console.status("training the theme classifier"):
        metrics = train_themes(out_dir=out)
    table = Table(title=f"{metrics['n_examples']} sentences, {metrics['cv_folds']}-fold cross-validation",
                  title_justify="left")
    for column in ("theme", "threshold", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "theme" else "right")
    for theme, m in metrics["cv"]["per_theme"].items():
        table.add_row(theme, f"{metrics['thresholds'][theme]:.2f}", f"{m['precision']:.3f}",
                      f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]))
    out_console = Console()
    out_console.print(table)
    out_console.print(f"macro-F1 {metrics['cv']['macro_f1']:.3f}; model written to "
                      f"{metrics['model_path']} (card: {metrics['card_path']})")


@app.command("eval")
def eval_(
    task: Annotated[str, typer.Argument(help="What to score: quotes, claims, dates or themes.")],
    gold_dir: Annotated[Path, typer.Argument(help="Folder of gold files (see docs/evaluation.md).")],
    model: Annotated[Optional[str], typer.Option(help="spaCy model name or path.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    show_errors: Annotated[int, typer.Option("--errors", help="Print up to N example mistakes.")] = 0,
) -> None:
    """Score the pipeline's TASK records against annotated documents in GOLD_DIR."""
    import json

    from pipeline.evaluate import TASKS, GoldError, evaluate
    from pipeline.nlp import ModelNotFound

    if task not in TASKS:
        raise typer.BadParameter(f"choose from {', '.join(TASKS)}", param_hint="TASK")
    if output_format not in ("table", "json"):
        raise typer.BadParameter("choose table or json", param_hint="--format")
    try:
        with console.status(f"scoring {task} on {gold_dir}"):
            report = evaluate(task, gold_dir, model=model)
    except (GoldError, ModelNotFound) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    out_console = Console()
    if output_format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{task}: {report.n_documents} annotated documents", title_justify="left")
    columns = list(dict.fromkeys(k for row in report.rows for k in row))
    for column in columns:
        table.add_column(column, justify="left" if column == "group" else "right")
    for row in report.rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    out_console.print(table)
    for error in report.errors[:show_errors]:
        out_console.print(f"  {error}", markup=False, highlight=False)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    # pypdf logs every recoverable oddity of a PDF; a failed document is reported in the summary
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    app()


if __name__ == "__main__":
    main()
