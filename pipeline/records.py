"""Typed records that flow through the pipeline.

One direction of flow: ``ingest`` produces a :class:`Document`; ``nlp`` turns its
``text`` into a spaCy ``Doc``; the extractors produce :class:`Entity`, :class:`DateRecord`,
:class:`Claim`, :class:`Quote` and :class:`Statement` records; ``analyse`` bundles them in a
:class:`DocumentResult`. Every record with ``start``/``end`` satisfies
``document.text[start:end] == record.text``.

The field names and types here are the output contract documented in ``docs/schema.md``
and in the JSON Schemas of ``pipeline/schema/``. Changing one means bumping
:data:`SCHEMA_VERSION`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

SCHEMA_VERSION = "1.4.0"

THEMES: tuple[str, ...] = (
    "normalisation",
    "refugee_returns",
    "detention",
    "covid",
    "attacks_on_civilians",
    "accountability",
    "humanitarian_access",
)


# Why a document could not be processed (``Document.error_kind``), by stage:
# ingest raises every kind but ``timeout`` and ``analysis``, which the batch sets.
ERROR_KINDS: tuple[str, ...] = (
    "empty",  # zero bytes, or no text left after extraction
    "no_text",  # a PDF without a text layer (scanned): OCR is needed
    "encrypted",  # a PDF that needs a password
    "corrupt",  # a damaged or mislabelled file (truncated PDF, a .docx that is not a zip, ...)
    "decode",  # text whose bytes decode in no known encoding
    "too_large",  # above --max-mb, --max-chars or --max-pages
    "unsupported_language",  # a text identified as another language than English
    "unreadable",  # the operating system refused to read it (permissions, I/O error)
    "timeout",  # analysis took longer than --max-seconds
    "analysis",  # an extractor failed on this text (a bug: please report it)
)


_ISO_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")  # ASCII digits only, as stored


def is_iso_date(value: str) -> bool:
    """Whether ``value`` is a publication date as stored: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``
    naming a day of the calendar (``2020-02-29`` is one, ``2021-02-29`` and ``2020-13-45`` are not)."""
    match = _ISO_DATE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def text_hash(text: str) -> str:
    """Stable id of a normalised text: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Document:
    """One ingested publication: normalised text plus metadata.

    ``text`` is the normalised text (paragraphs separated by exactly one blank line,
    runs of spaces folded, original characters kept). All offsets point into it.
    """

    source: str
    text: str
    title: str | None = None
    organisation: str | None = None
    published: str | None = None  # ISO date: YYYY-MM-DD, YYYY-MM or YYYY
    language: str | None = "en"
    format: str | None = None  # txt, md, html, json, pdf, docx, text
    author: str | None = None
    status: str = "ok"
    error: str | None = None
    error_kind: str | None = None  # why status is error: one of ERROR_KINDS
    themes: list[str] = field(default_factory=list)  # the document's themes (document_themes)
    theme_scores: dict[str, float] = field(default_factory=dict)  # share of its sentences per theme

    @cached_property
    def doc_id(self) -> str:
        # hashed once: the batch, the writer and every row ask for it; text never changes
        return text_hash(self.text) if self.text else text_hash(self.source)

    @property
    def n_words(self) -> int:
        return len(self.text.split())

    def to_record(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "organisation": self.organisation,
            "published": self.published,
            "language": self.language,
            "text": self.text,
            "n_words": self.n_words,
            "status": self.status,
            "error": self.error,
            "error_kind": self.error_kind,
            "themes": list(self.themes),
            "theme_scores": dict(self.theme_scores),
        }


@dataclass
class Entity:
    start: int
    end: int
    text: str
    label: str
    canonical: str


@dataclass
class DateRecord:
    date_id: str
    start: int
    end: int
    text: str
    value: str | None  # YYYY-MM-DD | YYYY-MM | YYYY | START/END | None
    granularity: str  # day | month | year | span | duration


