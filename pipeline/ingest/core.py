"""Turn files (or strings) into :class:`~pipeline.records.Document` objects."""
from __future__ import annotations

import csv
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.ingest.dates import find_dateline, is_dateline, to_iso_date
from pipeline.ingest.errors import IngestError
from pipeline.ingest.formats import READERS, check_unpacked_size, clean_extracted
from pipeline.ingest.normalise import LANGUAGE_NAMES, detect_language, identify_language, normalise_text
from pipeline.ingest.pdf import read_pdf
from pipeline.limits import DEFAULT_LIMITS, MB, Limits
from pipeline.records import Document, is_iso_date

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(READERS)
METADATA_FIELDS = ("title", "organisation", "published", "author")
# A title taken from the text: one of the first paragraphs, short, not a full sentence.
TITLE_MAX_CHARS = 200
TITLE_MAX_PARAGRAPHS = 3


def title_from_text(paragraphs: list[str]) -> str | None:
    """The first short paragraph that is neither a dateline nor a sentence ending in '.'."""
    for paragraph in paragraphs[:TITLE_MAX_PARAGRAPHS]:
        if len(paragraph) > TITLE_MAX_CHARS or is_dateline(paragraph):
            continue
        if paragraph.endswith(".") and not paragraph.endswith("..."):
            continue
        return paragraph
    return None


def _metadata_row(metadata: dict | None, path: Path | None) -> dict[str, Any]:
    """Accept one row of :func:`load_metadata` or the whole mapping (matched by file name)."""
    if not metadata:
        return {}
    if any(key in metadata for key in (*METADATA_FIELDS, "publication_date", "file")):
        return metadata
    if path is not None:
        for key in (str(path), path.name):
            if isinstance(metadata.get(key), dict):
                return metadata[key]
    return {}


def _merge(given: dict[str, Any], own: dict[str, Any], text: str) -> dict[str, Any]:
    """Metadata precedence: given > the file's own > the text (dateline, first heading)."""
    paragraphs = text.split("\n\n")
    merged: dict[str, Any] = {}
    for key in METADATA_FIELDS:
        value = given.get(key)
        if key == "published" and not value:
            value = given.get("publication_date")
        if key == "published":
            value = to_iso_date(value) if value else None
        if not value:
            value = own.get(key)
        merged[key] = value.strip() if isinstance(value, str) else value
        if merged[key] == "":
            merged[key] = None
    if not merged["published"]:
        merged["published"] = find_dateline(paragraphs)
    if not merged["title"]:
        merged["title"] = title_from_text(paragraphs)
    return merged


def _file_size(path: Path, limits: Limits) -> int:
    """The file's size from ``stat``, refused before any byte is read when above ``max_bytes``."""
    try:
        if not path.is_file():
            raise IngestError("unreadable", f"not a readable file (a folder, a broken link or a device): {path}")
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError("unreadable", f"cannot read {path}: {exc.strerror or exc}") from exc
    if size == 0:
        raise IngestError("empty", f"empty file (0 bytes): {path}")
    if limits.max_bytes and size > limits.max_bytes:
        raise IngestError("too_large", f"file of {size / MB:,.1f} MiB is above the limit of "
                                       f"{limits.max_bytes / MB:,.1f} MiB: raise --max-mb to read it")
    return size


def _language_check(text: str) -> str | None:
    """``"en"`` or None (cannot tell); raises ``unsupported_language`` for another language."""
    language = identify_language(text)
    if language not in (None, "en"):
        name = LANGUAGE_NAMES.get(language, language)
        raise IngestError("unsupported_language", f"the text is in {name} ({language}), not English: "
                                                  "only English publications are analysed")
    return language


