"""Cue words and patterns for quote extraction, kept as data.

Everything :mod:`pipeline.extract.quotes` needs to know about English attribution
wording lives here, so extending coverage means editing lists, not code.
"""
from __future__ import annotations

from pathlib import Path

import yaml

GENDER_PATH = Path(__file__).resolve().parent.parent / "resources" / "quote_gender.yaml"

# Quote-mark pairs: opening mark -> closing marks that may end it. Straight quotes
# close themselves; a misdirected “ at the end of a quote is handled in the scanner.
QUOTE_PAIRS: dict[str, tuple[str, ...]] = {
    "“": ("”", "“"),
    "„": ("“", "”"),
    "«": ("»",),
    "»": ("«",),
    "‹": ("›",),
    '"': ('"',),
    "‘": ("’",),
    "'": ("'", '"'),  # 'typed with a slip" : a straight single opener closed by a double mark
}

# Marks that may only pair when they are clearly not apostrophes (returnees’, Assad’s).
SINGLE_QUOTES: frozenset[str] = frozenset({"‘", "'"})

# Double marks: an unclosed one runs to the end of its paragraph and may continue
# into the next paragraph (multi-paragraph quote convention).
DOUBLE_QUOTES: frozenset[str] = frozenset({"“", "„", "«", "»", "‹", '"'})

DASHES: frozenset[str] = frozenset({"—", "–", "-", "--", "―"})

# Verbs (lemmas) that attribute a direct quote to their subject.
SPEECH_VERBS: frozenset[str] = frozenset(
    """
    say tell add state explain describe recall recount warn urge note stress emphasise
    emphasize insist argue claim declare announce ask write tweet post comment
    conclude highlight remark reply respond confirm deny acknowledge admit allege report
    testify plead demand condemn appeal echo observe point put cry shout scream whisper
    lament complain caution suggest mention affirm reiterate underline underscore
    """.split()
)

# Verbs (lemmas) that introduce reported speech, with the dependency labels of the
# reported material they may take ("X said that ..." = ccomp; "X urged Y to ..." =
# dobj + xcomp; "X condemned the attack" = dobj).
INDIRECT_VERBS: dict[str, tuple[str, ...]] = {
    "say": ("ccomp",),
    "tell": ("ccomp",),
    "state": ("ccomp",),
    "explain": ("ccomp",),
    "warn": ("ccomp", "dobj", "xcomp"),
    "urge": ("ccomp", "dobj", "xcomp"),
    "call": ("xcomp",),  # only as "call on X to ..." / "call for X" (see PHRASAL_CUES)
    "condemn": ("dobj",),
    "document": ("ccomp",),  # "documented 214 cases" is a claim (see claims), not speech
    "demand": ("ccomp", "dobj", "xcomp"),
    "stress": ("ccomp", "dobj"),
    "emphasise": ("ccomp", "dobj"),
    "emphasize": ("ccomp", "dobj"),
    "note": ("ccomp",),
    "deny": ("ccomp", "dobj"),
    "acknowledge": ("ccomp", "dobj"),
    "declare": ("ccomp",),
    "announce": ("ccomp",),  # "announced Legislative Decree No. 6" is an act, not a statement
    "confirm": ("ccomp",),
    "claim": ("ccomp",),
    "allege": ("ccomp",),
    "insist": ("ccomp",),
    "argue": ("ccomp",),
    "report": ("ccomp",),
    "highlight": ("ccomp", "dobj"),
    "describe": ("ccomp", "dobj"),  # "described how ...", "described cells of 16 m²"
    "add": ("ccomp",),
    "mention": ("ccomp",),
    "reiterate": ("ccomp", "dobj"),
    "indicate": ("ccomp",),
    "suggest": ("ccomp",),
    "conclude": ("ccomp",),
    "estimate": ("ccomp",),
    "find": ("ccomp",),  # "the court found that ..."
    "denounce": ("ccomp", "dobj"),
    "commend": ("dobj",),
    "welcome": ("dobj",),
    "ask": ("dobj",),  # "asked a prison sentence"; "asked for ..." via INDIRECT_PREPOSITIONS
    "appeal": (),
    "express": ("dobj",),  # "expressed concern that ..."
    "accuse": ("dobj",),
    "reveal": ("ccomp",),
    "recall": ("ccomp",),
    "explain": ("ccomp",),
}