@dataclass
class Claim:
    claim_id: str
    start: int
    end: int
    text: str
    value: float | None
    value_max: float | None = None
    qualifier: str = "exact"  # exact at_least more_than about up_to less_than range vague
    unit: str = "count"  # count percent money quantity
    counted: str | None = None
    event: str | None = None
    period: str | None = None
    location: str | None = None
    part_of: str | None = None
    source: str | None = None
    sentence_start: int = 0
    sentence_end: int = 0
    flags: list[str] = field(default_factory=list)  # e.g. parts_exceed_total
    themes: list[str] = field(default_factory=list)


@dataclass
class Quote:
    quote_id: str
    kind: str  # direct | indirect | mixed
    start: int
    end: int
    text: str
    speaker: str | None = None
    speaker_type: str | None = None  # PERSON | ORG | UNNAMED | None
    speaker_role: str | None = None
    speaker_org: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None
    confidence: float = 0.0
    themes: list[str] = field(default_factory=list)


@dataclass
class Statement:
    statement_id: str
    start: int
    end: int
    text: str
    themes: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    themes_source: str = "model"  # model | review (an analyst's correction)


@dataclass(frozen=True)
class RecordType:
    """Everything the rest of the project needs to know about one record type, said once.

    The store's schema (:mod:`pipeline.store.schema`: columns, ids, indexes, the theme and
    full-text tables), the search targets (:mod:`pipeline.store.search`), Datasette's metadata
    (:mod:`pipeline.view.serve`), the document view's layers (:mod:`pipeline.view.document`), the
    evaluation tasks (:mod:`pipeline.evaluate`) and the bench's stages (:mod:`pipeline.bench`) are
    all read from :data:`RECORD_TYPES`. Adding a record type means adding a dataclass above, an
    entry below, and the component that assigns it (``docs/architecture.md``).
    """

    table: str  # the store table, the DocumentResult field and the Doc extension (doc._.<table>)
    record: type | None  # the dataclass of one row (None for documents: Document.to_record)
    title: str  # for people: Datasette, the document view, reports
    description: str
    id_field: str | None = None  # unique within a document; entities have none
    component: str | None = None  # the spaCy component that assigns doc._.<table>
    stage: str | None = None  # its name in the bench's stage table
    themed: bool = False  # carries themes: mirrored into record_themes, filterable by theme
    full_text: bool = False  # has an FTS5 index over its text
    searchable: bool = False  # a target of `ngo-pipeline search --in`
    layer: str | None = None  # its layer in the document view
    color: str | None = None  # the colour of that layer's bars
    facets: tuple = ()  # Datasette facets
    indexes: tuple[tuple[str, ...], ...] = ()  # columns analysts filter by
    eval_task: str | None = None  # `ngo-pipeline eval TASK` scores it


THEMES_FACET = {"array": "themes"}

