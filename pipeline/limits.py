"""Per-document limits: one document exceeding them becomes an error record, never a stopped batch.

Ingest enforces the size limits (``max_bytes`` on the file, ``max_unpacked_bytes`` on a
``.docx``'s parts, ``max_chars`` on the extracted text, ``max_pages`` on PDFs); a batch run reads
each file in a separate process under ``max_memory_mb`` and ``max_seconds``
(:mod:`pipeline.ingest.guarded`); the analysis enforces ``max_tokens`` before the parse and
``max_seconds`` on each document's analysis. Every limit is a flag of ``ngo-pipeline run``;
``0`` switches a limit off.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Limits applied to every document of a run.

    Parameters
    ----------
    max_bytes : int
        Largest input file read, in bytes (``too_large`` above it). Default 50 MiB.
    max_chars : int
        Longest normalised text analysed, in characters (``too_large`` above it). spaCy's
        parser needs about 1 GB of memory per 100,000 words, and its own ``max_length`` is
        1,000,000 characters, which is the default here.
    max_pages : int
        Most PDF pages read (``too_large`` above it). Default 2,000.
    max_seconds : float
        Longest reading of one file, and longest analysis of one document after parsing, in
        seconds (``timeout`` above it). Default 300.
    max_tokens : int
        Most spaCy tokens in one document (``too_large`` above it), counted before the parse.
        Default 250,000: 1,000,000 characters of English prose are about 200,000 tokens, a text
        made of punctuation (one token per character) is refused. Long documents are parsed in
        pieces of :data:`pipeline.analysis.PARSE_PIECE_TOKENS`, so the parser's memory does not
        grow with the document.
    max_memory_mb : int
        Memory one file may take while it is read (decompression included), in MiB, on top
        of the reading process's own; above it the file fails with ``too_large``. Default 1,024.
    max_unpacked_bytes : int
        Largest total uncompressed size of the parts of a ``.docx`` (a zip archive), checked
        before anything is decompressed (``too_large`` above it). Default 256 MiB.
    """

    max_bytes: int = 50 * MB
    max_chars: int = 1_000_000
    max_pages: int = 2_000
    max_seconds: float = 300.0
    max_tokens: int = 250_000
    max_memory_mb: int = 1_024
    max_unpacked_bytes: int = 256 * MB


DEFAULT_LIMITS = Limits()


class DocumentTimeout(Exception):
    """The analysis of one document ran past ``Limits.max_seconds``."""


def _timeout_message(seconds: float) -> str:
    return (f"analysis took longer than the {seconds:g} s limit; raise it with --max-seconds "
            f"(0 switches it off)")


@contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`DocumentTimeout` in the block after ``seconds`` (wall clock).

    Uses ``SIGALRM``, so it works only in a process's main thread (on POSIX); elsewhere, or
    with ``seconds`` 0/None, the block runs without a limit. A signal interrupts Python code
    only: a long call inside a C extension is stopped when it returns.
    """
    usable = (bool(seconds) and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise DocumentTimeout(_timeout_message(seconds))

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
