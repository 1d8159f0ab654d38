"""The theme model's features and classifiers (scikit-learn), and folding a fitted pipeline into the
:class:`~pipeline.themes.model.LinearThemeModel` the artifact stores.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from pipeline.themes.data import RANDOM_STATE
from pipeline.themes.embeddings import embed, wordllama_model
from pipeline.themes.model import (
    LinearThemeModel,
)

CONTEXT_WEIGHT = 0.6  # the previous sentence informs, but must not decide, the label (chosen on the dev set)


LEMMA_WEIGHT = 0.7  # lemmas overlap the word n-grams; weighting them fully double-counts words
# the sentence's paragraph and its document's opening (issue 16: chosen in document-grouped
# cross-validation on real documents, docs/themes.md "Context in the model")
PARAGRAPH_WEIGHT = 0.5
OPENING_WEIGHT = 0.3


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


class SentenceEmbedder(BaseEstimator, TransformerMixin):
    """Mean WordLlama embedding of each text as a scikit-learn transformer (256 sparse columns).

    Nothing is learned in ``fit``; the table is not pickled with the model
    (:func:`~pipeline.themes.embeddings.wordllama_model` loads it from the installed wheel), and
    the folded model (:func:`compile_linear`) keeps only the block's column and weight.
    """

    def __init__(self, normalize: bool = True):
        self.normalize = normalize

    def fit(self, X, y=None):
        self.n_features_out_ = wordllama_model()[0].shape[1]
        return self

    @staticmethod
    def _texts(X) -> list[str]:
        texts = X.tolist() if hasattr(X, "tolist") else list(X)
        return ["" if t is None else str(t) for t in texts]

    def transform(self, X):
        return embed(self._texts(X), self.normalize)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"wordllama_{i}" for i in range(wordllama_model()[0].shape[1])], dtype=object)


FEATURE_SETS: tuple[str, ...] = ("full", "char_3_4", "no_char", "words_only", "char_3_4_emb", "no_char_emb", "document")


CHAR_NGRAMS = {"full": (3, 5), "char_3_4": (3, 4), "char_3_4_emb": (3, 4), "document": (3, 4)}  # character n-grams per feature set


EMBEDDING_SETS = ("char_3_4_emb", "no_char_emb", "document")  # feature sets with WordLlama sentence embeddings


# Weights chosen on cross-validation and the real validation set (docs/themes.md, "Third attempt"):
# 0.3/0.2 beat 0.2/0.1, 0.3/0.0, 0.3/0.3, 0.5/0.3, 0.5/0.5, 0.7/0.5 and 1.0/0.5; heavier embeddings
# let them override the n-grams and cost accountability precision.
EMBEDDING_WEIGHT = 0.3  # weight of the sentence's embedding block


CONTEXT_EMBEDDING_WEIGHT = 0.2  # weight of the context's embedding block


# Shipped: char_3_4_emb (character 3-4-grams and WordLlama sentence and context embeddings) plus the
# sentence's paragraph and its document's opening, better in document-grouped cross-validation on
# real documents (docs/themes.md, "Context in the model").
DEFAULT_FEATURES = "document"


def build_features(feature_set: str = DEFAULT_FEATURES, embedding_weight: float | None = None,
                   context_embedding_weight: float | None = None) -> ColumnTransformer:
    """The sentence's word n-grams, lemmas/entity labels and character n-grams, plus its context.

    ``full``: all four blocks (see ``docs/themes.md``), character 3–5-grams; ``char_3_4``:
    character 3–4-grams only (a third fewer n-grams to look up: the character block is the
    slowest at prediction time); ``no_char`` drops the character n-grams; ``words_only``
    keeps word n-grams and context, the original baseline. ``char_3_4_emb`` (shipped) and
    ``no_char_emb`` add two dense blocks, the WordLlama mean embedding of the sentence
    (:data:`EMBEDDING_WEIGHT`) and of its context (:data:`CONTEXT_EMBEDDING_WEIGHT`; either
    weight may be overridden, 0 drops the block). Used by :func:`compare_models`.
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; choose from {FEATURE_SETS}")
    blocks = [
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                 strip_accents=None), "text"),
        ("context", ContextVectorizer(ngram_range=(1, 1), sublinear_tf=True, min_df=1,
                                      strip_accents=None), "context"),
    ]
    weights = {"word": 1.0, "context": CONTEXT_WEIGHT}
    if feature_set != "words_only":
        # lemma 1-2-grams: "strip of residency", "ent_gpe" generalise across inflection and names
        blocks.append(("lemmas", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                                 token_pattern=r"\S+", lowercase=False), "lemmas"))
        weights["lemmas"] = LEMMA_WEIGHT
    if feature_set in CHAR_NGRAMS:
        blocks.append(("char", TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS[feature_set],
                                               sublinear_tf=True, min_df=2, max_features=30000,
                                               strip_accents=None), "text"))
        weights["char"] = 1.0
    if feature_set == "document":  # the sentence's paragraph and its document's opening
        blocks.append(("paragraph", ContextVectorizer(sublinear_tf=True), "paragraph"))
        blocks.append(("opening", ContextVectorizer(sublinear_tf=True), "opening"))
        weights["paragraph"], weights["opening"] = PARAGRAPH_WEIGHT, OPENING_WEIGHT
    if feature_set in EMBEDDING_SETS:  # dense blocks last (the fast path relies on this order)
        emb = EMBEDDING_WEIGHT if embedding_weight is None else embedding_weight
        ctx = CONTEXT_EMBEDDING_WEIGHT if context_embedding_weight is None else context_embedding_weight
        if emb:
            blocks.append(("embedding", SentenceEmbedder(), "text"))
            weights["embedding"] = emb
        if ctx:
            blocks.append(("context_embedding", SentenceEmbedder(), "context"))
            weights["context_embedding"] = ctx
    return ColumnTransformer(blocks, transformer_weights=weights)


