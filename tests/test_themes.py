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
from pipeline.themes.features import CONTEXT_FEATURES
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
    assert path.stat().st_size < 5_000_000  # 4.7 MB: vocabularies as term lists, float32 weights
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
    strict = ThemeClassifier(classifier.model, {t: 1.01 for t in THEMES}, context=classifier.context)
    assert [themes for themes, _ in strict.predict(texts)] == [[], []]
    # ... and with a threshold lowered below a score, assigns that theme
    market_score = results[0][1]["covid"]
    lenient = ThemeClassifier(classifier.model, {**classifier.thresholds, "covid": market_score / 2},
                              context=classifier.context)
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
    """Wraps a classifier and records the sentences and contexts of every document call."""

    def __init__(self, inner: ThemeClassifier):
        self.inner = inner
        self.calls: list[tuple[list[str], list[str]]] = []

    def document_proba(self, sentences):
        self.calls.append(([s["text"] for s in sentences], [s["context"] for s in sentences]))
        return self.inner.document_proba(sentences)

    def themes_and_scores(self, proba):
        return self.inner.themes_and_scores(proba)


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


def test_training_is_deterministic_and_reads_context(small_real, tmp_path):
    rows = [json.loads(line) for line in
            (REPO / "data" / "themes" / "train.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    subset = tmp_path / "subset.jsonl"
    subset.write_text("\n".join(json.dumps(r) for r in rows[::12]) + "\n", encoding="utf-8")
    no_corrections = tmp_path / "corrections.jsonl"  # the repository's corrections must not leak in
    first = train([subset], tmp_path / "a", corrections=no_corrections, real_dirs=[small_real], folds=2)
    second = train([subset], tmp_path / "b", corrections=no_corrections, real_dirs=[small_real], folds=2)
    assert (tmp_path / "a" / "themes.joblib").exists() and (tmp_path / "a" / "MODEL_CARD.md").exists()
    assert first["thresholds"] == second["thresholds"] and first["cv"] == second["cv"]
    assert first["real_documents"] == 4 and first["real_sentences"] > 300
    model = ThemeClassifier.load(tmp_path / "a" / "themes.joblib")
    assert model.context is not None and model.context.coef.shape == (len(THEMES), len(CONTEXT_FEATURES))
    probe = ["Aid trucks were stopped at the crossing.", "He was arrested at his home in 2012.",
             "The budget was approved by the board."]
    assert model.predict(probe) == ThemeClassifier.load(tmp_path / "b" / "themes.joblib").predict(probe)
    card = (tmp_path / "a" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Context model (second stage)" in card and "4 real publications" in card


def test_thresholds_take_the_middle_of_the_best_f1():
    from pipeline.themes.training import choose_thresholds

    Y = np.array([[1], [1], [0], [0]])
    proba = np.array([[0.9], [0.6], [0.3], [0.1]])
    [threshold] = choose_thresholds(Y, proba)
    assert 0.3 < threshold <= 0.6  # every threshold in (0.3, 0.6] separates them: the median of the ties


def test_context_features_read_neighbours_paragraph_and_document():
    from pipeline.themes.features import context_features

    scores = np.array([[0.9, 0.0], [0.1, 0.0], [0.2, 0.8], [0.0, 0.4]])
    features = context_features(scores, paragraphs=[0, 0, 1, 1], headings=["", "", "B", "B"], lengths=[9, 4, 5, 5])
    assert features.shape == (4, 2, len(CONTEXT_FEATURES))
    column = {name: k for k, name in enumerate(CONTEXT_FEATURES)}
    assert features[1, 0, column["previous"]] == 0.9 and features[0, 0, column["previous"]] == 0.0
    assert features[1, 0, column["paragraph"]] == pytest.approx(0.9)  # the rest of its paragraph
    assert features[3, 1, column["section"]] == pytest.approx(0.6)  # its section, "B"
    assert features[0, 1, column["document"]] == pytest.approx(0.3)
    assert features[2, 0, column["position"]] == pytest.approx(2 / 3)
    assert features[1, 0, column["own"]] < features[0, 0, column["own"]]  # a logit


def test_the_context_model_lifts_a_sentence_in_a_document_about_its_theme(classifier, nlp):
    """The same neutral sentence, in a document about Covid-19 and in one about a storm."""
    from pipeline.themes.features import document_sentences

    neutral = "The people are now quarantining in their tents."
    covid = ("Covid-19 reaches the camps\n\nThe first cases of Covid-19 were confirmed in the camp on Monday. "
             "Testing capacity is tiny and there are no intensive care beds for coronavirus patients. "
             f"{neutral}\n\nVaccines have not arrived and the outbreak is spreading.")
    storm = ("Storm hits the coast\n\nThe storm destroyed roads and bridges on Monday. Rivers flooded the "
             f"valley. {neutral}\n\nThe harvest is lost and prices are rising.")
    j = THEMES.index("covid")

    def score(text):
        sentences = document_sentences(nlp(text), text)
        row = next(i for i, s in enumerate(sentences) if s["text"] == neutral)
        return classifier.document_proba(sentences)[row, j]

    in_covid, in_storm = score(covid), score(storm)
    assert in_covid >= classifier.thresholds["covid"]
    assert in_covid - in_storm >= 0.1, (in_covid, in_storm)  # the document, not the word, makes the difference


def test_document_themes_need_three_sentences_or_a_tenth():
    from pipeline.records import document_themes

    themes, scores = document_themes([["detention"]] * 3 + [[]] * 37)  # 3 of 40
    assert themes == ["detention"] and scores["detention"] == 0.075
    themes, _ = document_themes([["covid"]] * 2 + [[]] * 38)  # 2 of 40: a passing mention
    assert themes == []
    themes, _ = document_themes([["covid"], [], [], [], [], []])  # 1 of 6: a short document about it
    assert themes == ["covid"]
    assert document_themes([]) == ([], {t: 0.0 for t in THEMES})


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