# Prepositions whose object is the reported material: "asked for a fine", "appealed for calm".
INDIRECT_PREPOSITIONS: dict[str, tuple[str, ...]] = {"ask": ("for",), "appeal": ("for", "to"), "call": ("on", "for")}

# Verbs that report the publisher's own reasoning, not a statement, when "we" is the subject
# ("We estimate that stocks will run out"); with another subject they are reported speech.
FIRST_PERSON_NON_CUES: frozenset[str] = frozenset({"estimate", "believe", "find", "conclude"})

# Verbs that only count as cues with their particle: "called on" / "called for".
PHRASAL_CUES: dict[str, tuple[str, ...]] = {"call": ("on", "for"), "point": ("out",)}

# Prepositional source cue: "according to X".
SOURCE_PHRASES: tuple[tuple[str, ...], ...] = (("according", "to"),)

# Documents rather than speakers: "according to figures compiled by X", "according to its
# latest report". The speaker is the organisation or person named inside the phrase (or the
# owner of "our"), never the document itself.
SOURCE_DOCUMENT_NOUNS: frozenset[str] = frozenset({
    "figure", "data", "datum", "statistic", "number", "estimate", "count", "tally", "record",
    "report", "statement", "release", "documentation", "study", "survey", "census", "finding",
    "analysis", "assessment", "research", "investigation", "information", "source", "update",
    "database", "monitoring", "document", "summons", "letter", "order", "decision",
})

PERSON_PRONOUNS: frozenset[str] = frozenset({"he", "she", "him", "her"})
GROUP_PRONOUNS: frozenset[str] = frozenset({"they", "it", "them"})
FIRST_PERSON_PLURAL: frozenset[str] = frozenset({"we", "us", "our"})

# Nouns that, as "the <noun>", refer back to an organisation.
GROUP_NOUNS: frozenset[str] = frozenset(
    """group organisation organization agency ngo charity network campaign coalition
    movement association union committee commission ministry""".split()
)

# Head nouns of unnamed human speakers ("a UNHCR spokesperson", "one resident").
SPEAKER_NOUNS: frozenset[str] = frozenset(
    """spokesperson spokesman spokeswoman official officer minister representative source
    witness resident doctor nurse survivor activist volunteer researcher director
    coordinator worker mother father woman man girl boy child refugee lawyer journalist
    expert analyst commander leader chief head member relative detainee prisoner victim
    medic paramedic rescuer teacher student farmer trader diplomat envoy rapporteur
    investigator monitor observer staffer employee manager president secretary user
    eyewitness physician surgeon paramedic nurse medic brother sister husband wife son
    daughter uncle aunt cousin neighbour neighbor friend parent grandmother grandfather
    negotiator spokespeople official""".split()
)

# Words that mark a name as an organisation when the entity recogniser gives no label.
ORG_NAME_WORDS: frozenset[str] = frozenset(
    """network campaign watch international council organisation organization committee
    commission ministry association union agency office group coalition federation
    institute foundation fund archive helmets defence defense society alliance forum
    centre center observatory borders children doctors rights relief aid care action
    mercy corps crescent cross nations health front army forces government police court
    bank programme program movement initiative families registry register unit department
    directorate bureau authority service services trust project collective mission
    secretariat board partnership consortium platform center centre customs prosecutor's
    media news times tribunal parliament assembly gazette herald tribune journal magazine
    radio tv television broadcaster newspaper""".split()
)

