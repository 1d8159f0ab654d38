"""``ngo_claims``: numeric claims, with the entities, dates and quotes of the document (a figure in a
quote that its sentence attributes to no one takes the quote's named speaker as its source)."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components.core import ensure_prerequisites
from pipeline.extract.claims import extract_claims


class ClaimsComponent:
    def __call__(self, doc: Doc) -> Doc:
        doc._.claims = extract_claims(doc, doc._.dates or [], doc._.entities or [], doc._.published, doc._.quotes)
        return doc


@Language.factory("ngo_claims", requires=["doc.sents", "token.dep", "doc._.entities", "doc._.dates", "doc._.quotes"],
                  assigns=["doc._.claims"])
def make_claims(nlp: Language, name: str) -> ClaimsComponent:
    ensure_prerequisites(nlp, "ngo_claims")
    return ClaimsComponent()
