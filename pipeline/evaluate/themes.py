"""Score sentence themes against held-out sentences labelled by hand.

Gold annotations (``data/gold/themes/*.json``, guidelines in ``docs/evaluation.md``) are the
sentences of a document, each ``{"start", "end", "themes": [theme id, ...]}``; ``themes`` may
be empty (a sentence about none of the seven themes). Every sentence of an annotated document
is labelled, so the sentences with no theme are the hard part of the test.

Scores
------
- Each gold sentence is matched to the predicted statement with the same span, or failing
  that the statement it overlaps most (:func:`pipeline.evaluate.match_spans` with
  :func:`~pipeline.evaluate.overlaps_any`): sentence splitting is not what is scored here.
  A gold sentence with no matching statement counts as predicted ``[]``.
- Per theme: precision, recall, F1 over gold sentences (a sentence labelled with the theme
  and predicted with it is a true positive, ...).
- ``macro_f1``: the mean F1 of the seven themes (in a document-type row: of the themes that
  occur there, in gold or predicted, counted in ``themes_scored``); ``micro_f1`` pools all
  theme decisions;
  ``exact_match``: share of sentences whose predicted theme set equals the gold set.
- Rows: ``all`` (macro/micro F1, exact match, counts), one row per theme (``theme:<id>``),
  one row per document type, then ``documents``: document themes
  (:func:`pipeline.records.document_themes` of the predicted sentence themes against the same
  rule applied to the gold sentence labels), precision/recall/F1 pooled over (document, theme)
  decisions and the share of documents whose theme set is exact.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.evaluate import (
    Accuracy,
    Counts,
    GoldDocument,
    Report,
    by_doc_type,
    match_spans,
    overlaps_any,
)
from pipeline.records import THEMES, document_themes

__all__ = ["evaluate", "sentence_pairs"]

MAX_ERRORS = 200


def sentence_pairs(gold: GoldDocument, result: Any) -> list[tuple[dict[str, Any], Any]]:
    """``(gold annotation, statement or None)`` for every gold sentence of one document."""
    gold_spans = [(a["start"], a["end"]) for a in gold.annotations]
    statements = list(result.statements)
    predicted_spans = [(s.start, s.end) for s in statements]
    matched = dict(match_spans(gold_spans, predicted_spans, matches=overlaps_any))
    return [(annotation, statements[matched[i]] if i in matched else None)
            for i, annotation in enumerate(gold.annotations)]


def _score(pairs: Sequence[tuple[GoldDocument, Any]], errors: list[str] | None = None
           ) -> tuple[dict[str, Counts], Accuracy, int]:
    per_theme = {theme: Counts() for theme in THEMES}
    exact = Accuracy()
    unmatched = 0
    for gold, result in pairs:
        text = result.document.text
        for annotation, statement in sentence_pairs(gold, result):
            expected = set(annotation.get("themes", []))
            unknown = expected - set(THEMES)
            if unknown:
                raise ValueError(f"{gold.gold_path}: unknown themes {sorted(unknown)}")
            if statement is None:
                unmatched += 1
            predicted = set(statement.themes) if statement is not None else set()
            exact.add(predicted == expected)
            for theme in THEMES:
                counts = per_theme[theme]
                counts.tp += theme in expected and theme in predicted
                counts.fp += theme not in expected and theme in predicted
                counts.fn += theme in expected and theme not in predicted
            if errors is not None and predicted != expected and len(errors) < MAX_ERRORS:
                snippet = text[annotation["start"]:annotation["end"]].replace("\n", " ")
                missing, extra = sorted(expected - predicted), sorted(predicted - expected)
                errors.append(f"{gold.name}:{annotation['start']} missing={missing} extra={extra} "
                              f"| {snippet[:160]}")
    return per_theme, exact, unmatched


def _summary(per_theme: dict[str, Counts], exact: Accuracy, unmatched: int,
             all_themes: bool = True) -> dict[str, Any]:
    pooled = Counts()
    for counts in per_theme.values():
        pooled.add(counts)
    # overall: all seven themes; a document-type group: the themes that occur in it (gold or
    # predicted), since a theme absent from, say, the statements would otherwise count as F1 0
    scored = [c for c in per_theme.values() if all_themes or c.tp + c.fp + c.fn]
    macro = sum(c.f1 for c in scored) / len(scored) if scored else 0.0
    return {
        "macro_f1": round(macro, 4),
        "micro_f1": round(pooled.f1, 4),
        "precision": round(pooled.precision, 4),
        "recall": round(pooled.recall, 4),
        "exact_match": round(exact.value, 4),
        "sentences": exact.total,
        "unmatched": unmatched,
        "min_theme_f1": round(min((c.f1 for c in scored), default=0.0), 4),
        "themes_scored": len(scored),
    }


def evaluate(pairs: Sequence[tuple[GoldDocument, Any]]) -> Report:
    """Score theme predictions of ``(GoldDocument, DocumentResult)`` pairs.

    Returns
    -------
    Report
        Rows ``all``, ``theme:<id>`` for each theme (precision, recall, F1, support), then
        one row per document type; ``errors`` lists sentences whose themes differ.
    """
    pairs = list(pairs)
    errors: list[str] = []
    per_theme, exact, unmatched = _score(pairs, errors)
    rows = [{"group": "all", **_summary(per_theme, exact, unmatched)}]
    for theme in THEMES:
        counts = per_theme[theme]
        rows.append({"group": f"theme:{theme}", "precision": round(counts.precision, 4),
                     "recall": round(counts.recall, 4), "f1": round(counts.f1, 4),
                     "support": counts.tp + counts.fn, "tp": counts.tp, "fp": counts.fp,
                     "fn": counts.fn})
    for group, group_pairs in sorted(by_doc_type(pairs).items()):
        if group == "all":
            continue
        rows.append({"group": group, **_summary(*_score(group_pairs), all_themes=False)})
    rows.append({"group": "documents", **_document_scores(pairs)})
    return Report(task="themes", n_documents=len(pairs), rows=rows, errors=errors)


def _document_scores(pairs: Sequence[tuple[GoldDocument, Any]]) -> dict[str, Any]:
    counts, exact = Counts(), Accuracy()
    for gold, result in pairs:
        expected = set(document_themes([list(a.get("themes", [])) for a in gold.annotations])[0])
        predicted = set(document_themes([list(s.themes) for s in result.statements])[0])
        counts.tp += len(expected & predicted)
        counts.fp += len(predicted - expected)
        counts.fn += len(expected - predicted)
        exact.add(expected == predicted)
    return {"precision": round(counts.precision, 4), "recall": round(counts.recall, 4),
            "f1": round(counts.f1, 4), "support": counts.tp + counts.fn, "tp": counts.tp,
            "fp": counts.fp, "fn": counts.fn, "exact_match": round(exact.value, 4)}