# Prepositions linking a person to an organisation: "X of/from/at Org".
ORG_PREPOSITIONS: frozenset[str] = frozenset({"of", "from", "at", "with", "for"})

# Words just before a quoted span that make it a title, not speech.
TITLE_CUES: frozenset[str] = frozenset(
    """report film documentary book titled entitled called named campaign study
    briefing paper article series exhibition song slogan banner hashtag""".split()
)


# Gender evidence for "he"/"she" (resources/quote_gender.yaml): titles, nouns, pronouns and a
# short hand-written list of first names, each as {"female": set, "male": set}.
def _load_gender() -> dict[str, dict[str, frozenset[str]]]:
    data = yaml.safe_load(GENDER_PATH.read_text(encoding="utf-8"))
    return {kind: {g: frozenset(w.lower() for w in words) for g, words in table.items()}
            for kind, table in data.items()}


GENDER: dict[str, dict[str, frozenset[str]]] = _load_gender()


def gender_of_word(word: str, kinds: tuple[str, ...] = ("titles", "nouns", "first_names")) -> str | None:
    """"female", "male" or None for a title, a person noun or a first name."""
    word = word.lower().strip(".")
    for kind in kinds:
        for gender, words in GENDER[kind].items():
            if word in words:
                return gender
    return None


# Words that mark a verb's clause as introducing a list of demands ("calls on X to:").
LIST_MARKERS: tuple[str, ...] = ("-", "–", "—", "•", "*", "·")

# "the <noun>" referring back to an organisation whose name ends with (or contains) it:
# "the Forum" -> "Syria Justice Forum", "the Alliance", "the Monitor", "the Collective".
ORG_BACKREF_NOUNS: frozenset[str] = GROUP_NOUNS | ORG_NAME_WORDS | frozenset(
    {"monitor", "forum", "observatory", "collective", "alliance", "project", "watch", "initiative"}
)

# Title-case words that start a role, not a name: "said Roberto Benes Regional Director for ..."
# ends the name at "Regional"; "Lawyer Joris Vercraeye" starts it at "Joris".
# Words that continue a name rather than start one ("Fadel Abdul Ghany", "Omar Abu Layla"): also
# common first names, so one of them second in a name is not where a run-in role ends.
NAME_PARTICLES: frozenset[str] = frozenset("abdul abd abdel abdal abu al el bin ibn bint ben".split())
ROLE_WORDS: frozenset[str] = frozenset(
    """director regional executive deputy head chief coordinator manager officer representative
    spokesperson spokesman spokeswoman minister president secretary adviser advisor researcher
    senior general lawyer attorney judge prosecutor dr prof professor mr ms mrs honourable
    honorable ambassador envoy commissioner chair chairman chairwoman founder ceo""".split()
)

# Common nouns that are not speakers when they are the subject of a cue verb: documents and
# inanimate sources ("the report said", "the data show", "the summons states").
NON_SPEAKER_NOUNS: frozenset[str] = SOURCE_DOCUMENT_NOUNS | frozenset(
    """evidence model result results image images video footage photo photograph map satellite
    chronology fact facts case law decree resolution text article""".split()
)

# Nouns naming a statement: "released a statement that “...”", "issued a letter saying".
STATEMENT_NOUNS: frozenset[str] = frozenset(
    """statement declaration communique communiqué message letter appeal tweet post press release""".split()
)

# "described the returns as “voluntary”": the verb with this preposition characterises, it does
# not report speech (unless it also takes a clause).
CHARACTERISING: dict[str, str] = {"describe": "as", "call": "as", "label": "as", "brand": "as"}

# Objects that carry written text: a quote "saying"/"reading" on them is a sign, not speech.
TEXT_CARRIER_NOUNS: frozenset[str] = frozenset(
    """sign card banner placard poster caption label graffiti plaque inscription wall board
    screenshot headline""".split()
)
