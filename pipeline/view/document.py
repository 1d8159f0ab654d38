"""The document view (``ngo-pipeline show``): a document's text with every record highlighted.

The text is rendered by displaCy's span visualiser (``style="span"``), which draws overlapping
spans as stacked bars under the words, so a quote, the figures inside it and the dates inside
those can all be seen at once. Layers: entities, quotes (coloured by speaker, with the speaker
mention highlighted and linked), numeric claims (a sub-count links to its total) and dates (the
resolved value in the label and on hover). A side panel lists every record with its fields.

Every highlighted word carries ``data-start``/``data-end`` (its characters in the document) and
every bar ``data-layer``, ``data-record-id``, ``data-start``, ``data-end`` (the record's
offsets), so the page can be checked against the store: the words under a record's bars are
exactly ``text[start:end]``.
"""
from __future__ import annotations

import bisect
import json
import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import escape
from spacy.displacy.render import DEFAULT_LABEL_COLORS, SpanRenderer
from spacy.displacy.templates import TPL_SPAN

from pipeline.records import RECORD_TYPES
from pipeline.store.db import open_store, resolve_store_path
from pipeline.store.schema import columns, json_columns, quote_name

TEMPLATES = Path(__file__).parent / "templates"

# layer -> (heading, colour of its bars when not coloured per record); the record layers come from
# the record types' descriptions (pipeline.records.RECORD_TYPES), in this order
_RECORD_LAYERS = {rt.layer: (rt.title.split(" (")[0], rt.color) for rt in RECORD_TYPES.values() if rt.layer}
LAYERS: dict[str, tuple[str, str]] = {
    "quote": _RECORD_LAYERS["quote"],
    "speaker": ("Speaker mentions", _RECORD_LAYERS["quote"][1]),
    "claim": _RECORD_LAYERS["claim"],
    "date": _RECORD_LAYERS["date"],
    "entity": _RECORD_LAYERS["entity"],
    "selection": ("Selected span", "#ffe08a"),  # a span asked for by URL (?start=&end=, from Datasette)
}

# one colour per speaker, light enough for black label text, distinct side by side
SPEAKER_COLORS = ("#aa9cfc", "#ff8197", "#7aecec", "#ffd166", "#8ecae6", "#c887fb", "#95d5b2",
                  "#f4a3c9", "#ffad69", "#b5c99a", "#a0c4ff", "#e9c46a")

_TOKEN_MARK = '<span class="ngo-token"'
_TOKEN_TEMPLATE = TPL_SPAN.replace("<span style=", f"{_TOKEN_MARK} style=", 1)
assert _TOKEN_MARK in _TOKEN_TEMPLATE, "spaCy's span template changed: update pipeline/view/document.py"
# displaCy's slice and start templates (spacy.displacy.templates) with the record's attributes;
# their fixed inline styles moved to view.css (.ngo-slice, .ngo-start, .ngo-label): a long
# document has tens of thousands of them
_SLICE = '<span class="ngo-slice" {attrs} style="background: {bg}; top: {top_offset}px"></span>'
_START = ('<span class="ngo-start" {attrs} style="background: {bg}; top: {top_offset}px">'
          '<span{anchor} class="ngo-label" style="background: {bg}">{label}</span></span>')


