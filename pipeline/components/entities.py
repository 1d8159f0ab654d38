"""``ngo_entity_rules`` and ``ngo_entities``: named entities with one canonical name per document.

``ngo_entity_rules`` is an ``entity_ruler`` after the NER with the project's fixes of the small
model's systematic mislabels (``resources/entity_patterns.yaml``); ``ngo_entities`` turns
``doc.ents`` into :class:`~pipeline.records.Entity` records (:func:`pipeline.extract.entities.extract_entities`).
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components.core import ensure_prerequisites
from pipeline.extract.entities import extract_entities

RULER_NAME = "ngo_entity_rules"


@lru_cache(maxsize=1)
def entity_patterns() -> list[dict]:
    """The entity ruler's patterns: a string is a phrase (matched on LOWER), a list a token pattern."""
    text = (resources.files("pipeline") / "resources" / "entity_patterns.yaml").read_text(encoding="utf-8")
    return [{"label": label, "pattern": pattern} for label, patterns in yaml.safe_load(text).items()
            for pattern in patterns]


def add_entity_rules(nlp: Language) -> None:
    """Add the rule-based entity fixes after the statistical NER (idempotent; no NER, no rules)."""
    if RULER_NAME in nlp.pipe_names or "ner" not in nlp.pipe_names:
        return
    ruler = nlp.add_pipe("entity_ruler", name=RULER_NAME, after="ner",
                         config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(entity_patterns())


class EntitiesComponent:
    def __call__(self, doc: Doc) -> Doc:
        doc._.entities = extract_entities(doc)
        return doc


@Language.factory("ngo_entities", requires=["doc.ents"], assigns=["doc._.entities"])
def make_entities(nlp: Language, name: str) -> EntitiesComponent:
    ensure_prerequisites(nlp, "ngo_entities")
    return EntitiesComponent()
