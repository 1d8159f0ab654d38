"""The word lists every extractor shares, read from data (``pipeline/resources/lexicon/*.yaml``).

Extending coverage (a speech verb, a title, a currency, an event) means editing a YAML file, not
code. Each file groups lists by what they describe; every list is documented where it is
defined. Loaded once, at import, into immutable Python values:

========================  =========================================================================
file                      lists
========================  =========================================================================
``speech.yaml``           speech verbs (direct quotes), reported-speech verbs and their arguments,
                          phrasal cues, "according to", verbs that characterise, reporting verbs
``documents.yaml``        documents and other non-speakers, statement nouns, text carriers, titles
``people.yaml``           pronouns, unnamed-speaker nouns, role words, name particles, people nouns
``organisations.yaml``    organisation nouns and name words, back-reference nouns
``numbers.yaml``          number words, scales, vague quantities, qualifiers, currencies, units
``events.yaml``           what happens to what is counted (killed, detained...), demand verbs
``gender.yaml``           gender evidence for "he"/"she": titles, nouns, pronouns, first names
``ledger.yaml``           how the figures ledger compares claims: counted synonyms, places, events
========================  =========================================================================
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LEXICON_DIR = Path(__file__).resolve().parent / "resources" / "lexicon"


@lru_cache(maxsize=None)
def _load(name: str) -> dict[str, Any]:
    with open(LEXICON_DIR / f"{name}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _words(name: str, key: str) -> frozenset[str]:
    return frozenset(_load(name)[key])


def _table(name: str, key: str) -> dict:
    """A mapping; list values become tuples (they are read, never changed)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in _load(name)[key].items()}


# --- speech ------------------------------------------------------------------------------------
SPEECH_VERBS = _words("speech", "speech_verbs")
INDIRECT_VERBS: dict[str, tuple[str, ...]] = _table("speech", "indirect_verbs")
INDIRECT_PREPOSITIONS: dict[str, tuple[str, ...]] = _table("speech", "indirect_prepositions")
FIRST_PERSON_NON_CUES = _words("speech", "first_person_non_cues")
PHRASAL_CUES: dict[str, tuple[str, ...]] = _table("speech", "phrasal_cues")
SOURCE_PHRASES: tuple[tuple[str, ...], ...] = tuple(tuple(p) for p in _load("speech")["source_phrases"])
CHARACTERISING: dict[str, str] = _table("speech", "characterising")
REPORTING_VERBS = _words("speech", "reporting_verbs")

# --- documents and other things that do not speak ---------------------------------------------
SOURCE_DOCUMENT_NOUNS = _words("documents", "source_document_nouns")
EVIDENCE_NOUNS = _words("documents", "non_speaker_nouns")
NON_SPEAKER_NOUNS = SOURCE_DOCUMENT_NOUNS | EVIDENCE_NOUNS
STATEMENT_NOUNS = _words("documents", "statement_nouns")
TEXT_CARRIER_NOUNS = _words("documents", "text_carrier_nouns")
TITLE_CUES = _words("documents", "title_cues")
SPEAKING_DOCUMENT_NOUNS = _words("documents", "speaking_document_nouns")
EVIDENCE_VERBS = _words("documents", "evidence_verbs")

# --- people --------------------------------------------------------------------------------------
PERSON_PRONOUNS = _words("people", "person_pronouns")
GROUP_PRONOUNS = _words("people", "group_pronouns")
FIRST_PERSON_PLURAL = _words("people", "first_person_plural")
SPEAKER_NOUNS = _words("people", "speaker_nouns")
ROLE_WORDS = _words("people", "role_words")
NAME_PARTICLES = _words("people", "name_particles")
NOT_GIVEN_NAMES = _words("people", "not_given_names")
PEOPLE_NOUNS = _words("people", "people_nouns")
RANK_TITLES: dict[str, str] = _table("people", "rank_titles")
HONORIFICS = _words("people", "honorifics")
CREDIT_WORDS = _words("people", "credit_words")
HEADING_WORDS = _words("people", "heading_words")

