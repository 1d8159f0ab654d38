"""The fast paths of the extractors give exactly what the slow, obvious code gives.

Each speed-up of issue 7 (docs/performance.md, "Where the time goes (extractors)") replaced
a simple computation by a faster one that must not change a single record: matchers run
only near anchor tokens, TF-IDF counted without scikit-learn's per-n-gram loop, common
date expressions read without dateparser, sentence boundaries set from token arrays. Each
test compares the fast path with the plain computation on real text (the sample corpus).
"""
from __future__ import annotations

import random
from datetime import datetime

import numpy as np
import pytest
from spacy.matcher import Matcher

from pipeline.extract.claims import phrases, roles
from pipeline.extract.dates import find, resolve
from pipeline.extract.matching import AnchoredMatcher
from pipeline.ingest import iter_input_paths, read_document
from pipeline.layout import dateline_end
from pipeline.components.paragraphs import paragraph_boundaries
from pipeline.doctext import doc_text
from tests.conftest import SAMPLE_CORPUS

HEADLINE_MAX_TOKENS = 30
SENTENCE_END = tuple(".!?:;\"”’)…")


@pytest.fixture(scope="module")
def sample_texts() -> list[str]:
    return [read_document(path).text for path, skip in iter_input_paths([SAMPLE_CORPUS]) if not skip]


@pytest.fixture(scope="module")
def sample_docs(nlp, sample_texts):
    return list(nlp.pipe(sample_texts))


# --------------------------------------------------------------------------- matchers


def test_number_matcher_near_anchors_equals_the_whole_document_matcher(sample_docs):
    matcher = phrases._matcher(sample_docs[0].vocab)
    assert matcher.anchored  # every number pattern holds an anchor word
    found = 0
    for doc in sample_docs:
        windowed = matcher(doc)
        assert windowed == matcher.matcher(doc)  # same matches, same order
        found += len(windowed)
    assert found > 0


def test_date_matches_equal_one_matcher_over_the_whole_document(sample_docs):
    vocab = sample_docs[0].vocab
    plain = Matcher(vocab)
    for label, rules in find.DATE_PATTERNS.items():
        plain.add(label, rules)
    assert find._long_matcher(vocab).anchored and find._short_matcher(vocab).anchored
    found = 0
    for doc in sample_docs:
        fast = find.date_matches(doc)
        assert fast == sorted(plain(doc), key=lambda m: (m[1], m[2], m[0]))
        found += len(fast)
    assert found > 20


def test_matcher_without_anchors_searches_the_whole_document(nlp):
    doc = nlp("Aid reached 40 families in March. Two convoys waited for weeks at the crossing.")
    unanchored = AnchoredMatcher(nlp.vocab, {"NUM": [[{"LIKE_NUM": True}, {"POS": "NOUN"}]]}, anchor_words=["march"])
    assert not unanchored.anchored  # the pattern holds no anchor word: no windows
    assert [doc[s:e].text for _, s, e in unanchored(doc)] == ["40 families", "Two convoys"]
    unbounded = AnchoredMatcher(nlp.vocab, {"WAIT": [[{"LOWER": "waited"}, {"OP": "*"}, {"LOWER": "crossing"}]]},
                                anchor_words=["waited"])
    assert not unbounded.anchored  # "*" has no length bound
    assert [doc[s:e].text for _, s, e in unbounded(doc)] == ["waited for weeks at the crossing"]


# ----------------------------------------------------------------------------- themes


def test_term_counter_equals_the_fitted_vectorizers(sample_docs):
    from pipeline.themes.model import ThemeClassifier

    model = ThemeClassifier.load().model
    assert model is not None and all(counter is not None for counter in model.counters)
    sentences = [s.text for doc in sample_docs for s in doc.sents if s.text.strip()]
    texts = sentences + ["", "   ", "Ä ÖÜ  naïve\tcafé\u00a0x", "a b c"]
    for (vectorizer, _, _), counter in zip(model.blocks, model.counters):
        expected, got = vectorizer.transform(texts), counter.transform(texts)
        assert got.shape == expected.shape
        assert np.array_equal(got.indptr, expected.indptr)
        assert np.array_equal(got.indices, expected.indices)
        assert np.array_equal(got.data, expected.data)  # bit for bit, not approximately


