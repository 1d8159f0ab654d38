"""Bounds and checks of the command line's options: a value out of range is a usage error
(exit code 2, the option named), never a traceback deep in the run.

Kept apart from :mod:`pipeline.cli` and light to import: the options are built when the
command line starts.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

#: Messages for the user go to stderr, never wrapped: a long path must stay one string to copy.
console = Console(stderr=True, soft_wrap=True)


def fail(error: object, code: int = 2) -> NoReturn:
    """Print ``error: <message>`` on stderr and exit with ``code`` (2: a usage or input problem)."""
    console.print("[red]error:[/red] ", end="")
    console.print(str(error), markup=False, highlight=False)  # paths and queries may hold [brackets]
    raise typer.Exit(code)

def stdout() -> Console:
    """The console for results (tables keep to its width; lines of text are not wrapped)."""
    return Console(soft_wrap=True)


def clear_errors(command):
    """Run ``command`` turning a damaged store, a full disk or a file that cannot be written,
    met anywhere in it, into ``error: <message>`` and exit code 2 (:func:`pipeline.cli_errors.explain`);
    other errors keep their traceback. typer reads the command's own signature (``__wrapped__``)."""
    @functools.wraps(command)
    def guarded(**params):
        from pipeline.cli_errors import explain, store_named

        try:
            return command(**params)
        except Exception as exc:
            message = explain(exc, store_named(params))
            if message is None:
                raise
            fail(message)

    return guarded


# The float options must be finite: ``inf`` and ``nan`` fail typer's range check (nan compares
# false to any bound, and typer refuses it), so every float option has a maximum.
MAX_SECONDS = 1e9  # about 31 years; the system's interval timer (setitimer) refuses 1e12 s
MAX_WORKERS = 256  # each worker loads the model (about 500 MB): more would only exhaust memory
MAX_MIB = 1e9  # about a petabyte: any real file is below it, and max_mb * MiB stays an exact integer
MAX_LIMIT = 2**63 - 1  # SQLite's largest integer: a LIMIT above it cannot even be bound


def folder(value: Path | None) -> Path | None:
    """Check an option naming a folder to write into: it may be missing (it is created), not a file.

    Exits with code 2 (:func:`fail`, not typer's boxed message, which would break a long path
    across lines) when ``value`` names an existing file (or anything else that is not a folder).
    """
    if value is not None and value.exists() and not value.is_dir():
        fail(f"--out: {value} is a file, not a folder: name a folder (created if missing)")
    return value
