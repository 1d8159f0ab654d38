"""Word lists shared by the date and claim extractors.

Small, documented tables rather than code: number words, vague quantities, qualifier
phrases, currencies, measurement units and the verbs that name a reported event. Every
table is documented in ``docs/claims_and_dates.md``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

import numpy as np
from spacy.attrs import ORTH
from spacy.matcher import Matcher
from spacy.tokens import Doc

#: Cardinal number words below one hundred.
UNITS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}

#: Multiplying number words (and their abbreviations after a figure: "$5m", "3bn").
SCALES: dict[str, int] = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000,
    "k": 1_000,
}

#: Fractions that can start a number ("half a million", "half-million").
FRACTIONS: dict[str, float] = {"half": 0.5, "quarter": 0.25}

#: Exact words that still count ("a dozen" is 12, not vague).
EXACT_WORDS: dict[str, int] = {"dozen": 12}

#: Plural vague quantities: the smallest value they certainly mean.
VAGUE_WORDS: dict[str, int] = {
    "dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1_000, "millions": 1_000_000,
    "billions": 1_000_000_000,
}

#: "several"/"a few" + a scale word is vague at that scale ("several hundred" -> 100).
VAGUE_PREFIXES: frozenset[str] = frozenset({"several", "few", "many"})

#: Qualifier phrases in front of a number, by qualifier; matched case-insensitively.
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "at_least": ("at least", "no fewer than", "no less than", "not less than", "a minimum of",
                 "at a minimum"),
    "more_than": ("more than", "over", "upwards of", "in excess of", "above", "exceeding",
                  "well over", "greater than"),
    "about": ("about", "around", "approximately", "approx.", "nearly", "almost", "some",
              "roughly", "an estimated", "estimated", "close to", "an approximate", "circa",
              "almost", "just under", "just over"),
    "up_to": ("up to", "as many as", "as much as"),
    "less_than": ("less than", "fewer than", "under", "below"),
}

#: Currency symbols and codes -> ISO 4217 code recorded in ``Claim.counted``.
CURRENCY_SYMBOLS: dict[str, str] = {
    "$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP",
    "gbp": "GBP", "chf": "CHF", "syp": "SYP", "¥": "JPY", "jpy": "JPY", "cad": "CAD",
    "aud": "AUD", "htg": "HTG", "etb": "ETB", "try": "TRY", "sek": "SEK", "dkk": "DKK",
    "nok": "NOK",
}

#: Currency words after a number -> the value recorded in ``Claim.counted``.
CURRENCY_WORDS: dict[str, str] = {
    "dollar": "dollar", "dollars": "dollar", "euro": "EUR", "euros": "EUR",
    "pound": "pound", "pounds": "pound", "lira": "lira", "liras": "lira", "lire": "lira",
    "franc": "franc", "francs": "franc", "gourde": "HTG", "gourdes": "HTG", "birr": "ETB",
    "yen": "JPY", "krone": "krone", "kroner": "krone", "kronor": "krona",
}

#: Measurement units after a number -> unit lemma recorded in ``Claim.counted``.
QUANTITY_UNITS: dict[str, str] = {
    "tonne": "tonne", "tonnes": "tonne", "ton": "ton", "tons": "ton", "mt": "tonne",
    "kg": "kilogram", "kgs": "kilogram", "kilogram": "kilogram", "kilograms": "kilogram",
    "kilo": "kilogram", "kilos": "kilogram", "gram": "gram", "grams": "gram", "g": "gram",
    "litre": "litre", "litres": "litre", "liter": "litre", "liters": "litre", "l": "litre",
    "gallon": "gallon", "gallons": "gallon",
    "km": "kilometre", "kilometre": "kilometre", "kilometres": "kilometre",
    "kilometer": "kilometre", "kilometers": "kilometre", "metre": "metre", "metres": "metre",
    "meter": "metre", "meters": "metre", "m2": "square metre", "km2": "square kilometre",
    "mile": "mile", "miles": "mile", "hectare": "hectare", "hectares": "hectare",
    "ha": "hectare", "acre": "acre", "acres": "acre", "cm": "centimetre", "mm": "millimetre",
    "degree": "degree", "degrees": "degree",
}

#: Words that make a following number a duration, an age or a time, not a count.
TIME_UNITS: frozenset[str] = frozenset({
    "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week",
    "weeks", "month", "months", "year", "years", "decade", "decades", "century", "min", "mins",
    "centuries", "am", "pm", "a.m.", "p.m.", "hrs", "h", "gmt", "utc",
})

#: Words before a number that make it a label (an article, a resolution, a page...).
LABEL_WORDS: frozenset[str] = frozenset({
    "article", "articles", "resolution", "resolutions", "section", "sections", "chapter",
    "chapters", "paragraph", "paragraphs", "para", "page", "pages", "p.", "pp.", "no.",
    "no", "nos.", "number", "#", "law", "decree", "table", "figure", "fig.", "annex",
    "appendix", "item", "rule", "principle", "protocol", "case", "file", "room", "cell",
    "unit", "route", "highway", "road", "flight", "ward", "block", "building", "sector",
    "level", "grade", "phase", "version", "v.", "vol.", "volume", "issue", "step", "point",
    "category", "tel", "tel.", "phone", "fax", "ext.", "box", "lot", "zone", "camp", "ref",
    "reference", "code", "id", "example", "hs", "tariff", "session", "meeting", "episode", "part", "clause", "a/res",
    "s/res", "footnote", "note", "cs", "ts", "issy", "stage", "wave", "tier", "team",
})

#: Entity labels inside which a number is a name, not a count ("G7", "Resolution 2254").
NAME_ENTITY_LABELS: frozenset[str] = frozenset({
    "LAW", "ORG", "PRODUCT", "EVENT", "WORK_OF_ART", "FAC", "PERSON", "DISEASE",
})

#: Verb, adjective or noun lemma -> canonical event name recorded in ``Claim.event``.
EVENT_LEMMAS: dict[str, str] = {
    "kill": "killed", "murder": "killed", "slaughter": "killed", "massacre": "killed",
    "die": "died", "dead": "killed",
    "injure": "injured", "wound": "injured", "injured": "injured", "wounded": "injured",
    "injury": "injured", "hurt": "injured", "maim": "injured",
    "detain": "detained", "imprison": "detained", "jail": "detained", "detained": "detained",
    "hold": "detained", "incarcerate": "detained",
    "arrest": "arrested", "displace": "displaced", "displaced": "displaced", "flee": "displaced",
    "uproot": "displaced", "missing": "missing", "miss": "missing",
    "disappear": "disappeared", "disappeared": "disappeared",
    "vaccinate": "vaccinated", "vaccinated": "vaccinated", "immunize": "vaccinated",
    "immunise": "vaccinated", "deport": "deported", "expel": "deported",
    "return": "returned", "repatriate": "returned",
    "rescue": "rescued", "release": "released", "free": "released",
    "execute": "executed", "torture": "tortured", "abduct": "abducted",
    "kidnap": "abducted", "evacuate": "evacuated", "infect": "infected",
    "infected": "infected", "sentence": "sentenced", "convict": "convicted",
    "attack": "attacked", "target": "attacked", "bomb": "attacked", "strike": "attacked",
    "destroy": "destroyed", "damage": "damaged", "affect": "affected",
    "affected": "affected", "evict": "evicted", "besiege": "besieged", "starve": "starved",
    "recruit": "recruited", "rape": "raped", "shell": "attacked", "unaccounted": "missing",
}

#: Words that make a count of "deaths" a count of people killed, not of people who died.
VIOLENCE_LEMMAS: frozenset[str] = frozenset({
    "attack", "strike", "airstrike", "shelling", "shell", "bomb", "bombing", "bombardment", "kill",
    "killing", "violence", "violent", "gang", "armed", "fighting", "clash", "conflict", "war",
    "massacre", "shoot", "shooting", "gunfire", "sniper", "missile", "rocket", "explosion",
    "explosive", "mine", "landmine", "ordnance", "torture", "execution", "murder", "militia",
    "force", "regime", "army", "military", "offensive", "siege", "hostility", "raid", "battle",
})

#: Event nouns -> event: "the deaths of 1,612 civilians", "cases of enforced disappearance".
NOUN_EVENTS: dict[str, str] = {
    "death": "killed", "fatality": "killed", "killing": "killed", "murder": "killed",
    "injury": "injured", "arrest": "arrested", "abduction": "abducted", "kidnapping": "abducted",
    "execution": "executed", "displacement": "displaced", "disappearance": "disappeared",
    "return": "returned", "deportation": "deported", "torture": "tortured", "detention": "detained",
    "release": "released", "evacuation": "evacuated", "eviction": "evicted", "rescue": "rescued",
    "infection": "infected", "vaccination": "vaccinated",
}

#: Counted nouns that name people: only people are "held" (detained), and a dot before three
#: digits in a count of people is a thousands separator ("1.234 refugees").
PEOPLE_NOUNS: frozenset[str] = frozenset({
    "person", "people", "civilian", "child", "woman", "man", "boy", "girl", "adult", "minor",
    "detainee", "prisoner", "refugee", "migrant", "asylum-seeker", "resident", "family", "journalist",
    "activist", "protester", "worker", "doctor", "nurse", "student", "member", "fighter", "soldier",
    "victim", "survivor", "patient", "infant", "newborn", "individual", "citizen", "national",
    "syrian", "displaced", "inhabitant", "villager", "farmer", "teacher", "volunteer", "staff",
})

#: Verbs of calling for something: a figure in the infinitive they govern is a target,
#: not a fact ("urged donors to resettle at least 10,000 refugees").
DEMAND_VERBS: frozenset[str] = frozenset({
    "call", "urge", "demand", "ask", "appeal", "request", "recommend", "press", "implore", "encourage",
    "aim", "plan", "intend", "seek", "target", "pledge", "commit", "want", "hope",
})

#: Objects of "receive" that make it a vaccination ("received a first vaccine dose").
VACCINE_NOUNS: frozenset[str] = frozenset({"dose", "vaccine", "jab", "shot", "vaccination", "booster"})

#: Words before a clock time ("at 9.30", "from 11.30 to 12.30").
TIME_PREPOSITIONS: frozenset[str] = frozenset({
    "at", "from", "until", "till", "by", "before", "after", "between", "around", "since", "to",
})

#: Lemmas spaCy leaves plural or that read better singular (also title-case words it takes
#: for proper nouns: "4 Men").
COUNTED_LEMMAS: dict[str, str] = {"people": "person", "persons": "person", "folks": "person", "men": "man",
                                  "women": "woman", "children": "child"}

#: Measurement units of distance and area: what they measure does not undergo events.
SPACE_UNITS: frozenset[str] = frozenset({
    "kilometre", "metre", "mile", "square metre", "square kilometre", "hectare", "acre", "centimetre",
    "millimetre", "degree",
})

#: Verbs whose subject is the source of the numbers in its sentence.
REPORTING_VERBS: frozenset[str] = frozenset({
    "say", "report", "document", "record", "estimate", "state", "announce", "find",
    "confirm", "verify", "count", "register", "note", "tell", "show", "reveal", "indicate",
    "warn", "publish", "according",
})

_NUMBER_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$|^[+-]?\d+(\.\d+)?$")
_ORDINAL_RE = re.compile(r"^\d+(st|nd|rd|th)$", re.I)
ORDINAL_WORDS: frozenset[str] = frozenset({
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "hundredth", "thousandth", "millionth",
})


def is_ordinal(text: str) -> bool:
    """True for "5th", "second", "twentieth"…"""
    low = text.lower()
    return bool(_ORDINAL_RE.match(low)) or low in ORDINAL_WORDS or low.endswith("ieth")


_DOT_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:\.\d{3}){2,}$|^\d{1,3}\.000$")


_DECIMAL_COMMA_RE = re.compile(r"^\d+,\d{1,2}$")


def parse_figure(text: str) -> float | None:
    """Parse a written figure: "1,202" -> 1202.0, "3.8" -> 3.8; anything else -> None.

    Dots as thousands separators are read as such only when unambiguous: two or more
    groups ("1.500.000") or a ".000" group ("500.000"); "346.443" stays a decimal here
    (the claim extractor reads it as thousands before a currency or a count of people).
    A comma before one or two digits is a decimal comma ("USD 1,26 million" -> 1.26).
    """
    clean = text.strip()
    if _DECIMAL_COMMA_RE.match(clean):
        return float(clean.replace(",", "."))
    if _DOT_THOUSANDS_RE.match(clean):
        return float(clean.replace(".", ""))
    if not _NUMBER_RE.match(clean):
        return None
    return float(clean.replace(",", ""))


def words_to_number(words: list[str]) -> float | None:
    """Value of a number written in words and/or figures.

    ``["two", "hundred"]`` -> 200, ``["1.5", "million"]`` -> 1.5e6,
    ``["half", "a", "million"]`` -> 5e5, ``["twenty", "-", "three"]`` -> 23. Returns None
    when a word is not a number word.
    """
    total = 0.0
    current: float | None = None
    for raw in words:
        word = raw.lower()
        if word in {"-", "‐", "a", "an", "and"}:
            continue
        figure = parse_figure(word)
        if figure is not None:
            current = (current or 0) + figure
        elif word in UNITS:
            current = (current or 0) + UNITS[word]
        elif word in FRACTIONS:
            current = (current or 0) + FRACTIONS[word]
        elif word in EXACT_WORDS:
            current = (current or 1) * EXACT_WORDS[word]
        elif word in SCALES:
            scale = SCALES[word]
            current = (current if current is not None else 1) * scale
            if scale >= 1000:
                total += current
                current = None
        else:
            return None
    return total + (current or 0)


def counts_following_noun(token) -> bool:
    """True when a year-shaped figure counts the plural noun after it.

    "2000 blankets" is a count; "the 2005 arms ban" and "in 2005 elections" after a
    determiner or with a singular noun are years.
    """
    head = token.head
    before = token.nbor(-1) if token.i > 0 else None
    return (
        token.dep_ == "nummod"
        and head.i > token.i
        and head.pos_ == "NOUN"
        and head.tag_ in {"NNS", "NNPS"}
        and head.lower_ not in TIME_UNITS
        and not (before is not None and before.pos_ in {"DET", "PRON"})
    )


_LAST_ORTHS: tuple = (None, [], None)


def distinct_orths(doc: Doc) -> tuple[list[int], np.ndarray]:
    """``(distinct orth ids, index of each token's orth in them)`` of ``doc``.

    Shared by the anchored matchers of one document (the last document's is kept; one tuple
    swap, safe across threads).
    """
    last_doc, distinct, position = _LAST_ORTHS
    if last_doc is not doc:
        unique, position = np.unique(doc.to_array(ORTH), return_inverse=True)
        distinct, position = unique.tolist(), position.ravel()
        globals()["_LAST_ORTHS"] = (doc, distinct, position)
    return distinct, position


class AnchoredMatcher:
    """A :class:`~spacy.matcher.Matcher` run only where its patterns can match: same results.

    spaCy's Matcher tries every pattern at every token, which costs as much as a pipeline
    component on long documents. When every pattern needs at least one *anchor* token (a
    word of ``anchor_words``, matched on its lower case, or a text matching one of
    ``anchor_regexes``, the patterns' own ``TEXT`` regexes) and has a bounded length, a match
    lies within ``len(pattern) - 1`` tokens of an anchor. The matcher then runs on the
    windows around anchors only, and returns the matches of ``matcher(doc)`` in the same
    order (checked in ``tests/test_speed_equivalence.py``). Patterns that do not qualify
    (an unanchored pattern, ``*``/``+`` operators) make it run on the whole document.
    """

    def __init__(self, vocab, patterns: dict[str, list[list[dict]]],
                 anchor_words: Iterable[str] = (), anchor_regexes: Iterable[str] = ()):
        self.matcher = Matcher(vocab)
        for key, rules in patterns.items():
            self.matcher.add(key, rules)
        self.anchor_words = frozenset(w.lower() for w in anchor_words)
        self.anchor_regexes = tuple(anchor_regexes)
        self._anchor_res = [re.compile(r) for r in self.anchor_regexes]
        rules = [rule for group in patterns.values() for rule in group]
        self.reach = max((len(rule) for rule in rules), default=0)
        self.anchored = bool(rules) and all(self._is_anchored(rule) for rule in rules)
        self._anchor_orths: dict[int, bool] = {}  # orth id -> is an anchor (bounded below)

    def _is_anchored(self, rule: list[dict]) -> bool:
        if any(str(spec.get("OP", "1")) not in {"1", "?", "!"} for spec in rule):
            return False  # "*", "+", "{n,m}": no bound on the match length
        for spec in rule:
            if spec.get("OP") in {"?", "!"}:
                continue  # optional or negated: not a token every match holds
            lower, text = spec.get("LOWER"), spec.get("TEXT")
            if isinstance(lower, str) and lower in self.anchor_words:
                return True
            if isinstance(lower, dict) and set(lower) == {"IN"} and set(lower["IN"]) <= self.anchor_words:
                return True
            if isinstance(text, dict) and set(text) == {"REGEX"} and text["REGEX"] in self.anchor_regexes:
                return True
        return False

    def _anchor_text(self, text: str) -> bool:
        # spaCy's LOWER is str.lower(); its REGEX predicate is re.search on the text
        return text.lower() in self.anchor_words or any(r.search(text) for r in self._anchor_res)

    def windows(self, doc: Doc) -> list[tuple[int, int]]:
        """Token ranges ``[start, end)`` around the anchors, merged where they overlap."""
        if not len(doc):
            return []
        distinct, position = distinct_orths(doc)
        known, strings = self._anchor_orths, doc.vocab.strings
        if len(known) > 100_000:  # bounded: memory stays flat on any corpus
            known.clear()
        flags = []
        for orth in distinct:
            flag = known.get(orth)
            if flag is None:
                flag = known[orth] = self._anchor_text(strings[orth])
            flags.append(flag)
        is_anchor = np.array(flags, dtype=bool)
        merged: list[list[int]] = []
        for i in np.flatnonzero(is_anchor[position]).tolist():
            start, end = max(0, i - self.reach + 1), min(len(doc), i + self.reach)
            if merged and start <= merged[-1][1]:
                merged[-1][1] = end
            else:
                merged.append([start, end])
        return [(start, end) for start, end in merged]

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        """``(match_id, start, end)`` tuples, as ``Matcher.__call__(doc)`` returns them."""
        if not self.anchored:
            return self.matcher(doc)
        found = []
        for start, end in self.windows(doc):
            found.extend((key, first + start, last + start) for key, first, last in self.matcher(doc[start:end]))
        return found

    def __len__(self) -> int:
        return len(self.matcher)


def cached_matcher(patterns: dict[str, list[list[dict]]], anchor_words: Iterable[str] = (),
                   anchor_regexes: Iterable[str] = ()):
    """A ``vocab -> matcher`` function holding ``patterns``, built once per vocab.

    With anchors (see :class:`AnchoredMatcher`) the matcher only runs near them.
    """
    anchor_words, anchor_regexes = tuple(anchor_words), tuple(anchor_regexes)

    @lru_cache(maxsize=4)
    def build(vocab) -> AnchoredMatcher:
        return AnchoredMatcher(vocab, patterns, anchor_words, anchor_regexes)

    return build
