"""Child processes of a run: how they are started, and that they end with it.

Shared by the analysis executors (:mod:`pipeline.parallel`) and the reading process
(:mod:`pipeline.ingest.guarded`).
"""
from __future__ import annotations

import signal
import sys
import threading


def die_with_parent() -> None:
    """Ask Linux to end this worker when the run that started it dies (even by SIGKILL):
    otherwise it would wait for work forever."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # another C library: the worker just lives until the pool is shut down
        pass


def start_method() -> str:
    """``fork`` on Linux when this process runs no other thread, else ``spawn``.

    Forked workers start at once and share the parent's loaded model (copy-on-write); spaCy
    and scikit-learn are fork-safe on Linux. A parent running other threads (rich's progress
    bar refreshing, a Dask client) could be forked while one of them holds a lock, which the
    child would wait for forever: then workers are spawned, and each imports and loads anew.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"
