"""The one exception the ingest stage raises, and every kind of per-document failure.

See ``docs/robustness.md`` for what the user sees for each kind.
"""
from __future__ import annotations

from pipeline.records import ERROR_KINDS  # noqa: F401  (re-exported)

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

    def __reduce__(self):  # pickled from a reading process (pipeline.ingest.guarded)
        return type(self), (self.kind, self.message)
