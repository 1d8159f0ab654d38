"""Tests of the ingest stage on small generated files, plus every file of the shared corpus."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.ingest import (
    SUPPORTED_SUFFIXES,
    IngestError,
    detect_language,
    find_dateline,
    iter_input_paths,
    load_metadata,
    normalise_text,
    read_document,
    read_text,
    repair_mojibake,
    to_iso_date,
)

from tests.conftest import SHARED_CORPUS as CORPUS

ENGLISH = (
    "The organisation said that the attack on the hospital was a clear violation of "
    "international law, and called for an independent investigation into the strike."
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- normalise_text


def test_normalise_whitespace_and_invisible_characters():
    raw = "  Caf\u0065\u0301\u00a0\u00a0report\u200b \t on\u00adline\r\n\r\n\r\nNext\u2009para  "
    assert normalise_text(raw) == "Café report online\n\nNext para"


def test_normalise_keeps_typographic_characters():
    raw = "“Quoted,” she said – and ‘then’… left — fast."
    assert normalise_text(raw) == raw


def test_normalise_joins_wrapped_lines_but_keeps_headings_and_items():
    raw = (
        "Press release / December 21, 2021\n"
        "Background\n"
        "The government continued to detain activists across the\n"
        "country, and families were not told where they\n"
        "were held.\n"
        "- first item of a list\n"
        "- second item\n"
        "\n\n\n"
        "Another paragraph about the Kurdish minority, who faced\n\n"
        "discrimination; many were stateless."
    )
    assert normalise_text(raw).split("\n\n") == [
        "Press release / December 21, 2021",
        "Background",
        "The government continued to detain activists across the country, and families "
        "were not told where they were held.",
        "- first item of a list",
        "- second item",
        "Another paragraph about the Kurdish minority, who faced discrimination; many were stateless.",
    ]


def test_normalise_does_not_split_a_sentence_at_a_capitalised_word():
    raw = "The storm moved toward the southern coast, according to the National\nHurricane Center (NHC)."
    assert normalise_text(raw) == (
        "The storm moved toward the southern coast, according to the National Hurricane Center (NHC)."
    )


@pytest.mark.parametrize(
    "raw",
    [
        "A\n\nB",
        "Title line\nbody text that wraps\nonto a second line.\n\n\n- a\n- b\n",
        "  \u00a0 \n\n x \r\n y\u200b\n",
        "HEADING\nSome text.\nShort\nMore Text Here\nend.",
        "",
    ],
)
def test_normalise_is_idempotent_and_well_formed(raw):
    once = normalise_text(raw)
    assert normalise_text(once) == once
    assert once == once.strip()
    assert "\n\n\n" not in once
    for paragraph in once.split("\n\n") if once else []:
        assert paragraph and "\n" not in paragraph and "  " not in paragraph


def test_normalise_is_idempotent_on_random_layouts():
    import random

    rng = random.Random(7)
    pieces = ["Report", "the", "of", "camps.", "HEADING", "said:", "a) item", "- bullet", "“Quote”",
              "2021", "and", "Aleppo,", "—", "\u00a0", "\t", "\u200b", "x", "Résumé", "e\u0301", "\u0301"]
    separators = [" ", " ", " ", "\n", "\n", "\n\n", "\r\n", "\n \n"]
    for _ in range(300):
        raw = "".join(rng.choice(pieces) + rng.choice(separators) for _ in range(rng.randint(1, 40)))
        once = normalise_text(raw)
        assert normalise_text(once) == once, repr(raw)


# --------------------------------------------------------------------------- encodings


def test_txt_cp1252(tmp_path):
    text = "Déjà vu – the “safe zone” was shelled.\n\nNaïve façade of calm."
    doc = read_document(write(tmp_path / "a.txt", text, "cp1252"))
    assert doc.text == text
    assert doc.format == "txt"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_txt_with_bom(tmp_path, encoding):
    text = "Résumé of “events” in Ḥamāh.\n\nSecond paragraph."
    doc = read_document(write(tmp_path / "b.txt", text, encoding))
    assert doc.text == text


def test_repair_mojibake():
    good = "The Asayish’s centre in بلدة صفيا said 0–5 were hurt → Île-à-Vache"
    broken = good.encode("utf-8").decode("latin-1")
    assert repair_mojibake(broken) == good
    assert repair_mojibake(good) == good  # genuine accents untouched
    cp1252_broken = "It’s ‘safe’ – 5 €".encode("utf-8").decode("cp1252")
    assert cp1252_broken == "Itâ€™s â€˜safeâ€™ â€“ 5 â‚¬"
    assert repair_mojibake(cp1252_broken) == "It’s ‘safe’ – 5 €"


# --------------------------------------------------------------------------- markdown

MARKDOWN = """---
title: "Hospital struck in \u201cnorthern\u201d town"
date: 2019-05-08
author: Field Team
organisation: Example Monitoring Group
image: ../assets/cover.png
---

