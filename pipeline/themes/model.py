"""The theme model at run time: load the trained artifact, score sentences. No training stack.

The artifact (``themes.joblib``, a package resource: :func:`default_model_path`) holds two stages.

1. The sentence model folded into one linear map (:class:`LinearThemeModel`): the fitted TF-IDF
   vectorizers of the sentence, its lemmas, its character n-grams, its context (section heading
   and previous sentence), its paragraph and its document's opening, the weights of the
   WordLlama embedding blocks, and per theme the linear SVM's weights and sigmoid calibration:
   ``p = expit(-(a * (x @ w + c) + b))``.
2. The context model (:class:`ContextModel`): per theme, a logistic regression over the first
   stage's scores of the sentence and of its neighbours, paragraph, section and document
   (:func:`~pipeline.themes.features.context_features`), blended with the first stage.

A theme is assigned when the final score reaches the theme's threshold. Training
(:mod:`pipeline.themes.training`) writes the artifact; this module only needs numpy, scipy and
scikit-learn's text vectorizers.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from pipeline.records import THEMES
from pipeline.themes.embeddings import embed, wordllama_model
from pipeline.themes.features import (
    CONTEXT_FEATURES,
    as_columns,
    context_features,
    paragraph_and_opening,
)

MODEL_FILENAME = "themes.joblib"
CARD_FILENAME = "MODEL_CARD.md"
ARTIFACT_FORMAT = 4  # 1: the pipeline pickled; 2: the folded linear model; 3: plus the context model;
#                      4: vectorizers stored as their terms and idf weights
READABLE_FORMATS = (2, 3, 4)
DEFAULT_THRESHOLD = 0.5


def models_dir() -> Path:
    """Where trained models live: ``$NGO_PIPELINE_MODELS`` when set, else the package's own
    ``pipeline/resources`` (so an installed wheel carries its theme model)."""
    override = os.environ.get("NGO_PIPELINE_MODELS")
    return Path(override) if override else Path(str(resources.files("pipeline") / "resources"))


def default_model_path() -> Path:
    return models_dir() / "themes" / MODEL_FILENAME


class LinearThemeModel:
    """Seven calibrated linear models over one feature space, scored as one sparse product.

    ``blocks`` are ``(vectorizer, column, weight)``: fitted TF-IDF vectorizers in the order of
    the feature columns; ``embeddings`` are ``(column, weight)``: WordLlama mean-embedding blocks,
    after the vectorizers. ``weights`` is ``(n_features, n_themes)``; ``intercepts``, ``slopes``
    and ``offsets`` are per theme. The scores equal those of the fitted scikit-learn pipeline
    (checked in the tests).
    """

    def __init__(self, blocks, weights: np.ndarray, intercepts: np.ndarray, slopes: np.ndarray,
                 offsets: np.ndarray, embeddings=()):
        self.blocks = list(blocks)
        self.embeddings = list(embeddings)
        self.weights, self.intercepts = weights, intercepts
        self.slopes, self.offsets = slopes, offsets
        self.counters = [TermCounter.of(vectorizer) for vectorizer, _, _ in self.blocks]

    def predict_proba(self, frame: dict[str, list[str]]) -> np.ndarray:
        from scipy.sparse import hstack
        from scipy.special import expit

        parts = [_transform_distinct(counter or vectorizer, frame[column]) * weight
                 for (vectorizer, column, weight), counter in zip(self.blocks, self.counters)]
        parts += [embed(frame[column]) * weight for column, weight in self.embeddings]
        scores = np.asarray(hstack(parts, format="csr") @ self.weights) + self.intercepts
        return expit(-(self.slopes * scores + self.offsets))

    def to_artifact(self) -> dict[str, Any]:
        # float32 halves the weights; the scores move by about 1e-7, far below any threshold step
        blocks = [(_vectorizer_state(vectorizer), column, weight) for vectorizer, column, weight in self.blocks]
        return {"blocks": blocks, "embeddings": self.embeddings, "weights": self.weights.astype(np.float32),
                "intercepts": self.intercepts, "slopes": self.slopes, "offsets": self.offsets}

    @classmethod
    def from_artifact(cls, data: dict[str, Any]) -> "LinearThemeModel":
        blocks = [(_vectorizer_from_state(vectorizer), column, weight) for vectorizer, column, weight in data["blocks"]]
        return cls(blocks, data["weights"], data["intercepts"], data["slopes"], data["offsets"], data["embeddings"])


def _transform_distinct(vectorizer: Any, values: Sequence[str]):
    """``vectorizer.transform(values)``, each distinct value vectorized once: a document's
    sentences share their opening, and the sentences of a paragraph its text."""
    rows: dict[str, int] = {}
    index = [rows.setdefault(value, len(rows)) for value in values]
    matrix = vectorizer.transform(list(rows))
    return matrix if len(rows) == len(index) else matrix[index]


def _vectorizer_state(vectorizer: Any) -> Any:
    """A fitted ``TfidfVectorizer`` as its parameters, its terms in column order and its idf
    weights: half the size of the pickled object (whose vocabulary is a dict of term -> column),
    the same transform. Any other vectorizer is kept as it is."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if type(vectorizer) is not TfidfVectorizer or not hasattr(vectorizer, "vocabulary_"):
        return vectorizer
    vocabulary = vectorizer.vocabulary_
    return {"tfidf_params": vectorizer.get_params(), "terms": sorted(vocabulary, key=vocabulary.__getitem__),
            "idf": vectorizer.idf_ if vectorizer.use_idf else None}


