"""The Doc extensions the analysis components share, and what each component needs before it."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

#: Set on the Doc before the pipeline runs (``None`` when unknown).
INPUT_EXTENSIONS: tuple[str, ...] = ("published", "organisation")
#: Set by the components: lists of records.
RECORD_EXTENSIONS: tuple[str, ...] = ("entities", "dates", "claims", "quotes", "statements")
#: The analysis components, in pipeline order.
ANALYSIS_PIPES: tuple[str, ...] = ("ngo_entities", "ngo_dates", "ngo_quotes", "ngo_claims", "ngo_themes")
#: What each analysis component needs before it in the pipeline.
PREREQUISITES: dict[str, tuple[str, ...]] = {
    "ngo_entities": ("paragraph_boundaries", "ngo_entity_rules"),
    "ngo_dates": ("paragraph_boundaries",),
    "ngo_claims": ("ngo_entities", "ngo_dates", "ngo_quotes"),
    "ngo_quotes": ("ngo_entities",),
    "ngo_themes": ("paragraph_boundaries",),
}


def register_extensions() -> None:
    """Register the Doc extensions (idempotent)."""
    for name in INPUT_EXTENSIONS + RECORD_EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


register_extensions()


def make_doc(nlp: Language, text: str, published: str | None = None, organisation: str | None = None) -> Doc:
    """The tokenized ``Doc`` of ``text`` with its publication date and organisation set, ready for
    ``nlp.pipe`` (spaCy accepts Docs as well as texts)."""
    doc = nlp.make_doc(text)
    doc._.published = published
    doc._.organisation = organisation
    return doc


def ensure(nlp: Language, name: str) -> None:
    """Add the component ``name`` where it belongs, unless the pipeline holds it already."""
    if name in nlp.pipe_names:
        return
    if name == "paragraph_boundaries":
        first = "parser" if "parser" in nlp.pipe_names else (nlp.pipe_names[0] if nlp.pipe_names else None)
        nlp.add_pipe("paragraph_boundaries", before=first) if first else nlp.add_pipe("paragraph_boundaries")
    elif name == "ngo_entity_rules":
        from pipeline.components.entities import add_entity_rules

        add_entity_rules(nlp)
    else:
        nlp.add_pipe(name)


def ensure_prerequisites(nlp: Language, name: str) -> None:
    """Add what component ``name`` needs (:data:`PREREQUISITES`) before it is added."""
    for needed in PREREQUISITES.get(name, ()):
        ensure(nlp, needed)


def add_analysis(nlp: Language, themes_model: str | None = None) -> Language:
    """Add every analysis component, in order, to ``nlp`` (idempotent); returns ``nlp``."""
    for name in ANALYSIS_PIPES:
        if name not in nlp.pipe_names:
            ensure_prerequisites(nlp, name)
            nlp.add_pipe(name, config={"model": themes_model} if name == "ngo_themes" else {})
    return nlp
