"""Named entities with a canonical name per document.

spaCy's statistical NER finds the mentions; an ``entity_ruler`` added after it
(``ngo_entity_rules``, :mod:`pipeline.components.entities`, patterns in
``resources/entity_patterns.yaml``) fixes the model's systematic mislabels on NGO text. :func:`extract_entities` then gives every
mention a canonical name: possessives and a leading "the" stripped, and a short form
("Assad", "Kiki") linked to the longest full mention in the same document
("Bashar al-Assad", "Laila Kiki"), an acronym to its spelled-out form.
"""
from __future__ import annotations

import re

from spacy.tokens import Doc

from pipeline.doctext import doc_text
from pipeline.lexicon import NOT_GIVEN_NAMES, ORG_NAME_WORDS, gender_of_word
from pipeline.records import Entity

# Labels that name something; numeric labels are handled by the claims and dates extractors.
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "PRODUCT",
                         "WORK_OF_ART", "LANGUAGE", "DISEASE"})
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
TRAILING_CONJUNCTION = re.compile(r"\s+(?:and|&|or)$")
# "Northwest Syria Health Alliance (NWSHA)": an acronym defined in brackets after a name
_DEFINED_ACRONYM = re.compile(r"\s*\(((?:[A-Z][a-z]+ )?[A-Z][A-Za-z&-]{1,11})\)")  # (NWSHA), (Africa CDC)
_NON_PERSON_NAME_LABELS = frozenset({"ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "WORK_OF_ART"})


def clean_name(text: str) -> str:
    """Strip a possessive, a leading "the", surrounding punctuation and inner line breaks."""
    name = " ".join(text.split())
    name = _POSSESSIVE.sub("", name)
    name = _LEADING_THE.sub("", name)
    name = TRAILING_CONJUNCTION.sub("", name)  # "Knack and": the model ran into "and"
    return name.strip(" .,;:()[]\"“”‘’'")


_NAME_WORD_SPLIT = re.compile(r"[\s-]+")


def acronym(name: str) -> str:
    """Initials of the capitalised words: "Syrian Network for Human Rights" -> "SNHR"."""
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", name) if w[0].isupper())


def _has_org_word(name: str) -> bool:
    return any(w[:1].isupper() and w.lower() in ORG_NAME_WORDS for w in re.split(r"[\s-]+", name))


def _looks_like_person(name: str) -> bool:
    """One to three capitalised words, the first a known first name, no organisation word."""
    words = name.split()
    return (1 <= len(words) <= 3 and all(w[:1].isupper() for w in words)
            and gender_of_word(words[0], ("first_names",)) is not None and not _has_org_word(name))


def fix_label(name: str, label: str) -> str:
    """Correct the small model's systematic person/organisation confusions on NGO text.

    A "person" whose name holds an organisation word ("Shelter Network", "Collective") is an
    ORG; a place or organisation whose name starts with a known first name and holds no
    organisation word ("Salma", "Omar Sabbagh") is a PERSON (first names:
    ``resources/lexicon/gender.yaml``).
    """
    if label == "PERSON" and _has_org_word(name) and gender_of_word(name.split()[0], ("first_names",)) is None:
        return "ORG"
    if label in _NON_PERSON_NAME_LABELS and _looks_like_person(name):
        return "PERSON"
    return label


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
        # each name's words and acronym once, not once per pair of names
        words_of = {n: set(_NAME_WORD_SPLIT.split(n.lower())) for n in names} if label == "PERSON" else {}
        acronym_of = {n: acronym(n) for n in names} if label == "ORG" else {}
        for name in names:
            best = name
            words = words_of.get(name)
            is_acronym = label == "ORG" and name.isupper() and len(name) >= 2
            if label != "PERSON" and not is_acronym:
                canonical[(name, label)] = name  # nothing longer can stand for it
                continue
            for longer in ordered:
                if len(longer) <= len(best):
                    break
                if label == "PERSON" and words <= words_of[longer]:
                    best = longer
                    break
                if is_acronym and acronym_of[longer] == name:
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
        if " (" in text and ")" not in text.split(" (", 1)[1]:
            # "Africa Centres for ... (Africa CDC": the model ran into the acronym's bracket
            cut = doc.char_span(span.start_char, span.start_char + text.index(" ("), alignment_mode="contract")
            if cut is None or not len(cut):
                continue
            label = span.label_
            span, text = doc[cut.start : cut.end], cut.text
            span.label_ = label
        name = clean_name(text)
        if name:
            mentions.append((span, text, name, fix_label(name, span.label_)))
    mentions = _merge_split_orgs(doc, _complete_person_names(doc, mentions))
    mapping = canonical_names([(name, label) for _, _, name, label in mentions])
    defined = _defined_acronyms(doc_text(doc), mentions, mapping)
    entities = []
    for span, text, name, label in mentions:
        canonical = mapping[(name, label)]
        if name in defined:
            canonical, label = defined[name], "ORG"
        entities.append(Entity(start=span.start_char, end=span.start_char + len(text), text=text,
                               label=label, canonical=canonical))
    return entities


def _complete_person_names(doc: Doc, mentions: list) -> list:
    """Give people back the given names the model left out.

    "Rouba Khalil" found as "Khalil" (GPE), "Senait Tekeste Fekadu" as "Senait" + "Tekeste
    Fekadu": a capitalised proper noun right before a name joins it, and two person mentions one
    space apart are one person. Titles ("Dr") and role nouns ("Lawyer") are not names.
    """
    taken = {i for span, *_ in mentions for i in range(span.start, span.end)}
    text_of_doc = doc_text(doc)  # Doc.text is rebuilt from the tokens on every access
    out: list = []
    for span, text, name, label in mentions:
        if label in ("PERSON", "GPE", "ORG", "NORP") and not _has_org_word(name):
            start = span.start
            while (start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].text[:1].isupper()
                   and start - 1 not in taken and doc[start - 1].whitespace_ == " "
                   and gender_of_word(doc[start - 1].text, ("titles",)) is None
                   and doc[start - 1].text.rstrip(".").lower() not in NOT_GIVEN_NAMES):
                start -= 1
            if start < span.start:
                span = doc[start: span.end]
                text = span.text.rstrip()
                name = clean_name(text)
                label = fix_label(name, "PERSON" if label == "PERSON" else label)
        if out and label == "PERSON" and out[-1][3] == "PERSON":
            p_span, p_text, p_name, _ = out[-1]
            if text_of_doc[p_span.start_char + len(p_text): span.start_char] == " ":
                joined = doc[p_span.start: span.end]
                out[-1] = (joined, joined.text.rstrip(), clean_name(joined.text), "PERSON")
                continue
        out.append((span, text, name, label))
    return out


def _merge_split_orgs(doc: Doc, mentions: list) -> list:
    """Join a place or organisation split off an organisation name right after it.

    The model often cuts "the Syria Shelter Network" into "the Syria" (ORG) + "Shelter Network";
    two mentions one space apart, the second an organisation, are one organisation.
    """
    text_of_doc = doc_text(doc)  # Doc.text is rebuilt from the tokens on every access
    merged: list = []
    for mention in mentions:
        span, text, name, label = mention
        if merged:
            p_span, p_text, p_name, p_label = merged[-1]
            gap = text_of_doc[p_span.start_char + len(p_text): span.start_char]
            if (gap == " " and label == "ORG" and p_label in ("ORG", "GPE", "NORP", "LOC")
                    and (_has_org_word(name) or name.isupper()) and not _has_org_word(p_name)):
                joined = doc[p_span.start: span.end]
                text = joined.text.rstrip()
                merged[-1] = (joined, text, clean_name(text), "ORG")
                continue
        merged.append(mention)
    return merged


def _defined_acronyms(text: str, mentions, mapping) -> dict[str, str]:
    """Acronyms defined in brackets after an organisation's name: {"NWSHA": "Northwest ..."}.

    The bracket states the link outright, so it holds even when the letters do not follow the
    words one by one (NWSHA for Northwest Syria Health Alliance).
    """
    defined: dict[str, str] = {}
    for span, text_, name, label in mentions:
        if label != "ORG" or " " not in name:
            continue
        match = _DEFINED_ACRONYM.match(text, span.start_char + len(text_))
        acronym = match.group(1) if match else ""
        if acronym and acronym.split()[-1].isupper() and acronym[0] == name[0].upper():
            defined.setdefault(acronym, mapping[(name, label)])
    return defined
