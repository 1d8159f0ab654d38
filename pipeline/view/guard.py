"""What ``ngo-pipeline serve`` refuses: other hosts, writes, and queries that would eat the memory.

- **Host header.** A web page can point a name it controls at 127.0.0.1 (DNS rebinding) and
  read the server as if it were its own. Browsers send that name in ``Host``, so a request
  whose ``Host`` is not ``localhost``, ``127.0.0.1``, ``::1`` (or a name allowed with
  ``serve --allow-host``) gets ``400`` and a one-line explanation (:class:`LocalReadOnly`).
- **Methods.** The store is read-only: anything but ``GET`` and ``HEAD`` gets ``405``.
- **Memory.** Any web page can make the browser send
  ``/pipeline.json?sql=select randomblob(400000000)`` to 127.0.0.1 (the Host is then local).
  Datasette's time limit is checked between SQLite instructions, and one instruction builds
  that 400 MB value: the request ran 10.6 s and took the server to 3.6 GB. So each
  connection also gets SQLite limits (:func:`limit_connection`): no string or blob longer
  than :data:`MAX_VALUE_BYTES` (SQLite refuses it at once, "string or blob too big"), no
  result wider than :data:`MAX_COLUMNS`, and no result whose text and blobs add up to more
  than :data:`MAX_RESULT_BYTES` (refused as it is read). What is left: one row of
  :data:`MAX_COLUMNS` values of :data:`MAX_VALUE_BYTES` is built before it can be counted
  (about 250-370 MB for under a second, then refused).
"""
from __future__ import annotations

import sqlite3
import weakref
from typing import Callable, Iterable

MiB = 1024 * 1024
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# names that reach every interface (0.0.0.0 reaches 127.0.0.1 on Linux and macOS): never a Host to trust
_ANY_INTERFACE = frozenset({"", "0.0.0.0", "::"})
READ_METHODS = frozenset({"GET", "HEAD"})
# a document's text is at most 1,000,000 characters by default (--max-chars): at most 4 MB in UTF-8
MAX_VALUE_BYTES = 4 * MiB
MAX_COLUMNS = 32  # the widest table or view has 19 columns (20 with rowid)
MAX_RESULT_BYTES = 64 * MiB


def host_name(header: str) -> str:
    """The host of a ``Host`` header, lower case, without port or brackets (``[::1]:8001`` -> ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    name, colon, port = header.rpartition(":")
    if colon and port.isdigit() and ":" not in name:
        header = name
    return header.rstrip(".")


def check_host_name(name: str) -> str:
    """``name`` as a host a Host header may carry (``--allow-host``); ValueError for a wildcard or worse.

    ``0.0.0.0`` and ``*`` would let in the very requests the check is for (a page naming
    0.0.0.0 reaches 127.0.0.1), so they are refused rather than silently ignored.
    """
    host = host_name(name)
    if host in _ANY_INTERFACE or not all(c.isalnum() or c in ".-_:" for c in host):
        raise ValueError(f"--allow-host {name!r}: give one host name or address, e.g. mybox.local "
                         f"(not a wildcard such as 0.0.0.0 or *)")
    return host


def allowed_hosts(bound_host: str | None = None, extra: Iterable[str] = ()) -> frozenset[str]:
    """The local names, the host the server is bound to (unless a wildcard) and ``extra``."""
    names = {host_name(name) for name in (bound_host or "", *extra)} - _ANY_INTERFACE
    return LOCAL_HOSTS | names


def refusal(method: str, host_headers: list[str], allowed: frozenset[str]) -> tuple[int, str] | None:
    """``(status, message)`` for a request serve must refuse, else None."""
    hosts = [host_name(h) for h in host_headers]
    if not hosts or any(h not in allowed for h in hosts):
        shown = ", ".join(repr(h[:100]) for h in host_headers) or "none"
        return 400, (f"Host {shown} is not served: ngo-pipeline serve answers only "
                     f"{', '.join(sorted(allowed))} (serve --allow-host NAME adds one)\n")
    if method.upper() not in READ_METHODS:
        return 405, f"{method} is not allowed: the store is served read-only (GET and HEAD)\n"
    return None


class LocalReadOnly:
    """ASGI middleware: refuse other hosts (400) and other methods than GET and HEAD (405).

    Parameters
    ----------
    app : ASGI application
        Datasette's.
    allowed : callable
        Returns the allowed host names; read at the first request, when the Datasette
        instance has its configuration.
    """

    def __init__(self, app, allowed: Callable[[], frozenset[str]]):
        self.app = app
        self._allowed = allowed
        self._hosts: frozenset[str] | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":  # Datasette has none: refuse before the handshake
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] == "http":
            if self._hosts is None:
                self._hosts = self._allowed()
            hosts = [value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"host"]
            refused = refusal(scope.get("method", "GET"), hosts, self._hosts)
            if refused is not None:
                await _send_text(send, *refused)
                return
        await self.app(scope, receive, send)


async def _send_text(send, status: int, message: str) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    if status == 405:
        headers.append((b"allow", b"GET, HEAD"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": message.encode("utf-8")})


class ResultTooLarge(sqlite3.OperationalError):
    """A query's text and blobs add up to more than :data:`MAX_RESULT_BYTES`."""


def budgeted_rows(limit: int = MAX_RESULT_BYTES) -> Callable[[sqlite3.Cursor, tuple], sqlite3.Row]:
    """A row factory making :class:`sqlite3.Row` rows that raises once one cursor's rows pass ``limit`` bytes.

    Counts the length of every text and blob value; the count starts again with each new
    cursor (one per query in Datasette). Raised as an ``OperationalError``, it reaches the
    page as Datasette shows an SQL error.
    """
    current: dict = {"cursor": lambda: None, "bytes": 0}

    def row_factory(cursor: sqlite3.Cursor, values: tuple) -> sqlite3.Row:
        if current["cursor"]() is not cursor:
            current.update(cursor=weakref.ref(cursor), bytes=0)
        current["bytes"] += sum(len(v) for v in values if isinstance(v, (str, bytes)))
        if current["bytes"] > limit:
            raise ResultTooLarge(f"the result is larger than {limit // MiB} MiB: ask for fewer rows "
                                 f"(limit, ?_size=) or columns")
        return sqlite3.Row(cursor, values)

    return row_factory


def limit_connection(conn: sqlite3.Connection) -> None:
    """Cap what one query on ``conn`` can build or return (see the module's docstring)."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, MAX_COLUMNS)
    conn.row_factory = budgeted_rows()
