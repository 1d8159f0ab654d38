"""The one exception the ingest stage raises, and every kind of per-document failure.

See ``docs/robustness.md`` for what the user sees for each kind.
"""
from __future__ import annotations

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
# Not an error but a reason to skip a path: a suffix no reader handles (MANIFEST.tsv).
SKIP_KIND = "unsupported"


class IngestError(Exception):
    """A file could not be turned into a :class:`~pipeline.records.Document`.

    Parameters
    ----------
    kind : str
        Machine-readable reason, one of :data:`ERROR_KINDS`, or ``"unsupported"`` (a file
        type no reader handles: the batch lists it as skipped, not failed).
    message : str
        Human-readable explanation (what went wrong and, when possible, what to do).
    """

    def __init__(self, kind: str, message: str):
        if kind not in ERROR_KINDS and kind != SKIP_KIND:
            raise ValueError(f"unknown IngestError kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
