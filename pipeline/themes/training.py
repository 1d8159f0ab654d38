"""Training the theme model on real labelled publications and written sentences.

Nothing here runs in a pipeline run: :mod:`pipeline.themes.model` loads what :func:`train` writes.

The data are the sentences of real publications labelled in context (gold folders of offsets,
:data:`REAL_DATA`: ``data/gold/themes_train``) and the sentences written for the project
(``data/themes/*.jsonl``, with analysts' corrections). Training, in one pass:

1. **Out-of-fold first-stage scores.** The real documents are cut into :data:`CV_FOLDS` groups of
   whole documents; for each, the sentence model (:func:`~pipeline.themes.estimators.build_pipeline`:
   the sentence, its lemmas, its context, its paragraph and its document's opening) is fitted on
   the other groups plus the written sentences and scores the held-out group.
2. **The context model** (:class:`~pipeline.themes.model.ContextModel`): per theme, a logistic
   regression over those scores of each sentence and of its neighbours, paragraph, section and
   document; scored out of fold on the same groups, blended with the first stage.
3. **Thresholds** per theme: the best F1 of the blended out-of-fold scores.
4. **The final models**: the sentence model on every document and written sentence, the
   context model on every document's out-of-fold scores; folded into the artifact with its
   model card.

Run ``ngo-pipeline train`` (or ``python -m pipeline.themes train``) to retrain, ``python -m
pipeline.themes compare`` for the comparison of variants in ``docs/themes.md``, ``python -m
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
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold

from pipeline.records import THEMES
from pipeline.themes.card import model_card
from pipeline.themes.data import (
    REPO_ROOT,
    default_data_paths,
    gold_sentences,
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
from pipeline.themes.features import CONTEXT_FEATURES, context_features
from pipeline.themes.model import (
    CARD_FILENAME,
    MODEL_FILENAME,
    ContextModel,
    ThemeClassifier,
    models_dir,
)
from pipeline.themes.statements import classify_sentences

#: Real labelled publications trained on (never the held-out folders or the reserved documents).
REAL_DATA = ("data/gold/themes_train",)
#: Held-out gold folders the model card reports (never trained or tuned on).
HELD_OUT = ("data/gold/themes", "data/gold/themes_corpus2")
CV_FOLDS = 5
THRESHOLD_BOUNDS = (0.05, 0.9)
F1_TOLERANCE = 0.01  # thresholds whose F1 is this close to the best count as ties (their median is taken)
CONTEXT_C = 0.1  # regularisation of the context model (chosen in grouped cross-validation)
CONTEXT_BLEND = 0.7  # weight of the context model against the sentence model
COLUMNS = ("text", "context", "lemmas", "paragraph", "opening")


def default_real_dirs() -> list[Path]:
    return [REPO_ROOT / folder for folder in REAL_DATA]


def default_held_out_dirs() -> list[Path]:
    return [REPO_ROOT / folder for folder in HELD_OUT if (REPO_ROOT / folder).is_dir()]


def choose_thresholds(Y: np.ndarray, proba: np.ndarray) -> list[float]:
    """Per theme, the threshold in :data:`THRESHOLD_BOUNDS` with the best F1.

    F1 curves are flat and noisy near their peak, so every threshold within
    :data:`F1_TOLERANCE` of the best F1 counts as a tie and the median of the ties is taken. A
    theme with no positive example keeps 0.5.
    """
    low, high = THRESHOLD_BOUNDS
    grid = np.round(np.arange(low, high + 1e-9, 0.01), 2)
    thresholds = []
    for j in range(Y.shape[1]):
        if Y[:, j].sum() == 0:
            thresholds.append(0.5)
            continue
        scores = [f1_score(Y[:, j], proba[:, j] >= t, zero_division=0) for t in grid]
        best = max(scores)
        ties = [t for t, s in zip(grid, scores) if s >= best - F1_TOLERANCE - 1e-12]
        thresholds.append(float(np.round(np.median(ties), 2)))
    return thresholds


def metrics(Y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    precision, recall, f1, support = precision_recall_fscore_support(Y, pred, zero_division=0)
    per_theme = {
        theme: {"precision": round(float(precision[j]), 3), "recall": round(float(recall[j]), 3),
                "f1": round(float(f1[j]), 3), "support": int(support[j])}
        for j, theme in enumerate(THEMES)
    }
    return {"per_theme": per_theme, "macro_f1": round(float(np.mean(f1)), 3),
            "micro_f1": round(float(f1_score(Y, pred, average="micro", zero_division=0)), 3),
            "exact_match": round(float(np.mean((Y == pred).all(axis=1))), 3)}


def _thresholded(Y: np.ndarray, proba: np.ndarray) -> tuple[list[float], dict[str, Any]]:
    thresholds = choose_thresholds(Y, proba)
    return thresholds, metrics(Y, (proba >= np.asarray(thresholds)).astype(int))


def document_context_features(X: pd.DataFrame, scores: np.ndarray) -> np.ndarray:
    """:func:`~pipeline.themes.features.context_features` of every document of ``X`` (rows of
    :func:`~pipeline.themes.data.gold_sentences`, documents contiguous), stacked in row order."""
    out = np.zeros((len(X), len(THEMES), len(CONTEXT_FEATURES)))
    positions = np.arange(len(X))
    for _, rows in X.groupby("doc", sort=False).indices.items():
        rows = positions[rows]
        part = X.iloc[rows]
        out[rows] = context_features(scores[rows], part["paragraph"].tolist(), part["heading"].tolist(),
                                     part["text"].str.split().str.len().tolist())
    return out


def fit_context_model(features: np.ndarray, Y: np.ndarray, C: float = CONTEXT_C,
                      blend: float = CONTEXT_BLEND) -> ContextModel:
    """Per theme, a balanced logistic regression over that theme's context features."""
    coef = np.zeros((len(THEMES), features.shape[2]))
    intercept = np.zeros(len(THEMES))
    for j in range(len(THEMES)):
        if Y[:, j].min() == Y[:, j].max():  # no positive (or no negative) example: no context effect
            intercept[j] = -10.0 if Y[:, j].max() == 0 else 10.0
            continue
        model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(features[:, j, :], Y[:, j])
        coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
    return ContextModel(coef, intercept, blend)


