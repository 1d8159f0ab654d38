"""``ngo_themes``: every sentence as a statement with its themes; quotes and claims take the
themes of the sentences they overlap.

Config: ``model``, the path of a theme model artifact (default: the package's own,
:func:`pipeline.themes.model.default_model_path`). The model loads once per process.
"""
from __future__ import annotations

from typing import Optional

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components.core import ensure_prerequisites
from pipeline.themes.model import ThemeClassifier
from pipeline.themes.statements import assign_record_themes, classify_sentences


class ThemesComponent:
    def __init__(self, classifier: ThemeClassifier):
        self.classifier = classifier

    def __call__(self, doc: Doc) -> Doc:
        statements = classify_sentences(doc, self.classifier)
        doc._.statements = statements
        assign_record_themes((*(doc._.quotes or ()), *(doc._.claims or ())), statements)
        return doc


@Language.factory("ngo_themes", requires=["doc.sents"], assigns=["doc._.statements"],
                  default_config={"model": None})
def make_themes(nlp: Language, name: str, model: Optional[str]) -> ThemesComponent:
    ensure_prerequisites(nlp, "ngo_themes")
    return ThemesComponent(ThemeClassifier.load(model))