# ------------------------------------------------------------------------------ dates


def _dateparser_value(expression: str, anchor: datetime, prefer: str) -> str | None:
    data = resolve._date_parser(anchor, prefer).get_date_data(expression)
    if data.date_obj is None or data.period not in {"day", "month", "year"}:
        return None
    return resolve._format(data.date_obj, data.period)[0]


def test_common_date_expressions_read_like_dateparser():
    rng = random.Random(7)
    months = [m.title() for m in resolve.MONTHS]
    expressions = (
        [str(rng.randint(1800, 2099)) for _ in range(8)]
        + [f"{rng.choice(months)} {rng.randint(1990, 2030)}" for _ in range(12)]
        + [f"{rng.randint(1, 31)} {rng.choice(months)} {rng.randint(1990, 2030)}" for _ in range(20)]
        + [f"{rng.choice(months)} {rng.randint(1, 31)}, {rng.randint(1990, 2030)}" for _ in range(12)]
        + months + ["JUNE", "march"]
        + [f"{rng.randint(1, 31)} {rng.choice(months)}" for _ in range(25)]
        + [f"{rng.choice(months)} {rng.randint(1, 31)}" for _ in range(15)]
    )
    # month edges, leap days and the anchor's own day are where "past"/"future" turn over
    anchors = [datetime(2021, 12, 21), datetime(2024, 2, 29), datetime(2023, 3, 1), datetime(2020, 10, 31),
               datetime(1990, 6, 15), datetime(2015, 3, 10)]
    checked = 0
    for expression in expressions:
        anchor = rng.choice(anchors)
        for prefer in ("past", "future"):
            fast = resolve._absolute_date(expression) or resolve._yearless_date(expression, anchor, prefer)
            if fast is None:
                continue  # an impossible day, 29 February: left to dateparser
            assert resolve._format(*fast)[0] == _dateparser_value(expression, anchor, prefer), (expression, anchor, prefer)
            checked += 1
    for anchor in anchors:  # the anchor's own day and month, both directions
        for expression in (f"{anchor.day} {months[anchor.month - 1]}", months[anchor.month - 1]):
            for prefer in ("past", "future"):
                fast = resolve._yearless_date(expression, anchor, prefer)
                if fast is not None:
                    assert resolve._format(*fast)[0] == _dateparser_value(expression, anchor, prefer)
                    checked += 1
    assert checked > 150


def test_impossible_days_are_left_to_dateparser():
    assert resolve._absolute_date("31 April 2021") is None
    assert resolve._absolute_date("29 February 2023") is None
    assert resolve._yearless_date("29 February", datetime(2021, 5, 1), "past") is None
    assert resolve._absolute_date("the spring of 2021") is None
    assert resolve.resolve_point("29 February", datetime(2021, 5, 1))[0] == _dateparser_value("29 February", datetime(2021, 5, 1), "past")


# ------------------------------------------------------------------------ claims, nlp


def _qualifier_before_reference(doc, index):
    best = (None, index)
    for qualifier, wordings in roles.QUALIFIERS.items():
        for phrase in wordings:
            words = phrase.split()
            start = index - len(words)
            if start >= 0 and [t.lower_ for t in doc[start:index]] == words and start < best[1]:
                best = (qualifier, start)
    return best


def test_qualifier_lookup_equals_the_phrase_by_phrase_scan(sample_docs, nlp):
    docs = sample_docs + [nlp("Up to 300 people, more than 40 children and at least 12 doctors were hurt.")]
    positions = [(doc, t.i) for doc in docs for t in doc if t.like_num]
    assert len(positions) > 100
    assert all(roles.qualifier_before(doc, i) == _qualifier_before_reference(doc, i) for doc, i in positions)
    found = {roles.qualifier_before(docs[-1], t.i)[0] for t in docs[-1] if t.like_num}
    assert {"up_to", "more_than", "at_least"} <= found


