"""``ngo_claims``: numeric claims, with the entities and dates of the document."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components.core import ensure_prerequisites
from pipeline.extract.claims import extract_claims


class ClaimsComponent:
    def __call__(self, doc: Doc) -> Doc:
        doc._.claims = extract_claims(doc, doc._.dates or [], doc._.entities or [], doc._.published)
        return doc


@Language.factory("ngo_claims", requires=["doc.sents", "token.dep", "doc._.entities", "doc._.dates"],
                  assigns=["doc._.claims"])
def make_claims(nlp: Language, name: str) -> ClaimsComponent:
    ensure_prerequisites(nlp, "ngo_claims")
    return ClaimsComponent()