def _vectorizer_from_state(state: Any) -> Any:
    """The vectorizer :func:`_vectorizer_state` described (a vectorizer object is returned as it is)."""
    from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

    if not (isinstance(state, dict) and "tfidf_params" in state):
        return state
    vectorizer = TfidfVectorizer(**state["tfidf_params"])
    vectorizer.vocabulary_ = {term: column for column, term in enumerate(state["terms"])}
    vectorizer.fixed_vocabulary_ = False
    vectorizer._tfidf = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf,
                                         smooth_idf=vectorizer.smooth_idf, sublinear_tf=vectorizer.sublinear_tf)
    if state["idf"] is not None:
        vectorizer._tfidf.idf_ = state["idf"]
    return vectorizer


class ContextModel:
    """The second stage: each sentence's themes read in its paragraph, section and document.

    Per theme, a logistic regression over :func:`~pipeline.themes.features.context_features`
    (``coef`` of shape ``(n_themes, n_features)``, ``intercept`` of shape ``(n_themes,)``); the
    final score is ``blend * context + (1 - blend) * sentence``, so a sentence that never names
    a theme can carry it from its context, and a passing word in a document about something else
    weighs less.
    """

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, blend: float):
        self.coef, self.intercept, self.blend = np.asarray(coef), np.asarray(intercept), float(blend)

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        """The context model's own probabilities from context features ``(n, n_themes, n_features)``."""
        from scipy.special import expit

        return expit(np.einsum("ntf,tf->nt", features, self.coef) + self.intercept)

    def predict_proba(self, scores: np.ndarray, paragraphs: Sequence[int], headings: Sequence[str],
                      lengths: Sequence[int]) -> np.ndarray:
        """Final scores of one document's sentences from their first-stage ``scores``."""
        if len(scores) == 0:
            return np.asarray(scores, dtype=float)
        context = self.predict_features(context_features(scores, paragraphs, headings, lengths))
        return self.blend * context + (1 - self.blend) * np.asarray(scores)

    def to_artifact(self) -> dict[str, Any]:
        return {"coef": self.coef, "intercept": self.intercept, "blend": self.blend,
                "features": list(CONTEXT_FEATURES)}

    @classmethod
    def from_artifact(cls, data: dict[str, Any]) -> "ContextModel":
        if tuple(data.get("features", ())) != CONTEXT_FEATURES:
            raise ModelError(f"the context model was trained on features {data.get('features')}, "
                             f"this version computes {CONTEXT_FEATURES}: retrain it")
        return cls(data["coef"], data["intercept"], data["blend"])


