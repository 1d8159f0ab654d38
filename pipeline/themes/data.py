"""Training data of the theme model: labelled sentences, read and checked, with their contexts.

Two sources: sentences written for the project (``data/themes/*.jsonl``, :func:`load_examples`)
and real publications labelled sentence by sentence (gold folders of offsets,
:func:`gold_sentences`), read as the pipeline reads them, with each sentence's context.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from pipeline.records import THEMES
from pipeline.themes.features import as_columns

RANDOM_STATE = 0


SAME_THEME_CONTEXT = 0.7  # share of synthetic contexts on the same theme (see with_synthetic_context)


NO_CONTEXT = 0.15  # share of sentences trained without any context


REPO_ROOT = Path(__file__).resolve().parents[2]


def load_taxonomy() -> dict[str, Any]:
    """The theme definitions and external mappings of ``taxonomy.yaml``, keyed by theme id."""
    import yaml

    with open(Path(__file__).with_name("taxonomy.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["themes"]


def default_data_paths() -> list[Path]:
    """Every ``data/themes/*.jsonl`` file except the analysts' corrections (added by :func:`train`)."""
    from pipeline.themes.review import CORRECTIONS_FILENAME

    return sorted(p for p in (REPO_ROOT / "data" / "themes").glob("*.jsonl")
                  if p.name != CORRECTIONS_FILENAME)


def read_rows(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Labelled rows ``{"text", "context", "themes"}`` of JSONL files, validated.

    Raises
    ------
    ValueError
        On an unknown theme id or an empty text.
    """
    rows = []
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
                rows.append({"text": text, "context": (row.get("context") or "").strip(),
                             "themes": list(row.get("themes", []))})
    return rows


def load_examples(paths: Iterable[str | Path] | None = None,
                  corrections: Iterable[dict[str, Any]] = (),
                  lemmas: bool = True) -> tuple[pd.DataFrame, np.ndarray]:
    """Read labelled sentences from JSONL files, plus analysts' corrections.

    Parameters
    ----------
    paths : iterable of str or Path, optional
        JSONL files whose lines are ``{"text": str, "context": str, "themes": [str, ...]}``.
        Defaults to :func:`default_data_paths`.
    corrections : iterable of dict
        Reviewed rows in the same format (see :mod:`pipeline.themes.review`). A correction
        replaces a training row with the same text (same :func:`~pipeline.themes.review.text_key`),
        otherwise it is added.
    lemmas : bool
        Parse the sentences with spaCy for the ``lemmas`` column (needed to train; checks of
        the data alone can skip it, the column is then empty).

    Returns
    -------
    X : pandas.DataFrame
        Columns ``text``, ``context`` (empty string when there is no context) and ``lemmas``
        (:func:`linguistic_string` of the text).
    Y : numpy.ndarray of shape (n_examples, len(THEMES))
        Binary indicator matrix in :data:`THEMES` order.

    Raises
    ------
    ValueError
        On an unknown theme id or an empty text, or when there is no data at all.
    """
    from pipeline.themes.review import text_key

    paths = list(paths) if paths is not None else default_data_paths()
    rows = read_rows(paths)
    by_key = {text_key(row["text"]): i for i, row in enumerate(rows)}
    for correction in corrections:
        row = {"text": correction["text"].strip(), "context": (correction.get("context") or "").strip(),
               "themes": [t for t in THEMES if t in correction.get("themes", [])]}
        key = text_key(row["text"])
        if key in by_key:
            rows[by_key[key]] = row
        else:
            by_key[key] = len(rows)
            rows.append(row)
    if not rows:
        raise ValueError("no training data files given or found in data/themes/")
    labels = [[int(theme in row["themes"]) for theme in THEMES] for row in rows]
    texts = [r["text"] for r in rows]
    X = as_frame(texts, [r["context"] for r in rows], None if lemmas else [""] * len(texts))
    return X, np.asarray(labels, dtype=int)


def with_synthetic_context(X: pd.DataFrame, Y: np.ndarray, seed: int = RANDOM_STATE) -> pd.DataFrame:
    """Give training sentences without a context a plausible previous sentence.

    Hand-written sentences mostly stand alone, so the context block would learn nothing; in
    real publications, though, neighbouring sentences share their themes more often than not
    (a section on detention talks about detention). Each sentence without context gets, with
    probability :data:`SAME_THEME_CONTEXT`, another training sentence sharing one of its
    themes (or, for a sentence with no theme, another sentence with none); with probability
    :data:`NO_CONTEXT` none (a document's first sentence); otherwise any sentence at all
    (a topic change). Deterministic for a given ``seed``.
    """
    rng = np.random.default_rng(seed)
    texts = X["text"].tolist()
    contexts = X["context"].tolist()
    by_theme = {j: np.flatnonzero(Y[:, j]) for j in range(Y.shape[1])}
    none = np.flatnonzero(Y.sum(axis=1) == 0)
    for i, context in enumerate(contexts):
        if context:
            continue
        draw = rng.random()
        if draw < NO_CONTEXT:
            continue
        if draw < NO_CONTEXT + SAME_THEME_CONTEXT:
            themes = np.flatnonzero(Y[i])
            pool = by_theme[int(rng.choice(themes))] if len(themes) else none
        else:
            pool = np.arange(len(texts))
        pool = pool[pool != i]
        if len(pool):
            contexts[i] = texts[int(rng.choice(pool))]
    return X.assign(context=contexts)


def as_frame(texts: Sequence[str], contexts: Sequence[str] | None,
              lemmas: Sequence[str] | None = None) -> pd.DataFrame:
    """The model's input table: columns ``text``, ``context`` and ``lemmas``."""
    return pd.DataFrame(as_columns(texts, contexts, lemmas))


SENTENCE_COLUMNS = ("doc", "doc_type", "index", "start", "end", "paragraph", "text", "lemmas", "context",
                    "heading", "paragraph_text", "opening")


def gold_sentences(gold_dirs: Iterable[str | Path], nlp=None) -> tuple[pd.DataFrame, np.ndarray]:
    """Every labelled sentence of gold folders of real documents, with its features and labels.

    The documents are read and parsed as the pipeline does (a document whose text changed since it
    was labelled raises :class:`~pipeline.evaluate.GoldTextChanged`); each gold sentence must be a
    sentence of the parse (same offsets), which the labelling sheets guarantee.

    Returns
    -------
    X : pandas.DataFrame
        Columns :data:`SENTENCE_COLUMNS`, in document order.
    Y : numpy.ndarray of shape (n_sentences, len(THEMES))
    """
    from pipeline.analysis import parse
    from pipeline.evaluate import GoldError, load_gold, read_gold_document
    from pipeline.nlp import load_nlp
    from pipeline.themes.features import document_sentences, paragraph_and_opening

    nlp = nlp or load_nlp()
    golds = [gold for folder in gold_dirs for gold in load_gold(folder)]
    documents = [read_gold_document(gold) for gold in golds]
    rows, labels = [], []
    for gold, document, doc in zip(golds, documents, parse(nlp, (d.text for d in documents))):
        rows_of_doc = document_sentences(doc, document.text)
        paragraph_texts, openings = paragraph_and_opening(rows_of_doc)
        sentences = {(r["start"], r["end"]): {**r, "paragraph_text": p, "opening": o}
                     for r, p, o in zip(rows_of_doc, paragraph_texts, openings)}
        for annotation in gold.annotations:
            row = sentences.get((annotation["start"], annotation["end"]))
            if row is None:
                raise GoldError(f"{gold.gold_path}: {annotation['start']}:{annotation['end']} is not a sentence "
                                "of the document as the pipeline splits it")
            rows.append({"doc": gold.gold_path.stem, "doc_type": gold.doc_type, **row})
            labels.append([int(theme in annotation.get("themes", [])) for theme in THEMES])
    return (pd.DataFrame(rows, columns=list(SENTENCE_COLUMNS)),
            np.asarray(labels, dtype=int).reshape(-1, len(THEMES)))
