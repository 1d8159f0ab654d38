"""One reader per file format: bytes in, raw text plus the file's own metadata out.

Every reader returns ``(text, metadata)`` where ``text`` still has to go through
:func:`~pipeline.ingest.normalise.normalise_text` and ``metadata`` may hold ``title``,
``published`` (ISO), ``author`` and ``organisation``.
"""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from pipeline.ingest.dates import find_dateline, to_iso_date
from pipeline.ingest.errors import IngestError
from pipeline.ingest.html import extract_main_text, html_metadata, html_to_text
from pipeline.ingest.normalise import (
    decode_bytes,
    drop_separator_paragraphs,
    normalise_text,
    repair_mojibake,
    strip_stray_emphasis,
)
from pipeline.ingest.pdf import read_pdf
from pipeline.limits import MB

Metadata = dict[str, Any]
# A "text" file with more than this share of control or undecodable characters is binary.
BINARY_SHARE = 0.02


def read_bytes_as_text(path: Path) -> str:
    """Decode a text file (see :func:`decode_bytes`) and repair UTF-8-as-Latin-1 mojibake."""
    data = path.read_bytes()
    if not data.strip():
        raise IngestError("empty", f"empty file: {path}")
    try:
        text, encoding = decode_bytes(data)
    except (UnicodeDecodeError, LookupError) as exc:
        raise IngestError("decode", f"cannot decode {path}: {exc}") from exc
    junk = sum(1 for c in text if c == "\ufffd" or (c < " " and c not in "\t\n\r\x0c"))
    if junk > BINARY_SHARE * len(text):
        raise IngestError("decode", f"binary data, not text ({junk / len(text):.0%} control or undecodable "
                                    f"characters as {encoding}): {path}")
    return repair_mojibake(text)


# --------------------------------------------------------------------------- txt


def read_txt(path: Path) -> tuple[str, Metadata]:
    return read_bytes_as_text(path), {}


# --------------------------------------------------------------------------- markdown

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_DATE_KEYS = ("date", "published", "publication_date", "pubdate", "created", "published_time")
_FRONT_ORG_KEYS = ("organisation", "organization", "publisher", "source", "org")
_TRAILING_BACKSLASH = re.compile(r"[ \t]*\\+[ \t]*$", re.MULTILINE)
_LEFTOVER_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LEFTOVER_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split YAML front matter (between ``---`` lines at the very top) from the body."""
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(data, dict):
        return {}, text
    return data, text.lstrip("\ufeff")[match.end():]


def _front_string(front: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = front.get(key)
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value if v)
        if value not in (None, ""):
            return normalise_text(str(value)) or None
    return None


def front_matter_metadata(front: dict[str, Any]) -> Metadata:
    """Title, date, author and organisation from Markdown front matter.

    With no date field, a ``subtitle`` that is only a date ("August 2021") is used.
    """
    published = next((to_iso_date(front[k]) for k in _FRONT_DATE_KEYS if front.get(k)), None)
    if published is None and isinstance(front.get("subtitle"), str):
        published = find_dateline([front["subtitle"]])
    return {
        "title": _front_string(front, ("title",)),
        "published": published,
        "author": _front_string(front, ("author", "authors")),
        "organisation": _front_string(front, _FRONT_ORG_KEYS),
    }


def markdown_to_text(body: str) -> tuple[str, list[str]]:
    """Render Markdown (CommonMark + tables, inline HTML allowed) and read back its text.

    Images, iframes and other embedded HTML are dropped; links keep their text; headings,
    paragraphs and list items become paragraphs; backslash escapes are resolved; emphasis
    markers that the converter left unbalanced are removed.
    """
    rendered = html_to_text(_MARKDOWN.render(body))
    # a backslash hard break at the end of a block stays literal in CommonMark
    text = _TRAILING_BACKSLASH.sub("", rendered.text)
    # links and images too malformed for CommonMark (spaces in the URL, empty target)
    text = _LEFTOVER_IMAGE.sub("", text)
    text = _LEFTOVER_LINK.sub(r"\1", text)
    return strip_stray_emphasis(text), rendered.headings


def read_markdown(path: Path) -> tuple[str, Metadata]:
    front, body = split_front_matter(read_bytes_as_text(path))
    text, headings = markdown_to_text(body)
    meta = front_matter_metadata(front)
    if not meta["title"] and headings:
        meta["title"] = headings[0]
    return text, meta


# --------------------------------------------------------------------------- html


def read_html(path: Path) -> tuple[str, Metadata]:
    html = read_bytes_as_text(path)
    main = extract_main_text(html)
    meta: Metadata = dict(html_metadata(html))
    if not meta.get("title") and main.headings:
        meta["title"] = main.headings[0]
    return strip_stray_emphasis(main.text), meta


# --------------------------------------------------------------------------- json

_BODY_KEYS = ("body_html", "body-html", "body_text", "body", "text", "content", "description")
_TAG = re.compile(r"<[a-zA-Z][^>]*>")


def _reliefweb_record(data: Any) -> dict[str, Any]:
    """The record of a ReliefWeb API answer: the object itself, its ``fields``, or the
    ``fields`` of the first item of ``data``."""
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, dict) and isinstance(data.get("data"), list) and data["data"]:
        data = data["data"][0]
    if isinstance(data, dict) and isinstance(data.get("fields"), dict):
        data = data["fields"]
    if not isinstance(data, dict):
        raise IngestError("unsupported", "JSON file is not a ReliefWeb-style record (an object)")
    return data


def _names(value: Any) -> str | None:
    """Organisation names from ``source``: a string, a dict or a list of either."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name") or item.get("longname") or item.get("shortname")
        if isinstance(item, str) and item.strip() and item.strip() not in names:
            names.append(item.strip())
    return "; ".join(names) or None


