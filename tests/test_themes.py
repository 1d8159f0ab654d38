"""Tests of the sentence theme classifier (pipeline.themes).

Every sentence below was written for these tests and is not in data/themes/.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from pipeline.records import THEMES, Statement
from pipeline.themes.data import default_data_paths, load_examples, load_taxonomy
from pipeline.themes.model import ModelError, ThemeClassifier, default_model_path
from pipeline.themes.statements import classify_sentences as extract_statements
from pipeline.themes.training import THRESHOLD_BOUNDS, train

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def classifier() -> ThemeClassifier:
    return ThemeClassifier.load()


def themes_of(classifier: ThemeClassifier, text: str, context: str = "") -> list[str]:
    return classifier.predict([text], [context])[0][0]


# ------------------------------------------------------------------ artifact


def test_artifact_loads_once_and_is_small(classifier):
    path = default_model_path()
    assert path == REPO / "pipeline" / "resources" / "themes" / "themes.joblib"  # a package resource
    assert path.stat().st_size < 5_000_000
    assert (path.parent / "MODEL_CARD.md").exists()
    assert ThemeClassifier.load() is classifier  # cached per process
    assert set(classifier.thresholds) == set(THEMES)
    low, high = THRESHOLD_BOUNDS
    assert all(low <= t <= high for t in classifier.thresholds.values())


def test_models_dir_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("NGO_PIPELINE_MODELS", str(tmp_path))
    assert default_model_path() == tmp_path / "themes" / "themes.joblib"
    with pytest.raises(ModelError, match="No theme model"):
        ThemeClassifier.load()


def test_taxonomy_covers_every_theme():
    taxonomy = load_taxonomy()
    assert tuple(taxonomy) == THEMES
    for theme, entry in taxonomy.items():
        assert entry["label"] and entry["definition"], theme
        assert entry["include"] and entry["exclude"] and entry["examples"], theme
        assert {"reliefweb", "humset", "acled"} <= set(entry["mappings"]), theme


def test_training_data_meets_the_brief():
    X, Y = load_examples(default_data_paths(), lemmas=False)
    assert len(X) >= 1500
    assert Y.sum(axis=0).min() >= 150  # every theme well represented
    assert (Y.sum(axis=1) == 0).sum() >= 400  # sentences with no theme, many of them hard negatives
    assert (Y.sum(axis=1) > 1).sum() >= 100  # multi-theme sentences
    assert X["text"].is_unique


# ---------------------------------------------------------------- predictions


@pytest.mark.parametrize(
    "theme, text",
    [
        ("normalisation", "Kuwait is preparing to send an ambassador back to Damascus after a twelve-year break."),
        ("normalisation", "The ministers discussed reviving commercial links with the Syrian government."),
        ("refugee_returns", "Turkish police rounded up Syrians in Istanbul and bused them to the border."),
        ("detention", "Her son disappeared after being taken from a checkpoint near Homs, and the authorities deny holding him."),
        ("detention", "Former inmates described being tortured during interrogation in the military prison."),
        ("covid", "The clinic ran short of oxygen as the number of Covid-19 patients climbed."),
        ("covid", "Vaccination against the coronavirus has barely begun in the camps."),
        ("attacks_on_civilians", "An airstrike hit a school in the village, killing six pupils and a teacher."),
        ("attacks_on_civilians", "Artillery fire struck a crowded market on Saturday morning."),
        ("accountability", "A court in Stockholm opened the trial of a former officer accused of war crimes."),
        ("accountability", "The victims' families demand that those responsible be prosecuted."),
        ("humanitarian_access", "The siege prevented food and medicine from reaching the town."),
    ],
)
def test_new_sentence_gets_its_theme(classifier, theme, text):
    themes, scores = classifier.predict([text])[0]
    assert theme in themes, scores
    assert scores[theme] == max(scores.values())


def test_multi_label_sentences(classifier):
    assert {"refugee_returns", "detention"} <= set(themes_of(
        classifier, "Returnees were arrested by intelligence officers soon after crossing back into Syria."))
    assert {"attacks_on_civilians", "accountability"} <= set(themes_of(
        classifier, "The bombing of the hospital must be investigated as a possible war crime."))


@pytest.mark.parametrize(
    "text, not_theme",
    [
        ("The organisation was founded in 2014 in a former hospital building.", "attacks_on_civilians"),
        ("The bridge is the only crossing over the river.", "humanitarian_access"),
        ("The new school year began in September.", None),
    ],
)
def test_hard_negatives(classifier, text, not_theme):
    themes = themes_of(classifier, text)
    if not_theme is None:
        assert themes == []
    else:
        assert not_theme not in themes


def test_scores_and_thresholds_are_applied(classifier):
    texts = ["Artillery fire struck a crowded market on Saturday morning.",
             "The new school year began in September."]
    results = classifier.predict(texts, ["", ""])
    for themes, scores in results:
        assert list(scores) == list(THEMES)
        assert all(0.0 <= s <= 1.0 and round(s, 4) == s for s in scores.values())
        assert themes == [t for t in THEMES if scores[t] >= classifier.thresholds[t]]
    # the same model with every threshold raised above the scores assigns nothing
    strict = ThemeClassifier(classifier.model, {t: 1.01 for t in THEMES})
    assert [themes for themes, _ in strict.predict(texts)] == [[], []]
    # ... and with a threshold lowered below a score, assigns that theme
    market_score = results[0][1]["covid"]
    lenient = ThemeClassifier(classifier.model, {**classifier.thresholds, "covid": market_score / 2})
    assert "covid" in lenient.predict(texts[:1])[0][0]


def test_predict_validates_and_handles_empty(classifier):
    assert classifier.predict([]) == []
    with pytest.raises(ValueError):
        classifier.predict(["one", "two"], ["only one context"])


def test_context_can_supply_the_theme(classifier):
    text = "Most of them have not been heard from since."
    with_context = classifier.predict(
        [text], ["Soldiers detained dozens of young men at the checkpoint and took them to a security branch."])
    without = classifier.predict([text])
    assert with_context[0][1]["detention"] > without[0][1]["detention"]


# ----------------------------------------------------------------- statements


class SpyClassifier:
    """Wraps a classifier and records every predict call."""

    def __init__(self, inner: ThemeClassifier):
        self.inner = inner
        self.calls: list[tuple[list[str], list[str] | None]] = []

    def predict(self, texts, contexts=None, lemmas=None):
        self.calls.append((list(texts), None if contexts is None else list(contexts)))
        return self.inner.predict(texts, contexts, lemmas)


def test_statements_offsets_exact_and_one_per_sentence(nlp, classifier):
    text = (
        "Press release, 2 May 2024\n\n"
        "Warplanes bombed the central market in the town on Monday, killing nine people.  "
        "Local doctors said the hospital could not cope.\n\n"
        "The group has urged judges in Europe to prosecute those responsible.\n\n"
        "Contact: press office"
    )
    doc = nlp(text)
    spy = SpyClassifier(classifier)
    statements = extract_statements(doc, spy)
    sentences = [s for s in doc.sents if s.text.strip()]
    assert len(statements) == len(sentences) == 5
    assert len(spy.calls) == 1  # one batched call per document
    assert [s.statement_id for s in statements] == [f"s{i}" for i in range(1, 6)]
    for statement in statements:
        assert isinstance(statement, Statement)
        assert text[statement.start:statement.end] == statement.text
        assert statement.text == statement.text.strip() and statement.text
        assert set(statement.scores) == set(THEMES)
    starts = [s.start for s in statements]
    assert starts == sorted(starts)
    # context: the section heading (a short line: "Press release, 2 May 2024", then
    # "Contact: press office") and the previous sentence; a heading is not its own context
    texts, contexts = spy.calls[0]
    assert texts == [s.text for s in statements]
    assert contexts == ["", texts[0], f"{texts[0]} {texts[1]}", f"{texts[0]} {texts[2]}", texts[3]]
    by_text = {s.text: s for s in statements}
    assert "attacks_on_civilians" in by_text[
        "Warplanes bombed the central market in the town on Monday, killing nine people."].themes
    assert "accountability" in by_text[
        "The group has urged judges in Europe to prosecute those responsible."].themes


def test_section_headings_skip_running_headers_and_sentences():
    from pipeline.layout import section_headings
    from pipeline.themes.features import sentence_contexts

    text = ("Annual Report 2013\n\nDeaths in custody\n\nTwo brothers died in the branch. Nobody was told.\n\n"
            "Annual Report 2013\n\nThis line ends like a sentence.\n\n### Impunity\nNo one was charged.")
    headings = [heading for _, heading in section_headings(text)]
    assert headings == ["Deaths in custody", "Impunity"]  # the repeated running header is not one
    first = text.index("Two brothers")
    second = text.index("Nobody")
    last = text.index("No one")
    spans = [(first, second - 1, "Two brothers died in the branch."), (second, second + 15, "Nobody was told."),
             (last, len(text), "No one was charged.")]
    contexts = sentence_contexts(text, spans)
    assert contexts[0] == "Deaths in custody"
    assert contexts[1] == "Deaths in custody Two brothers died in the branch."
    assert contexts[2] == "Impunity Nobody was told."


def test_statements_of_empty_doc(nlp, classifier):
    spy = SpyClassifier(classifier)
    assert extract_statements(nlp("   \n\n  "), spy) == []
    assert spy.calls == []


# ------------------------------------------------------------------- training


def test_training_is_deterministic(tmp_path):
    rows = [json.loads(line) for line in
            (REPO / "data" / "themes" / "train.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    subset = tmp_path / "subset.jsonl"
    subset.write_text("\n".join(json.dumps(r) for r in rows[::12]) + "\n", encoding="utf-8")
    no_corrections = tmp_path / "corrections.jsonl"  # the repository's corrections must not leak in
    # validation=False: thresholds from cross-validation only (the real validation set is tested below)
    first = train([subset], tmp_path / "a", corrections=no_corrections, validation=False)
    second = train([subset], tmp_path / "b", corrections=no_corrections, validation=False)
    assert (tmp_path / "a" / "themes.joblib").exists() and (tmp_path / "a" / "MODEL_CARD.md").exists()
    assert first["thresholds"] == second["thresholds"]
    assert first["cv"] == second["cv"]
    probe = ["Aid trucks were stopped at the crossing.", "He was arrested at his home in 2012.",
             "The budget was approved by the board."]
    a = ThemeClassifier.load(tmp_path / "a" / "themes.joblib").predict(probe)
    b = ThemeClassifier.load(tmp_path / "b" / "themes.joblib").predict(probe)
    assert a == b


def test_validation_thresholds_use_real_sentences_only_with_enough_positives(monkeypatch):
    """A theme with enough real positives gets the threshold best there; the others keep the fallback."""
    from pipeline.themes import training as themes_classifier

    rng = np.random.default_rng(0)
    n = 200
    Y = np.zeros((n, len(THEMES)), dtype=int)
    Y[:40, 0] = 1  # normalisation: 40 real positives, scored 0.25-0.45 (real text scores low)
    Y[:3, 1] = 1  # refugee_returns: 3 positives, too few to choose a threshold on
    proba = rng.uniform(0.0, 0.15, size=Y.shape)
    proba[:40, 0] = rng.uniform(0.25, 0.45, size=40)
    proba[:3, 1] = 0.9
    monkeypatch.setattr(themes_classifier, "gold_scores", lambda classifier, gold_dir, skipped=None: (Y, proba))
    fallback = {theme: 0.5 for theme in THEMES}
    thresholds, summary = themes_classifier.validation_thresholds(None, "gold", fallback)
    assert 0.15 < thresholds["normalisation"] <= 0.25  # separates the positives from the rest
    assert summary["per_theme"]["normalisation"]["source"] == "validation"
    assert summary["per_theme"]["normalisation"]["f1"] == 1.0
    assert thresholds["refugee_returns"] == 0.5
    assert summary["per_theme"]["refugee_returns"] == {**summary["per_theme"]["refugee_returns"],
                                                        "support": 3, "source": "cross-validation"}
    assert summary["micro_f1"] > summary["micro_f1_cv_thresholds"]


def test_gold_scores_are_the_pipeline_scores_of_each_gold_sentence(shared_corpus, nlp, classifier, tmp_path):
    from pipeline.evaluate import load_gold
    from pipeline.ingest import read_document
    from pipeline.themes.training import default_validation_dir, gold_scores

    [source_gold] = default_validation_dir().glob("036_*.json")  # the G7 statement, 9 sentences
    gold = json.loads(source_gold.read_text(encoding="utf-8"))
    gold["source"] = str((source_gold.parent / gold["source"]).resolve())
    (tmp_path / source_gold.name).write_text(json.dumps(gold), encoding="utf-8")
    Y, proba = gold_scores(classifier, tmp_path)
    [doc] = load_gold(tmp_path)
    document = read_document(doc.source, {"published": doc.published})
    statements = extract_statements(nlp(document.text), classifier)
    assert [(s.start, s.end) for s in statements] == [(a["start"], a["end"]) for a in doc.annotations]
    assert np.allclose(proba, [[s.scores[t] for t in THEMES] for s in statements])
    assert (Y == [[int(t in a["themes"]) for t in THEMES] for a in doc.annotations]).all()
    assert Y[:, THEMES.index("accountability")].sum() == 1  # "holding the Assad regime accountable"


def test_gold_scores_skip_a_document_whose_text_changed_only_when_asked(shared_corpus, classifier, tmp_path):
    """A reader change (e.g. a new PDF extractor) moves offsets: validation leaves that document out
    and names it, instead of dropping the whole validation set; plain scoring still refuses it."""
    from pipeline.evaluate import GoldError
    from pipeline.themes.training import default_validation_dir, gold_scores

    [source_gold] = default_validation_dir().glob("036_*.json")
    gold = json.loads(source_gold.read_text(encoding="utf-8"))
    gold["source"] = str((source_gold.parent / gold["source"]).resolve())
    gold["doc_id"] = "0000000000000000"  # as if the text had changed since labelling
    (tmp_path / source_gold.name).write_text(json.dumps(gold), encoding="utf-8")
    skipped: list[str] = []
    Y, proba = gold_scores(classifier, tmp_path, skipped)
    assert skipped == [source_gold.name] and len(Y) == 0 and len(proba) == 0
    with pytest.raises(GoldError):
        gold_scores(classifier, tmp_path)


# ------------------------------------------------------------ seed document


@pytest.fixture(scope="module")
def seed_statements(nlp, classifier, seed_text):
    text = seed_text
    statements = extract_statements(nlp(text), classifier)
    for s in statements:
        assert text[s.start:s.end] == s.text
    return statements


def _matching(statements, *patterns):
    found = [s for s in statements if all(re.search(p, s.text, re.I) for p in patterns)]
    assert found, patterns
    return found


@pytest.mark.parametrize(
    "theme, patterns",
    [
        ("normalisation", (r"Interpol", r"(readmitted|welcomed .*back)")),
        ("refugee_returns", (r"Denmark", r"residency")),
        ("detention", (r"Sednaya",)),
        ("detention", (r"missing or detained",)),
        ("covid", (r"oxygen",)),
        ("covid", (r"vaccinated",)),
    ],
)
def test_seed_document_themes(seed_statements, theme, patterns):
    for statement in _matching(seed_statements, *patterns):
        assert theme in statement.themes, (statement.text, statement.scores)


def test_context_vectorizer_tolerates_missing_context():
    from pipeline.themes.estimators import ContextVectorizer

    vectorizer = ContextVectorizer()
    assert vectorizer.fit_transform(["", ""]).nnz == 0
    assert vectorizer.transform(["Jets struck the village."]).nnz == 0
    assert ContextVectorizer().fit(["Jets struck the village."]).transform(["the village"]).nnz == 2


# ------------------------------------------------------- features and fast path


def test_folded_model_equals_the_fitted_pipeline(tmp_path):
    """The artifact holds the pipeline folded into one linear map (compile_linear): its scores are
    the fitted scikit-learn pipeline's, embeddings included."""
    from pipeline.themes.data import as_frame as _as_frame
    from pipeline.themes.data import with_synthetic_context
    from pipeline.themes.estimators import build_pipeline, compile_linear
    from pipeline.themes.model import LinearThemeModel

    X, Y = load_examples([REPO / "data" / "themes" / "train.jsonl"])
    X, Y = X.iloc[::4], Y[::4]
    pipeline = build_pipeline().fit(with_synthetic_context(X, Y), Y)
    folded = compile_linear(pipeline)
    assert isinstance(folded, LinearThemeModel) and len(folded.embeddings) == 2
    texts = ["Aid trucks were stopped at the crossing for a week.",
             "Relatives have not heard from him since his arrest in 2014.",
             "The annual budget was approved by the board."]
    frame = _as_frame(texts, ["", texts[0], texts[1]])
    assert np.allclose(folded.predict_proba(frame.to_dict("list")), pipeline.predict_proba(frame))


