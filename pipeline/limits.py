"""Per-document limits: one document exceeding them becomes an error record, never a stopped batch.

Ingest enforces the size limits (``max_bytes`` on the file, ``max_chars`` on the extracted text,
``max_pages`` on PDFs); the batch enforces ``max_seconds`` on each document's analysis.
Every limit is a flag of ``ngo-pipeline run``; ``0`` switches a limit off.
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
        Longest analysis of one document after parsing, in seconds (``timeout`` above it).
        Default 300.
    """

    max_bytes: int = 50 * MB
    max_chars: int = 1_000_000
    max_pages: int = 2_000
    max_seconds: float = 300.0


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
