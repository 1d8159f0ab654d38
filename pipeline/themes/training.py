"""Training the theme model: data, features, model families, thresholds, cross-validation.

Nothing here runs in a pipeline run: :mod:`pipeline.themes.model` loads what :func:`train`
writes. The model reads a sentence (``text``), its spaCy lemmas and entity labels (``lemmas``)
and its context (``context``: the section heading it sits under and the sentence before it,
:func:`~pipeline.themes.features.sentence_contexts`). Features: word 1–2-gram TF-IDF,
lemma/entity-label 1–2-gram TF-IDF and character 3–4-gram TF-IDF of the sentence, down-weighted
word TF-IDF of the context, and down-weighted WordLlama embeddings of the sentence and of its
context; the classifier is one-vs-rest linear SVM with balanced class weights and sigmoid
calibration. Thresholds are chosen per theme on real validation sentences where they have
enough positives, on cross-validated predictions otherwise. The fitted pipeline is folded into
a :class:`~pipeline.themes.model.LinearThemeModel` for the artifact (:func:`compile_linear`).

Run ``ngo-pipeline train`` (or ``python -m pipeline.themes train``) to retrain, ``python -m
pipeline.themes compare`` to compare model families and feature sets, ``python -m
pipeline.themes benchmark`` to time classification of a 2,000-word document.
"""
from __future__ import annotations

import datetime as _dt
import json
import platform
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import KFold, cross_val_predict

from pipeline.records import THEMES
from pipeline.themes.card import model_card
from pipeline.themes.data import (
    RANDOM_STATE,
    REPO_ROOT,
    default_data_paths,
    load_examples,
    read_rows,
    with_synthetic_context,
)
from pipeline.themes.embeddings import WORDLLAMA_PACKAGE
from pipeline.themes.estimators import (
    DEFAULT_FAMILY,
    DEFAULT_FEATURES,
    EMBEDDING_SETS,
    FAMILIES,
    PipelineModel,
    build_pipeline,
    compile_linear,
)
from pipeline.themes.model import (
    CARD_FILENAME,
    DEFAULT_THRESHOLD,
    MODEL_FILENAME,
    ThemeClassifier,
    models_dir,
)
from pipeline.themes.statements import classify_sentences

CV_FOLDS = 5


THRESHOLD_BOUNDS = (0.2, 0.8)


F1_TOLERANCE = 0.02  # F1 differences smaller than this are noise on this data size (0.005 let


def choose_thresholds(Y: np.ndarray, proba: np.ndarray) -> list[float]:
    """Per theme, the threshold in :data:`THRESHOLD_BOUNDS` that maximises F1.

    F1 curves on a few hundred examples are flat and noisy near their peak, so every threshold
    within :data:`F1_TOLERANCE` of the best F1 counts as a tie, and ties go to the threshold
    closest to :data:`DEFAULT_THRESHOLD`. A theme with no positive example keeps the default.
    """
    low, high = THRESHOLD_BOUNDS
    grid = np.round(np.arange(low, high + 1e-9, 0.01), 2)
    thresholds = []
    for j in range(Y.shape[1]):
        if Y[:, j].sum() == 0:
            thresholds.append(DEFAULT_THRESHOLD)
            continue
        scores = [f1_score(Y[:, j], proba[:, j] >= t, zero_division=0) for t in grid]
        best = max(scores)
        candidates = [t for t, s in zip(grid, scores) if s >= best - F1_TOLERANCE - 1e-12]
        thresholds.append(float(min(candidates, key=lambda t: abs(t - DEFAULT_THRESHOLD))))
    return thresholds


def _metrics(Y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    precision, recall, f1, support = precision_recall_fscore_support(Y, pred, zero_division=0)
    per_theme = {
        theme: {"precision": round(float(precision[j]), 3), "recall": round(float(recall[j]), 3),
                "f1": round(float(f1[j]), 3), "support": int(support[j])}
        for j, theme in enumerate(THEMES)
    }
    return {
        "per_theme": per_theme,
        "macro_f1": round(float(np.mean(f1)), 3),
        "micro_f1": round(float(f1_score(Y, pred, average="micro", zero_division=0)), 3),
        # a sentence with no theme counts as correct only when nothing is predicted
        "exact_match": round(float(np.mean((Y == pred).all(axis=1))), 3),
    }


def cross_validate(X: pd.DataFrame, Y: np.ndarray, family: str = DEFAULT_FAMILY,
                   folds: int = CV_FOLDS, feature_set: str = DEFAULT_FEATURES) -> dict[str, Any]:
    """Cross-validated probabilities, tuned thresholds and metrics for one model family.

    Metrics are reported at the tuned thresholds (``tuned``; slightly optimistic, since the
    thresholds are chosen on the same predictions) and at a flat 0.5 (``at_0_5``).
    """
    cv = KFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE)
    model = build_pipeline(family, feature_set)
    proba = cross_val_predict(model, X, Y, cv=cv, method="predict_proba")
    thresholds = choose_thresholds(Y, proba)
    tuned = _metrics(Y, (proba >= np.asarray(thresholds)).astype(int))
    flat = _metrics(Y, (proba >= DEFAULT_THRESHOLD).astype(int))
    return {"family": family, "thresholds": dict(zip(THEMES, thresholds)),
            "tuned": tuned, "at_0_5": flat, "proba": proba}


