"""The held-out / training split of ``../shared/corpus2`` for sentence themes, drawn once.

The held-out documents were drawn before any model change (issue 16) by stratified random
sampling with a fixed seed, so the draw can be repeated and checked: the corpus is cut into
strata by collection (the three topic collections, the Syrian Archive investigations, the
ReliefWeb reports about Syria and about elsewhere, the Amnesty country chapters, Syria Deeply
republications, UN documents and government texts), and a fixed number of documents is drawn
from each. Every other document of ``corpus2`` is training data.

    python scripts/theme_split.py            # prints "heldout<TAB>file" and "train<TAB>file" lines
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS2 = ROOT.parent / "shared" / "corpus2"
SEED = 16  # the number

# stratum -> documents drawn from it for the held-out set
DRAWS = {"covid": 3, "detention": 3, "normalisation_returns": 3, "investigations": 3,
         "reliefweb_syria": 3, "reliefweb_elsewhere": 4, "amnesty_chapters": 1, "syria_deeply": 1,
         "un_and_government": 3}


def stratum(row: dict[str, str]) -> str:
    note, org, number = row.get("note") or "", row["organisation"], int(row["file"][:3])
    if note.startswith("Topic 1"):
        return "covid"
    if note.startswith("Topic 2"):
        return "detention"
    if note.startswith("Topic 3"):
        return "normalisation_returns"
    if org in ("Syrian Archive", "Bellingcat"):
        return "investigations"
    if "Amnesty International Report" in row["title"]:
        return "amnesty_chapters"
    if "Syria Deeply" in note:
        return "syria_deeply"
    if "ReliefWeb report text" in note:
        return "reliefweb_syria" if number < 172 else "reliefweb_elsewhere"
    return "un_and_government"


def split(corpus: Path = CORPUS2) -> dict[str, list[str]]:
    with open(corpus / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    strata: dict[str, list[str]] = {}
    for row in sorted(rows, key=lambda r: r["file"]):
        strata.setdefault(stratum(row), []).append(row["file"])
    rng = random.Random(SEED)
    heldout = sorted(f for name in sorted(strata) for f in rng.sample(strata[name], DRAWS[name]))
    return {"heldout": heldout, "train": sorted(f for f in (r["file"] for r in rows) if f not in heldout)}


if __name__ == "__main__":
    for part, files in split().items():
        for file in files:
            print(f"{part}\t{file}")
