"""The batch report (``ngo-pipeline report``): one offline HTML file with charts and tables.

Sections: documents per period by organisation; statements per theme over time; documents by theme
(how many are about each, and those most about it); top speakers
with their organisations and quote counts; the largest figures by what is counted and event,
each with its sentence and a link to it in the document view; every quote in a sortable table.

Charts are drawn by matplotlib as SVG and inlined: the file needs no script, font or network
to show them (the quote table's sorting is a few lines of inline JavaScript).
"""
from __future__ import annotations

import io
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.output import write_text_atomic
from pipeline.records import THEMES, is_iso_date
from pipeline.store.db import open_store, resolve_store_path
from pipeline.view.document import (
    DocumentLookupError,
    asset,
    format_value,
    load_records,
    page_from_records,
    template_environment,
    view_file_name,
)

PERIODS = ("auto", "week", "month", "quarter", "year")
_PANDAS_PERIOD = {"week": "W-SUN",  # weeks ending on Sunday: Monday to Sunday
                   "month": "M", "quarter": "Q", "year": "Y"}
MAX_ORGANISATIONS = 8  # organisations drawn apart in the documents chart; the rest are "other"

# colour-blind-safe categorical colours (Okabe-Ito), then matplotlib's tab10 for more
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


class ReportError(ValueError):
    """A report that cannot be made: a malformed date, an unknown theme or period."""


# --- reading and filtering the store -----------------------------------------------------------

def _published_in(published: pd.Series, date_from: str | None, date_to: str | None) -> pd.Series:
    """Publication dates within [from, to], compared at the coarser precision (as ``search`` does)."""
    keep = published.notna()
    if date_from:
        keep &= published.fillna("").map(lambda p: p >= date_from[:len(p)])
    if date_to:
        keep &= published.fillna("").map(lambda p: p[:len(date_to)] <= date_to)
    return keep


def _has_theme(themes: pd.Series, theme: str) -> pd.Series:
    return themes.map(lambda ts: theme in (ts or []))


def load_report_data(conn: sqlite3.Connection, *, date_from: str | None = None, date_to: str | None = None,
                     theme: str | None = None, org: str | None = None) -> dict[str, pd.DataFrame]:
    """The store's rows the report needs, filtered: documents, statements, quotes, claims."""
    import json

    for name, value in (("from", date_from), ("to", date_to)):
        if value and not is_iso_date(value):
            raise ReportError(f"--{name} {value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD "
                              f"(a day of the calendar)")
    if theme and theme not in THEMES:
        raise ReportError(f"unknown theme {theme!r}: choose from {', '.join(THEMES)}")

    def frame(sql: str, json_cols: tuple[str, ...] = ()) -> pd.DataFrame:
        cursor = conn.execute(sql)
        df = pd.DataFrame.from_records([tuple(r) for r in cursor.fetchall()],
                                       columns=[d[0] for d in cursor.description])
        for col in json_cols:
            df[col] = df[col].map(lambda v: json.loads(v) if isinstance(v, str) else [])
        return df

    docs = frame("SELECT doc_id, source, title, organisation, published, n_words, themes, theme_scores "
                 "FROM documents WHERE status = 'ok'", ("themes",))
    docs["theme_scores"] = docs["theme_scores"].map(lambda v: json.loads(v) if isinstance(v, str) else {})
    statements = frame("SELECT doc_id, statement_id, themes FROM statements", ("themes",))
    quotes = frame("""SELECT q.doc_id, q.quote_id, q.kind, q.start, q."end", q.text, q.speaker, q.speaker_type,
        q.speaker_role, q.speaker_org, q.confidence, q.themes, sp.speaker_id, sp.name AS speaker_name,
        sp.organisations AS speaker_organisations
        FROM quotes q LEFT JOIN quote_speakers qs ON qs.doc_id = q.doc_id AND qs.quote_id = q.quote_id
        LEFT JOIN speakers sp ON sp.speaker_id = qs.speaker_id""", ("themes", "speaker_organisations"))
    claims = frame("""SELECT c.doc_id, c.claim_id, c.start, c."end", c.text, c.value, c.value_max, c.qualifier,
        c.unit, c.counted, c.event, c.period, c.location, c.source, c.themes, c.sentence_start, c.sentence_end,
        substr(d.text, c.sentence_start + 1, c.sentence_end - c.sentence_start) AS sentence
        FROM claims c JOIN documents d ON d.doc_id = c.doc_id""", ("themes",))

    docs = docs[_published_in(docs["published"], date_from, date_to) if (date_from or date_to)
                else pd.Series(True, index=docs.index)]
    if org:
        docs = docs[docs["organisation"].fillna("").str.casefold().str.contains(org.casefold(), regex=False)]
    if theme:
        statements = statements[_has_theme(statements["themes"], theme)]
        quotes = quotes[_has_theme(quotes["themes"], theme)]
        claims = claims[_has_theme(claims["themes"], theme)]
        docs = docs[_has_theme(docs["themes"], theme)]  # the publications about the theme
    kept = set(docs["doc_id"])
    meta = docs[["doc_id", "title", "organisation", "published"]]
    statements = statements[statements["doc_id"].isin(kept)].merge(meta, on="doc_id")
    quotes = quotes[quotes["doc_id"].isin(kept)].merge(meta, on="doc_id")
    claims = claims[claims["doc_id"].isin(kept)].merge(meta, on="doc_id")
    return {"documents": docs.reset_index(drop=True), "statements": statements, "quotes": quotes,
            "claims": claims}


