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

import hashlib
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any

SCHEMA_VERSION = "1.2.0"

THEMES: tuple[str, ...] = (
    "normalisation",
    "refugee_returns",
    "detention",
    "covid",
    "attacks_on_civilians",
    "accountability",
    "humanitarian_access",
)


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
    error_kind: str | None = None  # why status is error: one of pipeline.ingest.errors.ERROR_KINDS

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


TABLES: tuple[str, ...] = ("documents", "entities", "quotes", "claims", "dates", "statements")


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