def _sentence_frame(X: pd.DataFrame) -> pd.DataFrame:
    """The estimator's text columns of ``X``; gold sentences carry their paragraph's text as
    ``paragraph_text`` (their ``paragraph`` is the paragraph's number)."""
    if "paragraph_text" in X.columns:
        X = X.drop(columns=["paragraph"]).rename(columns={"paragraph_text": "paragraph"})
    return X.reindex(columns=list(COLUMNS), fill_value="").fillna("")


def out_of_fold(X_real: pd.DataFrame, Y_real: np.ndarray, X_written: pd.DataFrame | None,
                Y_written: np.ndarray | None, *, family: str = DEFAULT_FAMILY,
                feature_set: str = DEFAULT_FEATURES, folds: int = CV_FOLDS,
                context: bool = True) -> dict[str, np.ndarray]:
    """Out-of-fold scores of the real sentences, documents kept whole in one fold.

    Returns ``first`` (the sentence model) and, with ``context``, ``final`` (blended with the
    context model, itself fitted out of fold on the same groups).
    """
    groups = X_real["doc"].to_numpy()
    splits = list(GroupKFold(n_splits=folds).split(X_real, Y_real, groups))
    first = np.zeros(Y_real.shape)
    real = _sentence_frame(X_real)
    for train_rows, test_rows in splits:
        X_fit, Y_fit = real.iloc[train_rows], Y_real[train_rows]
        if X_written is not None and len(X_written):
            X_fit = pd.concat([X_fit, _sentence_frame(X_written)], ignore_index=True)
            Y_fit = np.vstack([Y_fit, Y_written])
        model = build_pipeline(family, feature_set).fit(X_fit, Y_fit)
        first[test_rows] = model.predict_proba(real.iloc[test_rows])
    result = {"first": first}
    if context:
        features = document_context_features(X_real, first)
        second = np.zeros(Y_real.shape)
        for train_rows, test_rows in splits:
            second[test_rows] = fit_context_model(features[train_rows], Y_real[train_rows]).predict_features(
                features[test_rows])
        result["features"] = features
        result["final"] = CONTEXT_BLEND * second + (1 - CONTEXT_BLEND) * first
    return result


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    import spacy

    versions = {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                "numpy": np.__version__, "pandas": pd.__version__, "joblib": joblib.__version__,
                "spacy": spacy.__version__}
    try:
        versions["wordllama"] = version(WORDLLAMA_PACKAGE)
    except PackageNotFoundError:
        pass
    return versions


def _written(data_paths, corrections):
    from pipeline.themes.review import read_corrections

    paths = [Path(p) for p in (data_paths if data_paths is not None else default_data_paths())]
    reviewed = list(read_corrections(corrections).values())
    if not paths and not reviewed:
        return paths, reviewed, None, None
    X, Y = load_examples(paths, reviewed)
    return paths, reviewed, with_synthetic_context(X, Y), Y