def read_document(path: str | Path, metadata: dict | None = None, limits: Limits | None = None) -> Document:
    """Read one file into a :class:`Document` with normalised text.

    Parameters
    ----------
    path : str or Path
        A ``.txt``, ``.md``/``.markdown``, ``.html``/``.htm``, ``.json`` (ReliefWeb
        record), ``.pdf`` or ``.docx`` file.
    metadata : dict, optional
        One row of :func:`load_metadata` (``title``, ``organisation``, ``published``,
        ``author``), or the whole mapping, in which case the row is found by file name.
        Its values win over the file's own metadata, which wins over the text.
    limits : Limits, optional
        Size limits (default :data:`~pipeline.limits.DEFAULT_LIMITS`): the file size is
        checked with ``stat`` before reading, the page count before extracting a PDF, the
        length of the normalised text before returning it.

    Returns
    -------
    Document
        ``status="ok"``; ``published`` is ISO (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``);
        ``language`` is ``"en"`` or None (could not tell).

    Raises
    ------
    IngestError
        With ``kind`` one of :data:`~pipeline.ingest.errors.ERROR_KINDS` (``empty``,
        ``decode``, ``corrupt``, ``unreadable``, ``too_large``, ``unsupported_language``,
        and for PDFs ``encrypted`` and ``no_text``), or ``unsupported`` for a file type no
        reader handles. See ``docs/robustness.md``.
    """
    path = Path(path)
    limits = limits or DEFAULT_LIMITS
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise IngestError("unsupported", f"unsupported file type {suffix or '(no suffix)'}: {path}")
    _file_size(path, limits)
    fmt, reader = READERS[suffix]
    if fmt == "docx":
        check_unpacked_size(path, limits.max_unpacked_bytes)
    try:
        if fmt == "pdf":
            raw, own = read_pdf(path, max_pages=limits.max_pages)
        else:
            raw, own = reader(path)
        text = clean_extracted(raw)
    except OSError as exc:  # permission denied, I/O error, vanished while read
        raise IngestError("unreadable", f"cannot read {path}: {exc.strerror or exc}") from exc
    except RecursionError as exc:  # markup nested deeper than the parsers recurse
        raise IngestError("corrupt", f"markup nested too deeply to read: {path}") from exc
    if not text:
        raise IngestError("empty", f"no text left after extraction: {path}")
    if limits.max_chars and len(text) > limits.max_chars:
        raise IngestError("too_large", f"text of {len(text):,} characters is above the limit of "
                                       f"{limits.max_chars:,}: raise --max-chars to analyse it")
    language = _language_check(text)
    meta = _merge(_metadata_row(metadata, path), own, text)
    return Document(source=str(path), text=text, language=language, format=fmt, **meta)


def read_text(
    text: str,
    *,
    source: str = "<text>",
    published: Any = None,
    title: str | None = None,
    organisation: str | None = None,
) -> Document:
    """Build a :class:`Document` from a plain string (normalised like a ``.txt`` file).

    ``published`` may be a date, datetime or string; missing title and date are taken
    from the text as for files.
    """
    normalised = normalise_text(text)
    if not normalised:
        raise IngestError("empty", f"empty text: {source}")
    given = {"title": title, "organisation": organisation, "published": published}
    meta = _merge(given, {}, normalised)
    return Document(source=source, text=normalised, language=detect_language(normalised), format="text", **meta)


# --------------------------------------------------------------------------- metadata


def _clean_row(row: dict[str, str | None]) -> dict[str, str]:
    out: dict[str, str] = {}
    aliases = {"organization": "organisation", "publication_date": "published", "date": "published"}
    for key, value in row.items():
        if key is None or value is None or not str(value).strip():
            continue
        key = aliases.get(key.strip().lower(), key.strip().lower())
        if key in METADATA_FIELDS and key not in out:
            value = str(value).strip()
            out[key] = (to_iso_date(value) or value) if key == "published" else value
    return out


class MetadataError(ValueError):
    """A metadata file that is not a CSV or TSV text with a ``file`` column."""


def load_metadata(path: str | Path) -> dict[str, dict]:
    """Read a CSV or TSV of per-file metadata.

    Columns: ``file`` (required), ``title``, ``organisation`` (or ``organization``),
    ``published`` or ``publication_date``, optionally ``author``; other columns ignored.
    A date that is not one (``2020-13-45``, ``soon``) is dropped with a warning naming its
    line: the document's own date is used instead.

    Returns
    -------
    dict
        Row dicts keyed both by the file's base name and by the ``file`` value as written.

    Raises
    ------
    MetadataError
        The file is binary, not UTF-8, not a CSV/TSV, or has no ``file`` column.
    """
    path = Path(path)
    try:
        return _read_metadata(path)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise MetadataError(f"{path} is not a CSV or TSV text file in UTF-8 ({exc}): --metadata needs a "
                            f"table with a 'file' column") from None