def _paragraph_boundaries_reference(doc):
    """The token-by-token version that pipeline.nlp.paragraph_boundaries replaced."""
    line_start = 0
    for i, token in enumerate(doc):
        ends_line = "\n" in token.whitespace_ or (token.is_space and "\n" in token.text)
        if not ends_line and i < len(doc) - 1:
            continue
        words = [t for t in doc[line_start: i + 1] if not t.is_space]
        if words and len(words) <= HEADLINE_MAX_TOKENS and not words[-1].text.endswith(SENTENCE_END):
            for t in doc[line_start + 1: i + 1]:
                t.is_sent_start = False
        elif words:
            dash = dateline_end(doc[line_start: i + 1])
            if dash is not None:
                doc[dash + 1].is_sent_start = True
        if i + 1 < len(doc):
            doc[i + 1].is_sent_start = True
        line_start = i + 1
    return doc


def test_paragraph_boundaries_equal_the_token_by_token_version(nlp, sample_texts):
    texts = sample_texts + [
        "", "\n", "x", "\n\nTitle line\n", "  \n  y\n\n\tz. \n", "a\r\nb\n",
        "BEIRUT, 4 May 2024 — The army said it would withdraw.\nMore followed.",
        "Port-au-Prince, Haiti – 27 October 2025 – UNICEF said schools were closed.\n",
    ]
    for text in texts:
        fast, slow = nlp.make_doc(text), nlp.make_doc(text)
        paragraph_boundaries(fast)
        _paragraph_boundaries_reference(slow)
        assert [t.is_sent_start for t in fast] == [t.is_sent_start for t in slow], text[:80]


def test_doc_text_is_each_documents_own_text(nlp):
    first, second = nlp.make_doc("First document.\n"), nlp.make_doc("Second one")
    assert doc_text(first) == "First document.\n"
    assert doc_text(second) == "Second one"
    assert doc_text(first) == "First document.\n"  # not the last document's text


def test_sentence_lemma_strings_from_arrays_equal_linguistic_string(sample_docs):
    from pipeline.themes.features import linguistic_string
    from pipeline.themes.features import linguistic_strings_of_spans as _linguistic_strings_of_spans

    for doc in sample_docs:
        sents = list(doc.sents)
        fast = _linguistic_strings_of_spans(doc, [(s.start, s.end) for s in sents])
        assert fast == [linguistic_string(s) for s in sents]
    assert any("ent_" in string for string in fast)


def test_reported_speech_cues_equal_the_dependency_matcher(sample_docs):
    from spacy.matcher import DependencyMatcher

    from pipeline import lexicon as cues
    from pipeline.extract.attribution import reported_speech_verbs as _reported_speech_verbs
    from pipeline.extract.attribution import source_matcher as _source_matcher

    vocab = sample_docs[0].vocab
    dep = DependencyMatcher(vocab)
    dep.add("REPORTED", [[{"RIGHT_ID": "verb", "RIGHT_ATTRS": {"LEMMA": {"IN": sorted(cues.INDIRECT_VERBS)}, "POS": "VERB"}}]])
    source = Matcher(vocab)
    source.add("SOURCE", [[{"LOWER": w} for w in phrase] for phrase in cues.SOURCE_PHRASES])
    verbs = sources = 0
    for doc in sample_docs:
        assert _reported_speech_verbs(doc) == [i for _, (i,) in dep(doc)]
        assert _source_matcher(vocab)(doc) == source(doc)
        verbs += len(_reported_speech_verbs(doc))
        sources += len(source(doc))
    assert verbs > 10 and sources > 0


# --------------------------------------------------------------------------- attribute ruler

_TOKEN_ATTRS = ["POS", "TAG", "MORPH", "LEMMA", "DEP", "HEAD"]


@pytest.fixture(scope="module")
def shared_corpus_texts() -> list[str]:
    """Up to 8 real documents of ../shared/corpus when it is there (none otherwise)."""
    from tests.conftest import SHARED_CORPUS

    if not SHARED_CORPUS.is_dir():
        return []
    paths = [path for path, skip in iter_input_paths([SHARED_CORPUS]) if not skip][:8]
    return [read_document(path).text for path in paths]


