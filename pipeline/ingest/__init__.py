"""Ingest stage: files (txt, md, html, json, pdf, docx) or strings -> :class:`Document`.

See ``docs/ingest.md`` for formats, metadata precedence and normalisation rules.
"""
from pipeline.ingest.core import (
    SUPPORTED_SUFFIXES,
    iter_input_paths,
    load_metadata,
    read_document,
    read_text,
)
from pipeline.ingest.dates import find_dateline, to_iso_date
from pipeline.ingest.errors import IngestError
from pipeline.ingest.normalise import detect_language, normalise_text, repair_mojibake

__all__ = [
    "SUPPORTED_SUFFIXES",
    "IngestError",
    "detect_language",
    "find_dateline",
    "iter_input_paths",
    "load_metadata",
    "normalise_text",
    "read_document",
    "read_text",
    "repair_mojibake",
    "to_iso_date",
]