def _read_metadata(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.readline()
        handle.seek(0)
        delimiter = "\t" if path.suffix.lower() == ".tsv" or "\t" in sample else ","
        reader = csv.DictReader(handle, delimiter=delimiter)
        if not reader.fieldnames or "file" not in [f.strip().lower() for f in reader.fieldnames]:
            # a binary file's "header" can be long: a few names, cut short, say enough
            found = ", ".join(repr(name[:40]) for name in (reader.fieldnames or [])[:5]) or "no header line"
            raise MetadataError(f"{path}: metadata needs a 'file' column, found {found}")
        rows: dict[str, dict] = {}
        for row in reader:
            row = {(k or "").strip().lower(): v for k, v in row.items()}
            name = (row.get("file") or "").strip()
            if not name:
                continue
            cleaned = _clean_row(row)
            if "published" in cleaned and not is_iso_date(cleaned["published"]):
                log.warning("%s line %d (file %s): %r is not a date; the document's own date is used instead",
                            path, reader.line_num, name, cleaned.pop("published"))
            rows[name] = cleaned
            rows.setdefault(Path(name).name, cleaned)
    return rows


# --------------------------------------------------------------------------- paths


def _file_entry(path: Path) -> tuple[Path, str | None]:
    suffix = path.suffix.lower()
    if suffix in SUPPORTED_SUFFIXES:
        return path, None
    return path, f"unsupported file type {suffix or '(no suffix)'}"


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def iter_input_paths(paths: Iterable[str | Path], follow_links: bool = False) -> Iterator[tuple[Path, str | None]]:
    """Expand files and folders into ``(path, skip_reason)`` pairs.

    Folders are walked recursively in sorted order; hidden files and folders (name
    starting with ``.``) are ignored. A symbolic link met while walking a folder is followed
    only when its target is inside that folder (or with ``follow_links``): a link to
    ``/etc/passwd`` or to ``/etc`` in a downloaded folder would otherwise pull outside files
    into the store. Symlinked folders are followed once, so a link back to a parent (a symlink
    loop) is walked no further. ``skip_reason`` is None for a supported file, else e.g.
    ``"unsupported file type .tsv"``, ``"not found"``, ``"broken or looping symbolic link"``,
    ``"symbolic link leaving the input folder"`` or ``"unreadable folder: ..."``. A file named
    explicitly is always reported (and read, even through a link: the user named it), and every
    path is reported once.
    """
    reported: set[Path] = set()
    for given in paths:
        root = Path(given)
        if root.is_file():
            if root not in reported:
                reported.add(root)
                yield _file_entry(root)
            continue
        if not root.is_dir():
            yield root, ("broken or looping symbolic link" if root.is_symlink() else "not found")
            continue
        inside_root = os.path.realpath(root)
        seen: set[str] = set()
        unreadable: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=unreadable.append):
            real = os.path.realpath(dirpath)
            if real in seen:
                dirnames[:] = []
                continue
            seen.add(real)
            kept = []
            for name in sorted(d for d in dirnames if not d.startswith(".")):
                folder = Path(dirpath) / name
                if (not follow_links and folder.is_symlink()
                        and not _inside(os.path.realpath(folder), inside_root)):
                    reported.add(folder)
                    yield folder, f"symbolic link leaving the input folder (to {os.path.realpath(folder)})"
                    continue
                kept.append(name)
            dirnames[:] = kept
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = Path(dirpath) / name
                if path in reported:
                    continue
                reported.add(path)
                if path.is_symlink() and not path.exists():
                    # a dangling link, or one in a loop (a -> b -> a): os.walk lists it as a file
                    yield path, "broken or looping symbolic link"
                elif (not follow_links and path.is_symlink()
                        and not _inside(os.path.realpath(path), inside_root)):
                    yield path, f"symbolic link leaving the input folder (to {os.path.realpath(path)})"
                else:
                    yield _file_entry(path)
        for error in unreadable:
            yield Path(error.filename or root), f"unreadable folder: {error.strerror or error}"
