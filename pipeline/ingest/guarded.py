"""Read untrusted files in a separate process that cannot take the run down.

A file from the web can decompress to gigabytes (a zip bomb in a ``.docx``, a Flate bomb in a
PDF stream) or keep a parser busy for minutes. :class:`GuardedReader` reads each file with
:func:`~pipeline.ingest.read_document` in one child process whose address space is capped
(``RLIMIT_AS``: its size when it started plus ``Limits.max_memory_mb``) and whose every read is
timed (``Limits.max_seconds``: ``SIGALRM`` inside the child for Python code, and the parent
kills the child if a call in a C library outlives that by :data:`KILL_GRACE_SECONDS`). A file
over budget fails with ``too_large`` or ``timeout``; a child that dies is replaced, and the files
queued behind it are read again. Reads run :data:`READ_AHEAD` files ahead, so reading overlaps
the analysis of the documents before them. Each process that analyses documents (the run's own
with ``--workers 1``, every pool or Dask worker otherwise) keeps one reader for its life
(:mod:`pipeline.worker`), and :attr:`GuardedReader.cpu_seconds` adds up the reading CPU time.

With ``max_memory_mb`` and ``max_seconds`` both 0 (no budget), files are read in this process.
"""
from __future__ import annotations

import logging
import multiprocessing
import time
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Iterator

from pipeline.ingest.core import read_document
from pipeline.ingest.errors import IngestError
from pipeline.limits import DEFAULT_LIMITS, MB, DocumentTimeout, Limits, time_limit
from pipeline.processes import die_with_parent, start_method
from pipeline.records import Document

log = logging.getLogger(__name__)

READ_AHEAD = 4  # files submitted before the one being collected
KILL_GRACE_SECONDS = 10.0  # beyond max_seconds, for a read stuck inside a C library


def _cap_memory(max_memory_mb: int) -> None:
    """In the reading process: cap its address space at its current size plus the budget."""
    die_with_parent()
    if not max_memory_mb:
        return
    try:
        import resource

        current = _address_space_bytes()
        limit = current + max_memory_mb * MB
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux (no /proc, no RLIMIT_AS): time limit only
        log.debug("could not cap the reading process's memory", exc_info=True)