def train(data_paths: Iterable[str | Path] | None = None, out_dir: str | Path | None = None,
          family: str = DEFAULT_FAMILY, corrections: str | Path | None = None,
          feature_set: str = DEFAULT_FEATURES, held_out: str | Path | Iterable[str | Path] | None = None,
          real_dirs: Iterable[str | Path] | None = None, folds: int = CV_FOLDS) -> dict[str, Any]:
    """Train the theme model and write the artifact and its model card (see the module's steps).

    Parameters
    ----------
    data_paths : iterable of str or Path, optional
        Written training JSONL files (default: every ``data/themes/*.jsonl``); ``[]`` for none.
    out_dir : str or Path, optional
        Where to write ``themes.joblib`` and ``MODEL_CARD.md`` (default: the package's
        ``pipeline/resources/themes``, or ``$NGO_PIPELINE_MODELS/themes``).
    family : str
        Model family of the sentence model, see :func:`~pipeline.themes.estimators.build_classifier`.
    corrections : str or Path, optional
        The analysts' corrections file (default :func:`pipeline.themes.review.default_corrections_path`);
        its rows are training data too, and win over a written row with the same text.
    feature_set : str
        See :func:`~pipeline.themes.estimators.build_features`.
    held_out : str, Path or iterable of them, optional
        Gold folders of real labelled documents never trained on (:data:`HELD_OUT`): the new
        model is scored on them *after* training, for the model card only.
    real_dirs : iterable of str or Path, optional
        Gold folders of real labelled documents to train on (default :data:`REAL_DATA`).
    folds : int
        Groups of documents for the out-of-fold scores.

    Returns
    -------
    dict
        The model's metadata (data counts, out-of-fold metrics ``cv`` and ``cv_first_stage``),
        ``thresholds``, ``model_path``, ``card_path``, ``size_bytes``, ``seconds``.
    """
    started = time.perf_counter()
    paths, reviewed, X_written, Y_written = _written(data_paths, corrections)
    real_dirs = [Path(d) for d in (real_dirs if real_dirs is not None else default_real_dirs())]
    X_real, Y_real = gold_sentences(real_dirs)
    folds = max(2, min(folds, X_real["doc"].nunique()))
    oof = out_of_fold(X_real, Y_real, X_written, Y_written, family=family, feature_set=feature_set, folds=folds)
    thresholds, cv = _thresholded(Y_real, oof["final"])
    _, cv_first = _thresholded(Y_real, oof["first"])
    X_fit, Y_fit = _sentence_frame(X_real), Y_real
    if X_written is not None:
        X_fit = pd.concat([X_fit, _sentence_frame(X_written)], ignore_index=True)
        Y_fit = np.vstack([Y_real, Y_written])
    pipeline = build_pipeline(family, feature_set).fit(X_fit, Y_fit)
    context = fit_context_model(oof["features"], Y_real)
    metadata = {
        "trained_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "family": family,
        "feature_set": feature_set,
        **({"embedding_weights": {name: weight for name, weight in
                                  pipeline.named_steps["features"].transformer_weights.items()
                                  if name in ("embedding", "context_embedding")}}
           if feature_set in EMBEDDING_SETS else {}),
        "real_documents": int(X_real["doc"].nunique()),
        "real_sentences": int(len(X_real)),
        "real_label_counts": {theme: int(n) for theme, n in zip(THEMES, Y_real.sum(axis=0))},
        "real_dirs": [str(Path(d).relative_to(REPO_ROOT)) if Path(d).is_relative_to(REPO_ROOT) else str(d)
                      for d in real_dirs],
        "n_corrections": len(reviewed),
        "n_examples": int(len(X_written)) if X_written is not None else 0,
        "label_counts": ({theme: int(n) for theme, n in zip(THEMES, Y_written.sum(axis=0))}
                         if Y_written is not None else {}),
        "data_files": [p.name for p in paths],
        "n_per_file": {p.name: len(read_rows([p])) for p in paths},
        "cv_folds": folds,
        "cv": cv,
        "cv_first_stage": cv_first,
        "context": {"C": CONTEXT_C, "blend": CONTEXT_BLEND, "features": list(CONTEXT_FEATURES)},
        "versions": _versions(),
    }
    classifier = ThemeClassifier(compile_linear(pipeline) or PipelineModel(pipeline), dict(zip(THEMES, thresholds)),
                                 metadata, context)
    if held_out is not None:
        from pipeline.evaluate import GoldError

        metadata["held_out"], metadata["held_out_errors"] = [], []
        for folder in [held_out] if isinstance(held_out, (str, Path)) else held_out:
            try:
                metadata["held_out"].append(score_held_out(classifier, folder))
            except GoldError as exc:  # e.g. ../shared/corpus is not there: the card just says so
                metadata["held_out_errors"].append(str(exc))
    out = Path(out_dir) if out_dir is not None else models_dir() / "themes"
    model_path = classifier.save(out / MODEL_FILENAME)
    card_path = out / CARD_FILENAME
    card_path.write_text(model_card(classifier), encoding="utf-8")
    return {**metadata, "thresholds": classifier.thresholds, "model_path": str(model_path),
            "card_path": str(card_path), "size_bytes": model_path.stat().st_size,
            "seconds": round(time.perf_counter() - started, 1)}


