"""Turn a draft annotation written with text snippets into a gold file of offsets.

Annotating by offsets is error-prone; annotators write a *draft* in which each annotation
names its span by the exact text it covers, then this script finds that text in the document's
normalised text and writes the gold file (offsets only: no document text is stored).

Draft format (JSON)::

    {"source": "/abs/or/relative/path/to/document.txt",
     "doc_type": "press_release", "published": "2021-12-21",     # published optional
     "annotations": [
        {"find": "exact text of the span", "after": "optional text that comes before it",
         "occurrence": 1, ...any other fields are copied...}
     ]}

``after`` (searched first) disambiguates a span whose text occurs more than once; otherwise
``occurrence`` picks the n-th match (1-based, default 1). Usage::

    python scripts/gold_from_snippets.py DRAFT.json GOLD_DIR/

Drafts of documents that may not be redistributed (``../shared/corpus``) must stay out of the
repository: keep them in a temporary folder.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pipeline.ingest import read_document


def locate(text: str, item: dict) -> tuple[int, int]:
    snippet = item["find"]
    origin = 0
    if item.get("after"):
        origin = text.find(item["after"])
        if origin < 0:
            raise SystemExit(f"'after' text not found: {item['after'][:60]!r}")
    start = -1
    for _ in range(int(item.get("occurrence", 1))):
        start = text.find(snippet, start + 1 if start >= 0 else origin)
        if start < 0:
            raise SystemExit(f"span not found: {snippet[:80]!r}")
    return start, start + len(snippet)


def convert(draft_path: Path, gold_dir: Path) -> Path:
    draft = json.loads(draft_path.read_text(encoding="utf-8"))
    source = Path(draft["source"])
    if not source.is_absolute():
        source = (draft_path.parent / source).resolve()
    overrides = {"published": draft["published"]} if draft.get("published") else None
    document = read_document(source, overrides)
    annotations = []
    for item in draft["annotations"]:
        start, end = locate(document.text, item)
        fields = {k: v for k, v in item.items() if k not in {"find", "after", "occurrence"}}
        annotations.append({"start": start, "end": end, **fields})
    annotations.sort(key=lambda a: (a["start"], a["end"]))
    gold_dir.mkdir(parents=True, exist_ok=True)
    out = gold_dir / (source.stem + ".json")
    gold = {"source": os.path.relpath(source, gold_dir.resolve()), "doc_id": document.doc_id,
            "doc_type": draft.get("doc_type", "unknown")}
    if draft.get("published"):
        gold["published"] = draft["published"]
    gold["annotations"] = annotations
    out.write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    print(convert(Path(sys.argv[1]), Path(sys.argv[2])))
