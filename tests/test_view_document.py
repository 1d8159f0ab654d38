"""`ngo-pipeline show`: every record of the seed highlighted at exactly its characters.

The seed press release (../shared/corpus/000_ca1ee3d6306f0e94.txt) is analysed once into a
store of its own (about 10 s, the model load included); the page written by `show` is parsed
and compared with the store's offsets, read with plain SQL.
"""
from __future__ import annotations

import asyncio
import atexit
import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from tests.conftest import SEED_NAME, require_shared_corpus, stored


@lru_cache(maxsize=1)
def seed_store() -> Path:
    """A store holding the seed document alone (shared by the view test modules of a session)."""
    from pipeline.batch import run

    corpus = require_shared_corpus()
    out = Path(tempfile.mkdtemp(prefix="view_seed_"))
    atexit.register(shutil.rmtree, out, True)
    summary = run([corpus / SEED_NAME], out)
    assert summary.documents_ok == 1
    return out / "pipeline.sqlite"


def seed_records(store: Path) -> dict:
    doc = stored(store, "SELECT doc_id, text FROM documents")[0]
    return {
        "doc": doc,
        "quote": stored(store, 'SELECT quote_id AS id, start, "end", speaker, speaker_start, speaker_end FROM quotes'),
        "claim": stored(store, 'SELECT claim_id AS id, start, "end", part_of FROM claims'),
        "date": stored(store, 'SELECT date_id AS id, start, "end", value FROM dates'),
    }


@pytest.fixture(scope="module")
def seed_page(tmp_path_factory):
    """(records from the store, parsed page) of `ngo-pipeline show 000_ca1ee3d6306f0e94.txt`."""
    from pipeline.cli import app

    store = seed_store()
    page = tmp_path_factory.mktemp("show") / "seed.html"
    result = CliRunner().invoke(app, ["show", SEED_NAME, "--store", str(store), "--html", str(page)])
    assert result.exit_code == 0, result.output
    return seed_records(store), lxml_html.fromstring(page.read_text(encoding="utf-8"))


def tokens_of(root, layer: str, record_id: str) -> list[tuple[int, int, str]]:
    """(start, end, own text) of the highlighted words under the bars of one record, in order."""
    tokens = {}
    for bar in root.xpath(f'//span[@class="ngo-slice"][@data-layer="{layer}"][@data-record-id="{record_id}"]'):
        token = bar.getparent()
        tokens[int(token.get("data-start"))] = (int(token.get("data-end")), token.text.strip())
    return [(start, end, text) for start, (end, text) in sorted(tokens.items())]


def test_every_quote_claim_and_date_of_the_seed_is_highlighted_at_its_characters(seed_page):
    records, root = seed_page
    text = records["doc"]["text"]
    assert records["quote"] and records["claim"] and records["date"]
    # every highlighted word shows exactly the characters its offsets name
    words = root.xpath('//span[@class="ngo-token"]')
    assert words
    for word in words:
        assert word.text.strip() == text[int(word.get("data-start")):int(word.get("data-end"))]
    for layer in ("quote", "claim", "date"):
        for record in records[layer]:
            bars = root.xpath(f'//span[@class="ngo-slice"][@data-layer="{layer}"][@data-record-id="{record["id"]}"]')
            assert bars, f"{layer} {record['id']} is not highlighted"
            assert {(int(b.get("data-start")), int(b.get("data-end"))) for b in bars} == {
                (record["start"], record["end"])}
            tokens = tokens_of(root, layer, record["id"])
            # the words under the record's bars run from its first character to its last...
            assert tokens[0][0] == record["start"] and tokens[-1][1] == record["end"], (layer, record, tokens)
            # ...with nothing but whitespace left out between them
            for (_, end, _), (start, _, _) in zip(tokens, tokens[1:]):
                assert text[end:start].strip() == "", (layer, record["id"], text[end:start])
            assert "".join(t for _, _, t in tokens) == re.sub(r"\s+", "", text[record["start"]:record["end"]])


def test_the_text_is_all_there_once(seed_page):
    """displaCy's markup holds every character of the document once (labels aside), in order."""
    records, root = seed_page
    (body,) = root.xpath('//div[@class="displacy"]')
    assert body.xpath('.//div[@class="spans"]')  # displaCy's span renderer drew it
    shown = []

    def walk(element):
        if "ngo-label" in (element.get("class") or ""):
            return
        shown.append(element.text or "")
        for child in element:
            walk(child)
            shown.append(child.tail or "")

    walk(body)
    assert re.sub(r"\s+", "", "".join(shown)) == re.sub(r"\s+", "", records["doc"]["text"])


def test_quotes_are_coloured_by_speaker_and_link_their_speaker_mention(seed_page):
    records, root = seed_page
    text = records["doc"]["text"]
    colour_of = {}
    for quote in records["quote"]:
        # a quote over several paragraphs starts again in each; the first part carries the anchor
        starts = root.xpath(f'//span[@class="ngo-start"][@data-layer="quote"][@data-record-id="{quote["id"]}"]')
        assert starts[0].xpath(f'.//*[@id="rec-quote-{quote["id"]}"]')
        start = starts[0]
        for part in starts:
            colour_of.setdefault(quote["speaker"], set()).add(
                re.search(r"background: (#[0-9a-f]+)", part.get("style")).group(1))
        if quote["speaker_start"] is None:
            continue
        mention = tokens_of(root, "speaker", quote["id"])
        assert (mention[0][0], mention[-1][1]) == (quote["speaker_start"], quote["speaker_end"])
        link = start.xpath('.//a[starts-with(@href, "#rec-speaker-")]')[0]
        assert link.get("href") == f"#rec-speaker-{quote['id']}" and link.text == quote["speaker"]
        (anchor,) = root.xpath(f'//*[@id="rec-speaker-{quote["id"]}"]')
        assert anchor.getparent().get("data-start") == str(quote["speaker_start"])
        assert text[quote["speaker_start"]:quote["speaker_end"]]
    assert all(len(c) == 1 for c in colour_of.values())  # one colour per speaker...
    first = [next(iter(c)) for c in colour_of.values()][:12]
    assert len(set(first)) == len(first)  # ...and a different one for each (up to the palette's 12)
    assert len(colour_of["Laila Kiki"]) == 1 and sum(q["speaker"] == "Laila Kiki" for q in records["quote"]) > 1


