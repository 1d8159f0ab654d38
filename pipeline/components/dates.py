"""``ngo_dates``: date expressions resolved to ISO, anchored to ``doc._.published``."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components.core import ensure_prerequisites
from pipeline.extract.dates import extract_dates


class DatesComponent:
    def __call__(self, doc: Doc) -> Doc:
        doc._.dates = extract_dates(doc, doc._.published)
        return doc


@Language.factory("ngo_dates", requires=["doc.sents", "doc.ents", "token.dep"], assigns=["doc._.dates"])
def make_dates(nlp: Language, name: str) -> DatesComponent:
    ensure_prerequisites(nlp, "ngo_dates")
    return DatesComponent()
