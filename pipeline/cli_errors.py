"""What the command line says when a store is damaged, a disk is full or a file cannot be
written, and how it shows the pipeline's warnings while a run goes on.

:func:`explain` turns such an error, met anywhere in a command, into one clear message
(``pipeline.cli`` prints it as ``error: ...`` and exits 2); an error it does not know, a bug,
keeps its traceback. Nothing heavy is imported until an error is being explained.
"""
from __future__ import annotations

import errno
import logging
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from rich.console import Console
from rich.text import Text

# errors of a device out of room: a full disk, a user's quota, a file size limit (ulimit -f)
_NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def store_named(params: dict[str, Any]) -> Path | None:
    """The store a command works on, from its options, to name in a message: its ``--store``,
    else its ``--out`` (``run`` writes OUT/pipeline.sqlite unless told otherwise)."""
    from pipeline.store.db import resolve_store_path

    given = params.get("store") or params.get("out")
    return resolve_store_path(given) if given else None


def explain(exc: BaseException, store: Path | None = None) -> str | None:
    """The message for an error the user can act on, or None for any other (a bug).

    Parameters
    ----------
    exc : BaseException
        The error a command raised.
    store : Path, optional
        The store the command was using (see :func:`store_named`), named in the message of an
        SQLite error.
    """
    from pipeline.store.db import StoreError, store_failure

    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.ProgrammingError):
        return str(store_failure(store, exc))
    if isinstance(exc, BrokenPipeError):  # the reader of stdout went away (| head): nothing to say
        return None
    if isinstance(exc, OSError):
        return _os_message(exc)
    return None


def _os_message(exc: OSError) -> str:
    what = f" {exc.filename}" if exc.filename else ""
    reason = exc.strerror or str(exc)
    if exc.errno in _NO_ROOM:
        return (f"cannot write{what}: {reason}; free some space and run again (a file being replaced "
                f"is left as it was)")
    if exc.filename:
        return f"cannot read or write {exc.filename}: {reason}"
    return str(exc)  # a socket, a pipe: the system's own words


class _ConsoleWarnings(logging.Handler):
    """Print log records as ``warning: <message>`` lines (above a progress bar, if one is shown)."""

    def __init__(self, console: Console):
        super().__init__(logging.WARNING)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # one Text: the message (file names, dates from a metadata file) is never markup
            self.console.print(Text.assemble(("warning: ", "yellow"), record.getMessage()), highlight=False)
        except Exception:  # a handler must not raise into the code that logged
            self.handleError(record)


@contextmanager
def warnings_printed(console: Console) -> Iterator[None]:
    """Show the pipeline's warnings (``pipeline.*`` loggers) on ``console`` for the block, and
    only there: the root logger does not print them a second time."""
    logger = logging.getLogger("pipeline")
    handler = _ConsoleWarnings(console)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
