"""Labelling sheets for sentence themes, and gold files from the labels (offsets only).

The annotator reads a *sheet*: the document's sentences as the pipeline splits them, numbered,
with a blank line between paragraphs and its title, publisher and date on top, so every sentence
is read in its paragraph and its document (data/themes/GUIDELINES.md). The sheet holds the
document's text, so it is written outside the repository; the labels file the annotator returns
holds only sentence numbers and theme ids, and ``gold`` turns it into a gold file of offsets.

    python scripts/theme_sheets.py sheet ../shared/corpus2/123_x.md --out /tmp/sheets
    # label /tmp/sheets/123_x.labels.json: {"doc": "123_x.md", "labels": {"1": [], "2": ["detention"]}}
    python scripts/theme_sheets.py gold /tmp/sheets/123_x.labels.json --out data/gold/themes_c2_train

A sentence missing from the labels is an error: every sentence of a labelled document is labelled.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.records import THEMES  # noqa: E402


def _metadata(path: Path) -> dict | None:
    from pipeline.ingest import load_metadata

    manifest = path.parent / "MANIFEST.tsv"
    if not manifest.is_file():
        return None
    rows = load_metadata(manifest)
    return rows.get(str(path)) or rows.get(path.name)


def sentences(path: Path):
    """The document as the pipeline reads it and its sentence spans ``(start, end)``, in order."""
    from pipeline.ingest import read_document
    from pipeline.nlp import load_nlp

    document = read_document(path, _metadata(path))
    if document.status != "ok":
        raise SystemExit(f"{path}: {document.error}")
    doc = load_nlp()(document.text)
    spans = []
    for sent in doc.sents:
        raw = document.text[sent.start_char:sent.end_char]
        stripped = raw.strip()
        if stripped:
            start = sent.start_char + len(raw) - len(raw.lstrip())
            spans.append((start, start + len(stripped)))
    return document, spans


def write_sheet(path: Path, out: Path) -> Path:
    document, spans = sentences(path)
    lines = [f"# {document.title or path.name}", f"# publisher: {document.organisation or '?'}; "
             f"published: {document.published or '?'}; file: {path.name}", ""]
    previous_end = 0
    for n, (start, end) in enumerate(spans, 1):
        if "\n" in document.text[previous_end:start] and n > 1:
            lines.append("")  # a paragraph break
        lines.append(f"[{n}] " + " ".join(document.text[start:end].split()))
        previous_end = end
    out.mkdir(parents=True, exist_ok=True)
    sheet = out / f"{path.stem}.sheet.txt"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sheet


def write_gold(labels_path: Path, out: Path, corpus: Path, doc_type: str | None = None) -> Path:
    data = json.loads(labels_path.read_text(encoding="utf-8"))
    source = corpus / data["doc"]
    document, spans = sentences(source)
    labels = {int(k): v for k, v in data["labels"].items()}
    missing = [n for n in range(1, len(spans) + 1) if n not in labels]
    extra = [n for n in labels if not 1 <= n <= len(spans)]
    if missing or extra:
        raise SystemExit(f"{labels_path}: sentences without labels {missing[:20]}, unknown numbers {extra[:20]}")
    annotations = []
    for n, (start, end) in enumerate(spans, 1):
        themes = labels[n]
        unknown = set(themes) - set(THEMES)
        if unknown:
            raise SystemExit(f"{labels_path}: sentence {n}: unknown themes {sorted(unknown)}")
        annotations.append({"start": start, "end": end, "themes": [t for t in THEMES if t in themes]})
    gold = {"source": str(Path("../../..") / ".." / "shared" / corpus.name / source.name),
            "doc_id": document.doc_id, "doc_type": doc_type or data.get("doc_type", "unknown"),
            "published": document.published, "annotations": annotations}
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{source.stem}.json"
    target.write_text(json.dumps(gold, indent=1) + "\n", encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sheet = sub.add_parser("sheet", help="write labelling sheets")
    sheet.add_argument("files", nargs="+", type=Path)
    sheet.add_argument("--out", type=Path, required=True)
    gold = sub.add_parser("gold", help="turn labels files into gold files")
    gold.add_argument("labels", nargs="+", type=Path)
    gold.add_argument("--out", type=Path, required=True)
    gold.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus2")
    gold.add_argument("--doc-type")
    args = parser.parse_args()
    if args.command == "sheet":
        for path in args.files:
            print(write_sheet(path, args.out))
    else:
        for path in args.labels:
            print(write_gold(path, args.out, args.corpus, args.doc_type))


if __name__ == "__main__":
    main()