class TermCounter:
    """``TfidfVectorizer.transform`` of a fitted vectorizer, same matrix, a few times faster.

    scikit-learn counts n-grams one by one in Python and pays an exception for every
    n-gram outside the vocabulary (most bigrams and character n-grams of new text). This
    counts with dictionary look-ups, and for character n-grams (``char_wb``, built word by
    word) remembers each word's in-vocabulary n-grams, since words repeat across sentences.
    The count matrix is the one ``CountVectorizer._count_vocab`` builds (same dtype, sorted
    indices), then goes through the vectorizer's own TF-IDF step, so the result is
    identical (checked in ``tests/test_speed_equivalence.py``).
    """

    MAX_CACHED_WORDS = 50_000  # bounded (a few MB), so memory stays flat on any corpus

    def __init__(self, vectorizer):
        self.vectorizer = vectorizer
        self.vocabulary = vectorizer.vocabulary_
        self.by_word = vectorizer.analyzer == "char_wb"
        self.analyze = vectorizer.build_analyzer()
        self.white_spaces = vectorizer._white_spaces
        self.word_ngrams: dict[str, list[int]] = {}

    @classmethod
    def of(cls, vectorizer) -> "TermCounter | None":
        """A counter for ``vectorizer``, or None when its settings are not the plain ones handled here."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        plain = (isinstance(vectorizer, TfidfVectorizer) and hasattr(vectorizer, "_tfidf")
                 and vectorizer.analyzer in ("word", "char_wb") and vectorizer.input == "content"
                 and vectorizer.preprocessor is None and vectorizer.tokenizer is None
                 and vectorizer.strip_accents is None and vectorizer.stop_words is None
                 and not vectorizer.binary and hasattr(vectorizer, "vocabulary_"))
        return cls(vectorizer) if plain else None

    def _char_wb_indices(self, text: str) -> list[int]:
        # sklearn's _char_wb_ngrams, feature indices instead of strings, cached per word
        if self.vectorizer.lowercase:
            text = text.lower()
        cache, out = self.word_ngrams, []
        for word in self.white_spaces.sub(" ", text).split():
            indices = cache.get(word)
            if indices is None:
                if len(cache) >= self.MAX_CACHED_WORDS:
                    cache.clear()
                get = self.vocabulary.get
                indices = cache[word] = [i for i in map(get, self.vectorizer._char_wb_ngrams(word))
                                         if i is not None]
            out.extend(indices)
        return out

    def transform(self, texts: Sequence[str]):
        from scipy import sparse

        get = self.vocabulary.get
        columns: list[int] = []
        lengths: list[int] = []
        for text in texts:
            before = len(columns)
            if self.by_word:
                columns.extend(self._char_wb_indices(text))
            else:
                columns.extend(i for i in map(get, self.analyze(text)) if i is not None)
            lengths.append(len(columns) - before)
        rows = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        # one entry per occurrence; the CSR conversion sums them into counts, indices sorted
        counts = sparse.coo_matrix(
            (np.ones(len(columns), dtype=self.vectorizer.dtype), (rows, np.asarray(columns, dtype=np.int32))),
            shape=(len(lengths), len(self.vocabulary))).tocsr()
        counts.sum_duplicates()
        counts.sort_indices()
        tfidf = self.vectorizer._tfidf
        if tfidf.norm not in (None, "l2"):
            return tfidf.transform(counts, copy=False)
        # TfidfTransformer.transform's own steps, without its per-call input validation
        if tfidf.sublinear_tf:
            np.log(counts.data, counts.data)
            counts.data += 1.0
        if hasattr(tfidf, "idf_"):
            counts.data *= tfidf.idf_[counts.indices]
        if tfidf.norm == "l2":
            from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

            inplace_csr_row_normalize_l2(counts)
        return counts


class ThemeClassifier:
    """A trained theme model plus its per-theme decision thresholds.

    Parameters
    ----------
    model : LinearThemeModel, or any object with ``predict_proba(columns) -> array``
        Scores a dict of columns ``text``, ``context``, ``lemmas`` (:func:`~pipeline.themes.features.as_columns`).
    thresholds : dict of str to float
        Minimum calibrated probability for each theme id.
    metadata : dict, optional
        Training date, data size, library versions, evaluation figures (the model card's source).
    context : ContextModel, optional
        The second stage; without it a sentence is scored alone.
    """

    def __init__(self, model: Any, thresholds: dict[str, float], metadata: dict[str, Any] | None = None,
                 context: ContextModel | None = None):
        self.model = model
        self.context = context
        self.thresholds = {theme: float(thresholds.get(theme, DEFAULT_THRESHOLD)) for theme in THEMES}
        self.metadata = metadata or {}
        if getattr(model, "embeddings", None):
            wordllama_model()  # load the embedding table now, once, before any worker is forked

    @classmethod
    def load(cls, path: str | Path | None = None) -> "ThemeClassifier":
        """Load a trained artifact (default: :func:`default_model_path`), once per process and path."""
        resolved = str((Path(path) if path is not None else default_model_path()).resolve())
        if resolved not in _LOADED:
            _LOADED[resolved] = _load_artifact(resolved)
        return _LOADED[resolved]

    def save(self, path: str | Path) -> Path:
        """Write the artifact (a linear model is stored folded; another model is pickled whole)."""
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"format": ARTIFACT_FORMAT, "themes": list(THEMES), "thresholds": self.thresholds, "metadata": self.metadata}
        if isinstance(self.model, LinearThemeModel):
            data["linear"] = self.model.to_artifact()
        else:
            data["model"] = self.model
        if self.context is not None:
            data["context"] = self.context.to_artifact()
        joblib.dump(data, path, compress=9)  # zlib at its best: slower to write, as fast to read
        _LOADED.pop(str(path.resolve()), None)  # a later load must see the new model
        return path

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None,
                      lemmas: Sequence[str] | None = None, paragraphs: Sequence[str] | None = None,
                      openings: Sequence[str] | None = None) -> np.ndarray:
        """First-stage probabilities of sentences read alone (with the context given), shape
        ``(len(texts), len(THEMES))``, in THEMES order."""
        if len(texts) == 0:
            return np.zeros((0, len(THEMES)))
        return self.model.predict_proba(as_columns(texts, contexts, lemmas, paragraphs, openings))

    def document_proba(self, sentences: Sequence[dict[str, Any]]) -> np.ndarray:
        """Final probabilities of the sentences of one document, in order: each read with its
        context, paragraph and the document's opening (first stage), then in its paragraph,
        section and document (:class:`ContextModel`).

        ``sentences`` are the rows of :func:`~pipeline.themes.features.document_sentences`.
        """
        if not sentences:
            return np.zeros((0, len(THEMES)))
        paragraph_texts, openings = paragraph_and_opening(sentences)
        scores = self.predict_proba([s["text"] for s in sentences], [s["context"] for s in sentences],
                                    [s["lemmas"] for s in sentences], paragraph_texts, openings)
        if self.context is None:
            return scores
        return self.context.predict_proba(scores, [s["paragraph"] for s in sentences],
                                          [s["heading"] for s in sentences],
                                          [len(s["text"].split()) for s in sentences])

    def themes_and_scores(self, proba: np.ndarray) -> list[tuple[list[str], dict[str, float]]]:
        """Per row of probabilities: the themes reaching their thresholds and the rounded scores."""
        thresholds = self.thresholds
        results = []
        for row in proba:
            scores = {theme: round(float(p), 4) for theme, p in zip(THEMES, row)}
            themes = [theme for theme, p in zip(THEMES, row) if p >= thresholds[theme]]
            results.append((themes, scores))
        return results

    def predict(self, texts: list[str], contexts: list[str] | None = None,
                lemmas: list[str] | None = None) -> list[tuple[list[str], dict[str, float]]]:
        """Themes and scores for a batch of sentences.

        Parameters
        ----------
        texts : list of str
            Sentences to classify.
        contexts : list of str, optional
            The context of each one: the sentence before it, optionally preceded by its section
            heading (``""`` for none); same length as ``texts``.
        lemmas : list of str, optional
            :func:`~pipeline.themes.features.linguistic_string` of each sentence when its spaCy
            tokens are at hand (:func:`~pipeline.themes.statements.classify_sentences` passes
            them); otherwise the texts are parsed here.

        Returns
        -------
        list of (list of str, dict of str to float)
            Per sentence, the theme ids whose score reaches their threshold (THEMES order)
            and the scores of all seven themes rounded to 4 decimal places. Each sentence is
            read as a document of one sentence (its context, if given, is the first stage's
            only context); a document's sentences are classified in their paragraph, section
            and document by :meth:`document_proba`
            (:func:`~pipeline.themes.statements.classify_sentences`).
        """
        scores = self.predict_proba(texts, contexts, lemmas)
        if self.context is not None and len(scores):  # each sentence read as a document of one sentence
            scores = np.vstack([self.context.predict_proba(row[None, :], [0], [""], [len(text.split())])
                                for row, text in zip(scores, texts)])
        return self.themes_and_scores(scores)


_LOADED: dict[str, ThemeClassifier] = {}  # resolved artifact path -> classifier


class ModelError(RuntimeError):
    """No usable theme model at the path given."""


def _load_artifact(path: str) -> ThemeClassifier:
    import joblib

    if not Path(path).exists():
        raise ModelError(
            f"No theme model at {path}. Train one with `ngo-pipeline train`, or point "
            "NGO_PIPELINE_MODELS at a folder holding themes/themes.joblib.")
    artifact = joblib.load(path)
    if artifact.get("format") not in READABLE_FORMATS:
        raise ModelError(f"{path} is a theme model of format {artifact.get('format')}, this version reads "
                         f"format {ARTIFACT_FORMAT}: retrain it with `ngo-pipeline train`")
    if tuple(artifact.get("themes", ())) != THEMES:
        raise ModelError(f"{path} was trained for themes {artifact.get('themes')}, expected {THEMES}")
    model = LinearThemeModel.from_artifact(artifact["linear"]) if "linear" in artifact else artifact["model"]
    context = ContextModel.from_artifact(artifact["context"]) if "context" in artifact else None
    return ThemeClassifier(model, artifact["thresholds"], artifact.get("metadata"), context)
