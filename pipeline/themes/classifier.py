"""Sentence theme classification: a multi-label scikit-learn model over seven themes.

The model reads a sentence (``text``) and the sentence before it (``context``) and scores
each theme of :data:`pipeline.records.THEMES` independently. Features are word 1–2-gram
TF-IDF and character 3–5-gram TF-IDF of the sentence, plus down-weighted word TF-IDF of the
previous sentence; the classifier is one-vs-rest logistic regression with balanced class
weights and sigmoid calibration. A theme is assigned when its calibrated probability reaches
a per-theme threshold chosen on cross-validated predictions.

Public API
----------
ThemeClassifier.load(path=None)
    Load the trained artifact (cached: once per process and path).
ThemeClassifier.predict(texts, contexts=None)
    ``[(themes, scores), ...]`` for a batch of sentences.
train(data_paths=None, out_dir=None)
    Train on ``data/themes/*.jsonl``, write ``themes.joblib`` and ``MODEL_CARD.md``.
extract_statements(doc, classifier)
    One :class:`~pipeline.records.Statement` per sentence of a spaCy ``Doc``.

Run ``python -m pipeline.themes train`` to retrain and
``python -m pipeline.themes compare`` to compare model families.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from spacy.tokens import Doc

from pipeline.records import THEMES, Statement

RANDOM_STATE = 0
CV_FOLDS = 5
CONTEXT_WEIGHT = 0.3  # the previous sentence informs, but must not decide, the label
DEFAULT_THRESHOLD = 0.5
THRESHOLD_BOUNDS = (0.2, 0.8)
F1_TOLERANCE = 0.005  # F1 differences smaller than this are noise on this data size
MODEL_FILENAME = "themes.joblib"
CARD_FILENAME = "MODEL_CARD.md"
ARTIFACT_FORMAT = 1

_REPO_ROOT = Path(__file__).resolve().parents[2]


def models_dir() -> Path:
    """The repository ``models/`` directory, or ``$NGO_PIPELINE_MODELS`` when set."""
    override = os.environ.get("NGO_PIPELINE_MODELS")
    return Path(override) if override else _REPO_ROOT / "models"


def default_model_path() -> Path:
    return models_dir() / "themes" / MODEL_FILENAME


def load_taxonomy() -> dict[str, Any]:
    """The theme definitions and external mappings of ``taxonomy.yaml``, keyed by theme id."""
    import yaml

    with open(Path(__file__).with_name("taxonomy.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["themes"]


def default_data_paths() -> list[Path]:
    """Every ``data/themes/*.jsonl`` file, so new training files just drop in."""
    return sorted((_REPO_ROOT / "data" / "themes").glob("*.jsonl"))


# --------------------------------------------------------------------------- data


def load_examples(paths: Iterable[str | Path] | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Read labelled sentences from JSONL files.

    Parameters
    ----------
    paths : iterable of str or Path, optional
        JSONL files whose lines are ``{"text": str, "context": str, "themes": [str, ...]}``.
        Defaults to :func:`default_data_paths`.

    Returns
    -------
    X : pandas.DataFrame
        Columns ``text`` and ``context`` (empty string when there is no context).
    Y : numpy.ndarray of shape (n_examples, len(THEMES))
        Binary indicator matrix in :data:`THEMES` order.

    Raises
    ------
    ValueError
        On an unknown theme id or an empty text.
    """
    paths = list(paths) if paths is not None else default_data_paths()
    if not paths:
        raise ValueError("no training data files given or found in data/themes/")
    texts, contexts, labels = [], [], []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                row = json.loads(line)
                text = (row.get("text") or "").strip()
                if not text:
                    raise ValueError(f"{path}:{line_no}: empty text")
                unknown = set(row.get("themes", [])) - set(THEMES)
                if unknown:
                    raise ValueError(f"{path}:{line_no}: unknown themes {sorted(unknown)}")
                texts.append(text)
                contexts.append((row.get("context") or "").strip())
                labels.append([int(theme in row.get("themes", [])) for theme in THEMES])
    frame = pd.DataFrame({"text": texts, "context": contexts})
    return frame, np.asarray(labels, dtype=int)


def _as_frame(texts: Sequence[str], contexts: Sequence[str] | None) -> pd.DataFrame:
    if contexts is None:
        contexts = [""] * len(texts)
    if len(contexts) != len(texts):
        raise ValueError(f"got {len(texts)} texts but {len(contexts)} contexts")
    return pd.DataFrame(
        {"text": [t or "" for t in texts], "context": [c or "" for c in contexts]}
    )


# ------------------------------------------------------------------------ model


class ContextVectorizer(TfidfVectorizer):
    """TF-IDF of the previous sentence that tolerates training data without any context.

    A plain :class:`TfidfVectorizer` raises on an empty vocabulary; this one then learns a
    single placeholder term, so every context maps to an all-zero vector.
    """

    _PLACEHOLDER = "nocontextplaceholder"

    def fit_transform(self, raw_documents, y=None):
        try:
            return super().fit_transform(raw_documents, y)
        except ValueError as exc:
            if "empty vocabulary" not in str(exc):
                raise
            super().fit([self._PLACEHOLDER])
            return self.transform(raw_documents)

    def fit(self, raw_documents, y=None):
        self.fit_transform(raw_documents, y)
        return self


def build_features() -> ColumnTransformer:
    """Word and character TF-IDF of the sentence, down-weighted word TF-IDF of its context."""
    context = ContextVectorizer(ngram_range=(1, 1), sublinear_tf=True, min_df=1,
                                strip_accents="unicode")
    return ColumnTransformer(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                     strip_accents="unicode"), "text"),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                     min_df=2, max_features=30000,
                                     strip_accents="unicode"), "text"),
            ("context", context, "context"),
        ],
        transformer_weights={"word": 1.0, "char": 1.0, "context": CONTEXT_WEIGHT},
    )


def build_classifier(family: str = "logreg") -> Any:
    """One binary estimator per theme (wrapped by :class:`OneVsRestClassifier`).

    ``logreg``: logistic regression, balanced class weights, sigmoid-calibrated on internal
    3-fold predictions (``ensemble=False`` keeps one model per theme, so the artifact stays
    small). ``svm``: calibrated :class:`LinearSVC`. ``cnb``: :class:`ComplementNB`
    (uncalibrated, for comparison only).
    """
    if family == "logreg":
        base = LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear", dual=True,
                                  max_iter=1000, random_state=RANDOM_STATE)
        return CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)
    if family == "logreg_raw":
        return LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear", dual=True,
                                  max_iter=1000, random_state=RANDOM_STATE)
    if family == "svm":
        base = LinearSVC(C=0.5, class_weight="balanced", random_state=RANDOM_STATE)
        return CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)
    if family == "cnb":
        return ComplementNB(alpha=0.3)
    raise ValueError(f"unknown model family {family!r}")


def build_pipeline(family: str = "logreg") -> Pipeline:
    """The full, unfitted model: features then one-vs-rest classifier."""
    return Pipeline([
        ("features", build_features()),
        ("classifier", OneVsRestClassifier(build_classifier(family))),
    ])


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


def cross_validate(X: pd.DataFrame, Y: np.ndarray, family: str = "logreg",
                   folds: int = CV_FOLDS) -> dict[str, Any]:
    """Cross-validated probabilities, tuned thresholds and metrics for one model family.

    Metrics are reported at the tuned thresholds (``tuned``; slightly optimistic, since the
    thresholds are chosen on the same predictions) and at a flat 0.5 (``at_0_5``).
    """
    cv = KFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE)
    model = build_pipeline(family)
    proba = cross_val_predict(model, X, Y, cv=cv, method="predict_proba")
    thresholds = choose_thresholds(Y, proba)
    tuned = _metrics(Y, (proba >= np.asarray(thresholds)).astype(int))
    flat = _metrics(Y, (proba >= DEFAULT_THRESHOLD).astype(int))
    return {"family": family, "thresholds": dict(zip(THEMES, thresholds)),
            "tuned": tuned, "at_0_5": flat, "proba": proba}


# ---------------------------------------------------------------------- inference


class ThemeClassifier:
    """A trained theme model plus its per-theme decision thresholds.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Fitted pipeline taking a DataFrame with ``text`` and ``context`` columns.
    thresholds : dict of str to float
        Minimum calibrated probability for each theme id.
    metadata : dict, optional
        Training date, data size, library versions, CV metrics.
    """

    def __init__(self, pipeline: Pipeline, thresholds: dict[str, float],
                 metadata: dict[str, Any] | None = None):
        self.pipeline = pipeline
        self.thresholds = {theme: float(thresholds.get(theme, DEFAULT_THRESHOLD)) for theme in THEMES}
        self.metadata = metadata or {}

    @classmethod
    def load(cls, path: str | Path | None = None) -> "ThemeClassifier":
        """Load a trained artifact (default: ``models/themes/themes.joblib``), once per process."""
        resolved = str((Path(path) if path is not None else default_model_path()).resolve())
        if resolved not in _LOADED:
            _LOADED[resolved] = _load_artifact(resolved)
        return _LOADED[resolved]

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": ARTIFACT_FORMAT, "themes": list(THEMES), "pipeline": self.pipeline,
                     "thresholds": self.thresholds, "metadata": self.metadata},
                    path, compress=3)
        return path

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(texts), len(THEMES))``, in THEMES order."""
        if len(texts) == 0:
            return np.zeros((0, len(THEMES)))
        return self.pipeline.predict_proba(_as_frame(texts, contexts))

    def predict(self, texts: list[str], contexts: list[str] | None = None
                ) -> list[tuple[list[str], dict[str, float]]]:
        """Themes and scores for a batch of sentences.

        Parameters
        ----------
        texts : list of str
            Sentences to classify.
        contexts : list of str, optional
            The sentence before each one (``""`` for none); same length as ``texts``.

        Returns
        -------
        list of (list of str, dict of str to float)
            Per sentence, the theme ids whose score reaches their threshold (THEMES order)
            and the scores of all seven themes rounded to 4 decimal places.
        """
        proba = self.predict_proba(texts, contexts)
        results = []
        for row in proba:
            scores = {theme: round(float(p), 4) for theme, p in zip(THEMES, row)}
            themes = [theme for theme, p in zip(THEMES, row) if p >= self.thresholds[theme]]
            results.append((themes, scores))
        return results


_LOADED: dict[str, ThemeClassifier] = {}  # resolved artifact path -> classifier


def _load_artifact(path: str) -> ThemeClassifier:
    if not Path(path).exists():
        raise FileNotFoundError(
            f"No theme model at {path}. Train one with `ngo-pipeline train`, or point "
            "NGO_PIPELINE_MODELS at a folder holding themes/themes.joblib."
        )
    artifact = joblib.load(path)
    if tuple(artifact.get("themes", ())) != THEMES:
        raise ValueError(f"{path} was trained for themes {artifact.get('themes')}, expected {THEMES}")
    return ThemeClassifier(artifact["pipeline"], artifact["thresholds"], artifact.get("metadata"))


# ------------------------------------------------------------------------- training


def _versions() -> dict[str, str]:
    import spacy

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "joblib": joblib.__version__,
            "spacy": spacy.__version__}


def train(data_paths: Iterable[str | Path] | None = None, out_dir: str | Path | None = None,
          family: str = "logreg") -> dict[str, Any]:
    """Train the theme model and write the artifact and its model card.

    Thresholds are chosen on 5-fold cross-validated probabilities; the final model is then
    fitted on all data.

    Parameters
    ----------
    data_paths : iterable of str or Path, optional
        Training JSONL files (default: every ``data/themes/*.jsonl``).
    out_dir : str or Path, optional
        Where to write ``themes.joblib`` and ``MODEL_CARD.md`` (default ``models/themes``).
    family : str
        Model family, see :func:`build_classifier`.

    Returns
    -------
    dict
        ``n_examples``, ``label_counts``, ``thresholds``, CV metrics (``cv``, ``cv_at_0_5``),
        ``model_path``, ``card_path``, ``size_bytes``, ``seconds``.
    """
    started = time.perf_counter()
    paths = [Path(p) for p in (data_paths if data_paths is not None else default_data_paths())]
    X, Y = load_examples(paths)
    folds = min(CV_FOLDS, max(2, int(Y.sum(axis=0).min()))) if Y.sum(axis=0).min() > 0 else 2
    result = cross_validate(X, Y, family=family, folds=folds)
    pipeline = build_pipeline(family).fit(X, Y)
    out = Path(out_dir) if out_dir is not None else models_dir() / "themes"
    metadata = {
        "trained_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "family": family,
        "n_with_context": int((X["context"] != "").sum()),
        "n_examples": int(len(X)),
        "n_without_theme": int((Y.sum(axis=1) == 0).sum()),
        "n_multi_theme": int((Y.sum(axis=1) > 1).sum()),
        "label_counts": {theme: int(n) for theme, n in zip(THEMES, Y.sum(axis=0))},
        "data_files": [p.name for p in paths],
        "cv_folds": folds,
        "cv": result["tuned"],
        "cv_at_0_5": result["at_0_5"],
        "versions": _versions(),
    }
    classifier = ThemeClassifier(pipeline, result["thresholds"], metadata)
    model_path = classifier.save(out / MODEL_FILENAME)
    _LOADED.pop(str(model_path.resolve()), None)  # a later load must see the new model
    card_path = out / CARD_FILENAME
    card_path.write_text(model_card(classifier), encoding="utf-8")
    return {**metadata, "thresholds": classifier.thresholds, "model_path": str(model_path),
            "card_path": str(card_path), "size_bytes": model_path.stat().st_size,
            "seconds": round(time.perf_counter() - started, 1)}


def model_card(classifier: ThemeClassifier) -> str:
    """Markdown model card from the classifier's metadata."""
    meta = classifier.metadata
    lines = [
        "# Theme classifier — model card",
        "",
        f"- Trained: {meta.get('trained_at')} (`python -m pipeline.themes train`)",
        f"- Model: word 1–2-gram + char_wb 3–5-gram TF-IDF of the sentence, word TF-IDF of the "
        f"previous sentence (weight {CONTEXT_WEIGHT}); one-vs-rest "
        f"{'LogisticRegression (balanced, sigmoid-calibrated)' if meta.get('family') == 'logreg' else meta.get('family')}",
        f"- Data: {meta.get('n_examples')} hand-written sentences from {', '.join(meta.get('data_files', []))}; "
        f"{meta.get('n_without_theme')} with no theme, {meta.get('n_multi_theme')} with several, "
        f"{meta.get('n_with_context')} with a context sentence",
        f"- Evaluation: {meta.get('cv_folds')}-fold cross-validation (KFold, shuffled, random_state={RANDOM_STATE}); "
        "thresholds maximise per-theme F1 on the same out-of-fold predictions, so the tuned "
        "figures are slightly optimistic. The data are synthetic, written to the guidelines "
        "(`data/themes/GUIDELINES.md`), so real-text performance will be lower.",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items()),
        "",
        "| theme | examples | threshold | precision | recall | F1 | F1 at 0.5 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    tuned = meta.get("cv", {}).get("per_theme", {})
    flat = meta.get("cv_at_0_5", {}).get("per_theme", {})
    for theme in THEMES:
        t, f = tuned.get(theme, {}), flat.get(theme, {})
        lines.append(f"| {theme} | {meta.get('label_counts', {}).get(theme)} | "
                     f"{classifier.thresholds[theme]:.2f} | {t.get('precision')} | {t.get('recall')} | "
                     f"{t.get('f1')} | {f.get('f1')} |")
    cv, flat_all = meta.get("cv", {}), meta.get("cv_at_0_5", {})
    lines += [
        "",
        f"Macro-F1 {cv.get('macro_f1')} (at 0.5: {flat_all.get('macro_f1')}), "
        f"micro-F1 {cv.get('micro_f1')}, exact-match ratio {cv.get('exact_match')}.",
        "",
        "Intended use: flag which of the seven themes a sentence of an English NGO publication "
        "about Syria (and similar crises) discusses. Not for decisions about individuals.",
        "",
    ]
    return "\n".join(lines)


def compare_models(data_paths: Iterable[str | Path] | None = None,
                   families: Sequence[str] = ("logreg", "logreg_raw", "svm", "cnb")) -> pd.DataFrame:
    """Cross-validated macro/micro F1 and per-theme F1 for several model families."""
    X, Y = load_examples(data_paths)
    rows = []
    for family in families:
        started = time.perf_counter()
        result = cross_validate(X, Y, family=family)
        row = {"family": family, "macro_f1": result["tuned"]["macro_f1"],
               "macro_f1_at_0_5": result["at_0_5"]["macro_f1"],
               "micro_f1": result["tuned"]["micro_f1"],
               "exact_match": result["tuned"]["exact_match"],
               "seconds": round(time.perf_counter() - started, 1)}
        row.update({theme: m["f1"] for theme, m in result["tuned"]["per_theme"].items()})
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------ extraction


def extract_statements(doc: Doc, classifier: ThemeClassifier) -> list[Statement]:
    """Classify every sentence of a document.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        Parsed normalised text (sentence boundaries set).
    classifier : ThemeClassifier
        Trained model; called once for the whole document.

    Returns
    -------
    list of Statement
        One per non-blank sentence, ids ``s1, s2, ...`` in text order, offsets trimmed of
        surrounding whitespace so ``doc.text[start:end] == statement.text``; each sentence
        is classified with the previous sentence as its context.
    """
    spans: list[tuple[int, int, str]] = []
    for sent in doc.sents:
        raw = sent.text
        stripped = raw.strip()
        if not stripped:
            continue
        start = sent.start_char + (len(raw) - len(raw.lstrip()))
        end = start + len(stripped)
        spans.append((start, end, stripped))
    if not spans:
        return []
    texts = [text for _, _, text in spans]
    contexts = [""] + texts[:-1]
    predictions = classifier.predict(texts, contexts)
    return [
        Statement(statement_id=f"s{i}", start=start, end=end, text=text,
                  themes=themes, scores=scores)
        for i, ((start, end, text), (themes, scores)) in enumerate(zip(spans, predictions), 1)
    ]


def _main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Train or compare the sentence theme classifier.")
    parser.add_argument("command", choices=["train", "compare"])
    parser.add_argument("--data", nargs="*", help="training JSONL files (default data/themes/*.jsonl)")
    parser.add_argument("--out", help="output directory for train (default models/themes)")
    args = parser.parse_args(argv)
    if args.command == "train":
        metrics = train(args.data, args.out)
        print(json.dumps({k: metrics[k] for k in ("n_examples", "thresholds", "cv", "size_bytes",
                                                    "seconds", "model_path")}, indent=2))
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(compare_models(args.data).to_string(index=False))


if __name__ == "__main__":
    _main()
