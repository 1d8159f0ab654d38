"""Cue words and patterns for quote extraction, kept as data.

Everything :mod:`pipeline.extract.quotes` needs to know about English attribution
wording lives here, so extending coverage means editing lists, not code.
"""
from __future__ import annotations

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
    "'": ("'",),
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
    "document": ("ccomp", "dobj"),
    "demand": ("ccomp", "dobj", "xcomp"),
    "stress": ("ccomp", "dobj"),
    "emphasise": ("ccomp", "dobj"),
    "emphasize": ("ccomp", "dobj"),
    "note": ("ccomp",),
    "deny": ("ccomp", "dobj"),
    "acknowledge": ("ccomp", "dobj"),
    "declare": ("ccomp",),
    "announce": ("ccomp", "dobj"),
    "confirm": ("ccomp",),
    "claim": ("ccomp",),
    "allege": ("ccomp",),
    "insist": ("ccomp",),
    "argue": ("ccomp",),
    "report": ("ccomp",),
    "highlight": ("ccomp", "dobj"),
}

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
    eyewitness physician surgeon paramedic nurse medic""".split()
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
    secretariat board partnership consortium platform center centre""".split()
)

# Prepositions linking a person to an organisation: "X of/from/at Org".
ORG_PREPOSITIONS: frozenset[str] = frozenset({"of", "from", "at", "with", "for"})

# Words just before a quoted span that make it a title, not speech.
TITLE_CUES: frozenset[str] = frozenset(
    """report film documentary book titled entitled called named campaign study
    briefing paper article series exhibition song slogan banner hashtag""".split()
)