# --- periods ---------------------------------------------------------------------------------

def publication_day(published: pd.Series) -> pd.Series:
    """First day a (possibly partial) ISO publication date can mean: 2021 -> 2021-01-01."""
    padded = published.fillna("").map(lambda p: p + "-01-01"[len(p) - 4:] if len(p) in (4, 7) else p)
    return pd.to_datetime(padded, format="%Y-%m-%d", errors="coerce")


def choose_period(days: pd.Series, every: str = "auto") -> str:
    """``week`` for up to half a year of publications, ``month`` up to three years, else ``year``."""
    if every not in PERIODS:
        raise ReportError(f"unknown period {every!r}: choose from {', '.join(PERIODS)}")
    if every != "auto":
        return every
    days = days.dropna()
    span = (days.max() - days.min()).days if len(days) else 0
    return "week" if span <= 183 else "month" if span <= 3 * 366 else "year"


def _period_labels(days: pd.Series, period: str, extent: pd.Series | None = None) -> tuple[pd.Series, list[str]]:
    """Each day's period label, and every label from the first period to the last (gaps included).

    ``extent`` (days) widens the axis, e.g. to the --from/--to of the report.
    """
    freq = _PANDAS_PERIOD[period]
    periods = days.dt.to_period(freq)
    valid = periods.dropna()
    if valid.empty:
        return pd.Series(dtype=object), []
    bounds = pd.concat([valid, extent.dropna().dt.to_period(freq)]) if extent is not None else valid
    every = pd.period_range(bounds.min(), bounds.max(), freq=freq)

    def label(p) -> str:
        if period == "week":
            return p.start_time.strftime("%Y-%m-%d")  # the Monday that starts the week
        return str(p)

    return periods.map(lambda p: label(p) if pd.notna(p) else None), [label(p) for p in every]


# --- charts (matplotlib -> inline SVG) ---------------------------------------------------------

@lru_cache(maxsize=1)
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display: render to files only
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "none",  # text stays text: small files, the browser's fonts, searchable
        "svg.hashsalt": "ngo-pipeline",  # stable ids: the same data gives the same file
        "font.size": 10, "axes.spines.top": False, "axes.spines.right": False,
        "axes.grid": True, "grid.alpha": 0.3, "axes.axisbelow": True,
    })
    return plt


def plain_text(label: object) -> str:
    """A label from the data as matplotlib shows it literally: every ``$`` escaped, since a pair of
    them starts mathtext (``Relief Fund $\\x$`` is not parsed as an unknown TeX symbol)."""
    return str(label).replace("$", r"\$")


def _svg(fig) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prolog and doctype: the SVG is inlined in HTML


def _thin_ticks(ax, labels: list[str], most: int = 24) -> None:
    step = max(1, -(-len(labels) // most))
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels(labels[::step], rotation=45, ha="right")


def _legend_below(ax) -> None:
    # below the axes, not beside: every chart keeps the same width, so the same scale on the page
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.2), ncol=3, frameon=False, fontsize=9)


def chart_documents(docs: pd.DataFrame, period: str, extent: pd.Series | None = None) -> str | None:
    """Stacked bars: documents per period, one colour per organisation."""
    plt = _pyplot()
    labels, every = _period_labels(publication_day(docs["published"]), period, extent)
    if not every:
        return None
    orgs = docs["organisation"].fillna("unknown")
    top = orgs.value_counts().index[:MAX_ORGANISATIONS]
    orgs = orgs.where(orgs.isin(top), "other organisations")
    table = pd.crosstab(labels, orgs).reindex(every, fill_value=0)
    order = [o for o in top if o in table.columns] + [c for c in table.columns if c not in top]
    fig, ax = plt.subplots(figsize=(11, 3.8))
    bottom = pd.Series(0, index=table.index)
    for i, org in enumerate(order):
        color = "#b0b0b0" if org == "other organisations" else PALETTE[i % len(PALETTE)]
        ax.bar(range(len(table)), table[org], bottom=bottom, label=plain_text(org), color=color, width=0.85)
        bottom = bottom + table[org]
    _thin_ticks(ax, list(table.index))
    ax.set_ylabel("documents")
    ax.yaxis.get_major_locator().set_params(integer=True)
    _legend_below(ax)
    return _svg(fig)