def score_held_out(classifier: ThemeClassifier, gold_dir: str | Path) -> dict[str, Any]:
    """Rows of :func:`pipeline.evaluate.themes.evaluate` for ``classifier`` on a gold folder.

    Only the theme model runs (one spaCy parse per document, no other extractor), without
    analysts' corrections, so the figures measure the model alone.
    """
    from pipeline.analysis import parse
    from pipeline.evaluate import load_gold, read_gold_document
    from pipeline.evaluate.themes import evaluate
    from pipeline.nlp import load_nlp
    from pipeline.records import DocumentResult

    nlp = load_nlp()
    golds = load_gold(gold_dir)
    documents = [read_gold_document(gold) for gold in golds]
    pairs = [(gold, DocumentResult(document, statements=classify_sentences(doc, classifier)))
             for gold, document, doc in zip(golds, documents, parse(nlp, (d.text for d in documents)))]
    report = evaluate(pairs)
    return {"gold_dir": str(gold_dir), "documents": report.n_documents, "rows": report.rows}


#: The variants of :func:`compare`: (name, written data, feature set, context model).
VARIANTS = (
    ("written sentences only (the model before issue 16)", "written", "char_3_4_emb", False),
    ("real documents only", "real", "char_3_4_emb", False),
    ("real documents + written sentences", "both", "char_3_4_emb", False),
    ("+ paragraph and document opening", "both", "document", False),
    ("real + written, context model without paragraph/opening", "both", "char_3_4_emb", True),
    ("+ context model (shipped)", "both", "document", True),
)


def compare(data_paths: Iterable[str | Path] | None = None, real_dirs: Iterable[str | Path] | None = None,
            folds: int = CV_FOLDS) -> pd.DataFrame:
    """Out-of-fold macro/micro F1 and per-theme F1 of each of :data:`VARIANTS` on the real documents.

    Every variant is scored on the same groups of whole documents, at thresholds chosen on its
    own out-of-fold scores (slightly optimistic, the same for all). The written-only variant is
    fitted once on the written sentences and scores every real document.
    """
    _, _, X_written, Y_written = _written(data_paths, None)
    X_real, Y_real = gold_sentences([Path(d) for d in (real_dirs or default_real_dirs())])
    rows = []
    for name, data, feature_set, context in VARIANTS:
        started = time.perf_counter()
        if data == "written":
            model = build_pipeline(DEFAULT_FAMILY, feature_set).fit(_sentence_frame(X_written), Y_written)
            scores = model.predict_proba(_sentence_frame(X_real))
        else:
            oof = out_of_fold(X_real, Y_real, X_written if data == "both" else None,
                              Y_written if data == "both" else None, feature_set=feature_set, folds=folds,
                              context=context)
            scores = oof["final" if context else "first"]
        _, result = _thresholded(Y_real, scores)
        rows.append({"variant": name, "macro_f1": result["macro_f1"], "micro_f1": result["micro_f1"],
                     **{theme: m["f1"] for theme, m in result["per_theme"].items()},
                     "seconds": round(time.perf_counter() - started)})
    return pd.DataFrame(rows)


def _main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Train the sentence theme model or compare variants.")
    parser.add_argument("command", choices=["train", "compare", "benchmark"])
    parser.add_argument("files", nargs="*", help="benchmark: documents to time (default: corpus/*.txt)")
    parser.add_argument("--data", nargs="*", help="written training JSONL files (default data/themes/*.jsonl)")
    parser.add_argument("--real", nargs="*", help="gold folders of real labelled documents (default: REAL_DATA)")
    parser.add_argument("--out", help="output directory for train (default: the package's model folder)")
    args = parser.parse_args(argv)
    if args.command == "train":
        metrics_ = train(args.data, args.out, real_dirs=args.real)
        print(json.dumps({k: metrics_[k] for k in ("real_sentences", "n_examples", "thresholds", "cv",
                                                    "size_bytes", "seconds", "model_path")}, indent=2))
    elif args.command == "benchmark":
        from pipeline.themes.benchmark import benchmark

        print(json.dumps(benchmark(args.files or None), indent=2))
    else:
        with pd.option_context("display.width", 250, "display.max_columns", 20):
            print(compare(args.data, args.real).to_string(index=False))


__all__ = ["FAMILIES", "REAL_DATA", "choose_thresholds", "compare", "fit_context_model", "out_of_fold",
           "score_held_out", "train"]


if __name__ == "__main__":
    _main()
