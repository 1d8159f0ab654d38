"""Numeric claims: "at least 65 children were killed in 2021, according to X".

A claim is a number phrase (figure, number words or a vague quantity such as "hundreds of")
with its qualifier ("at least"), unit (count, percent, money, quantity), the noun it
counts, the event that happened to them, the period, the place, the total it is part of
and the source the sentence attributes it to. Numbers are found with spaCy token
attributes and a :class:`spacy.matcher.Matcher`; their roles come from the dependency
parse. Numbers that are dates, durations, ages, ordinals, labels ("Article 7"), phone
numbers, times and list markers are not claims. See ``docs/claims_and_dates.md``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from pipeline.records import Claim, DateRecord, Entity

from .quote_cues import SOURCE_DOCUMENT_NOUNS
from .numbers import (
    COUNTED_LEMMAS,
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    EVENT_LEMMAS,
    LABEL_WORDS,
    NAME_ENTITY_LABELS,
    QUALIFIERS,
    QUANTITY_UNITS,
    REPORTING_VERBS,
    SCALES,
    TIME_UNITS,
    UNITS,
    VAGUE_PREFIXES,
    VAGUE_WORDS,
    counts_following_noun,
    is_ordinal,
    parse_figure,
    words_to_number,
)

_SCALE_WORDS = ["hundred", "thousand", "million", "billion", "trillion"]
_VAGUE_SCALES = ["thousands", "millions", "billions"]

#: Vague and word quantities the token attributes alone would mis-read.
NUMBER_PATTERNS: dict[str, list[list[dict]]] = {
    "VAGUE": [
        # tens of thousands, hundreds of millions
        [{"LOWER": {"IN": ["tens", "hundreds"]}}, {"LOWER": "of"}, {"LOWER": {"IN": _VAGUE_SCALES}}],
        [{"LOWER": {"IN": list(VAGUE_WORDS)}}],
        # several hundred, a few thousand
        [{"LOWER": {"IN": ["a"]}, "OP": "?"}, {"LOWER": {"IN": sorted(VAGUE_PREFIXES)}},
         {"LOWER": {"IN": _SCALE_WORDS}}],
    ],
    "WORDS": [
        # a dozen, half a million, half-million, a million, one and a half million
        [{"LOWER": {"IN": ["a", "one", "half"]}}, {"LOWER": "dozen"}],
        [{"LOWER": "half"}, {"LOWER": {"IN": ["a", "an"]}}, {"LOWER": {"IN": _SCALE_WORDS}}],
        [{"LOWER": "half"}, {"TEXT": {"IN": ["-", "‐"]}}, {"LOWER": {"IN": _SCALE_WORDS}}],
        [{"LOWER": {"IN": ["a", "an"]}}, {"LOWER": {"IN": _SCALE_WORDS}}],
    ],
}

#: Connectors that make "N <connector> M" a range (with "between" for "and").
_RANGE_CONNECTORS = {"to", "-", "–", "—", "and", "or"}
_RANGE_TOKEN_RE = re.compile(r"^(\d[\d,.]*)[–—-](\d[\d,.]*)$")
_PART_BEFORE_RE = re.compile(
    r"(?:\binclud(?:ing|es|ed|e)|\bamong\s+(?:them|whom|which|these|those)|\bof\s+(?:whom|which|these|them))"
    r"\s*[:,(]?\s*$",
    re.I,
)
_PART_PRONOUNS = {"them", "whom", "which", "these", "those"}
_NOT_COUNTED = TIME_UNITS | {"time", "times", "percent", "%"}
_NOUN_EVENTS = {"death": "killed", "fatality": "killed", "injury": "injured", "arrest": "arrested",
                "abduction": "abducted", "execution": "executed", "displacement": "displaced",
                "disappearance": "disappeared", "return": "returned", "deportation": "deported"}
_PASS_THROUGH_VERBS = {"include", "accord", "be", "remain", "have", "continue", "leave", "reach", "stand",
                       "number", "total", "exceed", "rise", "climb", "increase"}
_PLACE_LABELS = {"GPE", "LOC"}
#: Prepositions that make a place the scene of a claim ("in Idlib", "across Syria").
_LOCATIVE = {"in", "across", "throughout", "inside", "within", "near", "at", "around", "outside",
             "on", "all", "over"}
_SOURCE_LABELS = {"ORG", "PERSON", "GPE"}


@dataclass
class _Number:
    """A number phrase while its fields are being worked out (token offsets)."""

    start: int  # first token of the phrase (qualifier, currency or number)
    end: int  # one past the last token (number, unit or counted noun)
    core_start: int
    core_end: int
    value: float | None
    value_max: float | None = None
    qualifier: str = "exact"
    unit: str = "count"
    counted: str | None = None
    counted_token: int | None = None
    of_pronoun: bool = False


@lru_cache(maxsize=4)
def _matcher(vocab) -> Matcher:
    matcher = Matcher(vocab)
    for key, patterns in NUMBER_PATTERNS.items():
        matcher.add(key, patterns)
    return matcher


def _is_number_word(token: Token) -> bool:
    low = token.lower_
    return low in UNITS or low in SCALES or parse_figure(low) is not None


def _digits(token: Token) -> bool:
    return parse_figure(token.text) is not None


def _number_spans(doc: Doc) -> list[tuple[Span, str]]:
    """Number phrases: Matcher hits for vague/word quantities plus runs of number tokens."""
    found: list[Span] = []
    kinds: dict[tuple[int, int], str] = {}
    for match_id, start, end in _matcher(doc.vocab)(doc):
        span = doc[start:end]
        found.append(span)
        kinds[(start, end)] = doc.vocab.strings[match_id]
    i = 0
    while i < len(doc):
        token = doc[i]
        range_token = _RANGE_TOKEN_RE.match(token.text)
        if not (token.like_num or range_token) or is_ordinal(token.text):
            i += 1
            continue
        if not range_token and not _is_number_word(token):
            i += 1
            continue
        end = i + 1
        # extend over scale words and number words: "1.5 million", "twenty-three", "$5m"
        while end < len(doc):
            nxt = doc[end]
            low = nxt.lower_
            prev = doc[end - 1]
            if low in _SCALE_WORDS or (low in {"m", "bn", "mn", "k"} and not prev.whitespace_ and _digits(prev)):
                end += 1
            elif low in UNITS and not _digits(prev) and not _digits(nxt) and prev.lower_ not in {"-"}:
                end += 1
            elif low in {"-", "‐"} and not prev.whitespace_ and end + 1 < len(doc) \
                    and doc[end + 1].lower_ in UNITS and prev.lower_ in UNITS:
                end += 2
            elif low == "and" and prev.lower_ in _SCALE_WORDS and end + 1 < len(doc) \
                    and doc[end + 1].lower_ in UNITS:
                end += 2  # "two hundred and fifty"
            else:
                break
        found.append(doc[i:end])
        kinds[(i, end)] = "RANGE_TOKEN" if range_token else "FIGURE"
        i = end
    spans = filter_spans(found)
    return [(s, kinds.get((s.start, s.end), "FIGURE")) for s in sorted(spans, key=lambda s: s.start)]


def _value_of(span: Span, kind: str) -> tuple[float | None, float | None, str | None]:
    """``(value, value_max, qualifier_override)`` of a number phrase."""
    words = [t.text for t in span]
    lows = [w.lower() for w in words]
    if kind == "RANGE_TOKEN":
        left, right = _RANGE_TOKEN_RE.match(span.text).groups()
        return parse_figure(left), parse_figure(right), "range"
    if kind == "VAGUE":
        if lows[0] in {"tens", "hundreds"} and len(lows) == 3:
            return float((10 if lows[0] == "tens" else 100) * VAGUE_WORDS[lows[2]]), None, "vague"
        if lows[-1] in VAGUE_WORDS:
            return float(VAGUE_WORDS[lows[-1]]), None, "vague"
        return float(SCALES[lows[-1]]), None, "vague"
    return words_to_number(words), None, None


def _line_start(text: str, token: Token) -> bool:
    return token.idx == 0 or text[token.idx - 1] == "\n"


def _looks_like_code(chunk: str) -> bool:
    """Links, file names and identifiers: "after=2016-07-01", "Screen_Shot_2017-05-11.png"."""
    return bool(re.search(r"[/=&_\\]|%[0-9A-Fa-f]{2}|www\.|\.html?\b|\d{4}-\d\d-\d\d|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b|\d[.:]\d\d[.:]\d\d", chunk))


def _word_around(text: str, span: Span) -> str:
    """The whitespace-delimited chunk of text holding the span ("2017-05-11_at_8.27.png")."""
    start, end = span.start_char, span.end_char
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end]


_LIST_SEPARATORS = frozenset({",", ".", "and", "or", "-", "–", "to", "&"})


def _after_label(doc: Doc, span: Span) -> bool:
    """A label word before the number or before the list it is in: "Rules 11, 12 and 71"."""
    index = span.start - 1
    sentence_start = span[0].sent.start
    while index >= sentence_start:
        token = doc[index]
        low = token.lower_
        if low in LABEL_WORDS or low.rstrip(".") in LABEL_WORDS or token.lemma_.lower() in LABEL_WORDS:
            return True
        if _digits(token):
            index -= 1
            continue
        # separators continue a list of numbers only: "Rules 11, 12, and 71", not "figures, 5,000"
        previous = index
        while previous >= sentence_start and doc[previous].lower_ in _LIST_SEPARATORS:
            previous -= 1
        if previous == index or previous < sentence_start or not _digits(doc[previous]):
            return False
        index = previous
    return False


def _is_name_or_label(doc: Doc, text: str, span: Span) -> bool:
    """Article/resolution/page numbers, list markers, phone numbers, times, ages, names."""
    first, last = span[0], span[-1]
    before = doc[first.i - 1] if first.i > 0 else None
    after = doc[last.i + 1] if last.i + 1 < len(doc) else None
    if _after_label(doc, span):
        return True
    if first.ent_type_ in NAME_ENTITY_LABELS | {"TIME"}:
        return True
    # codes and links: "05", "35.821077", "after=2016-07-01", "Screen_Shot_2017-05-11"
    if re.match(r"^0\d", first.text) or re.search(r"\.\d{4,}$", first.text):
        return True
    if re.fullmatch(r"\d{7,}", first.text):
        return True  # an unseparated 7+ digit figure is a code or an id, not a count
    # "Sukhoi 22", "Hospital 5": a number right after the proper noun it names
    if before is not None and before.pos_ == "PROPN" and first.head.i == before.i and not before.ent_type_ == "GPE":
        return True
    # a restatement in brackets: "eighteen (18) videos"
    if before is not None and before.text == "(" and before.i > 0 and (
        doc[before.i - 1].like_num or doc[before.i - 1].lower_ in SCALES
    ):
        return True
    # compound adjectives: "six-sided", "a 10-year sentence", "two-storey"
    if after is not None and after.text in {"-", "‐"} and not last.whitespace_ and not after.whitespace_ \
            and last.i + 2 < len(doc) and doc[last.i + 2].is_alpha \
            and doc[last.i + 2].lower_ not in set(UNITS) | set(SCALES):
        return True
    if first.text.startswith("+") or (before is not None and before.text in {"+", "#", "№"}):
        return True
    # phone and reference numbers: several digit groups in a row, "20 7946 0958"
    if (after is not None and _digits(after) and _digits(last)) or (
        before is not None and _digits(before) and _digits(first)
    ):
        return True
    # list markers and numbered headings: "1." / "2)" at the start of a line or list item
    if after is not None and after.text in {".", ")"} and (
        _line_start(text, first) or (before is not None and before.text[-1] in "\\;:•*-")
    ):
        return True
    # footnote markers: "[3]", "word(4)"
    if before is not None and after is not None and len(span) == 1 and (
        (before.text == "[" and after.text == "]")
        or (before.text == "(" and after.text == ")" and before.i > 0 and not doc[before.i - 1].whitespace_)
    ):
        return True
    # attached to a word: "Covid-19", "H-5", "A-10"
    if before is not None and before.text in {"-", "/"} and not before.whitespace_ and before.i > 0 \
            and not doc[before.i - 1].whitespace_ and doc[before.i - 1].is_alpha:
        return True
    if after is not None and after.text in {":", "/"} and not last.whitespace_ and last.i + 2 < len(doc) \
            and _digits(doc[last.i + 2]):
        return True  # 10:30, 3/4 as a date or score
    if after is not None and after.lower_ in {"am", "pm", "a.m.", "p.m.", "hrs", "gmt", "utc"}:
        return True
    if any(t.lower_ in {"gmt", "utc", "utc/gmt"} for t in doc[max(0, first.i - 3) : first.i]):
        return True  # time zones: "UTC/GMT plus 2"
    # ages: "aged 35", "12-year-old", "10 years old", "children under 5"
    if before is not None and before.lower_ in {"aged", "age", "ages"}:
        return True
    tail = doc[last.i + 1 : last.i + 5].text.lower()
    if re.match(r"^[\s-]*(?:years?|months?)[\s-]*old\b", tail):
        return True
    if before is not None and before.lower_ in {"under", "over"} and before.i > 0 \
            and doc[before.i - 1].lemma_.lower() in {"child", "people", "person", "adult", "those", "age", "aged"}:
        return True
    # a figure alone on its line: a page number or a table cell without its heading
    line_start = text.rfind("\n", 0, span.start_char) + 1
    line_end = text.find("\n", span.end_char)
    if text[line_start : line_end if line_end != -1 else len(text)].strip(" .,;:") == span.text:
        return True
    # "Dhiaa Abu Musaab (26)": an age in brackets after a name
    if before is not None and before.text == "(" and before.i > 0 and doc[before.i - 1].ent_type_ == "PERSON" \
            and after is not None and after.text == ")":
        return True
    # "one of the", "no one", "the one who": pronoun uses of "one"
    if span.text.lower() == "one" and (
        (after is not None and after.lower_ in {"of", "another", "who", "which", "that"})
        or first.dep_ not in {"nummod"}
    ):
        return True
    return False


def _is_year(span: Span) -> bool:
    """A bare 4-digit 1900-2100 figure that is not counting a following noun."""
    if len(span) != 1 or not re.fullmatch(r"(19\d\d|20\d\d|2100)", span.text):
        return False
    return not counts_following_noun(span[0])


def _qualifier_before(doc: Doc, index: int) -> tuple[str | None, int]:
    """The qualifier ending just before token ``index`` and the token it starts at."""
    best: tuple[str | None, int] = (None, index)
    for qualifier, phrases in QUALIFIERS.items():
        for phrase in phrases:
            words = phrase.split()
            start = index - len(words)
            if start < 0:
                continue
            if [t.lower_ for t in doc[start:index]] == words and start < best[1]:
                best = (qualifier, start)
    return best


def _unit(doc: Doc, number: _Number) -> None:
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
            number.counted = unit if low == "metric" else f"{low} {unit}"


def _counted_lemma(token: Token) -> str:
    lemma = token.lemma_.lower() if token.pos_ != "PROPN" else token.text.lower()
    if token.pos_ == "PROPN" and lemma.endswith("s") and token.ent_type_ == "NORP":
        lemma = lemma[:-1]  # "Syrians" -> "syrian"
    return COUNTED_LEMMAS.get(token.lower_, COUNTED_LEMMAS.get(lemma, lemma))


def _chunk_index(doc: Doc) -> dict[int, Span]:
    """Token index -> the noun chunk holding it (computed once per document)."""
    try:
        return {i: chunk for chunk in doc.noun_chunks for i in range(chunk.start, chunk.end)}
    except ValueError:  # no dependency parse
        return {}


def _counted(doc: Doc, number: _Number, sentence: Span, chunk_of: dict[int, Span]) -> None:
    """The noun being counted (and the phrase end): head noun, noun chunk root or "of" object."""
    last = doc[number.core_end - 1]
    noun_from = number.core_end  # first token that may belong to the counted noun phrase
    restated = doc[number.core_end : number.core_end + 3]
    if len(restated) == 3 and restated[0].text == "(" and _digits(restated[1]) and restated[2].text == ")":
        # "eighteen (18) videos": the noun comes after the bracketed figure
        last, noun_from = restated[1], number.core_end + 3
        number.end = noun_from
    nxt = doc[noun_from] if noun_from < sentence.end else None
    if nxt is not None and nxt.lower_ == "of":
        objects = [c for c in nxt.children if c.dep_ == "pobj"]
        obj = objects[0] if objects else None
        if obj is None and nxt.i + 1 < sentence.end:
            following = doc[nxt.i + 1 : min(nxt.i + 6, sentence.end)]
            obj = next((t for t in following if t.pos_ in {"NOUN", "PROPN", "PRON"}), None)
        if obj is not None and obj.i - nxt.i <= 8:
            if obj.lower_ in _PART_PRONOUNS:
                number.of_pronoun = True
                number.end = obj.i + 1
                return
            if number.qualifier == "vague" or number.unit == "count" and obj.pos_ != "PRON" \
                    and doc[number.core_start].lower_ not in {"one"} and not obj.ent_type_:
                if obj.lemma_.lower() not in _NOT_COUNTED and obj.pos_ in {"NOUN", "PROPN"} \
                        and _plain_noun_phrase(doc, nxt.i + 1, obj.i):
                    number.counted = _counted_lemma(obj)
                    number.counted_token = obj.i
                    number.end = max(number.end, obj.i + 1)
                return
    head = None
    if last.dep_ in {"nummod", "quantmod", "compound", "nmod", "amod"} and last.head.i > last.i \
            and last.head.pos_ in {"NOUN", "PROPN"}:
        head = last.head
        while head.dep_ in {"compound", "nmod"} and head.head.i > head.i and head.head.pos_ in {"NOUN", "PROPN"}:
            head = head.head
    if head is None:
        chunk = chunk_of.get(last.i)
        if chunk is not None and chunk.root.i > last.i:
            head = chunk.root
    if head is not None and head.i - noun_from <= 8 and head.i < sentence.end \
            and _plain_noun_phrase(doc, noun_from, head.i):
        number.counted = _counted_lemma(head)
        number.counted_token = head.i
        number.end = max(number.end, head.i + 1)


def _plain_noun_phrase(doc: Doc, start: int, head: int) -> bool:
    """Tokens ``start..head`` read as one noun phrase: words, commas, joined hyphens, "and"."""
    for token in doc[start : head + 1]:
        if token.is_punct and token.text not in {",", "-", "‐", "'", "’"}:
            return False
        if token.text in {"-", "‐"} and (token.whitespace_ or doc[token.i - 1].whitespace_):
            return False  # "18 - Munitions": a separator, not a compound
        if token.pos_ in {"VERB", "AUX"} and token.i != head and token.dep_ not in {"amod", "compound", "nmod"}:
            return False
    return bool(re.fullmatch(r"[^\W\d_][\w'’-]*", doc[head].text))


def _first_verb(token: Token) -> Token | None:
    """The clause verb above ``token``, passing through "including", "be"…"""
    current = token
    for _ in range(8):
        if current.pos_ in {"VERB", "AUX"} and current.lemma_.lower() not in _PASS_THROUGH_VERBS | {"include"}:
            return current
        if current.head is current:
            return current if current.pos_ in {"VERB", "AUX"} else None
        current = current.head
    return None


def _event(number: _Number, doc: Doc) -> str | None:
    anchor = doc[number.counted_token] if number.counted_token is not None else doc[number.core_end - 1]
    # a relative clause or participle on the noun: "people killed in...", "people who were detained"
    for child in anchor.children:
        if child.dep_ not in {"relcl", "acl"}:
            continue
        if child.lemma_.lower() in EVENT_LEMMAS:
            return EVENT_LEMMAS[child.lemma_.lower()]
        if child.lemma_.lower() in _PASS_THROUGH_VERBS:  # "people who remain disappeared"
            for grandchild in child.children:
                if grandchild.dep_ in {"acomp", "xcomp", "oprd"} and grandchild.lemma_.lower() in EVENT_LEMMAS:
                    return EVENT_LEMMAS[grandchild.lemma_.lower()]
    verb = _first_verb(anchor)
    if verb is not None:
        lemma = verb.lemma_.lower()
        if lemma in EVENT_LEMMAS:
            return EVENT_LEMMAS[lemma]
        for child in verb.children:  # "remain forcibly disappeared", "are still missing"
            if child.dep_ in {"acomp", "xcomp", "oprd", "advcl", "conj"} and child.i > anchor.i \
                    and child.lemma_.lower() in EVENT_LEMMAS and child.lemma_.lower() in {
                        "missing", "miss", "disappear", "disappeared", "detain", "detained",
                        "kill", "injure", "injured", "displace", "displaced", "arrest"}:
                return EVENT_LEMMAS[child.lemma_.lower()]
    # a copula or "remain": the adjective on the verb ("remain missing")
    current = anchor.head
    if current.lemma_.lower() in _PASS_THROUGH_VERBS:
        for child in current.children:
            if child.dep_ in {"acomp", "xcomp", "attr", "advcl"} and child.lemma_.lower() in EVENT_LEMMAS:
                return EVENT_LEMMAS[child.lemma_.lower()]
    if number.counted in _NOUN_EVENTS:
        return _NOUN_EVENTS[number.counted]
    for child in anchor.children:
        if child.dep_ == "amod" and child.lemma_.lower() in EVENT_LEMMAS:
            return EVENT_LEMMAS[child.lemma_.lower()]
    return None


def _clean_source(text: str) -> str:
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text.strip())
    text = re.sub(r"^(?:the)\s+", "", text, flags=re.I)
    return text.strip(" ,.;:")


def _entity_at(token: Token, entities: list[Entity], labels: set[str]) -> Entity | None:
    for entity in entities:
        if entity.start <= token.idx < entity.end and entity.label in labels:
            return entity
    return None


def _sentence_source(sentence: Span, entities: list[Entity]) -> tuple[str, Span | None] | None:
    """Who the sentence attributes its figures to, and (for a reporting verb) its clause."""
    for token in sentence:
        if token.lower_ == "according" and token.i + 1 < sentence.end and token.nbor(1).lower_ == "to":
            to = token.nbor(1)
            objects = [c for c in to.children if c.dep_ == "pobj"]
            start = to.i + 1
            if start < sentence.end and sentence.doc[start].lower_ == "the":
                start += 1
            if start >= sentence.end:
                continue
            entity = _entity_at(sentence.doc[start], entities, _SOURCE_LABELS)
            if entity is not None:
                return _clean_source(entity.canonical or entity.text), None
            if objects:
                obj = objects[0]
                if obj.lemma_.lower() in SOURCE_DOCUMENT_NOUNS:
                    # "according to data compiled by the SDDU": the author, not "data"
                    author = next((e for t in obj.subtree if t is not obj
                                   for e in [_entity_at(t, entities, {"ORG", "PERSON"})] if e), None)
                    if author is None:
                        continue
                    return _clean_source(author.canonical or author.text), None
                left = obj.left_edge.i
                while left <= obj.i and sentence.doc[left].pos_ == "DET":
                    left += 1
                return _clean_source(sentence.doc[left : obj.i + 1].text), None
    for token in sentence:
        if token.pos_ != "VERB" or token.lemma_.lower() not in REPORTING_VERBS:
            continue
        subjects = [c for c in token.children if c.dep_ == "nsubj" and c.pos_ == "PROPN"]
        if not subjects:
            continue
        subject = subjects[0]
        clause = sentence.doc[token.left_edge.i : token.right_edge.i + 1]
        entity = _entity_at(subject, entities, _SOURCE_LABELS)
        if entity is not None:
            return _clean_source(entity.canonical or entity.text), clause
        left = subject.left_edge.i
        while sentence.doc[left].pos_ == "DET":
            left += 1
        return _clean_source(sentence.doc[left : subject.i + 1].text), clause
    return None


def _date_verb(doc: Doc, date: DateRecord) -> Token | None:
    span = doc.char_span(date.start, date.end, alignment_mode="expand")
    return _first_verb(span.root) if span is not None else None


def _entities_or_doc(doc: Doc, entities: list[Entity]) -> list[Entity]:
    if entities:
        return entities
    return [Entity(e.start_char, e.end_char, e.text, e.label_, e.text) for e in doc.ents]


def extract_claims(
    doc: Doc,
    dates: list[DateRecord],
    entities: list[Entity],
    published: str | None = None,
) -> list[Claim]:
    """Find the numeric claims of a document.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        The parsed normalised text.
    dates : list of DateRecord
        Output of :func:`pipeline.extract.dates.extract_dates`: numbers inside them are
        not claims, and their values give ``Claim.period``.
    entities : list of Entity
        Entities of the document; GPE/LOC ones give ``Claim.location`` and ORG/PERSON ones
        the ``source``. When empty, the spaCy entities of ``doc`` are used.
    published : str or None
        Publication date; unused for now (periods come from ``dates``), kept for the
        stable signature.

    Returns
    -------
    list of Claim
        In text order, ids ``c1, c2…``; ``claim.text == doc.text[claim.start:claim.end]``.
    """
    text = doc.text  # Doc.text is rebuilt from the tokens on every access
    entities = _entities_or_doc(doc, entities)
    date_chars = [(d.start, d.end) for d in dates]
    numbers: list[_Number] = []
    for span, kind in _number_spans(doc):
        if any(s < span.end_char and span.start_char < e for s, e in date_chars):
            continue
        if kind in {"FIGURE", "RANGE_TOKEN"} and (_is_year(span) or _is_name_or_label(doc, text, span)):
            continue
        if _looks_like_code(_word_around(text, span)):
            continue
        value, value_max, override = _value_of(span, kind)
        if value is None:
            continue
        number = _Number(span.start, span.end, span.start, span.end, value, value_max)
        if override:
            number.qualifier = override
        numbers.append(number)
    numbers = _merge_ranges(doc, numbers)

    kept: list[tuple[_Number, Span]] = []
    chunk_of = _chunk_index(doc)
    for number in numbers:
        sentence = doc[number.core_start].sent
        _unit(doc, number)
        if number.qualifier == "exact":  # vague quantities and ranges keep their own qualifier
            qualifier, start = _qualifier_before(doc, number.start)
            if qualifier:
                number.qualifier, number.start = qualifier, start
        if number.unit == "count":
            _counted(doc, number, sentence, chunk_of)
            if number.counted in QUANTITY_UNITS:  # "dozens of tonnes"
                number.unit, number.counted = "quantity", QUANTITY_UNITS[number.counted]
        if number.counted_token is not None and doc[number.counted_token].lower_ in _NOT_COUNTED:
            continue  # "10 years", "three times": a duration or a multiplier
        if number.counted_token is not None and doc[number.counted_token].ent_type_ in NAME_ENTITY_LABELS - {"PERSON"}:
            continue  # "314 Amnesty International Report": a page number before a title
        if number.unit == "count" and number.counted is None and number.end < len(doc) \
                and doc[number.end].lower_ in _NOT_COUNTED:
            continue
        kept.append((number, sentence))

    kept.sort(key=lambda pair: doc[pair[0].start].idx)
    claims: list[Claim] = []
    claim_numbers: list[_Number] = []
    sources: dict[int, tuple[str, Span | None] | None] = {}
    for number, sentence in kept:
        start_char = doc[number.start].idx
        end_token = doc[number.end - 1]
        end_char = end_token.idx + len(end_token.text)
        claim = Claim(
            claim_id=f"c{len(claims) + 1}",
            start=start_char,
            end=end_char,
            text=text[start_char:end_char],
            value=number.value,
            value_max=number.value_max,
            qualifier=number.qualifier,
            unit=number.unit,
            counted=number.counted,
            sentence_start=sentence.start_char,
            sentence_end=sentence.end_char,
        )
        if sentence.start not in sources:
            sources[sentence.start] = _sentence_source(sentence, entities)
        found = sources[sentence.start]
        if found is not None:
            source, clause = found
            if clause is None or clause.start <= number.core_start < clause.end:
                claim.source = source
        claims.append(claim)
        claim_numbers.append(number)

    _link_parts(doc, text, claims, claim_numbers)
    for claim, number in zip(claims, claim_numbers):
        total = _claim_by_id(claims, claim.part_of)
        claim.event = _event(number, doc)
        if total is not None:
            if claim.counted is None:
                claim.counted = total.counted
            if claim.event is None:
                claim.event = total.event
        claim.period = _period(doc, claim, number, dates, total)
        claim.location = _location(doc, claim, entities)
    return claims


def _merge_ranges(doc: Doc, numbers: list[_Number]) -> list[_Number]:
    """Join "between 10 and 20", "10 to 20", "10-20" into one range number."""
    merged: list[_Number] = []
    skip = False
    for index, number in enumerate(numbers):
        if skip:
            skip = False
            continue
        nxt = numbers[index + 1] if index + 1 < len(numbers) else None
        if nxt is not None and nxt.core_start == number.core_end + 1:
            connector = doc[number.core_end].lower_
            before = doc[number.core_start - 1].lower_ if number.core_start > 0 else ""
            if connector in _RANGE_CONNECTORS - {"and", "or"} or (connector == "and" and before == "between"):
                if nxt.value is not None and number.value is not None and nxt.value >= number.value \
                        and number.value_max is None and nxt.value_max is None:
                    start = number.core_start - 1 if before in {"between", "from"} else number.core_start
                    merged.append(_Number(start, nxt.core_end, number.core_start, nxt.core_end,
                                          number.value, nxt.value, "range"))
                    skip = True
                    continue
        merged.append(number)
    return merged


def _claim_by_id(claims: list[Claim], claim_id: str | None) -> Claim | None:
    if claim_id is None:
        return None
    return next((c for c in claims if c.claim_id == claim_id), None)


def _link_parts(doc: Doc, text: str, claims: list[Claim], numbers: list[_Number]) -> None:
    """Set ``part_of``: "including 284 children", "167 of them", "of whom 20", "38 women" (conj)."""
    for index, (claim, number) in enumerate(zip(claims, numbers)):
        previous = [j for j in range(index) if claims[j].sentence_start == claim.sentence_start
                    and claims[j].unit == claim.unit]
        if not previous:
            continue
        total_index = previous[-1]
        total = claims[total_index]
        between = text[total.end : claim.start]
        if number.of_pronoun or _PART_BEFORE_RE.search(between):
            claim.part_of = total.claim_id
            continue
        # an apposition or conjunct of a part: "including at least 65 children, 38 women"
        if number.counted_token is not None and total.part_of is not None:
            token = doc[number.counted_token]
            other = numbers[total_index].counted_token
            if other is not None and token.dep_ in {"conj", "appos"} and token.head.i == other:
                claim.part_of = total.part_of


def _period(doc: Doc, claim: Claim, number: _Number, dates: list[DateRecord], total: Claim | None) -> str | None:
    in_sentence = [d for d in dates if d.value is not None and d.granularity != "duration"
                   and claim.sentence_start <= d.start < claim.sentence_end]
    if not in_sentence:
        return total.period if total is not None else None
    anchor = doc[number.counted_token] if number.counted_token is not None else doc[number.core_end - 1]
    verb = _first_verb(anchor)
    if verb is not None:
        attached = [d for d in in_sentence if _date_verb(doc, d) is verb]
        if attached:
            return min(attached, key=lambda d: abs(d.start - claim.end)).value
    if total is not None and total.period is not None:
        return total.period
    return min(in_sentence, key=lambda d: abs(d.start - claim.start)).value


def _is_scene(doc: Doc, entity: Entity) -> bool:
    """True when the place is the object of a locative preposition ("in (northern) Syria")."""
    span = doc.char_span(entity.start, entity.end, alignment_mode="expand")
    if span is None:
        return False
    token = span.root
    for _ in range(3):
        if token.dep_ == "pobj":
            return token.head.lower_ in _LOCATIVE
        if token.dep_ not in {"compound", "nmod", "amod", "poss", "appos", "conj"} or token.head is token:
            return False
        token = token.head
    return False


def _location(doc: Doc, claim: Claim, entities: list[Entity]) -> str | None:
    places = [e for e in entities if e.label in _PLACE_LABELS
              and claim.sentence_start <= e.start < claim.sentence_end and _is_scene(doc, e)]
    after = [e for e in places if e.start >= claim.end]
    if after:
        return min(after, key=lambda e: e.start).canonical
    before = [e for e in places if e.end <= claim.start]
    if before:
        return max(before, key=lambda e: e.end).canonical
    return None


def check_parts(claims: list[Claim]) -> list[tuple[str, str]]:
    """Sub-counts larger than their total: ``(part claim_id, total claim_id)`` pairs.

    A part is compared with the total's ``value_max`` when the total is a range.
    """
    by_id = {c.claim_id: c for c in claims}
    bad: list[tuple[str, str]] = []
    for claim in claims:
        total = by_id.get(claim.part_of or "")
        if total is None or claim.value is None or total.value is None:
            continue
        ceiling = total.value_max if total.value_max is not None else total.value
        if claim.value > ceiling and total.qualifier not in {"more_than", "at_least", "vague"}:
            bad.append((claim.claim_id, total.claim_id))
    return bad