def _versions() -> dict[str, str]:
    import spacy

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "joblib": joblib.__version__,
            "spacy": spacy.__version__, **_wordllama_version()}


def _wordllama_version() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return {"wordllama": version(WORDLLAMA_PACKAGE)}
    except PackageNotFoundError:
        return {}


def train(data_paths: Iterable[str | Path] | None = None, out_dir: str | Path | None = None,
          family: str = DEFAULT_FAMILY, corrections: str | Path | None = None,
          feature_set: str = DEFAULT_FEATURES, held_out: str | Path | None = None,
          validation: str | Path | bool | None = None) -> dict[str, Any]:
    """Train the theme model and write the artifact and its model card.

    The model is fitted on all training data. Per-theme thresholds are first chosen on
    5-fold cross-validated probabilities of the (written) training data, then, for every theme
    with at least :data:`MIN_VALIDATION_POSITIVES` positive sentences there, on the *real*
    validation sentences (``data/gold/themes_dev``): written sentences score higher than real
    ones, so thresholds tuned on written data are too strict for real text.

    Parameters
    ----------
    data_paths : iterable of str or Path, optional
        Training JSONL files (default: every ``data/themes/*.jsonl``).
    out_dir : str or Path, optional
        Where to write ``themes.joblib`` and ``MODEL_CARD.md`` (default ``models/themes``).
    family : str
        Model family, see :func:`build_classifier`.
    corrections : str or Path, optional
        The analysts' corrections file (default :func:`pipeline.themes.review.default_corrections_path`);
        its rows are training data too, and win over a training row with the same text.
    feature_set : str
        See :func:`build_features`.
    held_out : str or Path, optional
        A gold folder of real labelled sentences (``data/gold/themes``): the new model is
        scored on it *after* training, for the model card only (nothing is tuned on it;
        corrections are not applied).
    validation : str or Path or bool, optional
        A gold folder of real labelled sentences, never trained on, on which the thresholds
        are chosen (:func:`validation_thresholds`). Default: ``data/gold/themes_dev`` when it
        exists and the model is trained on the default data files (``data_paths=None``; skipped,
        with a note in the metadata, when its documents in ``../shared/corpus`` are missing);
        ``False`` keeps the cross-validated thresholds.

    Returns
    -------
    dict
        ``n_examples``, ``label_counts``, ``thresholds``, CV metrics (``cv``, ``cv_at_0_5``),
        ``model_path``, ``card_path``, ``size_bytes``, ``seconds``.
    """
    started = time.perf_counter()
    paths = [Path(p) for p in (data_paths if data_paths is not None else default_data_paths())]
    from pipeline.themes.review import read_corrections

    reviewed = list(read_corrections(corrections).values())
    X, Y = load_examples(paths, reviewed)
    n_written_context = int((X["context"] != "").sum())
    X = with_synthetic_context(X, Y)
    folds = min(CV_FOLDS, max(2, int(Y.sum(axis=0).min()))) if Y.sum(axis=0).min() > 0 else 2
    result = cross_validate(X, Y, family=family, folds=folds, feature_set=feature_set)
    pipeline = build_pipeline(family, feature_set).fit(X, Y)
    out = Path(out_dir) if out_dir is not None else models_dir() / "themes"
    metadata = {
        "trained_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "family": family,
        "feature_set": feature_set,
        **({"embedding_weights": {name: weight for name, weight in
                                  pipeline.named_steps["features"].transformer_weights.items()
                                  if name in ("embedding", "context_embedding")}}
           if feature_set in EMBEDDING_SETS else {}),
        "n_corrections": len(reviewed),
        "n_with_context": n_written_context,
        "n_synthetic_context": int((X["context"] != "").sum()) - n_written_context,
        "n_examples": int(len(X)),
        "n_without_theme": int((Y.sum(axis=1) == 0).sum()),
        "n_multi_theme": int((Y.sum(axis=1) > 1).sum()),
        "label_counts": {theme: int(n) for theme, n in zip(THEMES, Y.sum(axis=0))},
        "data_files": [p.name for p in paths],
        "n_per_file": {p.name: len(read_rows([p])) for p in paths},
        "cv_folds": folds,
        "cv": result["tuned"],
        "cv_at_0_5": result["at_0_5"],
        "versions": _versions(),
    }
    classifier = ThemeClassifier(compile_linear(pipeline) or PipelineModel(pipeline), result["thresholds"], metadata)
    if validation is None and data_paths is None and default_validation_dir().is_dir():
        from pipeline.evaluate import GoldError

        validation = default_validation_dir()
        try:  # the default set needs ../shared/corpus; without it, keep the cross-validated thresholds
            classifier.thresholds, metadata["validation"] = validation_thresholds(
                classifier, validation, fallback=result["thresholds"])
        except GoldError as exc:
            metadata["validation_error"] = str(exc)
    elif validation:
        classifier.thresholds, metadata["validation"] = validation_thresholds(
            classifier, validation, fallback=result["thresholds"])
    if held_out is not None:
        from pipeline.evaluate import GoldError

        try:
            metadata["held_out"] = score_held_out(classifier, held_out)
        except GoldError as exc:  # e.g. ../shared/corpus is not there: the card just says so
            metadata["held_out_error"] = str(exc)
    model_path = classifier.save(out / MODEL_FILENAME)
    card_path = out / CARD_FILENAME
    card_path.write_text(model_card(classifier), encoding="utf-8")
    return {**metadata, "thresholds": classifier.thresholds, "model_path": str(model_path),
            "card_path": str(card_path), "size_bytes": model_path.stat().st_size,
            "seconds": round(time.perf_counter() - started, 1)}