RECORD_TYPES: dict[str, RecordType] = {rt.table: rt for rt in (
    RecordType("documents", None, "Documents",
               "One row per publication: title, organisation, publication date, its themes (those of at least "
               "3 of its sentences or 10 % of them) and the normalised text every record's start/end offsets "
               "point into.",
               themed=True, searchable=True, facets=("organisation", "published", "status", THEMES_FACET),
               indexes=(("source",), ("published",), ("organisation",))),
    RecordType("entities", Entity, "Entities", "Named-entity mentions with a canonical name per document.",
               component="ngo_entities", stage="entities", layer="entity", color="#dddddd",
               facets=("label", "canonical"), indexes=(("doc_id",), ("label",), ("canonical",))),
    RecordType("quotes", Quote, "Quotes",
               "Who is quoted saying what. Search the quote text; click a quote to see it in its document. "
               "quote_browser adds the publication date and title.",
               id_field="quote_id", component="ngo_quotes", stage="quotes", themed=True, full_text=True,
               searchable=True, layer="quote", color="#aa9cfc", facets=("speaker", "speaker_org", THEMES_FACET),
               indexes=(("speaker",), ("speaker_org",)), eval_task="quotes"),
    RecordType("claims", Claim, "Figures (numeric claims)",
               "Numbers the publications claim: value, qualifier, what is counted, what happened to it, period, "
               "place, and who the figure is attributed to.",
               id_field="claim_id", component="ngo_claims", stage="claims", themed=True, searchable=True,
               layer="claim", color="#ffb347", facets=("counted", "event", "unit", "source", THEMES_FACET),
               indexes=(("counted",), ("source",), ("doc_id", "start")), eval_task="claims"),
    RecordType("dates", DateRecord, "Dates", "Date expressions resolved to ISO values.",
               id_field="date_id", component="ngo_dates", stage="dates", layer="date", color="#5fc4b4",
               facets=("granularity",), indexes=(("value",),), eval_task="dates"),
    RecordType("statements", Statement, "Statements (sentences)",
               "Every sentence with its themes and theme probabilities; themes_source is 'review' where an "
               "analyst corrected them.",
               id_field="statement_id", component="ngo_themes", stage="themes", themed=True, full_text=True,
               searchable=True, facets=(THEMES_FACET, "themes_source"), indexes=(("doc_id", "start"),),
               eval_task="themes"),
)}

TABLES: tuple[str, ...] = tuple(RECORD_TYPES)

#: A document is about a theme when at least this many of its sentences carry it ...
DOCUMENT_THEME_MIN_SENTENCES = 3
#: ... or at least this share of them (a short document).
DOCUMENT_THEME_MIN_SHARE = 0.1


def document_themes(sentence_themes: list[list[str]]) -> tuple[list[str], dict[str, float]]:
    """A document's themes and scores from the themes of its sentences.

    The score of a theme is the share of the document's sentences that carry it (0 to 1); the
    document carries the themes of at least :data:`DOCUMENT_THEME_MIN_SENTENCES` sentences or of at
    least :data:`DOCUMENT_THEME_MIN_SHARE` of them, so that a long report with one section on a
    theme is about it, and a passing sentence in a long document is not.
    """
    n = len(sentence_themes)
    counts = {theme: sum(theme in themes for themes in sentence_themes) for theme in THEMES}
    scores = {theme: round(count / n, 4) if n else 0.0 for theme, count in counts.items()}
    themes = [theme for theme in THEMES if counts[theme] and (
        counts[theme] >= DOCUMENT_THEME_MIN_SENTENCES or scores[theme] >= DOCUMENT_THEME_MIN_SHARE)]
    return themes, scores


@dataclass
class DocumentResult:
    """Everything extracted from one document."""

    document: Document
    entities: list[Entity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    dates: list[DateRecord] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)

    @property
    def doc_id(self) -> str:
        return self.document.doc_id

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """The result as table name -> list of JSON-ready rows (``doc_id`` first)."""
        doc_id = self.doc_id
        out: dict[str, list[dict[str, Any]]] = {"documents": [self.document.to_record()]}
        for table in TABLES[1:]:
            out[table] = [record_row(r, doc_id) for r in getattr(self, table)]
        return out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def record_row(record: Any, doc_id: str) -> dict[str, Any]:
    """``{"doc_id": doc_id, **dataclasses.asdict(record)}`` for the flat records above.

    Their fields are scalars, lists of strings and a dict of floats, so copying the lists
    and dicts is all of ``asdict``'s deep copy that matters; ``asdict`` itself recurses into
    every value and costs about five times more (a few per cent of a whole run).
    """
    names = _FIELD_NAMES.get(type(record))
    if names is None:
        names = _FIELD_NAMES[type(record)] = tuple(f.name for f in fields(record))
    row: dict[str, Any] = {"doc_id": doc_id}
    for name in names:
        value = getattr(record, name)
        row[name] = value.copy() if isinstance(value, (list, dict)) else value
    return row