def test_sub_counts_link_to_their_totals_and_dates_show_their_value(seed_page):
    records, root = seed_page
    parts = [c for c in records["claim"] if c["part_of"]]
    assert parts  # "284 children" is part of a total in the seed
    for claim in parts:
        (start,) = root.xpath(f'//span[@class="ngo-start"][@data-layer="claim"][@data-record-id="{claim["id"]}"]')
        (link,) = start.xpath(".//a")
        assert link.get("href") == f"#rec-claim-{claim['part_of']}"
        assert root.xpath(f'//*[@id="rec-claim-{claim["part_of"]}"]')
    for date in records["date"]:
        first_word = root.xpath(f'//span[@class="ngo-slice"][@data-layer="date"][@data-record-id="{date["id"]}"]')[0]
        assert f"→ {date['value'] or 'unresolved'}" in first_word.getparent().get("title")  # on hover


def test_side_panel_lists_every_record(seed_page):
    records, root = seed_page
    listed = set(root.xpath('//aside[@id="records"]//li[@class="record"]/@data-key'))
    for layer in ("quote", "claim", "date"):
        assert {f"{layer}:{r['id']}" for r in records[layer]} <= listed
    n_entities = stored(seed_store(), "SELECT count(*) AS n FROM entities")[0]["n"]
    assert sum(key.startswith("entity:") for key in listed) == n_entities
    assert not root.xpath('//script[@src] | //link[@href]')  # self-contained: nothing to fetch


def test_find_document_by_id_path_name_and_title(sample_run):
    from pipeline.store import open_store
    from pipeline.view import DocumentLookupError, find_document

    out, _ = sample_run
    docs = stored(out / "pipeline.sqlite", "SELECT doc_id, source, title FROM documents")
    conn = open_store(out)
    try:
        for doc in docs:
            assert find_document(conn, doc["doc_id"]) == doc["doc_id"]
            assert find_document(conn, doc["doc_id"][:8]) == doc["doc_id"]
            assert find_document(conn, doc["source"]) == doc["doc_id"]
            assert find_document(conn, Path(doc["source"]).name) == doc["doc_id"]
        hamburg = next(d for d in docs if "Hamburg" in d["title"])
        assert find_document(conn, "hamburg verdict") == hamburg["doc_id"]
        with pytest.raises(DocumentLookupError) as many:
            find_document(conn, "syria")
        assert len(many.value.candidates) > 1
        assert all("syria" in (c["title"] + c["source"]).lower() for c in many.value.candidates)
        with pytest.raises(DocumentLookupError, match="no document matches"):
            find_document(conn, "no such publication")
    finally:
        conn.close()


def test_show_errors_are_clear(sample_run, tmp_path):
    from pipeline.cli import app

    out, _ = sample_run
    runner = CliRunner()
    ambiguous = runner.invoke(app, ["show", "Syria", "--store", str(out), "--html", str(tmp_path / "x.html")])
    assert ambiguous.exit_code == 2 and "documents match 'Syria'" in ambiguous.output
    assert "doc_id" in ambiguous.output and not (tmp_path / "x.html").exists()
    missing = runner.invoke(app, ["show", "x", "--store", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_datasette_serves_the_document_view_and_links_to_it():
    from pipeline.view.serve import build_datasette

    store = seed_store()
    doc = stored(store, "SELECT doc_id, text FROM documents")[0]
    quote = stored(store, 'SELECT start, "end" FROM quotes WHERE speaker = ? ORDER BY start', ("Laila Kiki",))[0]
    ds = build_datasette(store)

    async def fetch(*paths):
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    db = store.stem
    view, context, documents, unknown = asyncio.run(fetch(
        f"/-/document/{doc['doc_id']}?start={quote['start']}&end={quote['end']}",
        f"/{db}/span_in_context?doc_id={doc['doc_id']}&start={quote['start']}&end={quote['end']}",
        f"/{db}/documents",
        "/-/document/0000000000000000",
    ))
    assert view.status_code == 200
    page = lxml_html.fromstring(view.text)
    selected = sorted({int(t.getparent().get("data-start")): t.getparent().text.strip()
                       for t in page.xpath('//span[@class="ngo-slice"][@data-layer="selection"]')}.items())
    assert selected[0][0] == quote["start"]
    assert "".join(t for _, t in selected) == re.sub(r"\s+", "", doc["text"][quote["start"]:quote["end"]])
    link = f"/-/document/{doc['doc_id']}?start={quote['start']}&amp;end={quote['end']}"
    assert link in context.text  # "a record in its document" links to the document view
    assert f'href="/-/document/{doc["doc_id"]}"' in documents.text  # so does each document's title
    assert unknown.status_code == 404
