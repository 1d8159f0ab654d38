"""The analysis as spaCy components: what each adds to a ``Doc``, and in which order they run.

===================  ==========================================  =============================
component            requires                                    assigns
===================  ==========================================  =============================
paragraph_boundaries  (runs before the parser)                   ``token.is_sent_start``
ngo_entity_rules     ``doc.ents`` (an ``entity_ruler``)          ``doc.ents``
ngo_entities         ``doc.ents``                                ``doc._.entities``
ngo_dates            ``doc.sents``, ``doc._.published``          ``doc._.dates``
ngo_quotes           ``doc._.entities``, ``doc._.organisation``  ``doc._.quotes``
ngo_claims           ``doc._.entities``, ``doc._.dates``,        ``doc._.claims``
                     ``doc._.quotes``
ngo_themes           ``doc.sents``                               ``doc._.statements`` (and the
                                                                 ``themes`` of quotes and claims)
===================  ==========================================  =============================

The record lists are :mod:`pipeline.records` dataclasses; a :class:`~pipeline.records.DocumentResult`
is read off the processed ``Doc`` (:func:`pipeline.analysis.result_from_doc`). The publication
date and organisation are set on the ``Doc`` before the pipeline runs (:func:`make_doc`).

Adding one component to a stock spaCy model also adds what it needs, so

>>> nlp = spacy.load("en_core_web_sm")                       # doctest: +SKIP
>>> nlp.add_pipe("ngo_quotes")                               # doctest: +SKIP
>>> doc._.quotes                                             # doctest: +SKIP

gives the quotes ``ngo-pipeline run`` gives (``paragraph_boundaries`` goes before the parser,
``ngo_entity_rules`` after the NER, ``ngo_entities`` before ``ngo_quotes``). The factories are
registered with spaCy's ``spacy_factories`` entry point, so ``add_pipe`` finds them without an
import.
"""
from __future__ import annotations

# importing the modules registers their factories with spaCy
from pipeline.components import claims, dates, entities, paragraphs, quotes, themes  # noqa: E402,F401
from pipeline.components.core import (
    ANALYSIS_PIPES,
    INPUT_EXTENSIONS,
    PREREQUISITES,
    RECORD_EXTENSIONS,
    add_analysis,
    ensure,
    ensure_prerequisites,
    make_doc,
    register_extensions,
)

__all__ = ["ANALYSIS_PIPES", "INPUT_EXTENSIONS", "PREREQUISITES", "RECORD_EXTENSIONS", "add_analysis", "ensure",
           "ensure_prerequisites", "make_doc", "register_extensions"]