def test_lookup_attribute_ruler_annotates_like_the_models_own(nlp, sample_texts, shared_corpus_texts):
    from pipeline.attribute_lookup import LookupAttributeRuler
    from pipeline.nlp import load_nlp

    plain = load_nlp(lookup_attributes=False)
    assert isinstance(nlp.get_pipe("attribute_ruler"), LookupAttributeRuler)
    assert type(plain.get_pipe("attribute_ruler")).__name__ == "AttributeRuler"
    texts = sample_texts + shared_corpus_texts
    compared = 0
    for ours, theirs in zip(nlp.pipe(texts), plain.pipe(texts)):
        assert [t.text for t in ours] == [t.text for t in theirs]
        assert np.array_equal(ours.to_array(_TOKEN_ATTRS), theirs.to_array(_TOKEN_ATTRS))
        assert [str(t.morph) for t in ours] == [str(t.morph) for t in theirs]
        compared += len(ours)
    assert compared > 5_000  # the sample corpus alone: about 8,000 tokens


RULES = [  # every kind of pattern, overlapping so that the order of the rules matters
    {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "X", "MORPH": "Number=Sing"}},
    {"patterns": [[{"LOWER": {"IN": ["army", "forces"]}, "TAG": {"NOT_IN": ["NNP"]}}]], "attrs": {"POS": "PROPN"}},
    {"patterns": [[{"TEXT": {"REGEX": "^[A-Z]{2,}$"}}]], "attrs": {"LEMMA": "ACRONYM"}},
    {"patterns": [[{"LOWER": "the"}, {"TAG": "NN"}]], "attrs": {"LEMMA": "thing"}, "index": -1},
    {"patterns": [[{"LOWER": "the"}, {"TAG": "NN", "OP": "+"}]], "attrs": {"MORPH": "Definite=Def"}, "index": 0},
    {"patterns": [[{"IS_SPACE": True}], [{"DEP": "punct"}]], "attrs": {"POS": "PUNCT"}},
    {"patterns": [[{"TAG": "NN", "DEP": {"IN": ["nsubj", "dobj"]}}]], "attrs": {"POS": "NOUN"}},
    {"patterns": [[{"LENGTH": 1}]], "attrs": {"LEMMA": "short"}},
]


def test_lookup_attribute_ruler_applies_rules_like_attribute_ruler(nlp, sample_texts):
    """Hand-made rules of every kind (sets, NOT_IN, REGEX, operators, several tokens, a
    negative index, attributes the lookup does not evaluate) give the same tokens."""
    from spacy.pipeline import AttributeRuler

    from pipeline.attribute_lookup import LookupAttributeRuler

    matcher_ruler, lookup_ruler = AttributeRuler(nlp.vocab), LookupAttributeRuler(nlp.vocab)
    for ruler in (matcher_ruler, lookup_ruler):
        ruler.add_patterns(RULES)
    docs = list(nlp.pipe(sample_texts[:4]))
    changed = 0
    for doc in docs:
        before = doc.to_array(_TOKEN_ATTRS)
        a, b = matcher_ruler(doc.copy()), lookup_ruler(doc.copy())
        assert np.array_equal(a.to_array(_TOKEN_ATTRS), b.to_array(_TOKEN_ATTRS))
        assert [str(t.morph) for t in a] == [str(t.morph) for t in b]
        changed += int((a.to_array(_TOKEN_ATTRS) != before).any(axis=1).sum())
    assert changed > 100
    lookup_ruler.add_patterns([{"patterns": [[{"LOWER": "the"}]], "attrs": {"LEMMA": "THE"}}])
    assert lookup_ruler(docs[0].copy())[[t.lower_ for t in docs[0]].index("the")].lemma_ == "THE"


# --------------------------------------------------------------------------- records


def test_record_rows_equal_dataclasses_asdict():
    """``DocumentResult.rows`` builds rows without ``dataclasses.asdict``: same rows, and
    lists and dicts copied, not shared with the records."""
    import dataclasses

    from pipeline.analysis import analyse
    from pipeline.records import TABLES

    paths = [path for path, skip in iter_input_paths([SAMPLE_CORPUS]) if not skip][:3]
    results = [analyse(path) for path in paths]
    compared = 0
    for result in results:
        rows = result.rows()
        for table in TABLES[1:]:
            records = getattr(result, table)
            assert rows[table] == [{"doc_id": result.doc_id, **dataclasses.asdict(r)} for r in records]
            for row, record in zip(rows[table], records):
                for name, value in row.items():
                    if isinstance(value, (list, dict)):
                        assert value is not getattr(record, name)
            compared += len(records)
    assert compared > 50
