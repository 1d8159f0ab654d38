"""Score the pipeline's records against documents annotated by hand.

A *gold folder* holds one JSON file per annotated document (format: ``docs/evaluation.md``)::

    {
      "source": "../../../corpus/01_sjf_arab_league_readmission_2023.txt",
      "doc_id": "3f1c...",            # checks the annotations still fit the text
      "doc_type": "press_release",    # results are also reported per document type
      "published": "2023-05-08",      # optional: overrides the date read from the file
      "annotations": [{"start": 120, "end": 188, ...}, ...]
    }

``source`` is a path relative to the gold file (or absolute); offsets point into the
document's *normalised* text, exactly as the records do. Only offsets and labels are stored,
never the text, so documents that may not be redistributed can be annotated too.

Each task (``quotes``, ``claims``, ``dates``, ``themes``) has a module in this package with an
``evaluate(pairs) -> Report`` function over ``(GoldDocument, DocumentResult)`` pairs; this module
loads gold folders, runs the pipeline on their documents and holds the shared scoring helpers.
"""
from __future__ import annotations

import importlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.records import RECORD_TYPES

# one task per record type that is scored (pipeline.records.RECORD_TYPES)
TASKS: tuple[str, ...] = tuple(rt.eval_task for rt in RECORD_TYPES.values() if rt.eval_task)


class GoldError(ValueError):
    """A gold file is malformed, its source is missing, or its text changed since annotation."""


class GoldTextChanged(GoldError):
    """A gold document's normalised text is no longer the one it was annotated on (a reader
    changed): its offsets would point at the wrong characters."""


@dataclass
class GoldDocument:
    """One annotated document of a gold folder."""

    gold_path: Path
    source: Path
    doc_type: str
    annotations: list[dict[str, Any]]
    doc_id: str | None = None
    published: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.source.name


def load_gold(gold_dir: str | Path) -> list[GoldDocument]:
    """Read every ``*.json`` gold file of ``gold_dir`` (sorted by name).

    Raises
    ------
    GoldError
        When the folder has no gold file, a file is not valid JSON or lacks ``source`` or
        ``annotations``, or its source document does not exist.
    """
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise GoldError(f"{gold_dir} is not a folder of gold files")
    files = sorted(gold_dir.glob("*.json"))
    if not files:
        raise GoldError(f"{gold_dir} holds no *.json gold file")
    docs = []
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}: not valid JSON ({exc})") from exc
        for key in ("source", "annotations"):
            if key not in data:
                raise GoldError(f"{path}: missing {key!r}")
        source = Path(data["source"])
        if not source.is_absolute():
            source = (path.parent / source).resolve()
        if not source.is_file():
            raise GoldError(f"{path}: source document {data['source']} not found (looked for {source})")
        docs.append(GoldDocument(
            gold_path=path, source=source, doc_type=data.get("doc_type", "unknown"),
            annotations=list(data["annotations"]), doc_id=data.get("doc_id"),
            published=data.get("published"),
            metadata={k: v for k, v in data.items()
                      if k not in {"source", "annotations", "doc_id", "doc_type", "published"}},
        ))
    return docs


def read_gold_document(gold: GoldDocument):
    """The :class:`~pipeline.records.Document` a gold file annotates, read as the pipeline reads it.

    Raises
    ------
    GoldError
        When the source cannot be read.
    GoldTextChanged
        When its normalised text no longer has the ``doc_id`` it was annotated on.
    """
    from pipeline.ingest import read_document

    document = read_document(gold.source, {"published": gold.published} if gold.published else None)
    if document.status != "ok":
        raise GoldError(f"{gold.gold_path}: {gold.source} could not be read: {document.error}")
    if gold.doc_id and document.doc_id != gold.doc_id:
        raise GoldTextChanged(
            f"{gold.gold_path}: the text of {gold.source.name} changed since it was annotated "
            f"(doc_id {document.doc_id}, annotated {gold.doc_id}); re-check the offsets")
    return document


def analyse_gold(gold_docs: Sequence[GoldDocument], model: str | None = None) -> Iterator[tuple[GoldDocument, Any]]:
    """Run the whole pipeline on each gold document; yield ``(gold, DocumentResult)`` pairs.

    Raises
    ------
    GoldError
        When a document's normalised text no longer has the ``doc_id`` it was annotated on
        (the offsets would point at the wrong characters).
    """
    from pipeline.analysis import analyse_documents
    from pipeline.nlp import load_nlp

    documents = [read_gold_document(gold) for gold in gold_docs]
    for gold, result in zip(gold_docs, analyse_documents(documents, load_nlp(model), max_seconds=0)):
        if result.document.status != "ok":  # an extractor bug: a score without it would mislead
            raise GoldError(f"{gold.gold_path}: {result.document.error}")
        yield gold, result


# --- scoring helpers -------------------------------------------------------------------------

def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters shared by two ``(start, end)`` spans."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def overlaps_half(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when the spans share at least half of *each* span's length."""
    shared = overlap(a, b)
    return shared > 0 and 2 * shared >= (a[1] - a[0]) and 2 * shared >= (b[1] - b[0])