def test_sentence_embeddings_are_offline_cached_and_semantic(classifier):
    """The WordLlama block: read from the installed wheel without importing wordllama (whose
    import reconfigures the root logger and whose loader would fetch its tokenizer online), one
    normalised 256-dim row per text, zero for an empty context, independent of the word cache,
    and closer for a paraphrase than for an unrelated sentence."""
    import sys

    from pipeline.themes import embeddings
    from pipeline.themes.estimators import SentenceEmbedder

    assert len(classifier.model.embeddings) == 2
    texts = ["", "Warplanes bombed a crowded market, killing dozens of civilians.",
             "Airstrikes hit a busy marketplace and many people died.",
             "The embassy in Damascus reopened after twelve years."]
    embedder = SentenceEmbedder().fit(texts)
    rows = embedder.transform(texts)
    assert "wordllama" not in sys.modules
    assert rows.shape == (4, 256) and rows[0].nnz == 0
    dense = rows.toarray()
    assert np.allclose(np.linalg.norm(dense[1:], axis=1), 1.0)
    assert dense[1] @ dense[2] > dense[1] @ dense[3] + 0.1
    embeddings._WORD_TABLE.clear()
    embeddings._WORD_TABLE["rows"] = {}
    assert np.array_equal(SentenceEmbedder().fit([]).transform(list(reversed(texts))).toarray()[::-1], dense)


