"""What a figure says: its qualifier ("at least"), unit (count, percent, money, quantity), the
noun it counts and the event that happened to what is counted, from the dependency parse.
"""
from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from pipeline.extract.claims.phrases import Number, is_figure
from pipeline.lexicon import (
    COUNTED_LEMMAS,
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    EVENT_LEMMAS,
    NOUN_EVENTS,
    PEOPLE_NOUNS,
    QUALIFIERS,
    QUANTITY_UNITS,
    SCALES,
    SOURCE_DOCUMENT_NOUNS,
    SPACE_UNITS,
    TIME_UNITS,
    VACCINE_NOUNS,
    VIOLENCE_LEMMAS,
    _table,
)
from pipeline.records import Claim

#: "metric tons" -> tonne (``numbers.yaml``, ``metric_units``).
METRIC_UNITS: dict[str, str] = _table("numbers", "metric_units")

PART_PRONOUNS = {"them", "whom", "which", "these", "those"}


NOT_COUNTED = TIME_UNITS | {"time", "percent", "%"}


_PASS_THROUGH_VERBS = {"include", "accord", "be", "remain", "have", "continue", "leave", "reach", "stand",
                       "number", "total", "exceed", "rise", "climb", "increase"}


@lru_cache(maxsize=1)
def _qualifier_phrases() -> list[tuple[int, dict[tuple[str, ...], str]]]:
    """``[(length, {words: qualifier})]``, longest first; a phrase listed twice keeps its first qualifier."""
    by_length: dict[int, dict[tuple[str, ...], str]] = {}
    for qualifier, phrases in QUALIFIERS.items():
        for phrase in phrases:
            words = tuple(phrase.split())
            if words:
                by_length.setdefault(len(words), {}).setdefault(words, qualifier)
    return sorted(by_length.items(), reverse=True)


def qualifier_before(doc: Doc, index: int) -> tuple[str | None, int]:
    """The qualifier ending just before token ``index`` and the token it starts at (the longest wins)."""
    for length, phrases in _qualifier_phrases():
        start = index - length
        if start >= 0:
            qualifier = phrases.get(tuple(t.lower_ for t in doc[start:index]))
            if qualifier is not None:
                return qualifier, start
    return None, index


def find_unit(doc: Doc, number: Number) -> None:
    """Percent, money or quantity from the tokens around the number; sets the span edges."""
    after = doc[number.core_end] if number.core_end < len(doc) else None
    before = doc[number.core_start - 1] if number.core_start > 0 else None
    if after is not None and after.lower_ in {"%", "percent", "pc"}:
        number.unit, number.end = "percent", number.core_end + 1
        return
    if after is not None and after.lower_ == "per" and number.core_end + 1 < len(doc) \
            and doc[number.core_end + 1].lower_ == "cent":
        number.unit, number.end = "percent", number.core_end + 2
        return
    if before is not None and before.lower_ in CURRENCY_SYMBOLS and (
        not before.whitespace_ or before.lower_ not in {"try"}
    ):
        number.unit, number.counted, number.start = "money", CURRENCY_SYMBOLS[before.lower_], before.i
        return
    if after is not None:
        low = after.lower_
        two = doc[after.i : after.i + 2]
        if low in {"us", "u.s."} and len(two) == 2 and two[1].lower_ in {"dollar", "dollars"}:
            number.unit, number.counted, number.end = "money", "USD", after.i + 2
            return
        if low in CURRENCY_WORDS or (low in CURRENCY_SYMBOLS and after.text.isupper() and len(low) == 3):
            number.unit, number.end = "money", after.i + 1
            number.counted = CURRENCY_WORDS.get(low) or CURRENCY_SYMBOLS[low]
            return
        if low in QUANTITY_UNITS and (len(low) > 1 or not doc[number.core_end - 1].whitespace_):
            number.unit, number.counted, number.end = "quantity", QUANTITY_UNITS[low], after.i + 1
            return
        if low in {"square", "cubic", "metric"} and len(two) == 2 and two[1].lower_ in QUANTITY_UNITS:
            number.unit, number.end = "quantity", after.i + 2
            unit = QUANTITY_UNITS[two[1].lower_]
            number.counted = METRIC_UNITS.get(unit, unit) if low == "metric" else f"{low} {unit}"