### Hospital struck in northern town

*This post originally appeared on [the example site](https://example.org/)*

![A damaged ward](../assets/ward.jpg)

- Location: Example Town
- Date: 5 May 2019

On 5 May 2019 the **hospital** was hit by [two airstrikes](https://example.org/a) \\- staff
said the _ward_ was destroyed\\. More text follows on a
second line.

<iframe src="https://www.youtube.com/embed/xyz" width="760"></iframe>

1.  First finding;\\
2.  Second finding.

\\###
"""


def test_markdown_front_matter_and_markup(tmp_path):
    doc = read_document(write(tmp_path / "post.md", MARKDOWN))
    assert doc.title == "Hospital struck in “northern” town"
    assert doc.published == "2019-05-08"
    assert doc.author == "Field Team"
    assert doc.organisation == "Example Monitoring Group"
    assert doc.format == "md"
    paragraphs = doc.text.split("\n\n")
    assert paragraphs[:4] == [
        "Hospital struck in northern town",
        "This post originally appeared on the example site",
        "Location: Example Town",
        "Date: 5 May 2019",
    ]
    assert (
        "On 5 May 2019 the hospital was hit by two airstrikes - staff said the ward was destroyed. "
        "More text follows on a second line."
    ) in paragraphs
    assert paragraphs[-2:] == ["1. First finding;", "2. Second finding."]
    for residue in ("---", "title:", "![", "](", "<", ">", "iframe", "*", "_", "\\", "#", "youtube"):
        assert residue not in doc.text, residue


# --------------------------------------------------------------------------- html

FRAGMENT = (
    "<p><strong>PORT CITY, 26 October 2025 –</strong> Aid agencies <em>warned</em> of floods.</p>\n"
    "<p>Short.</p>\n<h2>Key messages</h2>\n<ul><li>One</li><li>Two <a href='x'>items</a></li></ul>\n"
    "<p>Media contacts<br>Jane Doe<br>Email: jane@example.org</p>\n<script>var x = 1;</script>"
)


def test_html_fragment_keeps_short_paragraphs(tmp_path):
    doc = read_document(write(tmp_path / "f.html", FRAGMENT))
    assert doc.text.split("\n\n") == [
        "PORT CITY, 26 October 2025 – Aid agencies warned of floods.",
        "Short.",
        "Key messages",
        "One",
        "Two items",
        "Media contacts",
        "Jane Doe",
        "Email: jane@example.org",
    ]
    assert doc.published == "2025-10-26"  # dateline
    assert doc.title == "Key messages"  # first heading


def test_html_full_page(tmp_path):
    body = "".join(
        f"<p>Paragraph {i}: {ENGLISH} Witnesses described the scene in detail to researchers.</p>\n"
        for i in range(1, 7)
    )
    page = f"""<!DOCTYPE html><html><head><title>Site | Hospital report</title>
    <meta property="og:title" content="Hospital attacked in the north">
    <meta property="article:published_time" content="2024-03-05T10:00:00Z">
    <style>p {{ color: red; }}</style></head>
    <body><nav><ul><li><a href="/">Home</a></li><li><a href="/about">About us</a></li></ul></nav>
    <article><h1>Hospital attacked in the north</h1>{body}</article>
    <footer><p>Copyright Example 2024. All rights reserved.</p></footer></body></html>"""
    doc = read_document(write(tmp_path / "page.htm", page))
    assert doc.title == "Hospital attacked in the north"
    assert doc.published == "2024-03-05"
    paragraphs = doc.text.split("\n\n")
    for i in range(1, 7):
        assert any(p.startswith(f"Paragraph {i}: The organisation said") for p in paragraphs)
    assert "color: red" not in doc.text and "<" not in doc.text
    assert doc.format == "html"


# --------------------------------------------------------------------------- json


def test_reliefweb_json_flat(tmp_path):
    record = {
        "title": "Statement on the outbreak",
        "date": {"original": "2025-11-15T00:00:00+00:00", "created": "2025-11-17T09:56:07+00:00"},
        "source": ["Example Health Agency"],
        "body_text": "<p><strong>City, 15 November 2025 —</strong> Cases were confirmed.</p>\n<p>Response teams deployed.</p>",
    }
    doc = read_document(write(tmp_path / "r.json", json.dumps(record)))
    assert doc.title == "Statement on the outbreak"
    assert doc.published == "2025-11-15"
    assert doc.organisation == "Example Health Agency"
    assert doc.text == "City, 15 November 2025 — Cases were confirmed.\n\nResponse teams deployed."
    assert doc.format == "json"


def test_reliefweb_api_nested_fields(tmp_path):
    answer = {
        "data": [
            {
                "id": 1,
                "fields": {
                    "title": "Flash update",
                    "date": {"original": "2024-02-01T00:00:00+00:00"},
                    "source": [{"name": "Office A", "shortname": "OA"}, {"name": "Agency B"}],
                    "body-html": "<p>First.</p><p>Second.</p>",
                },
            }
        ]
    }
    doc = read_document(write(tmp_path / "api.json", json.dumps(answer)))
    assert (doc.title, doc.published, doc.organisation) == ("Flash update", "2024-02-01", "Office A; Agency B")
    assert doc.text == "First.\n\nSecond."


# --------------------------------------------------------------------------- pdf

PLACES = ["Aleppo", "Idlib", "Homs", "Hama", "Raqqa"]
MARKETS = ["markets", "bakeries", "schools", "clinics", "water stations"]


def pdf_page_lines(number: int) -> list[list[str]]:
    """Four paragraphs of wrapped lines, different on every page (as in real reports)."""
    place, target = PLACES[(number - 1) % 5], MARKETS[(number - 1) % 5]
    return [
        [f"In {place} the monitoring group documented", f"attacks on {target} during the reporting", "period."],
        [f"Researchers in {place} interviewed survivors and civil-", f"ians who had fled {target}, and al-", "Assad government officials declined to comment."],
        [f"Conditions in camps near {place} worsened as", f"winter approached and funding for {target} fell short."],
        [f"Local {target} reopened after the", f"ceasefire in {place}."],
    ]


def make_pdf(path: Path, pages: int = 3, header: str = "Example Monitoring Group Quarterly Bulletin") -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Quarterly bulletin on civilian harm")
    pdf.set_creation_date(dt.datetime(2023, 4, 2, 12, 0, tzinfo=dt.timezone.utc))
    pdf.set_font("helvetica", size=11)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 8, header, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        for paragraph in pdf_page_lines(number):
            for line in paragraph:
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
        pdf.set_y(-20)
        pdf.cell(0, 6, f"Page {number}", align="C")
    pdf.output(str(path))
    return path


def test_pdf_furniture_hyphenation_and_paragraphs(tmp_path):
    doc = read_document(make_pdf(tmp_path / "bulletin.pdf"))
    assert "Bulletin" not in doc.text and "Page" not in doc.text
    paragraphs = doc.text.split("\n\n")
    assert len(paragraphs) == 12
    assert paragraphs[3] == "Local markets reopened after the ceasefire in Aleppo."
    assert paragraphs[4] == "In Idlib the monitoring group documented attacks on bakeries during the reporting period."
    assert paragraphs[5] == (
        "Researchers in Idlib interviewed survivors and civilians who had fled bakeries, and al-Assad government "
        "officials declined to comment."
    )
    assert doc.title == "Quarterly bulletin on civilian harm"
    assert doc.published == "2023-04-02"
    assert doc.format == "pdf"


def test_pdf_errors(tmp_path):
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    blank = FPDF()
    blank.add_page()
    blank.rect(20, 20, 50, 50)
    blank.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(IngestError) as err:
        read_document(tmp_path / "scan.pdf")
    assert err.value.kind == "no_text" and "OCR" in str(err.value)

    writer = PdfWriter(clone_from=PdfReader(make_pdf(tmp_path / "plain.pdf", pages=1)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    writer.write(tmp_path / "locked.pdf")
    with pytest.raises(IngestError) as err:
        read_document(tmp_path / "locked.pdf")
    assert err.value.kind == "encrypted"

    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    with pytest.raises(IngestError) as err:
        read_document(tmp_path / "broken.pdf")
    assert err.value.kind == "corrupt"


# --------------------------------------------------------------------------- docx


def test_docx_paragraphs_tables_and_properties(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Annual review", level=1)
    document.add_paragraph(ENGLISH)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Region", "Displaced"
    table.cell(1, 0).text, table.cell(1, 1).text = "North", "12,000"
    document.add_paragraph("Closing remarks.")
    document.core_properties.title = "Annual review 2022"
    document.core_properties.author = "Research Unit"
    document.core_properties.created = dt.datetime(2022, 6, 30, 9, 0)
    document.save(tmp_path / "review.docx")

    doc = read_document(tmp_path / "review.docx")
    assert doc.text.split("\n\n") == ["Annual review", ENGLISH, "Region | Displaced", "North | 12,000", "Closing remarks."]
    assert (doc.title, doc.author, doc.published, doc.format) == ("Annual review 2022", "Research Unit", "2022-06-30", "docx")


# --------------------------------------------------------------------------- dates and metadata


@pytest.mark.parametrize(
    "paragraphs, expected",
    [
        (["Press release / December 21, 2021", "Title"], "2021-12-21"),
        (["Headline", "21 December 2021 – The group said today"], "2021-12-21"),
        (["PANAMA CITY, 26 October 2025 - As the hurricane moved"], "2025-10-26"),
        (["Incident date", "June 19, 2017"], "2017-06-19"),
        (["August 2021"], "2021-08"),
        (["On 3 May 2019 the group said that it had documented many attacks in the area."], None),
        (["No date here at all"], None),
    ],
)
def test_find_dateline(paragraphs, expected):
    assert find_dateline(paragraphs) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2003-01", "2003-01"),
        ("2016-05-31T12:05:50.178+0100", "2016-05-31"),
        (dt.date(2015, 8, 21), "2015-08-21"),
        ("D:20070515013205+01'00'", "2007-05-15"),
        ("5/23/2006 10:4:36", "2006-05-23"),
        ("", None),
        ("2020-02-29", "2020-02-29"),
        ("2020-02-30", None),  # no such day: not a date (issue 19)
        ("D:20210229120000", None),
        ("2003-13", None),
    ],
)
def test_to_iso_date(value, expected):
    assert to_iso_date(value) == expected


def test_read_text_uses_dateline_and_first_line():
    doc = read_text("Press release / December 21, 2021\n\nGroups condemn strike\n\n" + ENGLISH)
    assert (doc.published, doc.title, doc.format, doc.language) == ("2021-12-21", "Groups condemn strike", "text", "en")
    given = read_text(ENGLISH, title="T", published=dt.date(2020, 1, 2), organisation="Org")
    assert (given.title, given.published, given.organisation, given.source) == ("T", "2020-01-02", "Org", "<text>")


@pytest.mark.parametrize("suffix, sep", [(".tsv", "\t"), (".csv", ",")])
def test_metadata_file_takes_precedence(tmp_path, suffix, sep):
    md = write(tmp_path / "post.md", MARKDOWN)
    date_column = "publication_date" if suffix == ".tsv" else "published"
    rows = [["file", "title", "organisation", date_column, "words"], ["docs/post.md", "Given title", "Given Org", "2003-01", "10"]]
    meta_path = write(tmp_path / f"meta{suffix}", "\n".join(sep.join(r) for r in rows) + "\n")
    metadata = load_metadata(meta_path)
    assert metadata["post.md"] == metadata["docs/post.md"] == {
        "title": "Given title", "organisation": "Given Org", "published": "2003-01"
    }
    for given in (metadata["post.md"], metadata):  # one row, or the mapping matched by name
        doc = read_document(md, metadata=given)
        assert (doc.title, doc.organisation, doc.published) == ("Given title", "Given Org", "2003-01")
        assert doc.author == "Field Team"  # not in the file: front matter still used


def test_language_hook():
    assert detect_language(ENGLISH) == "en"
    french = "Les organisations ont dénoncé une attaque contre l'hôpital de la ville et demandé une enquête indépendante."
    assert detect_language(french) is None


# --------------------------------------------------------------------------- errors and paths


def test_errors(tmp_path):
    cases = {
        "empty.txt": ("", "empty"),
        "blank.md": ("   \n\n ", "empty"),
        "images.html": ("<p><img src='a.png'></p>", "empty"),
        "table.xlsx": ("x", "unsupported"),
    }
    for name, (content, kind) in cases.items():
        with pytest.raises(IngestError) as err:
            read_document(write(tmp_path / name, content))
        assert err.value.kind == kind, name
    with pytest.raises(IngestError) as err:
        read_text(" \u200b ")
    assert err.value.kind == "empty"


def test_iter_input_paths(tmp_path):
    (tmp_path / "b" / "c").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    for name in ("a.txt", "MANIFEST.tsv", ".hidden.txt", "b/z.md", "b/c/y.PDF", ".git/x.txt", "b/notes"):
        (tmp_path / name).write_text("x")
    (tmp_path / "b" / "loop").symlink_to(tmp_path, target_is_directory=True)
    found = [(p.relative_to(tmp_path).as_posix(), reason) for p, reason in iter_input_paths([tmp_path])]
    assert found[:2] == [("MANIFEST.tsv", "unsupported file type .tsv"), ("a.txt", None)]
    assert ("b/z.md", None) in found and ("b/c/y.PDF", None) in found
    assert ("b/notes", "unsupported file type (no suffix)") in found
    assert not any(".hidden" in p or ".git" in p for p, _ in found)
    assert len(found) == len(set(found)) <= 8  # the symlink loop is walked at most once
    assert list(iter_input_paths([tmp_path / "missing"])) == [(tmp_path / "missing", "not found")]
    assert {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".pdf", ".docx"} == SUPPORTED_SUFFIXES


# --------------------------------------------------------------------------- shared corpus


@pytest.fixture(scope="module")
def corpus_manifest(shared_corpus):
    return load_metadata(CORPUS / "MANIFEST.tsv")


def test_every_corpus_file(corpus_manifest):
    entries = list(iter_input_paths([CORPUS]))
    skipped = [p.name for p, reason in entries if reason]
    assert skipped == ["MANIFEST.tsv"]
    files = [p for p, reason in entries if not reason]
    assert len(files) >= 50
    markup = ("<p", "</", "![", "](", "{{", "---\n")
    own_dates = checked = 0
    for path in files:
        row = corpus_manifest[path.name]
        doc = read_document(path, metadata=row)
        assert doc.n_words > 100, path.name
        assert normalise_text(doc.text) == doc.text, path.name
        assert not any(m in doc.text for m in markup), path.name
        assert (doc.title, doc.published, doc.organisation) == (row["title"], row["published"], row["organisation"])
        assert doc.language == "en", path.name
        if path.suffix != ".pdf":  # PDFs are slow to extract twice
            own = read_document(path)
            assert own.text == doc.text, path.name
            checked += 1
            own_dates += own.published is not None and row["published"].startswith(own.published[:7])
    # without the manifest, the files' own metadata or datelines give the right month for most
    assert own_dates >= 0.6 * checked


def test_label_line_above_a_dateline_line_stays_apart(tmp_path):
    path = write(tmp_path / "statement.txt",
                 "Siege must end\n\nStatement by the Qalamoun Rights Group\n14 March 2022\n\n"
                 "For six weeks, the town has been\ncut off from aid.\n")
    doc = read_document(path)
    assert doc.published == "2022-03-14"
    assert doc.text.split("\n\n") == ["Siege must end", "Statement by the Qalamoun Rights Group",
                                      "14 March 2022", "For six weeks, the town has been cut off from aid."]
