"""Inter-annotator agreement between two sentence-theme annotations of the same documents.

Reads two folders of gold files in the `data/gold/themes` format (one JSON per document,
`annotations` = list of `{start, end, themes}`), pairs the files by name and the sentences by
their `(start, end)` span, and prints markdown tables:

- per theme: support in A and B, precision / recall / F1 of B against A, Cohen's kappa;
- macro-F1 over the seven themes, micro-F1 and exact match (same theme set), overall;
- the same summary per document.

Usage (defaults compare the second annotation against the first):

    python scripts/theme_agreement.py [A_DIR] [B_DIR] [--disagreements]

`--disagreements` also lists, per theme, the sentence numbers where A and B differ
(`file#index: A=... B=...`), without any document text. Only numpy and scikit-learn are used.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score, precision_recall_fscore_support

from pipeline.records import THEMES

ROOT = Path(__file__).resolve().parents[1]


def load_pairs(a_dir: Path, b_dir: Path) -> list[tuple[str, int, set[str], set[str]]]:
    """Return `(file, index, themes_a, themes_b)` for every sentence annotated in both folders.

    B may annotate a subset of A's documents (a second annotation of some of them); every
    document of B must be in A, with the same sentences.
    """
    rows = []
    for b_file in sorted(b_dir.glob("*.json")):
        a_file = a_dir / b_file.name
        if not a_file.exists():
            raise SystemExit(f"missing in {a_dir}: {b_file.name}")
        a_ann = json.loads(a_file.read_text())["annotations"]
        b_ann = {(x["start"], x["end"]): x["themes"] for x in json.loads(b_file.read_text())["annotations"]}
        if len(b_ann) != len(a_ann):
            raise SystemExit(f"{a_file.name}: {len(a_ann)} spans in A, {len(b_ann)} in B")
        for i, x in enumerate(a_ann):
            span = (x["start"], x["end"])
            if span not in b_ann:
                raise SystemExit(f"{a_file.name}: span {span} missing in B")
            rows.append((a_file.stem, i, set(x["themes"]), set(b_ann[span])))
    return rows


def matrices(rows) -> tuple[np.ndarray, np.ndarray]:
    a = np.array([[t in r[2] for t in THEMES] for r in rows], dtype=int).reshape(-1, len(THEMES))
    b = np.array([[t in r[3] for t in THEMES] for r in rows], dtype=int).reshape(-1, len(THEMES))
    return a, b


def kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two binary vectors; 1.0 when both are constant and equal, NaN if undefined."""
    if (a == b).all():
        return 1.0
    with np.errstate(all="ignore"):
        return float(cohen_kappa_score(a, b, labels=[0, 1]))


def summary(a: np.ndarray, b: np.ndarray) -> dict:
    present = (a.sum(0) + b.sum(0)) > 0
    per_f1 = f1_score(a, b, average=None, zero_division=0)
    return {
        "n": len(a),
        # themes absent from both annotations of a document are left out of its macro average
        "macro_f1": float(per_f1[present].mean()) if present.any() else float("nan"),
        "micro_f1": float(f1_score(a, b, average="micro", zero_division=0)),
        "exact": float((a == b).all(1).mean()),
    }


def fmt(x: float) -> str:
    return "–" if x != x else f"{x:.2f}"


def report(a_dir: Path, b_dir: Path, disagreements: bool = False) -> str:
    rows = load_pairs(a_dir, b_dir)
    a, b = matrices(rows)
    p, r, f, _ = precision_recall_fscore_support(a, b, average=None, zero_division=0)
    out = [f"Agreement of `{b_dir.name}` (B) against `{a_dir.name}` (A), {len(rows)} sentences\n",
           "| theme | A | B | both | precision | recall | F1 | kappa |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for j, t in enumerate(THEMES):
        both = int((a[:, j] & b[:, j]).sum())
        out.append(f"| {t} | {a[:, j].sum()} | {b[:, j].sum()} | {both} | {fmt(p[j])} | {fmt(r[j])} "
                   f"| {fmt(f[j])} | {fmt(kappa(a[:, j], b[:, j]))} |")
    s = summary(a, b)
    out.append(f"\nmacro-F1 {fmt(s['macro_f1'])} · micro-F1 {fmt(s['micro_f1'])} · exact match "
               f"{fmt(s['exact'])} · sentences with a theme: A {int(a.any(1).sum())}, B {int(b.any(1).sum())}\n")
    out += ["| document | sentences | macro-F1 | micro-F1 | exact match |", "|---|---:|---:|---:|---:|"]
    for doc in dict.fromkeys(r_[0] for r_ in rows):
        idx = [k for k, r_ in enumerate(rows) if r_[0] == doc]
        d = summary(a[idx], b[idx])
        out.append(f"| {doc[:45]} | {d['n']} | {fmt(d['macro_f1'])} | {fmt(d['micro_f1'])} | {fmt(d['exact'])} |")
    if disagreements:
        out.append("")
        for j, t in enumerate(THEMES):
            diff = [f"{r_[0][:3]}#{r_[1]}: {'A' if a[k, j] else 'B'} only" for k, r_ in enumerate(rows) if a[k, j] != b[k, j]]
            out.append(f"- {t} ({len(diff)}): " + ", ".join(diff))
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a_dir", nargs="?", type=Path, default=ROOT / "data/gold/themes")
    ap.add_argument("b_dir", nargs="?", type=Path, default=ROOT / "data/gold/themes_second")
    ap.add_argument("--disagreements", action="store_true", help="list differing sentences per theme")
    args = ap.parse_args()
    print(report(args.a_dir, args.b_dir, args.disagreements))


if __name__ == "__main__":
    main()
