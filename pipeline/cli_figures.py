"""``ngo-pipeline figures``: the figures ledger on the command line (``docs/ledger.md``).

Without an argument it lists statistics (filters: what is counted, the event, the place, the
period, the source, only those with discrepancies); with a statistic id it shows that
statistic's timeline: every claim, oldest publication first, with its document and span, then
its discrepancies with both claims.
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from pipeline.cli_options import MAX_LIMIT, clear_errors, fail, stdout
from pipeline.csvsafe import safe_row

_LIST_COLUMNS = ("statistic_id", "label", "n_claims", "n_documents", "n_sources", "min_value", "max_value",
                 "latest_value", "n_discrepancies", "first_published", "last_published", "counted", "event",
                 "location", "period", "cumulative", "unit")
_RAW_CSV_HELP = "Write CSV cells exactly as stored (no ' before text starting with = + - @)."


def _list_table(rows: list[dict], title: str) -> Table:
    from pipeline.view.document import format_value  # the document view's spelling of a figure

    table = Table(title=Text(title, style="table.title"), title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("statistic", ratio=1)
    table.add_column("docs", justify="right")
    table.add_column("values", justify="right", max_width=21)
    table.add_column("!", justify="right")  # discrepancies
    for row in rows:
        low, high = format_value(row["min_value"]), format_value(row["max_value"])
        table.add_row(row["statistic_id"][:8], Text(row["label"]), str(row["n_documents"]),
                      low if low == high else f"{low}–\n{high}", str(row["n_discrepancies"] or ""))
    return table


def _timeline_tables(statistic: dict, claims: list[dict], found: list[dict]) -> list[Table]:
    title = f"{statistic['label']} ({statistic['statistic_id']}): {len(claims)} claims in {statistic['n_documents']} documents"
    table = Table(title=Text(title, style="table.title"), title_justify="left", show_lines=True)
    table.add_column("published", no_wrap=True)
    table.add_column("figure", max_width=26)
    table.add_column("source", max_width=22)
    table.add_column("document", ratio=1)
    for c in claims:
        table.add_row(Text(c["published"] or ""), Text(c["text"]), Text(c["source"] or c["publisher"] or ""),
                      Text(f"{c['title'] or ''}\n{c['doc_id']} {c['start']}:{c['end']}"))
    tables = [table]
    if found:
        flags = Table(title=Text(f"{len(found)} discrepancies", style="table.title"), title_justify="left")
        flags.add_column("kind", max_width=16)
        flags.add_column("evidence", ratio=1)
        for d in found:
            flags.add_row(Text(d["kind"].replace("_", " ")), Text(
                f"{d['detail']}\n{d['doc_id_a']} {d['start_a']}:{d['end_a']} ({d['published_a']}) / "
                f"{d['doc_id_b']} {d['start_b']}:{d['end_b']} ({d['published_b']})"))
        tables.append(flags)
    return tables


def _write(rows: list[dict], fields: tuple[str, ...] | None, output_format: str, raw_csv: bool) -> None:
    if output_format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=fields or (tuple(rows[0]) if rows else ()), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(safe_row(row, raw=raw_csv))


@clear_errors
def figures(
    statistic: Annotated[Optional[str], typer.Argument(
        help="A statistic id (or its first 6+ characters): show its timeline. Omit to list statistics.")] = None,
    counted: Annotated[Optional[str], typer.Option(help="What is counted, or part of it (civilian, child).")] = None,
    event: Annotated[Optional[str], typer.Option(help="What happened (killed, detained, displaced).")] = None,
    location: Annotated[Optional[str], typer.Option(help="Place, or part of its name (Syria, Idlib).")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="Period ends on or after YYYY[-MM[-DD]].")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Period starts on or before YYYY[-MM[-DD]].")] = None,
    source: Annotated[Optional[str], typer.Option(help="Stated by or attributed to SOURCE (e.g. SNHR).")] = None,
    discrepancies: Annotated[bool, typer.Option("--discrepancies", help="Only statistics with discrepancies.")] = False,
    min_documents: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="Stated in at least N documents.")] = 1,
    limit: Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="At most this many statistics.")] = 50,
    output_format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    raw_csv: Annotated[bool, typer.Option("--raw-csv", help=_RAW_CSV_HELP)] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild the ledger from every stored claim first.")] = False,
    store: Annotated[Path, typer.Option(help="Store file, or a folder holding pipeline.sqlite.")] = Path("outputs"),
) -> None:
    """The figures ledger: statistics followed across publications, and their discrepancies."""
    from pipeline.store import StoreError
    from pipeline.store.db import open_store, resolve_store_path, transaction
    from pipeline.store.ledger import query
    from pipeline.store.ledger.build import update_ledger
    from pipeline.store.writer import StoreWriter

    if output_format not in ("table", "json", "csv"):
        raise typer.BadParameter("choose table, json or csv", param_hint="--format")
    if raw_csv and output_format != "csv":
        raise typer.BadParameter("only with --format csv", param_hint="--raw-csv")
    path = resolve_store_path(store)
    try:
        if rebuild:
            with StoreWriter(path) as writer, transaction(writer.conn):
                done = update_ledger(writer.conn, rebuild=True)
            print(f"ledger rebuilt: {done.claims_keyed:,} claims keyed, {done.statistics_updated:,} statistics, "
                  f"{done.discrepancies:,} discrepancies", file=sys.stderr)
        conn = open_store(path)
    except StoreError as exc:
        fail(exc)
    try:
        if statistic:
            _show_timeline(conn, statistic, output_format, raw_csv)
            return
        rows = query.statistics(conn, counted=counted, event=event, location=location, date_from=date_from,
                                date_to=date_to, source=source, discrepancies=discrepancies,
                                min_documents=min_documents, limit=limit)
    except query.LedgerError as exc:
        fail(exc)
    finally:
        conn.close()
    if output_format == "table":
        stdout().print(_list_table(rows, f"{len(rows)} statistics" + (" (limit reached)" if len(rows) == limit else "")))
        if rows:
            stdout().print("one statistic's claims: ngo-pipeline figures ID; ! = discrepancies", style="dim")
    else:
        _write(rows, _LIST_COLUMNS, output_format, raw_csv)


def _show_timeline(conn, statistic: str, output_format: str, raw_csv: bool) -> None:
    from pipeline.store.ledger import query

    found = query.resolve(conn, statistic)
    claims = query.timeline(conn, found["statistic_id"])
    flags = query.discrepancies_of(conn, found["statistic_id"])
    if output_format == "table":
        for table in _timeline_tables(found, claims, flags):
            stdout().print(table)
    elif output_format == "json":
        print(json.dumps({**found, "claims": claims, "discrepancies": flags}, ensure_ascii=False, indent=2))
    else:
        _write(claims, query.CLAIM_FIELDS, output_format, raw_csv)