# --- organisations -------------------------------------------------------------------------------
GROUP_NOUNS = _words("organisations", "group_nouns")
ORG_NAME_WORDS = _words("organisations", "org_name_words")
ORG_PREPOSITIONS = _words("organisations", "org_prepositions")
ORG_BACKREF_NOUNS = GROUP_NOUNS | ORG_NAME_WORDS | _words("organisations", "backref_nouns")
SPEAKING_BODY_NOUNS = _words("organisations", "speaking_body_nouns")

# --- numbers -------------------------------------------------------------------------------------
UNITS: dict[str, int] = _table("numbers", "units")
SCALES: dict[str, int] = _table("numbers", "scales")
FRACTIONS: dict[str, float] = _table("numbers", "fractions")
EXACT_WORDS: dict[str, int] = _table("numbers", "exact_words")
VAGUE_WORDS: dict[str, int] = _table("numbers", "vague_words")
VAGUE_PREFIXES = _words("numbers", "vague_prefixes")
ORDINAL_WORDS = _words("numbers", "ordinal_words")
QUALIFIERS: dict[str, tuple[str, ...]] = _table("numbers", "qualifiers")
CURRENCY_SYMBOLS: dict[str, str] = _table("numbers", "currency_symbols")
CURRENCY_WORDS: dict[str, str] = _table("numbers", "currency_words")
QUANTITY_UNITS: dict[str, str] = _table("numbers", "quantity_units")
SPACE_UNITS = _words("numbers", "space_units")
TIME_UNITS = _words("numbers", "time_units")
TIME_PREPOSITIONS = _words("numbers", "time_prepositions")
LABEL_WORDS = _words("numbers", "label_words")
NAME_ENTITY_LABELS = _words("numbers", "name_entity_labels")
COUNTED_LEMMAS: dict[str, str] = _table("numbers", "counted_lemmas")

# --- events --------------------------------------------------------------------------------------
EVENT_LEMMAS: dict[str, str] = _table("events", "event_lemmas")
NOUN_EVENTS: dict[str, str] = _table("events", "noun_events")
VIOLENCE_LEMMAS = _words("events", "violence_lemmas")
DEMAND_VERBS = _words("events", "demand_verbs")
VACCINE_NOUNS = _words("events", "vaccine_nouns")

# --- gender --------------------------------------------------------------------------------------
#: kind (titles, nouns, pronouns, first_names) -> {"female": words, "male": words}
GENDER: dict[str, dict[str, frozenset[str]]] = {
    kind: {gender: frozenset(w.lower() for w in words) for gender, words in table.items()}
    for kind, table in _load("gender").items()}


def gender_of_word(word: str, kinds: tuple[str, ...] = ("titles", "nouns", "first_names")) -> str | None:
    """"female", "male" or None for a title, a person noun or a first name."""
    word = word.lower().strip(".")
    for kind in kinds:
        for gender, words in GENDER[kind].items():
            if word in words:
                return gender
    return None


# --- the figures ledger --------------------------------------------------------------------------
LEDGER_COUNTED: dict[str, str] = _table("ledger", "counted_synonyms")
LEDGER_COUNTED_EVENTS: dict[str, str] = _table("ledger", "counted_events")
LEDGER_MODIFIERS: dict[str, str] = _table("ledger", "counted_modifiers")
LEDGER_DEMONYMS = _words("ledger", "demonyms")
LEDGER_PLACES: dict[str, str] = _table("ledger", "places")
LEDGER_PLACE_SUFFIXES = _words("ledger", "place_suffixes")
LEDGER_EVENTS: dict[str, str | None] = _table("ledger", "events")
LEDGER_NEEDS_EVENT = _words("ledger", "needs_event")
LEDGER_STATES: dict[str, str] = _table("ledger", "states")