def test_linguistic_string_has_lemmas_and_entity_labels(nlp):
    from pipeline.themes.features import linguistic_string

    text = "Denmark stripped 94 Syrian refugees of their residency permits."
    words = linguistic_string(nlp(text)).split()
    assert {"strip", "refugee", "residency", "permit"} <= set(words)
    assert "ent_gpe" in words and "ent_norp" in words
    assert "of" not in words and "94" not in words  # stop words and numbers dropped


def test_predict_uses_given_lemmas_or_parses_itself(classifier, nlp):
    from pipeline.themes.features import linguistic_string

    text = "Prosecutors in Paris charged two officers with torture."
    given = classifier.predict([text], [""], [linguistic_string(nlp(text))])
    assert classifier.predict([text]) == given
    with pytest.raises(ValueError):
        classifier.predict([text], [""], [])


def test_synthetic_context_is_deterministic_and_keeps_real_context():
    from pipeline.themes.data import with_synthetic_context

    X, Y = load_examples(default_data_paths(), lemmas=False)
    first, second = with_synthetic_context(X, Y), with_synthetic_context(X, Y)
    assert first["context"].tolist() == second["context"].tolist()
    written = X["context"] != ""
    assert (first.loc[written, "context"] == X.loc[written, "context"]).all()
    filled = (~written) & (first["context"] != "")
    assert 0.6 < filled.sum() / (~written).sum() < 0.95
    assert (first.loc[filled, "context"] != first.loc[filled, "text"]).all()


def test_model_card_reports_data_and_versions():
    card = (default_model_path().parent / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "scikit-learn" in card and "spacy" in card
    for theme in THEMES:
        assert f"| {theme} |" in card


# ------------------------------------------------- passing mentions (issue 5)


@pytest.mark.parametrize(
    "text, not_theme",
    [
        ("She returned from holiday on Monday and went straight back to work.", "refugee_returns"),
        ("The cholera vaccine campaign reached every district within two weeks.", "covid"),
        ("The embassy will be closed on Friday for the national holiday.", "normalisation"),
        ("The trial of the new malaria drug enrolled 2,000 patients.", "accountability"),
    ],
)
def test_single_words_do_not_decide(classifier, text, not_theme):
    assert not_theme not in themes_of(classifier, text)
