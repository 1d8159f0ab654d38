"""What the command line prints: the run summary, search results and evaluation tables (rich)."""
from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

HIGHLIGHT = ("\x02", "\x03")  # private marks for search matches, turned into styles for the table


# outcomes listed one by one in the printed summary (the others are only counted)
_LISTED_SKIPS = ("unsupported", "not_found", "broken_link", "unreadable_folder", "duplicate")


def print_run_summary(summary, out: Path, out_console: Console) -> None:
    """Records written, then every input path accounted for: ok, skipped and errors by kind."""
    table = Table()
    table.add_column("table")
    table.add_column("records written", justify="right")
    table.add_column("in store", justify="right")
    for name, count in summary.records.items():
        table.add_row(name, str(count), str(summary.totals.get(name, "")))
    out_console.print(f"store: {escape(str(summary.store))} ({summary.documents_inserted} documents inserted, "
                      f"{summary.documents_replaced} replaced, {summary.documents_unchanged} unchanged)")
    out_console.print(table)
    counts, by_kind = summary.counts(), summary.by_kind()
    out_console.print(
        f"documents: {counts['inputs']} input path{'' if counts['inputs'] == 1 else 's'} = [green]{counts['ok']} ok[/green], "
        f"{counts['skipped']} skipped, [red]{counts['error']} failed[/red]; "
        f"{summary.words:,} words in {summary.seconds:.1f} s "
        f"({summary.words_per_second:,.0f} words/s)"
    )
    for outcome, style in (("skipped", "yellow"), ("error", "red")):
        if by_kind[outcome]:
            kinds = ", ".join(f"{kind} {n}" for kind, n in by_kind[outcome].items())
            out_console.print(f"  [{style}]{outcome}[/{style}] by kind: {kinds}")
    for entry in summary.outcomes:
        if entry.outcome == "error" or (entry.outcome == "skipped" and entry.kind in _LISTED_SKIPS):
            style = "red" if entry.outcome == "error" else "yellow"
            out_console.print(f"  [{style}]{entry.outcome} ({entry.kind})[/{style}] ", end="")
            message = (entry.message or "").removeprefix(f"{entry.kind}: ")  # the kind is shown already
            out_console.print(f"{entry.source}: {message}", markup=False, highlight=False)
    out_console.print(f"details of every input path: {escape(str(Path(out) / 'run.json'))} (outcomes), "
                      f"and the store's outcomes table", highlight=False)


EVAL_METRICS_PER_TABLE = 5  # columns besides the group: an eval table fits 80 columns


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)




def eval_tables(report) -> list[Table]:
    """An evaluation report as tables: one row per group (all, then kinds, themes or document
    types), the metrics as columns, a few metrics per table, so that it reads in an 80-column pipe
    however many groups a task reports."""
    metrics = [k for k in dict.fromkeys(k for row in report.rows for k in row) if k != "group"]
    tables = []
    for first in range(0, len(metrics), EVAL_METRICS_PER_TABLE):
        chunk = metrics[first:first + EVAL_METRICS_PER_TABLE]
        title = f"{report.task}: {report.n_documents} annotated documents" if first == 0 else None
        table = Table(title=title, title_justify="left")
        table.add_column("group", no_wrap=True)
        for metric in chunk:
            table.add_column(metric.replace("_acc", " acc").replace("_", " "), justify="right")
        for row in report.rows:
            table.add_row(str(row["group"]), *(_cell(row.get(metric)) for metric in chunk))
        tables.append(table)
    return tables


def _highlighted(snippet: str):
    from rich.text import Text

    text = Text()
    for i, part in enumerate(snippet.replace(HIGHLIGHT[1], HIGHLIGHT[0]).split(HIGHLIGHT[0])):
        text.append(part, style="bold yellow" if i % 2 else None)
    return text


def search_table(hits: list[dict], target: str, title: str) -> Table:
    """The hits of a search as a table; every value from the store (and the ``title``, which
    holds the query) is shown literally, never read as console markup."""
    from rich.text import Text

    table = Table(title=Text(title, style="table.title"), title_justify="left", show_lines=True)
    if target == "quotes":
        table.add_column("speaker", max_width=28)
    if target == "claims":
        table.add_column("figure", max_width=24)
        table.add_column("counted / source", max_width=28)
    table.add_column("date", no_wrap=True)
    table.add_column("document", max_width=36)
    matched = target != "documents" or any(hit["snippet"] for hit in hits)  # documents listed without a query
    if target == "documents":
        table.add_column("themes", overflow="fold")  # theme ids are never cut
    if matched:
        table.add_column({"quotes": "quote", "documents": "best matching sentence"}.get(target, "sentence"), ratio=1)
    for hit in hits:
        if target == "documents":
            cells = [escape(hit["published"] or ""),
                     f"{escape(hit['title'] or hit['source_path'])}\n[dim]{escape(hit['doc_id'])}[/dim]",
                     escape("\n".join(f"{t} {hit['theme_scores'].get(t, 0):.0%}" for t in hit["themes"]))]
            table.add_row(*cells, *([_highlighted(hit["snippet"])] if matched else []))
            continue
        cells = []
        if target == "quotes":
            about = ", ".join(x for x in (hit["speaker_role"], hit["speaker_org"]) if x)
            cells.append(escape(hit["speaker"] or "?") + (f"\n[dim]{escape(about)}[/dim]" if about else ""))
        if target == "claims":
            cells.append(escape(hit["text"]))
            cells.append(escape(" / ".join(x for x in (hit["counted"], hit["source"]) if x)))
        cells.append(escape(hit["published"] or ""))
        cells.append(f"{escape(hit['title'] or hit['source_path'])}\n"
                     f"[dim]{escape(hit['doc_id'])} {hit['start']}:{hit['end']}[/dim]")
        cells.append(_highlighted(hit["snippet"]))
        table.add_row(*cells)
    return table


