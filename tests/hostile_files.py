"""Builders of files that attack memory and time (issue 19), for tests and scripts/hostile_corpus.py.

Each writes one file of the given size, streaming, so that building a gigabyte bomb needs
megabytes of memory. Nothing here reads the shared corpora.
"""
from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

CHUNK = 1 << 20

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>')
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bomb(path: Path, inflated_bytes: int) -> Path:
    """A valid ``.docx`` whose ``word/document.xml`` inflates to about ``inflated_bytes``
    (one paragraph of spaces: it compresses about a thousandfold)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>'
    tail = "Families demand news of the detained.</w:t></w:r></w:p></w:body></w:document>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head.encode())
            block = b" " * CHUNK
            for _ in range(inflated_bytes // CHUNK):
                part.write(block)
            part.write(tail.encode())
    return path


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file from its numbered objects (1-based), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _page_objects(contents: list[bytes]) -> list[bytes]:
    """Catalog, pages, font, then one page and its content stream per entry of ``contents``."""
    n = len(contents)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, stream in enumerate(contents):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       b"/Contents %d 0 R >>" % (5 + 2 * i))
        objects.append(stream)
    return objects


def pdf_flate_bomb(path: Path, inflated_bytes: int) -> Path:
    """A one-page PDF whose content stream inflates to about ``inflated_bytes`` of drawing
    operators ("q Q": save and restore), after one line of text."""
    compressor = zlib.compressobj(9)
    data = bytearray(compressor.compress(b"BT /F1 12 Tf 72 720 Td (Families demand news of the detained.) Tj ET\n"))
    block = b"q Q\n" * (CHUNK // 4)
    for _ in range(inflated_bytes // CHUNK):
        data += compressor.compress(block)
    data += compressor.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + bytes(data) + b"\nendstream"
    path.write_bytes(_pdf(_page_objects([stream])))
    return path


def hyphenated_pdf(path: Path, pages: int, lines_per_page: int = 50) -> Path:
    """A PDF of ``pages`` pages whose every line ends in a hyphen that breaks a word
    ("civil-" / "ians"), the layout that made the hyphen repair quadratic."""
    def word(n: int) -> bytes:  # lines differ in letters, not only digits (or they look like page furniture)
        letters = b""
        while True:
            n, r = divmod(n, 26)
            letters += bytes([97 + r])
            if not n:
                return letters

    contents = []
    for page in range(pages):
        ops = [b"BT /F1 10 Tf 12 TL 50 760 Td"]
        for line in range(lines_per_page):
            name = word(page * lines_per_page + line)
            ops.append(b"(In %s the attack killed civil-) Tj T*" % name)
            ops.append(b"(ians and the %s monitors asked for an investi-) Tj T*" % name[::-1])
        ops.append(b"ET")
        body = b"\n".join(ops)
        contents.append(b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream")
    path.write_bytes(_pdf(_page_objects(contents)))
    return path


def quote_flood(path: Path, marks: int) -> Path:
    """A text of ``marks`` curly opening quotes: one spaCy token per character."""
    path.write_text("\u201c" * marks, encoding="utf-8")
    return path


def outside_links(folder: Path, outside: Path) -> dict[str, Path]:
    """Symbolic links in ``folder`` to a file and a folder of ``outside`` (which must exist with
    a ``.txt`` file in it), plus ``/etc/passwd`` and ``/etc`` where they exist."""
    links = {"outside.txt": next(outside.glob("*.txt")), "outside_folder": outside}
    if os.path.exists("/etc/passwd"):
        links.update({"passwd.txt": Path("/etc/passwd"), "etc": Path("/etc")})
    for name, target in links.items():
        os.symlink(target, folder / name)
    return links
