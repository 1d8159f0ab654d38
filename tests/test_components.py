"""The analysis as spaCy components: a stock model plus ``nlp.add_pipe("ngo_quotes")`` gives the
records ``ngo-pipeline run`` gives; the pipeline's order and declared requirements hold."""
from __future__ import annotations

import dataclasses

import spacy
from spacy.tokens import Doc

from pipeline.analysis import analyse_documents
from pipeline.components import ANALYSIS_PIPES, make_doc
from pipeline.ingest import iter_input_paths, read_document
from pipeline.nlp import default_model_name
from tests.conftest import SAMPLE_CORPUS


def _sample_documents():
    return [read_document(path) for path, skip in iter_input_paths([SAMPLE_CORPUS]) if not skip]


def test_add_pipe_on_a_stock_model_gives_the_runs_quotes(nlp):
    """The README's example: the factory is found through the spacy_factories entry point, adds what
    it needs, and the quotes equal those of the run's own pipeline, document for document."""
    stock = spacy.load(default_model_name())
    stock.add_pipe("ngo_quotes")
    names = stock.pipe_names
    assert names.index("paragraph_boundaries") < names.index("parser")
    assert names.index("ner") < names.index("ngo_entity_rules") < names.index("ngo_entities") < names.index("ngo_quotes")
    documents = _sample_documents()
    run_results = analyse_documents(documents, nlp)
    compared = 0
    for document, expected in zip(documents, run_results):
        doc = stock(make_doc(stock, document.text, document.published, document.organisation))
        # the same records; themes come from ngo_themes, which this pipeline does not have
        assert doc._.quotes == [dataclasses.replace(q, themes=[]) for q in expected.quotes], document.source
        compared += len(expected.quotes)
    assert compared > 50


def test_a_plain_text_through_the_stock_pipeline_has_records():
    stock = spacy.load(default_model_name())
    stock.add_pipe("ngo_claims")
    doc = stock("Press release / 2 May 2023\n\nAt least 65 children were killed in Idlib in 2022, "
                "the Syrian Network for Human Rights said.")
    assert isinstance(doc, Doc)
    [claim] = doc._.claims
    assert (claim.value, claim.qualifier, claim.counted, claim.event) == (65.0, "at_least", "child", "killed")
    assert doc._.dates and doc._.entities  # its prerequisites ran too
    assert doc._.quotes is not None  # ngo_claims needs ngo_quotes: a figure in a quote takes its speaker
    assert claim.source == "Syrian Network for Human Rights"


def test_run_pipeline_order_and_requirements(nlp):
    assert [name for name in nlp.pipe_names if name.startswith("ngo_")] == ["ngo_entity_rules", *ANALYSIS_PIPES]
    analysis = nlp.analyze_pipes()
    assert not any(analysis["problems"].values()), analysis["problems"]  # every requirement is met before it
    assert analysis["summary"]["ngo_quotes"]["assigns"] == ["doc._.quotes"]


def test_a_failing_component_fails_one_document_not_the_batch(nlp, monkeypatch):
    from pipeline.components import quotes

    documents = _sample_documents()[:3]
    real = quotes.extract_quotes

    def broken(doc, entities, organisation=None):
        if doc.text == documents[1].text:
            raise RuntimeError("extractor bug")
        return real(doc, entities, organisation)

    monkeypatch.setattr(quotes, "extract_quotes", broken)
    results = analyse_documents(documents, nlp)
    assert [r.document.status for r in results] == ["ok", "error", "ok"]
    assert results[1].document.error_kind == "analysis" and "extractor bug" in results[1].document.error
    assert results[0].quotes and results[2].statements