MIN_VALIDATION_POSITIVES = 20  # fewer real positives than this: keep the cross-validated threshold


def default_validation_dir() -> Path:
    """``data/gold/themes_dev``: real sentences labelled for choosing thresholds (never trained on)."""
    return REPO_ROOT / "data" / "gold" / "themes_dev"


def gold_scores(classifier: ThemeClassifier, gold_dir: str | Path,
                skipped: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gold labels and predicted probabilities of every sentence of a gold folder.

    Documents are classified as in the pipeline (:func:`~pipeline.themes.statements.classify_sentences`, section heading and
    previous sentence as context, no analysts' corrections); each gold sentence takes the
    scores of the statement matched to it (:func:`pipeline.evaluate.themes.sentence_pairs`),
    zeros when none matches.

    When ``skipped`` is a list, a document whose text no longer matches its annotation (its
    reader changed since it was labelled) is left out and its gold file name appended there,
    instead of raising :class:`~pipeline.evaluate.GoldError`.

    Returns
    -------
    Y : numpy.ndarray of shape (n_sentences, len(THEMES))
    proba : numpy.ndarray of the same shape
    """
    from pipeline.analysis import parse
    from pipeline.evaluate import GoldTextChanged, load_gold, read_gold_document
    from pipeline.evaluate.themes import sentence_pairs
    from pipeline.nlp import load_nlp
    from pipeline.records import DocumentResult

    nlp = load_nlp()
    labels, scores = [], []
    for gold in load_gold(gold_dir):
        try:
            document = read_gold_document(gold)
        except GoldTextChanged:
            if skipped is None:
                raise
            skipped.append(gold.gold_path.name)
            continue
        statements = classify_sentences(next(parse(nlp, [document.text])), classifier)
        for annotation, statement in sentence_pairs(gold, DocumentResult(document, statements=statements)):
            labels.append([int(theme in annotation.get("themes", [])) for theme in THEMES])
            scores.append([statement.scores[theme] if statement is not None else 0.0 for theme in THEMES])
    return np.asarray(labels, dtype=int), np.asarray(scores, dtype=float)


def validation_thresholds(classifier: ThemeClassifier, gold_dir: str | Path,
                          fallback: dict[str, float]) -> tuple[dict[str, float], dict[str, Any]]:
    """Per-theme thresholds chosen on real validation sentences.

    For a theme with at least :data:`MIN_VALIDATION_POSITIVES` positive sentences in
    ``gold_dir``, the threshold with the best F1 there (:func:`choose_thresholds`: ties within
    :data:`F1_TOLERANCE` go to the threshold nearest 0.5); otherwise ``fallback[theme]`` (the
    cross-validated one). Returns the thresholds and a summary for the model card: per theme
    the support, where the threshold came from and the validation P/R/F1 at it, plus
    micro-F1 before (``fallback``) and after.
    """
    skipped: list[str] = []  # documents whose text changed since labelling (a reader changed)
    Y, proba = gold_scores(classifier, gold_dir, skipped)
    if not len(Y):
        from pipeline.evaluate import GoldError

        raise GoldError(f"{gold_dir}: no validation document matches its text ({', '.join(skipped)})")
    chosen = choose_thresholds(Y, proba)
    thresholds, per_theme = {}, {}
    for j, theme in enumerate(THEMES):
        support = int(Y[:, j].sum())
        tuned = support >= MIN_VALIDATION_POSITIVES
        thresholds[theme] = float(chosen[j]) if tuned else float(fallback[theme])
        per_theme[theme] = {"support": support, "source": "validation" if tuned else "cross-validation"}
    after = _metrics(Y, (proba >= np.asarray([thresholds[t] for t in THEMES])).astype(int))
    before = _metrics(Y, (proba >= np.asarray([fallback[t] for t in THEMES])).astype(int))
    for theme in THEMES:
        per_theme[theme].update({k: after["per_theme"][theme][k] for k in ("precision", "recall", "f1")})
    summary = {"gold_dir": str(gold_dir), "sentences": int(len(Y)), "per_theme": per_theme,
               "micro_f1": after["micro_f1"], "micro_f1_cv_thresholds": before["micro_f1"],
               "min_positives": MIN_VALIDATION_POSITIVES, "skipped": skipped}
    return thresholds, summary


def score_held_out(classifier: ThemeClassifier, gold_dir: str | Path) -> dict[str, Any]:
    """Rows of :func:`pipeline.evaluate.themes.evaluate` for ``classifier`` on a gold folder.

    Only the theme model is run (one spaCy pass per document, no other extractor), without
    analysts' corrections, so the figures measure the model alone.
    """
    from pipeline.analysis import parse
    from pipeline.evaluate import load_gold, read_gold_document
    from pipeline.evaluate.themes import evaluate
    from pipeline.nlp import load_nlp
    from pipeline.records import DocumentResult

    nlp = load_nlp()
    pairs = []
    for gold in load_gold(gold_dir):
        document = read_gold_document(gold)
        statements = classify_sentences(next(parse(nlp, [document.text])), classifier)
        pairs.append((gold, DocumentResult(document, statements=statements)))
    report = evaluate(pairs)
    return {"gold_dir": str(gold_dir), "documents": report.n_documents, "rows": report.rows}


def compare_models(data_paths: Iterable[str | Path] | None = None,
                   families: Sequence[str] = FAMILIES,
                   feature_sets: Sequence[str] = (DEFAULT_FEATURES,)) -> pd.DataFrame:
    """Cross-validated macro/micro F1 and per-theme F1 for model families and feature sets.

    Every combination is scored on the same folds of the same data (with the same synthetic
    contexts as :func:`train`), at per-theme thresholds tuned on the out-of-fold predictions
    (``macro_f1``) and at a flat 0.5 (``macro_f1_at_0_5``).
    """
    X, Y = load_examples(data_paths)
    X = with_synthetic_context(X, Y)
    rows = []
    for feature_set in feature_sets:
        for family in families:
            started = time.perf_counter()
            result = cross_validate(X, Y, family=family, feature_set=feature_set)
            row = {"family": family, "features": feature_set,
                   "macro_f1": result["tuned"]["macro_f1"],
                   "macro_f1_at_0_5": result["at_0_5"]["macro_f1"],
                   "micro_f1": result["tuned"]["micro_f1"],
                   "exact_match": result["tuned"]["exact_match"],
                   "seconds": round(time.perf_counter() - started, 1)}
            row.update({theme: m["f1"] for theme, m in result["tuned"]["per_theme"].items()})
            rows.append(row)
    return pd.DataFrame(rows)


def _main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Train or compare the sentence theme classifier.")
    parser.add_argument("command", choices=["train", "compare", "benchmark"])
    parser.add_argument("files", nargs="*", help="benchmark: documents to time (default: corpus/*.txt)")
    parser.add_argument("--data", nargs="*", help="training JSONL files (default data/themes/*.jsonl)")
    parser.add_argument("--out", help="output directory for train (default models/themes)")
    parser.add_argument("--families", nargs="*", default=list(FAMILIES), help="families to compare")
    parser.add_argument("--features", nargs="*", default=[DEFAULT_FEATURES], help="feature sets to compare")
    args = parser.parse_args(argv)
    if args.command == "train":
        metrics = train(args.data, args.out)
        print(json.dumps({k: metrics[k] for k in ("n_examples", "thresholds", "cv", "size_bytes",
                                                    "seconds", "model_path")}, indent=2))
    elif args.command == "benchmark":
        from pipeline.themes.benchmark import benchmark

        print(json.dumps(benchmark(args.files or None), indent=2))
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(compare_models(args.data, args.families, args.features).to_string(index=False))
