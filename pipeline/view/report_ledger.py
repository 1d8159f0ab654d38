"""The report's "Statistics across publications" section: the ledger's top statistics, each with
a chart of its values over publication date (one mark per source, discrepancies ringed) and its
claims linked to the document view."""
from __future__ import annotations

import sqlite3
from typing import Any

import pandas as pd

from pipeline.store.ledger.query import discrepancies_of, timeline


def top_statistics(conn: sqlite3.Connection, doc_ids: set[str], top: int = 6) -> list[dict[str, Any]]:
    """The ``top`` statistics stated by most of the given documents (at least two), with their
    claims in those documents and their discrepancies."""
    if not doc_ids:
        return []
    # only statistics stated by two documents or more anywhere can be by two of these
    rows = conn.execute("SELECT sc.statistic_id, sc.doc_id FROM statistic_claims sc JOIN statistics s "
                        "ON s.statistic_id = sc.statistic_id WHERE s.n_documents >= 2").fetchall()
    per_statistic: dict[str, set[str]] = {}
    for statistic_id, doc_id in rows:
        if doc_id in doc_ids:
            per_statistic.setdefault(statistic_id, set()).add(doc_id)
    chosen = sorted((s for s, docs in per_statistic.items() if len(docs) >= 2),
                    key=lambda s: (-len(per_statistic[s]), s))[:top]
    sections = []
    for statistic_id in chosen:
        row = dict(conn.execute("SELECT * FROM statistics WHERE statistic_id = ?", (statistic_id,)).fetchone())
        claims = [c for c in timeline(conn, statistic_id) if c["doc_id"] in doc_ids]
        flags = [d for d in discrepancies_of(conn, statistic_id)
                 if d["doc_id_a"] in doc_ids and d["doc_id_b"] in doc_ids]
        sections.append({**row, "claims": claims, "discrepancies": flags, "chart": chart_statistic(row, claims, flags)})
    return sections


def chart_statistic(statistic: dict, claims: list[dict], flags: list[dict]) -> str | None:
    """Value over publication date, one colour and marker per source; claims in a discrepancy ringed."""
    from matplotlib import dates as mdates
    from matplotlib.ticker import FuncFormatter

    from pipeline.view.document import format_value
    from pipeline.view.report import PALETTE, _legend_below, _pyplot, _svg, plain_text, publication_day

    dated = [c for c in claims if c["published"] and c["value"] is not None]
    if not dated:
        return None
    plt = _pyplot()
    frame = pd.DataFrame(dated)
    frame["day"] = publication_day(frame["published"])
    frame["who"] = (frame["source"].fillna(frame["publisher"]).fillna("unknown source"))
    flagged = {(d[f"doc_id_{s}"], d[f"claim_id_{s}"]) for d in flags for s in "ab"}
    fig, ax = plt.subplots(figsize=(11, 3.0))
    markers = "os^Dv<>p*h"
    for i, (who, rows) in enumerate(frame.groupby("who", sort=True)):
        ax.scatter(rows["day"], rows["value"], s=46, marker=markers[i % len(markers)], color=PALETTE[i % len(PALETTE)],
                   label=plain_text(who), zorder=3)
    ringed = frame[[(d, c) in flagged for d, c in zip(frame["doc_id"], frame["claim_id"])]]
    if not ringed.empty:
        ax.scatter(ringed["day"], ringed["value"], s=220, facecolors="none", edgecolors="#d62728", linewidths=1.8,
                   label="in a discrepancy", zorder=4)
    ax.set_ylabel(plain_text(statistic["counted"] if statistic["unit"] == "count" else statistic["unit"]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_value(v)))  # 1,202 not 1.2e3
    low, high = ax.get_ylim()
    ax.set_ylim(max(low, -0.05 * high), high)  # no negative counts, but whole marks at zero
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.margins(x=0.08, y=0.2)
    _legend_below(ax)
    return _svg(fig)