class DocumentLookupError(LookupError):
    """No document, or several, match what the user asked for; ``candidates`` lists the matches."""

    def __init__(self, message: str, candidates: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.candidates = candidates or []


@dataclass
class Highlight:
    """One span to draw: a record (or a quote's speaker mention) in one layer."""

    layer: str
    record_id: str
    start: int
    end: int
    label: str  # the tag shown where the span starts
    color: str
    title: str  # hover text
    link: tuple[str, str] | None = None  # (text, href) shown after the label

    @property
    def key(self) -> str:
        return f"{self.layer}:{self.record_id}"

    @property
    def anchor(self) -> str:
        return f"rec-{self.layer}-{self.record_id}"


# --- reading the store -----------------------------------------------------------------------

def _rows(conn: sqlite3.Connection, table: str, where: str, params: tuple) -> list[dict[str, Any]]:
    names = [name for name, _ in columns(table)]
    cursor = conn.execute(f"SELECT {', '.join(map(quote_name, names))} FROM {table} WHERE {where}", params)
    json_cols = json_columns(table)
    out = []
    for row in cursor.fetchall():
        record = dict(zip(names, tuple(row)))
        for name in json_cols:
            if isinstance(record.get(name), str):
                record[name] = json.loads(record[name])
        out.append(record)
    return out


def find_document(conn: sqlite3.Connection, query: str) -> str:
    """The ``doc_id`` of the one stored document that ``query`` names.

    ``query`` is tried, in order, as a ``doc_id`` (or its first 6+ characters), a source path or
    file name, and a part of the title (case-insensitive). Raises :class:`DocumentLookupError`
    listing the candidates when nothing or several documents match.
    """
    docs = [dict(zip(("doc_id", "source", "title", "organisation", "published"), tuple(r))) for r in
            conn.execute("SELECT doc_id, source, title, organisation, published FROM documents ORDER BY source")]
    if not docs:
        raise DocumentLookupError("the store holds no documents: run `ngo-pipeline run` first")
    query = query.strip()
    path = Path(query)
    folded = query.casefold()

    def same_path(source: str) -> bool:
        try:
            return Path(source).resolve() == path.resolve()
        except OSError:
            return False

    tests = (
        lambda d: d["doc_id"] == query,
        lambda d: len(query) >= 6 and d["doc_id"].startswith(query),
        lambda d: d["source"] == query or same_path(d["source"]),
        lambda d: Path(d["source"]).name == path.name,
        lambda d: Path(d["source"]).stem == query,
        lambda d: folded in (d["title"] or "").casefold(),
        lambda d: folded in d["source"].casefold(),
    )
    for test in tests:
        matches = [d for d in docs if test(d)]
        if len(matches) == 1:
            return matches[0]["doc_id"]
        if len(matches) > 1:
            listing = "\n".join(_describe(d) for d in matches[:20])
            more = f"\n  ... and {len(matches) - 20} more" if len(matches) > 20 else ""
            raise DocumentLookupError(f"{len(matches)} documents match {query!r}; name one by its doc_id:\n"
                                      f"{listing}{more}", matches)
    examples = "\n".join(_describe(d) for d in docs[:10])
    raise DocumentLookupError(
        f"no document matches {query!r} (tried doc_id, source path, file name and title). "
        f"The store holds {len(docs)} documents, e.g.:\n{examples}", [])


def _describe(doc: dict[str, Any]) -> str:
    about = " | ".join(x for x in (doc.get("published"), doc.get("organisation"), doc.get("title")) if x)
    return f"  {doc['doc_id']}  {doc['source']}" + (f"  ({about})" if about else "")


def load_records(conn: sqlite3.Connection, doc_id: str) -> dict[str, Any]:
    """The document row and its quotes, claims, dates and entities, ordered by position."""
    documents = _rows(conn, "documents", "doc_id = ?", (doc_id,))
    if not documents:
        raise DocumentLookupError(f"no document {doc_id!r} in the store")
    records: dict[str, Any] = {"document": documents[0]}
    for table in ("quotes", "claims", "dates", "entities"):
        records[table] = sorted(_rows(conn, table, "doc_id = ?", (doc_id,)),
                                key=lambda r: (r["start"], -r["end"]))
    return records


# --- what to highlight -----------------------------------------------------------------------

def _speaker_colors(quotes: list[dict[str, Any]]) -> dict[str, str]:
    """A colour per speaker (casefolded name), in order of first appearance."""
    colors: dict[str, str] = {}
    for quote in quotes:
        name = (quote.get("speaker") or "?").casefold()
        if name not in colors:
            colors[name] = SPEAKER_COLORS[len(colors) % len(SPEAKER_COLORS)]
    return colors


def format_value(value: float | None) -> str:
    """A claimed number as people write it: 1,202 / 4.1 / 0.5."""
    if value is None:
        return "?"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _claim_summary(claim: dict[str, Any]) -> str:
    value = format_value(claim["value"])
    if claim.get("value_max") is not None:
        value += f"-{format_value(claim['value_max'])}"
    parts = [f"{claim['qualifier'].replace('_', ' ')} {value}" if claim["qualifier"] != "exact" else value]
    parts += [claim[k] for k in ("counted", "event") if claim.get(k)]
    details = [f"{k} {claim[k]}" for k in ("period", "location", "source") if claim.get(k)]
    return " ".join(parts) + (f" ({', '.join(details)})" if details else "")


def highlights(records: dict[str, Any]) -> list[Highlight]:
    """The spans to draw for a document's records (see :func:`load_records`)."""
    out: list[Highlight] = []
    colors = _speaker_colors(records["quotes"])
    for quote in records["quotes"]:
        qid, speaker = quote["quote_id"], quote.get("speaker")
        color = colors[(speaker or "?").casefold()]
        about = ", ".join(x for x in (quote.get("speaker_role"), quote.get("speaker_org")) if x)
        title = (f"quote {qid} ({quote['kind']}): {speaker or 'no speaker found'}" + (f", {about}" if about else "")
                 + (f"; cue '{quote['cue']}'" if quote.get("cue") else "") + f"; confidence {quote['confidence']:.2f}")
        mention = quote.get("speaker_start") is not None and quote.get("speaker_end") is not None
        link = (speaker, f"#rec-speaker-{qid}") if speaker and mention else None
        label = f"QUOTE {qid}" + ("" if link or not speaker else f" · {speaker}")
        out.append(Highlight("quote", qid, quote["start"], quote["end"], label, color, title, link))
        if mention:
            out.append(Highlight("speaker", qid, quote["speaker_start"], quote["speaker_end"],
                                 "SPEAKER", color, f"speaker of quote {qid}: {speaker}"
                                 + (f", {about}" if about else ""), (f"→ {qid}", f"#rec-quote-{qid}")))
    claims = {c["claim_id"]: c for c in records["claims"]}
    for claim in records["claims"]:
        cid, total = claim["claim_id"], claims.get(claim.get("part_of") or "")
        title = f"figure {cid}: {_claim_summary(claim)}"
        if total:
            title += f"; part of {total['claim_id']} ({total['text']})"
        if claim.get("flags"):
            title += f"; flags: {', '.join(claim['flags'])}"
        link = (f"⊂ {total['claim_id']}", f"#rec-claim-{total['claim_id']}") if total else None
        out.append(Highlight("claim", cid, claim["start"], claim["end"], f"FIGURE {cid}", LAYERS["claim"][1],
                             title, link))
    for date in records["dates"]:
        did = date["date_id"]
        out.append(Highlight("date", did, date["start"], date["end"], f"DATE {did} = {date['value'] or '?'}",
                             LAYERS["date"][1], f"date {did}: '{date['text']}' → {date['value'] or 'unresolved'} "
                             f"({date['granularity']})"))
    for i, entity in enumerate(records["entities"], 1):
        canonical = entity.get("canonical")
        title = f"{entity['label']}: {entity['text']}" + (
            f" (= {canonical})" if canonical and canonical != entity["text"] else "")
        out.append(Highlight("entity", f"e{i}", entity["start"], entity["end"], entity["label"],
                             DEFAULT_LABEL_COLORS.get(entity["label"], LAYERS["entity"][1]), title))
    return [h for h in out if h.end > h.start]


# --- rendering with displaCy -----------------------------------------------------------------

class RecordSpanRenderer(SpanRenderer):
    """displaCy's span renderer, writing each span's record on its markup.

    The span ``label`` displaCy passes around is the highlight's key; the slices and starts
    are displaCy's templates plus ``data-*`` attributes, an anchor and a hover title, and each
    highlighted word gets its character offsets. Layout (stacking of overlapping spans) is
    displaCy's own.
    """

    def __init__(self, spans: dict[str, Highlight]):
        super().__init__({"template": {"span": _TOKEN_TEMPLATE, "slice": _SLICE, "start": _START}})
        self.spans = spans
        self.token_offsets: list[tuple[int, int]] = []
        self._anchored: set[str] = set()

    def render_block(self, tokens: list[str], offsets: list[tuple[int, int]], spans: list[dict]) -> str:
        """Markup of one paragraph: ``tokens`` at character ``offsets``, ``spans`` in token indices."""
        self.token_offsets = offsets
        return self.render([{"tokens": tokens, "spans": spans}])

    def _render_markup(self, per_token_info: list[dict[str, Any]]) -> str:
        parts = []
        for info, (start, end) in zip(per_token_info, self.token_offsets, strict=True):
            markup = super()._render_markup([info])
            if info["entities"]:  # displaCy drew it with the token template: say which characters it is
                title = "\n".join(dict.fromkeys(self.spans[e["label"]].title for e in info["entities"]))
                markup = markup.replace(
                    _TOKEN_MARK, f'{_TOKEN_MARK} data-start="{start}" data-end="{end}" title="{escape(title)}"', 1)
            parts.append(markup)
        return "".join(parts)

    def _top(self, entity: dict[str, Any]) -> int:
        return self.top_offset + self.offset_step * (entity["render_slot"] - 1)

    @staticmethod
    def _attrs(span: Highlight) -> str:
        return (f'data-layer="{span.layer}" data-record-id="{escape(span.record_id)}" '
                f'data-key="{escape(span.key)}" data-start="{span.start}" data-end="{span.end}"')

    def _get_span_slices(self, entities: list[dict[str, Any]]) -> str:
        return "".join(_SLICE.format(attrs=self._attrs(span), bg=span.color, top_offset=self._top(entity))
                       for entity in entities for span in (self.spans[entity["label"]],))

    def _get_span_starts(self, entities: list[dict[str, Any]]) -> str:
        out = []
        for entity in entities:
            if not entity["is_start"]:
                continue
            span = self.spans[entity["label"]]
            # a span cut by a paragraph break starts twice: the anchor goes on its first part
            anchor = "" if span.key in self._anchored else f' id="{escape(span.anchor)}"'
            self._anchored.add(span.key)
            label = str(escape(span.label))
            if span.link:
                label += f' <a href="{escape(span.link[1])}">{escape(span.link[0])}</a>'
            out.append(_START.format(attrs=self._attrs(span), bg=span.color, top_offset=self._top(entity),
                                     anchor=anchor, label=label))
        return "".join(out)


def _blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line: displaCy collapses line breaks, so each is drawn apart."""
    return [m.span() for m in re.finditer(r"[^\n]+", text) if m.group().strip()]


def _tokens(text: str, lo: int, hi: int, cuts: list[int]) -> list[tuple[int, int]]:
    """Words of ``text[lo:hi]``, split wherever a span starts or ends inside one.

    Splitting on whitespace (not spaCy's word tokens) keeps punctuation next to its word in
    displaCy's output; splitting at span boundaries makes every span cover whole tokens, so
    the highlighted characters are exactly the record's.
    """
    out = []
    for match in re.finditer(r"\S+", text[lo:hi]):
        start, end = match.start() + lo, match.end() + lo
        inner = cuts[bisect.bisect_right(cuts, start):bisect.bisect_left(cuts, end)]
        for a, b in zip([start, *inner], [*inner, end]):
            out.append((a, b))
    return out


def render_text(text: str, spans: list[Highlight]) -> str:
    """The text with ``spans`` drawn by displaCy, one ``<div class="spans">`` per paragraph."""
    by_key = {span.key: span for span in spans}
    renderer = RecordSpanRenderer(by_key)
    cuts = sorted({x for span in spans for x in (span.start, span.end)})
    blocks = _blocks(text)
    block_starts = [lo for lo, _ in blocks]
    spans_of_block: list[list[Highlight]] = [[] for _ in blocks]
    for span in sorted(spans, key=lambda s: s.start):
        i = max(bisect.bisect_right(block_starts, span.start) - 1, 0)
        while i < len(blocks) and blocks[i][0] < span.end:  # a span may run over several paragraphs
            if blocks[i][1] > span.start:
                spans_of_block[i].append(span)
            i += 1
    parts = []
    for (lo, hi), block in zip(blocks, spans_of_block):
        offsets = _tokens(text, lo, hi, cuts)
        if not offsets:
            continue
        starts = [a for a, _ in offsets]
        block_spans = []
        for span in block:
            first = bisect.bisect_left(starts, max(span.start, lo))
            last = bisect.bisect_left(starts, min(span.end, hi))
            if first < last:
                block_spans.append({"start_token": first, "end_token": last, "label": span.key})
        tokens = [text[a:b] for a, b in offsets]
        parts.append(renderer.render_block(tokens, offsets, block_spans))
    return "\n".join(parts)


# --- the page --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def template_environment():
    """Jinja environment of the view templates (autoescaped: record text is never markup)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.filters["figure"] = format_value
    return env


def asset(name: str) -> str:
    """The text of a CSS/JS file of the view package (inlined: the pages work offline)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


def page_from_records(records: dict[str, Any], *, home_url: str | None = None,
                      selection: tuple[int, int] | None = None) -> str:
    """The full HTML page of a document from its records (see :func:`load_records`).

    ``selection`` (start, end) adds a highlighted span of its own, scrolled into view on load.
    """
    spans = highlights(records)
    document = records["document"]
    if selection is not None and 0 <= selection[0] < selection[1] <= len(document["text"] or ""):
        spans.append(Highlight("selection", "s1", selection[0], selection[1], "SELECTED",
                               LAYERS["selection"][1], f"selected span {selection[0]}:{selection[1]}"))
    layer_counts = {layer: sum(1 for s in spans if s.layer == layer) for layer in LAYERS}
    colors = {span.key: span.color for span in spans}
    claims = {c["claim_id"]: c for c in records["claims"]}
    parts: dict[str, list[str]] = {}
    for claim in records["claims"]:
        if claim.get("part_of") in claims:
            parts.setdefault(claim["part_of"], []).append(claim["claim_id"])
    return template_environment().get_template("document.html.j2").render(
        document=document, records=records, body=render_text(document["text"] or "", spans),
        layers=LAYERS, layer_counts=layer_counts, colors=colors, claims=claims, parts=parts,
        claim_summary=_claim_summary, home_url=home_url, css=asset("view.css"), js=asset("document.js"),
    )


def document_page(conn: sqlite3.Connection, doc_id: str, *, home_url: str | None = None,
                  selection: tuple[int, int] | None = None) -> str:
    """The HTML page of the stored document ``doc_id`` (used by the Datasette route too)."""
    return page_from_records(load_records(conn, doc_id), home_url=home_url, selection=selection)


def render_document(store: str | Path, doc: str) -> tuple[str, str]:
    """``(doc_id, html)`` of the document of ``store`` that ``doc`` names (see :func:`find_document`)."""
    conn = open_store(resolve_store_path(store))
    try:
        doc_id = find_document(conn, doc)
        return doc_id, document_page(conn, doc_id)
    finally:
        conn.close()


_DOC_ID = re.compile(r"[0-9a-f]{16}")


def view_file_name(doc_id: str) -> str:
    """``<doc_id>.html``; a doc_id that is not 16 hex digits (a crafted store: ``../../x``) would
    name a file outside the views folder, and is refused."""
    if not _DOC_ID.fullmatch(doc_id or ""):
        raise DocumentLookupError(f"{doc_id!r} is not a document id (16 hex digits): a damaged or crafted store?")
    return f"{doc_id}.html"


def default_view_path(store: str | Path, doc_id: str) -> Path:
    """Where ``show`` writes a view unless told: ``views/<doc_id>.html`` beside the store file."""
    return resolve_store_path(store).parent / "views" / view_file_name(doc_id)


def write_document_view(store: str | Path, doc: str, path: str | Path | None = None) -> tuple[str, Path]:
    """Write the view of the document ``doc`` names to ``path``; returns ``(doc_id, path)``."""
    from pipeline.output import write_text_atomic

    doc_id, page = render_document(store, doc)
    path = Path(path) if path is not None else default_view_path(store, doc_id)
    write_text_atomic(path, [page])  # a full disk leaves the previous page whole
    return doc_id, path
