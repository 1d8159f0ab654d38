"""The one exception the ingest stage raises."""
from __future__ import annotations

ERROR_KINDS = ("empty", "no_text", "encrypted", "corrupt", "decode", "unsupported")


class IngestError(Exception):
    """A file could not be turned into a :class:`~pipeline.records.Document`.

    Parameters
    ----------
    kind : str
        Machine-readable reason, one of :data:`ERROR_KINDS`.
    message : str
        Human-readable explanation (what went wrong and, when possible, what to do).
    """

    def __init__(self, kind: str, message: str):
        if kind not in ERROR_KINDS:
            raise ValueError(f"unknown IngestError kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