#: A footnote number glued to a word: "children.9", "children)10".
_FOOTNOTE_RE = re.compile(r"([^\W\d_][\w'’-]*?[^\W\d_])[.)\]]\d{1,3}")


def singular(word: str) -> str:
    """The singular of a plural the lemmatiser did not see (a word with a footnote glued to it)."""
    word = word.lower()
    if word in COUNTED_LEMMAS:
        return COUNTED_LEMMAS[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def counted_lemma(token: Token) -> str:
    glued = _FOOTNOTE_RE.fullmatch(token.text)
    if glued is not None:
        return singular(glued.group(1))
    lemma = token.lemma_.lower() if token.pos_ != "PROPN" else token.text.lower()
    if token.pos_ == "PROPN" and lemma.endswith("s") and token.ent_type_ == "NORP":
        lemma = lemma[:-1]  # "Syrians" -> "syrian"
    elif token.pos_ == "PROPN" and not token.ent_type_ and token.tag_ == "NNPS" or (
            token.pos_ == "PROPN" and not token.ent_type_ and token.is_title and lemma.endswith("s")
            and not lemma.endswith("ss")):
        # a common plural the tagger took for a name because of its capital ("Civilians reported injured")
        lemma = lemma[:-3] + "y" if lemma.endswith("ies") else lemma[:-1]
    return COUNTED_LEMMAS.get(token.lower_, COUNTED_LEMMAS.get(lemma, lemma))


def chunk_index(doc: Doc) -> dict[int, Span]:
    """Token index -> the noun chunk holding it (computed once per document)."""
    try:
        return {i: chunk for chunk in doc.noun_chunks for i in range(chunk.start, chunk.end)}
    except ValueError:  # no dependency parse
        return {}


def find_counted(doc: Doc, number: Number, sentence: Span, chunk_of: dict[int, Span]) -> None:
    """The noun being counted (and the phrase end): head noun, noun chunk root or "of" object."""
    last = doc[number.core_end - 1]
    noun_from = number.core_end  # first token that may belong to the counted noun phrase
    restated = doc[number.core_end : number.core_end + 3]
    if len(restated) == 3 and restated[0].text == "(" and is_figure(restated[1]) and restated[2].text == ")":
        # "eighteen (18) videos": the noun comes after the bracketed figure
        last, noun_from = restated[1], number.core_end + 3
        number.end = noun_from
    nxt = doc[noun_from] if noun_from < sentence.end else None
    if nxt is not None and nxt.lower_ == "out" and noun_from + 1 < sentence.end and doc[noun_from + 1].lower_ == "of":
        nxt = doc[noun_from + 1]  # "5,755 out of the 11,000 housing units": as "N of the M things"
    if nxt is not None and nxt.lower_ == "of":
        objects = [c for c in nxt.children if c.dep_ == "pobj"]
        obj = objects[0] if objects else None
        if obj is None and nxt.i + 1 < sentence.end:
            following = doc[nxt.i + 1 : min(nxt.i + 6, sentence.end)]
            obj = next((t for t in following if t.pos_ in {"NOUN", "PROPN", "PRON"}), None)
        if obj is not None and obj.i - nxt.i <= 8:
            if obj.lower_ in PART_PRONOUNS:
                number.of_pronoun = True
                number.end = obj.i + 1
                return
            if number.qualifier == "vague" or number.unit == "count" and obj.pos_ != "PRON" \
                    and doc[number.core_start].lower_ not in {"one"} and not obj.ent_type_:
                if obj.lemma_.lower() not in NOT_COUNTED and obj.pos_ in {"NOUN", "PROPN"} \
                        and _plain_noun_phrase(doc, nxt.i + 1, obj.i):
                    number.counted = counted_lemma(obj)
                    number.counted_token = obj.i
                    number.end = max(number.end, obj.i + 1)
                return
    head = None
    if last.dep_ in {"nummod", "quantmod", "compound", "nmod", "amod"} and last.head.i > last.i \
            and last.head.pos_ in {"NOUN", "PROPN"}:
        head = last.head
        if head.dep_ == "poss" and head.tag_ in {"NN", "NNP"} and (number.value or 0) > 1 \
                and head.head.i > head.i and head.head.pos_ == "NOUN":
            head = head.head  # "94 Syrian's asylum statuses": a plural count does not count a singular owner
        # a plural noun is the head of its phrase: "1.9 million Palestinians experience ..." counts Palestinians
        while head.dep_ in {"compound", "nmod"} and head.head.i > head.i and head.head.pos_ in {"NOUN", "PROPN"} \
                and head.tag_ not in {"NNS", "NNPS"}:
            head = head.head
    if head is None:
        chunk = chunk_of.get(last.i)
        if chunk is not None and chunk.root.i > last.i:
            head = chunk.root
    if head is not None and head.tag_ not in {"NNS", "NNPS"}:
        # "1.9 million Palestinians experience ...": a plural noun the parser made a compound is counted
        plural = next((t for t in doc[noun_from : head.i] if t.tag_ in {"NNS", "NNPS"} and t.dep_ == "compound"
                       and t.pos_ in {"NOUN", "PROPN"}), None)
        head = plural or head
    if head is not None and head.i - noun_from <= 8 and head.i < sentence.end \
            and _plain_noun_phrase(doc, noun_from, head.i):
        number.counted = counted_lemma(head)
        number.counted_token = head.i
        number.end = max(number.end, head.i + 1)
        return
    # "of whom 38 were refugees", "... and 19 were women": the noun after the copula names what is counted
    following = doc[number.core_end : min(number.core_end + 4, sentence.end)]
    if len(following) >= 2 and following[0].lemma_.lower() == "be":
        noun = next((t for t in following[1:] if t.pos_ not in {"ADV", "DET", "ADJ"}), None)
        glued = _FOOTNOTE_RE.fullmatch(noun.text) if noun is not None else None
        if noun is not None and (noun.pos_ == "NOUN" and noun.tag_ in {"NNS", "NNPS"}
                                 or glued is not None and singular(glued.group(1)) != glued.group(1).lower()):
            number.counted = counted_lemma(noun)  # "were children.9": a footnote glued to a plural


def _plain_noun_phrase(doc: Doc, start: int, head: int) -> bool:
    """Tokens ``start..head`` read as one noun phrase: words, commas, joined hyphens, "and".

    A comma is part of the phrase only in a coordination ("air, artillery and missile
    attacks"), not before a new phrase ("Around 250 injured, death toll").
    """
    tokens = doc[start : head + 1]
    if any(t.text == "," for t in tokens) and not any(t.lower_ in {"and", "or"} for t in tokens):
        return False
    for token in tokens:
        if token.is_punct and token.text not in {",", "-", "‐", "'", "’"}:
            return False
        if token.text in {"-", "‐"} and (token.whitespace_ or doc[token.i - 1].whitespace_):
            return False  # "18 - Munitions": a separator, not a compound
        if token.pos_ in {"VERB", "AUX"} and token.i != head and token.dep_ not in {"amod", "compound", "nmod"}:
            return False
    return bool(re.fullmatch(r"[^\W\d_][\w'’-]*", doc[head].text) or _FOOTNOTE_RE.fullmatch(doc[head].text))


def first_verb(token: Token) -> Token | None:
    """The clause verb above ``token``, passing through "including", "be"…"""
    current = token
    for _ in range(8):
        if current.pos_ in {"VERB", "AUX"} and current.lemma_.lower() not in _PASS_THROUGH_VERBS | {"include"}:
            return current
        if current.pos_ in {"VERB", "AUX"} and current.dep_ in {"conj", "advcl", "ccomp", "relcl"}:
            return None  # "... and thousands are continuing to suffer": not the verb of the first clause
        if current.head.i == current.i:
            return current if current.pos_ in {"VERB", "AUX"} else None
        current = current.head
    return None


def _event_lemma(token: Token, counted: str | None) -> str | None:
    """The event a verb or adjective names, with the few lemmas that need context."""
    lemma = token.lemma_.lower()
    if lemma == "lose" and any(c.dep_ == "dobj" and c.lemma_.lower() in {"life", "lives"} for c in token.children):
        return "killed"  # "lost their lives"
    if lemma == "hold" and (counted not in PEOPLE_NOUNS or any(
            c.dep_ == "nsubj" and c.lemma_.lower() in SOURCE_DOCUMENT_NOUNS for c in token.children)):
        return None  # "the database holds 9,412 cases": only people are held in detention, by people
    if lemma == "receive" and any(c.dep_ == "dobj" and c.lemma_.lower() in VACCINE_NOUNS for c in token.children):
        return "vaccinated"  # "3.8% have received a first vaccine dose"
    return EVENT_LEMMAS.get(lemma)


def _death_event(token: Token) -> str:
    """"deaths" and "fatalities" are ``killed`` in a sentence about violence, else ``died``."""
    sentence = token.sent
    violent = any(t.lemma_.lower() in VIOLENCE_LEMMAS for t in sentence)
    return "killed" if violent else "died"


def find_event(number: Number, doc: Doc) -> str | None:
    if number.unit == "quantity" and number.counted in SPACE_UNITS:
        return None  # distances and areas do not undergo events ("less than 10 kilometres")
    anchor = doc[number.counted_token] if number.counted_token is not None else doc[number.core_end - 1]
    counted = number.counted
    following = doc[number.core_end] if number.core_end < len(doc) else None
    if number.counted_token is None and following is not None and following.lower_ in EVENT_LEMMAS \
            and following.pos_ in {"ADJ", "VERB"}:
        return EVENT_LEMMAS[following.lower_]  # "Around 250 injured"
    # a relative clause or participle on the noun: "people killed in...", "people who were detained"
    # (not the clause of a sub-count: "1,400 detainees, 58 of whom died")
    for child in anchor.children:
        if child.dep_ not in {"relcl", "acl"} or any(t.like_num for t in child.subtree):
            continue
        event = _event_lemma(child, counted)
        if event:
            return event
        if child.lemma_.lower() in _PASS_THROUGH_VERBS:  # "people who remain disappeared"
            for grandchild in child.children:
                if grandchild.dep_ in {"acomp", "xcomp", "oprd"} and grandchild.lemma_.lower() in EVENT_LEMMAS:
                    return EVENT_LEMMAS[grandchild.lemma_.lower()]
    # an event noun around the count: "the deaths of 1,612 civilians", "cases of enforced disappearance"
    for token in (anchor, doc[number.core_start], doc[number.core_end - 1]):
        if token.dep_ == "pobj" and token.head.lower_ == "of" and token.head.head.lemma_.lower() in NOUN_EVENTS:
            event = NOUN_EVENTS[token.head.head.lemma_.lower()]
            return _death_event(anchor) if event == "killed" else event
    for prep in anchor.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.lemma_.lower() in NOUN_EVENTS:
                    return NOUN_EVENTS[obj.lemma_.lower()]
    # a copula or "remain": the adjective on the verb ("tens of thousands remain unaccounted for",
    # "28,000 people were able to return")
    for token in (anchor, doc[number.core_start]):
        current = token.head
        if current.lemma_.lower() in _PASS_THROUGH_VERBS:
            for child in current.children:
                if child.dep_ in {"acomp", "xcomp", "attr", "advcl"} and child.lemma_.lower() in EVENT_LEMMAS:
                    return EVENT_LEMMAS[child.lemma_.lower()]
                if child.dep_ == "acomp":
                    for complement in child.children:
                        if complement.dep_ == "xcomp" and complement.lemma_.lower() in EVENT_LEMMAS:
                            return EVENT_LEMMAS[complement.lemma_.lower()]
    # "6.7 million people were living in internal displacement", "held in detention"
    verb = first_verb(anchor) or (anchor.head if anchor.head.pos_ in {"VERB", "AUX"} else None)
    if verb is not None:
        for prep in verb.children:
            if prep.dep_ == "prep" and prep.lower_ in {"in", "into"}:
                for obj in prep.children:
                    if obj.dep_ == "pobj" and obj.lemma_.lower() in NOUN_EVENTS:
                        return NOUN_EVENTS[obj.lemma_.lower()]
    verb = first_verb(anchor)
    if verb is not None:
        event = _event_lemma(verb, counted)
        if event:
            return event
        for child in verb.children:  # "remain forcibly disappeared", "are still missing"
            if child.dep_ in {"acomp", "xcomp", "oprd", "advcl", "conj"} and child.i > anchor.i \
                    and child.lemma_.lower() in EVENT_LEMMAS and child.lemma_.lower() in {
                        "missing", "miss", "disappear", "disappeared", "detain", "detained",
                        "kill", "injure", "injured", "displace", "displaced", "arrest", "unaccounted"}:
                return EVENT_LEMMAS[child.lemma_.lower()]
    if counted in NOUN_EVENTS and number.unit != "percent":  # "85 per cent of these disappearances": a share
        return _death_event(anchor) if NOUN_EVENTS[counted] == "killed" else NOUN_EVENTS[counted]
    for child in anchor.children:
        if child.dep_ == "amod" and child.lemma_.lower() in EVENT_LEMMAS:
            return EVENT_LEMMAS[child.lemma_.lower()]
    return None


def borrow_counted(claims: list[Claim], index: int, same_verb: bool = False) -> None:
    """A bare number takes the noun of the count before it in its sentence.

    "killed at least 80 people and wounded more than 200" -> person; "four fuel ships,
    compared with 14" -> ship. The event is borrowed too when the number has none.
    """
    claim = claims[index]
    for previous in reversed(claims[:index]):
        if previous.sentence_start != claim.sentence_start:
            break
        if previous.unit == "count" and previous.counted is not None and previous.part_of is None:
            claim.counted = previous.counted
            if claim.event is None and same_verb:
                claim.event = previous.event
            return


def shares_verb(doc: Doc, number: Number, earlier: list[Number]) -> bool:
    """True when the number's clause verb is the one of the count before it (or neither has one)."""
    if not earlier:
        return False
    verb = first_verb(doc[number.core_end - 1])
    other = earlier[-1]
    other_verb = first_verb(doc[other.counted_token] if other.counted_token is not None else doc[other.core_end - 1])
    if verb is None or other_verb is None:
        return verb is None and other_verb is None
    return verb.i == other_verb.i


def dot_thousands(doc: Doc, span: Span) -> bool:
    """"346.443 EUR", "1.234 families": a dot before exactly three digits in money or people.

    Currencies have two decimals and people are not counted in fractions, so a
    European thousands separator is the only sensible reading.
    """
    if not re.fullmatch(r"\d{1,3}\.\d{3}", span.text):
        return False
    after = doc[span.end] if span.end < len(doc) else None
    before = doc[span.start - 1] if span.start > 0 else None
    if after is not None and after.lower_ in SCALES:
        return False  # "1.234 million"
    money = (after is not None and (after.lower_ in CURRENCY_WORDS or (after.lower_ in CURRENCY_SYMBOLS and after.text.isupper()))) \
        or (before is not None and before.lower_ in CURRENCY_SYMBOLS)
    people = after is not None and after.tag_ in {"NNS", "NNPS"} and (
        counted_lemma(after) in PEOPLE_NOUNS or after.ent_type_ == "NORP")
    return money or people