def _json_date(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("original") or value.get("created") or value.get("changed")
    return to_iso_date(value) if value else None


def read_json(path: Path) -> tuple[str, Metadata]:
    try:
        data = json.loads(read_bytes_as_text(path))
    except json.JSONDecodeError as exc:
        raise IngestError("corrupt", f"invalid JSON in {path}: {exc}") from exc
    record = _reliefweb_record(data)
    body = next((record[k] for k in _BODY_KEYS if isinstance(record.get(k), str) and record[k].strip()), "")
    if _TAG.search(body):
        body = strip_stray_emphasis(extract_main_text(body).text)
    meta = {
        "title": _names(record.get("title")),
        "published": _json_date(record.get("date") or record.get("published") or record.get("date_original")),
        "organisation": _names(record.get("source") or record.get("organisation") or record.get("publisher")),
        "author": _names(record.get("author")),
    }
    return body, meta


# --------------------------------------------------------------------------- docx


def check_unpacked_size(path: Path, max_bytes: int) -> None:
    """Refuse a zip archive (a ``.docx``) whose parts would decompress to more than ``max_bytes``.

    Reads the sizes the archive declares, without decompressing anything; :mod:`zipfile` never
    inflates a part past its declared size, so a part that lies about it fails when read.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):  # not a zip: the reader says so in its own words
        return
    if max_bytes and total > max_bytes:
        raise IngestError("too_large", f"its parts decompress to {total / MB:,.1f} MiB, above the limit of "
                                       f"{max_bytes / MB:,.1f} MiB (a zip bomb?): {path}")



def read_docx(path: Path) -> tuple[str, Metadata]:
    """Paragraphs and table cells of a Word file in document order, plus core properties."""
    import docx  # python-docx; imported here because it is slow to import
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError("corrupt", f"unreadable DOCX {path}: {exc}") from exc
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:  # merged cells repeat: keep each once
                    if cell.text.strip() and cell.text not in cells:
                        cells.append(cell.text)
                if cells:
                    blocks.append(" | ".join(c.replace("\n", " ") for c in cells))
        elif item.text.strip():
            blocks.append(item.text)
    props = document.core_properties
    meta = {
        "title": (props.title or "").strip() or None,
        "author": (props.author or "").strip() or None,
        "published": to_iso_date(props.created),
    }
    return "\n\n".join(blocks), meta


# --------------------------------------------------------------------------- dispatch

READERS = {
    ".txt": ("txt", read_txt),
    ".md": ("md", read_markdown),
    ".markdown": ("md", read_markdown),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".json": ("json", read_json),
    ".pdf": ("pdf", read_pdf),
    ".docx": ("docx", read_docx),
}


def clean_extracted(text: str) -> str:
    """Normalise extracted text and drop separator-only paragraphs (``###``, ``•``)."""
    return normalise_text(drop_separator_paragraphs(normalise_text(text)))