FAMILIES: tuple[str, ...] = ("logreg", "svm", "sgd", "cnb")


DEFAULT_FAMILY = "svm"  # best cross-validated macro-F1 (docs/themes.md, "Model comparison")


def build_classifier(family: str = DEFAULT_FAMILY) -> Any:
    """One binary estimator per theme (wrapped by :class:`OneVsRestClassifier`).

    ``logreg``: logistic regression, balanced class weights, sigmoid-calibrated on internal
    3-fold predictions (``ensemble=False`` keeps one model per theme, so the artifact stays
    small). ``svm``: calibrated :class:`LinearSVC`. ``sgd``: calibrated
    :class:`SGDClassifier` with modified Huber loss. ``cnb``: :class:`ComplementNB`
    (its probabilities are not calibrated; for comparison only).
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
    if family == "sgd":
        base = SGDClassifier(loss="modified_huber", alpha=1e-4, class_weight="balanced",
                             max_iter=50, tol=None, random_state=RANDOM_STATE)
        return CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)
    if family == "cnb":
        return ComplementNB(alpha=0.3)
    raise ValueError(f"unknown model family {family!r}")


def build_pipeline(family: str = DEFAULT_FAMILY, feature_set: str = DEFAULT_FEATURES) -> Pipeline:
    """The full, unfitted model: features then one-vs-rest classifier."""
    return Pipeline([
        ("features", build_features(feature_set)),
        ("classifier", OneVsRestClassifier(build_classifier(family))),
    ])


class PipelineModel:
    """A fitted pipeline that is not a calibrated linear model (``cnb``, ``logreg_raw``), kept
    whole in the artifact: scores the columns through a DataFrame."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def predict_proba(self, columns: dict[str, list[str]]) -> np.ndarray:
        return self.pipeline.predict_proba(pd.DataFrame(columns))


def compile_linear(pipeline: Pipeline) -> LinearThemeModel | None:
    """The fitted pipeline folded into a :class:`~pipeline.themes.model.LinearThemeModel`, or None
    when it is not of that form (per theme one sigmoid-calibrated linear model).

    One-vs-rest of sigmoid-calibrated linear models is, per theme,
    ``p = expit(-(a * (x @ w + c) + b))``; stacking the seven ``w`` into one matrix replaces
    seven estimator calls by one sparse product. The vectorizers are the pipeline's own (a
    :class:`ContextVectorizer` is stored as the plain TfidfVectorizer it is once fitted), so the
    scores equal ``pipeline.predict_proba`` (tested).
    """
    try:
        features = pipeline.named_steps["features"]
        estimators = pipeline.named_steps["classifier"].estimators_
    except (AttributeError, KeyError):
        return None
    weights = features.transformer_weights or {}
    blocks, embeddings = [], []
    for name, transformer, column in features.transformers_:
        if name == "remainder" or transformer == "drop":
            continue
        weight = float(weights.get(name, 1.0))
        if isinstance(transformer, SentenceEmbedder):
            if not transformer.normalize:
                return None
            embeddings.append((column, weight))
        elif embeddings:  # a vectorizer after an embedding block: not the layout handled here
            return None
        else:
            blocks.append((_plain_vectorizer(transformer), column, weight))
    coefs, intercepts, slopes, offsets = [], [], [], []
    for estimator in estimators:
        calibrated = getattr(estimator, "calibrated_classifiers_", None)
        if not calibrated or len(calibrated) != 1 or calibrated[0].method != "sigmoid":
            return None
        base = calibrated[0].estimator
        if not hasattr(base, "coef_"):
            return None
        coefs.append(np.ravel(base.coef_))
        intercepts.append(float(np.ravel(base.intercept_)[0]))
        slopes.append(float(calibrated[0].calibrators[0].a_))
        offsets.append(float(calibrated[0].calibrators[0].b_))
    return LinearThemeModel(blocks, np.vstack(coefs).T, np.asarray(intercepts), np.asarray(slopes),
                            np.asarray(offsets), embeddings)


def _plain_vectorizer(vectorizer: TfidfVectorizer) -> TfidfVectorizer:
    """A fitted :class:`ContextVectorizer` as a plain TfidfVectorizer with the same state, so the
    artifact needs no class of this module to load."""
    if type(vectorizer) is TfidfVectorizer:
        return vectorizer
    plain = TfidfVectorizer.__new__(TfidfVectorizer)
    plain.__dict__.update(vectorizer.__dict__)
    return plain