def chart_themes(statements: pd.DataFrame, period: str, extent: pd.Series | None = None) -> str | None:
    """Lines: statements about each theme per period."""
    plt = _pyplot()
    exploded = statements.explode("themes").dropna(subset=["themes"])
    if exploded.empty:
        return None
    labels, every = _period_labels(publication_day(exploded["published"]), period, extent)
    if not every:
        return None
    table = pd.crosstab(labels, exploded["themes"]).reindex(every, fill_value=0)
    fig, ax = plt.subplots(figsize=(11, 3.8))
    for i, theme in enumerate(t for t in THEMES if t in table.columns):
        ax.plot(range(len(table)), table[theme], marker="o", markersize=3.5, linewidth=1.6,
                label=theme.replace("_", " "), color=PALETTE[i % len(PALETTE)])
    _thin_ticks(ax, list(table.index))
    ax.set_ylabel("statements (sentences)")
    _legend_below(ax)
    return _svg(fig)


def _barh(names: list[str], values: list[float], xlabel: str, *, log: bool = False,
          annotations: list[str] | None = None, color: str = PALETTE[0]) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(11, 0.5 + 0.32 * len(names)))
    positions = range(len(names))[::-1]  # largest on top
    ax.barh(list(positions), values, color=color, height=0.7)
    ax.set_yticks(list(positions))
    ax.set_yticklabels([plain_text(name) for name in names])
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    if log:
        ax.set_xscale("log")
    for y, value, note in zip(positions, values, annotations or [None] * len(values)):
        ax.annotate(plain_text(note or format_value(value)), (value, y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8.5)
    ax.margins(x=0.18)
    return _svg(fig)


# --- tables ----------------------------------------------------------------------------------

def top_speakers(quotes: pd.DataFrame, top: int) -> pd.DataFrame:
    """Named speakers (the store's cross-document speakers) by number of quotes."""
    named = quotes[quotes["speaker_id"].notna()]
    if named.empty:
        return pd.DataFrame(columns=["name", "speaker_type", "organisations", "roles", "quotes", "documents",
                                     "first", "last"])
    rows = []
    for _, group in named.groupby("speaker_id"):
        orgs = [o for o in group["speaker_org"].dropna()] or [o for orgs in group["speaker_organisations"]
                                                              for o in orgs]
        rows.append({
            "name": group["speaker_name"].iloc[0],
            "speaker_type": group["speaker_type"].mode().iloc[0] if group["speaker_type"].notna().any() else None,
            "organisations": list(pd.Series(orgs, dtype=object).value_counts().index),
            "roles": list(group["speaker_role"].dropna().value_counts().index),
            "quotes": len(group), "documents": group["doc_id"].nunique(),
            "first": group["published"].min(), "last": group["published"].max(),
        })
    return pd.DataFrame(rows).sort_values(["quotes", "documents", "name"], ascending=[False, False, True]).head(top)


def largest_figures(claims: pd.DataFrame, top: int) -> pd.DataFrame:
    """For each (what is counted, event), its largest counted figure; the ``top`` largest of those."""
    counted = claims[(claims["unit"] == "count") & claims["counted"].notna() & claims["value"].notna()]
    if counted.empty:
        return counted
    counted = counted.assign(event=counted["event"].fillna(""))
    best = counted.sort_values("value", ascending=False).drop_duplicates(["counted", "event"])
    return best.head(top).reset_index(drop=True)


def documents_by_theme(docs: pd.DataFrame, top: int = 5) -> list[dict[str, Any]]:
    """Per theme with at least one document about it: how many, and the ``top`` most about it."""
    rows = []
    for theme in THEMES:
        about = docs[_has_theme(docs["themes"], theme)] if len(docs) else docs
        if about.empty:
            continue
        scored = about.assign(score=about["theme_scores"].map(lambda s: s.get(theme, 0.0)))
        best = scored.sort_values("score", ascending=False).head(top)
        rows.append({"theme": theme, "documents": len(about),
                     "top": best[["doc_id", "title", "score"]].to_dict("records")})
    return rows


def _sentence_parts(claim: pd.Series) -> tuple[str, str, str]:
    """The claim's sentence cut around the figure: (before, figure, after)."""
    sentence = claim["sentence"] or claim["text"]
    at, until = claim["start"] - claim["sentence_start"], claim["end"] - claim["sentence_start"]
    if not (0 <= at <= until <= len(sentence)) or sentence[at:until] != claim["text"]:
        return "", claim["text"], ""
    return sentence[:at], sentence[at:until], sentence[until:]


# --- the report ------------------------------------------------------------------------------

def render_report(store: str | Path, *, date_from: str | None = None, date_to: str | None = None,
                  theme: str | None = None, org: str | None = None, top: int = 15, every: str = "auto",
                  views_href: str | None = "views/") -> tuple[str, dict[str, Any]]:
    """``(html, data)``: the report page and the filtered rows it shows.

    ``views_href`` is where the document views are linked (``<views_href><doc_id>.html#...``);
    None leaves the figures and quotes unlinked.
    """
    from pipeline.view.report_ledger import top_statistics

    conn = open_store(resolve_store_path(store))
    try:
        data = load_report_data(conn, date_from=date_from, date_to=date_to, theme=theme, org=org)
        statistics = top_statistics(conn, set(data["documents"]["doc_id"]), top=min(top, 6))
    finally:
        conn.close()
    docs, statements, quotes, claims = (data[k] for k in ("documents", "statements", "quotes", "claims"))
    # the time axis runs over the asked-for dates (--from/--to), or else the publications'
    extent = pd.concat([publication_day(docs["published"]), publication_day(pd.Series([date_from, date_to]))])
    period = choose_period(extent, every)
    speakers = top_speakers(quotes, top)
    figures = largest_figures(claims, top)

    charts = {
        "documents": chart_documents(docs, period, extent) if not docs.empty else None,
        "themes": chart_themes(statements, period, extent) if not statements.empty else None,
        "speakers": _barh([f"{r['name']}" + (f" ({r['organisations'][0]})" if r["organisations"] else "")
                           for _, r in speakers.iterrows()], list(speakers["quotes"]), "quotes",
                          color=PALETTE[2]) if not speakers.empty else None,
        "figures": _barh([f"{r['counted']}" + (f" · {r['event']}" if r["event"] else "")
                          for _, r in figures.iterrows()], list(figures["value"]), "largest figure (log scale)",
                         log=True, annotations=list(figures["text"]), color=PALETTE[3])
        if not figures.empty else None,
    }
    figure_rows = [{**r.to_dict(), "parts": _sentence_parts(r)} for _, r in figures.iterrows()]
    document_rows = documents_by_theme(docs)
    quote_rows = quotes.sort_values(["published", "doc_id", "start"], na_position="last").to_dict("records")
    filters = {k: v for k, v in (("from", date_from), ("to", date_to), ("theme", theme), ("organisation", org)) if v}
    published = docs["published"].dropna()  # shown as stored: "2003" stays a year
    html = template_environment().get_template("report.html.j2").render(
        filters=filters, period=period, charts=charts, docs=docs, statements=statements, quotes=quote_rows,
        claims=claims, speakers=speakers.to_dict("records"), figures=figure_rows, views_href=views_href,
        document_themes=document_rows, statistics=statistics,
        first_day=published.min() if len(published) else None,
        last_day=published.max() if len(published) else None,
        undated=int(docs["published"].isna().sum()), organisations=docs["organisation"].nunique(),
        css=asset("view.css"), js=asset("report.js"),
    )
    return html, data


def write_report(store: str | Path, path: str | Path, *, views: bool = True, **options) -> dict[str, Any]:
    """Write the report to ``path`` (and, with ``views``, the document views it links to).

    Options are those of :func:`render_report`. Returns counts: documents, quotes, claims,
    statements, views written and their folder.
    """
    path = Path(path)
    page, data = render_report(store, views_href="views/" if views else None, **options)
    write_text_atomic(path, [page])  # a full disk leaves the previous report whole
    views_dir = path.parent / "views"
    written = 0
    if views:
        linked = set(data["quotes"]["doc_id"]) | set(data["claims"]["doc_id"])  # ledger claims are claims
        views_dir.mkdir(exist_ok=True)
        conn = open_store(resolve_store_path(store))
        try:
            for doc_id in sorted(linked):
                try:
                    name = view_file_name(doc_id)
                except DocumentLookupError:  # a crafted id must not name a file outside views/
                    continue
                write_text_atomic(views_dir / name, [page_from_records(load_records(conn, doc_id))])
                written += 1
        finally:
            conn.close()
    return {"documents": len(data["documents"]), "quotes": len(data["quotes"]), "claims": len(data["claims"]),
            "statements": len(data["statements"]), "views": written, "views_dir": str(views_dir)}