def _address_space_bytes() -> int:
    """This process's virtual memory size (``VmSize``), in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmSize in /proc/self/status")


def read_within_budget(path: str, metadata: dict | None, limits: Limits) -> Document:
    """:func:`read_document` under ``limits.max_seconds``, out-of-memory turned into ``too_large``.

    Runs in the reading process (the address space is capped there by :func:`_cap_memory`).
    """
    try:
        with time_limit(limits.max_seconds):
            return read_document(path, metadata, limits)
    except DocumentTimeout:
        raise IngestError("timeout", f"reading took longer than the {limits.max_seconds:g} s limit; raise it "
                                     "with --max-seconds (0 switches it off)") from None
    except MemoryError:
        raise IngestError("too_large", f"reading needed more than the {limits.max_memory_mb:,} MiB memory "
                                       "budget (a decompression bomb?); raise it with --max-memory-mb") from None


def _serve(conn, limits: Limits) -> None:
    """The reading process: read each ``(path, metadata)`` received, send back the document or
    the error, until the pipe closes."""
    import faulthandler

    faulthandler.disable()  # a file that crashes a parser is reported as its error; a dump is noise
    _cap_memory(limits.max_memory_mb)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        started = time.process_time()
        try:
            result: object = read_within_budget(*request, limits)
        except IngestError as exc:
            result = exc
        except Exception as exc:  # noqa: BLE001  a reader bug: sent as text, it may not pickle
            result = ReaderFailure(f"{type(exc).__name__}: {exc}")
        conn.send((result, time.process_time() - started))  # the CPU time: bench counts it as a worker's


class ReaderFailure(Exception):
    """A reader raised something unexpected (a bug) in the reading process."""


class GuardedReader:
    """Read files one after another in a budgeted child process (see the module).

    Use as a context manager; :meth:`read_all` yields ``(path, metadata, document or error)`` in
    input order. The child is a plain process talking over a pipe: no thread is started in this
    process, so the analysis workers can still be forked from it.
    """

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or DEFAULT_LIMITS
        self.in_process = not self.limits.max_memory_mb and not self.limits.max_seconds
        self.process = None
        self.conn = None
        self.cpu_seconds = 0.0  # CPU time the reading processes spent reading, so far

    def __enter__(self) -> "GuardedReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Let the child finish and end (it is killed if it does not within a second)."""
        if self.process is None:
            return
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=1)
        self._kill()

    def _start(self) -> None:
        context = multiprocessing.get_context(start_method())
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, self.limits), daemon=True,
                                       name="ngo-pipeline reader")
        # a Dask worker process is daemonic, and multiprocessing refuses children to daemonic
        # processes (they could be orphaned); the reader cannot be: it dies with its parent
        # (die_with_parent), so the flag is lifted while it starts
        current = multiprocessing.current_process()
        daemonic = current._config.get("daemon")
        current._config["daemon"] = False
        try:
            self.process.start()
        finally:
            if daemonic is not None:
                current._config["daemon"] = daemonic
            else:
                current._config.pop("daemon", None)
        child.close()

    def _kill(self) -> None:
        """End the child at once (a read stuck in C code ignores everything gentler)."""
        process, self.process = self.process, None
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join()
            process.close()
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _send(self, path: Path, metadata: dict | None) -> bool:
        """Ask the child to read ``path``; False when it has died (a file before this one killed it)."""
        if self.process is None:
            self._start()
        try:
            self.conn.send((str(path), metadata))
            return True
        except OSError:  # a broken pipe: the child is gone
            return False

    def _receive(self) -> Document | Exception:
        """The child's answer to the oldest request it holds, or the error that ended it."""
        wait = self.limits.max_seconds + KILL_GRACE_SECONDS if self.limits.max_seconds else None
        try:
            if self.conn.poll(wait):
                result, cpu_seconds = self.conn.recv()
                self.cpu_seconds += cpu_seconds
                return (IngestError("corrupt", f"unexpected {result} while reading (if the file opens "
                                               "elsewhere, please report it)")
                        if isinstance(result, ReaderFailure) else result)
        except (EOFError, OSError):  # the child died while reading this file
            self._kill()
            return IngestError("too_large", "reading this file ended its reading process: it needed more than "
                                            f"the {self.limits.max_memory_mb:,} MiB memory budget, or crashed a "
                                            "parser; raise --max-memory-mb if the file is genuine")
        self._kill()
        return IngestError("timeout", f"reading took longer than the {self.limits.max_seconds:g} s limit "
                                      "(stopped inside a library); raise it with --max-seconds")

    def read_all(self, items: Iterable[tuple[Path, dict | None]]
                 ) -> Iterator[tuple[Path, dict | None, Document | Exception]]:
        """Read every ``(path, metadata row)``, :data:`READ_AHEAD` ahead; results in input order.

        An unexpected exception of a reader comes back as the result (the batch records it).
        """
        if self.in_process:
            for path, metadata in items:
                try:
                    yield path, metadata, read_document(path, metadata, self.limits)
                except Exception as exc:  # noqa: BLE001
                    yield path, metadata, exc
            return
        pending: deque[list[Any]] = deque()  # [path, metadata, sent to the current child]
        items = iter(items)
        exhausted = False
        while True:
            while not exhausted and len(pending) < READ_AHEAD + 1:
                item = next(items, None)
                if item is None:
                    exhausted = True
                    break
                pending.append([*item, self._send(*item)])
            if not pending:
                return
            path, metadata, sent = pending.popleft()
            # answers come in order: the oldest request unanswered is the file the child was reading
            if not sent and not self._send(path, metadata):
                self._kill()
                self._send(path, metadata)
            result = self._receive()
            if self.process is None:  # the child was replaced: the files queued behind it are sent again
                for entry in pending:
                    entry[2] = self._send(entry[0], entry[1])
            yield path, metadata, result


__all__ = ["GuardedReader", "KILL_GRACE_SECONDS", "READ_AHEAD", "ReaderFailure", "read_within_budget"]