def overlaps_any(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return overlap(a, b) > 0


def match_spans(
    gold: Sequence[tuple[int, int]],
    predicted: Sequence[tuple[int, int]],
    matches: Callable[[tuple[int, int], tuple[int, int]], bool] = overlaps_half,
) -> list[tuple[int, int]]:
    """One-to-one matching of gold and predicted spans: ``(gold index, predicted index)`` pairs.

    Candidate pairs that satisfy ``matches`` are taken greedily by decreasing overlap, so each
    gold span and each predicted span is used at most once.
    """
    candidates = sorted(
        ((overlap(g, p), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(predicted)
         if matches(g, p)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi not in used_gold and pi not in used_pred:
            used_gold.add(gi)
            used_pred.add(pi)
            pairs.append((gi, pi))
    return sorted(pairs)


@dataclass
class Counts:
    """True positives, false positives, false negatives; precision/recall/F1 from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: "Counts") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Accuracy:
    correct: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.correct += int(ok)
        self.total += 1

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 0.0


def match_records(
    annotations: Sequence[dict[str, Any]],
    records: Sequence[Any],
    matches: Callable[[tuple[int, int], tuple[int, int]], bool] = overlaps_half,
) -> tuple[list[tuple[int, int]], "Counts"]:
    """Match gold annotations to records by their spans: the pairs and the P/R counts they give."""
    pairs = match_spans([(a["start"], a["end"]) for a in annotations],
                        [(r.start, r.end) for r in records], matches)
    return pairs, Counts(tp=len(pairs), fp=len(records) - len(pairs), fn=len(annotations) - len(pairs))


def unmatched_errors(name: str, text: str, annotations: Sequence[dict[str, Any]],
                     predicted: Sequence[Any], pairs: Sequence[tuple[int, int]]) -> list[str]:
    """Readable lines for gold spans nobody found and predictions nobody annotated."""
    matched_gold = {gi for gi, _ in pairs}
    matched_pred = {pi for _, pi in pairs}
    errors = [f"{name}: missed {text[a['start']:a['end']]!r} at {a['start']}"
              for gi, a in enumerate(annotations) if gi not in matched_gold]
    errors += [f"{name}: spurious {p.text!r} at {p.start}"
               for pi, p in enumerate(predicted) if pi not in matched_pred]
    return errors


def span_row(scored: Iterable[tuple[Counts, dict[str, Accuracy], list[str]]], n_documents: int,
             fields: Sequence[str]) -> dict[str, Any]:
    """Sum per-document counts and field accuracies into one report row."""
    counts = Counts()
    accuracy = {name: Accuracy() for name in fields}
    for doc_counts, doc_accuracy, _ in scored:
        counts.add(doc_counts)
        for field_name, acc in doc_accuracy.items():
            accuracy[field_name].correct += acc.correct
            accuracy[field_name].total += acc.total
    row: dict[str, Any] = {"documents": n_documents, **counts.as_dict()}
    for field_name, acc in accuracy.items():
        row[f"{field_name}_acc"] = round(acc.value, 4) if acc.total else None
    return row


def span_report(task: str, pairs: Sequence[tuple["GoldDocument", Any]],
                score_document: Callable[["GoldDocument", Any], tuple[Counts, dict[str, Accuracy], list[str]]],
                make_row: Callable[[list, int], dict[str, Any]]) -> "Report":
    """Score each document once, then sum the scores overall and per document type."""
    scored = {id(gold): score_document(gold, result) for gold, result in pairs}
    groups = {group: make_row([scored[id(gold)] for gold, _ in members], len(members))
              for group, members in by_doc_type(pairs).items()}
    errors = [error for gold, _ in pairs for error in scored[id(gold)][2]]
    return Report(task=task, n_documents=len(pairs), rows=group_rows(groups), errors=errors)


@dataclass
class Report:
    """Scores of one task: ``rows`` of ``{"group": ..., metric: value}``.

    The first row is the overall score (group ``all``); further rows break it down (by kind,
    by document type, by theme). ``errors`` lists examples of mistakes for inspection.
    """

    task: str
    n_documents: int
    rows: list[dict[str, Any]]
    errors: list[str] = field(default_factory=list)

    def row(self, group: str = "all") -> dict[str, Any]:
        for row in self.rows:
            if row["group"] == group:
                return row
        raise KeyError(group)

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "n_documents": self.n_documents, "rows": self.rows,
                "errors": self.errors}


def group_rows(groups: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """``{"all": {...}, "press_release": {...}}`` -> rows with ``group`` first, ``all`` first."""
    order = sorted(groups, key=lambda g: (g != "all", g))
    return [{"group": g, **groups[g]} for g in order]


def by_doc_type(pairs: Iterable[tuple[GoldDocument, Any]]) -> dict[str, list[tuple[GoldDocument, Any]]]:
    """The pairs grouped under ``all`` and under each document type."""
    groups: dict[str, list] = defaultdict(list)
    for pair in pairs:
        groups["all"].append(pair)
        groups[pair[0].doc_type].append(pair)
    return dict(groups)


def evaluate(task: str, gold_dir: str | Path, model: str | None = None) -> Report:
    """Score the pipeline on the gold folder of ``task`` (one of :data:`TASKS`, or ``statistics``:
    the figures ledger, :mod:`pipeline.evaluate.statistics`)."""
    if task == "statistics":
        from pipeline.evaluate.statistics import score

        return score(gold_dir, model=model)
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
    gold = load_gold(gold_dir)
    module = importlib.import_module(f"pipeline.evaluate.{task}")
    return module.evaluate(list(analyse_gold(gold, model)))
