"""Named entities with a canonical name per document.

spaCy's statistical NER finds the mentions; an ``entity_ruler`` added after it
(:func:`add_entity_rules`, patterns in ``resources/entity_patterns.yaml``) fixes the
model's systematic mislabels on NGO text. :func:`extract_entities` then gives every
mention a canonical name: possessives and a leading "the" stripped, and a short form
("Assad", "Kiki") linked to the longest full mention in the same document
("Bashar al-Assad", "Laila Kiki"), an acronym to its spelled-out form.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.records import Entity

PATTERNS_PATH = Path(__file__).resolve().parent.parent / "resources" / "entity_patterns.yaml"
RULER_NAME = "ngo_entity_rules"
# Labels that name something; numeric labels are handled by the claims and dates extractors.
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "PRODUCT",
                         "WORK_OF_ART", "LANGUAGE", "DISEASE"})
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)


@lru_cache(maxsize=1)
def _patterns() -> list[dict]:
    data = yaml.safe_load(PATTERNS_PATH.read_text(encoding="utf-8"))
    # a string is a phrase pattern (matched on LOWER); a list is a token pattern
    return [{"label": label, "pattern": pattern} for label, patterns in data.items() for pattern in patterns]


def add_entity_rules(nlp: Language) -> None:
    """Add the rule-based entity fixes after the statistical NER (idempotent)."""
    if RULER_NAME in nlp.pipe_names or "ner" not in nlp.pipe_names:
        return
    ruler = nlp.add_pipe(
        "entity_ruler",
        name=RULER_NAME,
        after="ner",
        config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"},
    )
    ruler.add_patterns(_patterns())


def clean_name(text: str) -> str:
    """Strip a possessive, a leading "the", surrounding punctuation and inner line breaks."""
    name = " ".join(text.split())
    name = _POSSESSIVE.sub("", name)
    name = _LEADING_THE.sub("", name)
    return name.strip(" .,;:()[]\"“”‘’'")


def _acronym(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", name) if w[0].isupper())


def canonical_names(mentions: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Map each (cleaned name, label) to its canonical form within one document.

    A person's single-word or partial name maps to the longest full name containing all its
    words ("Assad" -> "Bashar al-Assad"); an organisation's acronym maps to the full name it
    abbreviates ("SNHR" -> "Syrian Network for Human Rights").
    """
    by_label: dict[str, set[str]] = {}
    for name, label in mentions:
        by_label.setdefault(label, set()).add(name)
    canonical: dict[tuple[str, str], str] = {}
    for label, names in by_label.items():
        ordered = sorted(names, key=lambda n: (-len(n), n))
        for name in names:
            best = name
            words = set(re.split(r"[\s-]+", name.lower()))
            for longer in ordered:
                if len(longer) <= len(best):
                    break
                longer_words = set(re.split(r"[\s-]+", longer.lower()))
                if label == "PERSON" and words <= longer_words:
                    best = longer
                    break
                if label == "ORG" and name.isupper() and len(name) >= 2 and _acronym(longer) == name:
                    best = longer
                    break
            canonical[(name, label)] = best
    return canonical


def extract_entities(doc: Doc) -> list[Entity]:
    """Named entities of ``doc`` with their canonical names.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        A document processed by :func:`pipeline.nlp.load_nlp`'s pipeline.

    Returns
    -------
    list of Entity
        One record per named mention (numeric and date labels are left to the claims and
        dates extractors), in text order; ``doc.text[start:end] == text``.
    """
    mentions = []
    for span in doc.ents:
        if span.label_ not in NAME_LABELS:
            continue
        text = span.text.rstrip()  # a mention can swallow the whitespace at a line end
        name = clean_name(text)
        if name:
            mentions.append((span, text, name))
    mapping = canonical_names([(name, span.label_) for span, _, name in mentions])
    return [
        Entity(start=span.start_char, end=span.start_char + len(text), text=text,
               label=span.label_, canonical=mapping[(name, span.label_)])
        for span, text, name in mentions
    ]
