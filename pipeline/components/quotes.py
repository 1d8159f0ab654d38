"""``ngo_quotes``: direct quotes, mixed quotes and reported speech with their speakers.

``doc._.organisation`` (the publisher, when known) is the speaker of "we"; without it the
publisher is guessed from the text.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.components.core import ensure_prerequisites
from pipeline.extract.quotes import extract_quotes


class QuotesComponent:
    def __call__(self, doc: Doc) -> Doc:
        doc._.quotes = extract_quotes(doc, doc._.entities or [], doc._.organisation)
        return doc


@Language.factory("ngo_quotes", requires=["doc.sents", "token.dep", "doc._.entities"], assigns=["doc._.quotes"])
def make_quotes(nlp: Language, name: str) -> QuotesComponent:
    ensure_prerequisites(nlp, "ngo_quotes")
    return QuotesComponent()
