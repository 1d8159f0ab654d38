"""What a figure counts when the noun is not next to it.

The whole of a percentage ("57% of public hospitals" -> hospital, "40% of the population" ->
person), an antecedent ("62 per cent of them", "of whom 80 per cent"), the noun of "the number
of X" in the figure's clause, a plural noun before a bracketed figure ("fatalities (17)"), the
noun two coordinated figures share ("3,800 destroyed and 56,500 damaged housing units"), an
earlier noun for a figure that is a subject without one ("... for children – more than 65
died"), "N others" and the header of a table cell. Everything is read from the parse already
made; word lists are in ``numbers.yaml``.
"""
from __future__ import annotations

import re
from itertools import pairwise

from spacy.tokens import Doc, Span, Token

from pipeline.extract.claims.phrases import Number
from pipeline.extract.claims.roles import NOT_COUNTED, PART_PRONOUNS, counted_lemma
from pipeline.lexicon import EVENT_LEMMAS, PEOPLE_NOUNS, _table, _words
from pipeline.records import Claim

#: "the population" counts persons.
COLLECTIVE_WHOLES: dict[str, str] = _table("numbers", "collective_wholes")
#: "40 per cent of its needs": amounts, not countable things.
UNCOUNTED_WHOLES = _words("numbers", "uncounted_wholes")
#: "the number of flights", "the total of displaced".
NUMBER_NOUNS = _words("numbers", "number_nouns")
#: Verbs that give "the number of X" a value ("increased to", "reached").
STATISTIC_VERBS = _words("numbers", "statistic_verbs")

_PLURAL = {"NNS", "NNPS"}

#: "of whom 80 per cent", "among them 40%": the figure is a share of something named before.
_OF_PRONOUN_BEFORE_RE = re.compile(r"\b(?:of|among)\s+(?:whom|which|them|these|those)\s*[,:]?\s*$", re.I)

#: A sentence opening on its total: "Of the 5,300 wells installed, only 70 per cent work".
_OF_TOTAL_RE = re.compile(r"^\s*of\s+(?:the\s+|these\s+|those\s+|all\s+)?$", re.I)


def whole_lemma(token: Token) -> str | None:
    """The counted noun a percentage's whole stands for, or None for an amount or a mass."""
    lemma = token.lemma_.lower()
    if lemma in UNCOUNTED_WHOLES or token.lower_ in UNCOUNTED_WHOLES:
        return None
    if token.lower_ in COLLECTIVE_WHOLES or lemma in COLLECTIVE_WHOLES:
        return COLLECTIVE_WHOLES.get(token.lower_) or COLLECTIVE_WHOLES[lemma]
    if token.tag_ in _PLURAL and token.pos_ in {"NOUN", "PROPN"} and lemma not in NOT_COUNTED:
        return counted_lemma(token)
    return None


def find_whole(doc: Doc, number: Number, sentence: Span) -> None:
    """Percent: ``counted`` from the "of" phrase after it; the span runs to the whole's noun.

    "57% of public hospitals" -> hospital; "92 per cent of the 77 health facilities" ->
    facility (77 is then the base of the share, not a claim); "62 per cent of them" only
    marks ``of_pronoun`` (the antecedent is found once the claims are known).
    """
    i = number.end
    if i >= sentence.end or doc[i].lower_ != "of":
        return
    preposition = doc[i]
    obj = next((c for c in preposition.children if c.dep_ == "pobj"), None)
    if obj is None:
        obj = next((t for t in doc[i + 1 : min(i + 8, sentence.end)] if t.pos_ in {"NOUN", "PROPN", "PRON"}), None)
    if obj is None or obj.i - i > 8:
        return
    if obj.lower_ in PART_PRONOUNS:
        number.of_pronoun = True
        number.end = obj.i + 1
        return
    lemma = whole_lemma(obj)
    if lemma is not None:
        # no ``counted_token``: the event and the filters read the share, not its whole
        number.counted = lemma
        number.end = max(number.end, obj.i + 1)


def _plural_noun(tokens: Span | list[Token]) -> Token | None:
    return next((t for t in tokens if t.tag_ in _PLURAL and t.pos_ in {"NOUN", "PROPN"}
                 and t.lemma_.lower() not in NOT_COUNTED), None)


def _of_object(noun: Token) -> Token | None:
    """The plural noun of "number of <noun>" (the object, or the first plural noun in it)."""
    for prep in noun.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if obj is not None and obj.tag_ in _PLURAL:
                return obj
            return _plural_noun([t for t in prep.subtree if t.i - prep.i <= 8])
    return None


def number_of_noun(doc: Doc, number: Number) -> Token | None:
    """"The number of flights increased from 1,450 to 2,190": the noun of the statistic.

    Walks up from the figure; a clause whose subject or object is "number/total of X" gives X.
    """
    token = doc[number.core_end - 1]
    for _ in range(8):
        for child in token.children if token.lemma_.lower() in STATISTIC_VERBS else ():
            if child.lemma_.lower() in NUMBER_NOUNS and child.dep_ in {"nsubj", "nsubjpass", "dobj", "attr"} \
                    and not child.i <= number.core_start < child.right_edge.i + 1:
                found = _of_object(child)
                if found is not None:
                    return found
        if token.head.i == token.i:
            return None
        token = token.head
    return None


def _bracketed_after_noun(doc: Doc, number: Number) -> Token | None:
    """"Palestinian fatalities (17) and injuries (221)": the plural noun before the bracket."""
    start, end = number.core_start, number.core_end
    if start < 2 or end >= len(doc) or doc[start - 1].text != "(" or doc[end].text != ")":
        return None
    noun = doc[start - 2]
    return noun if noun.tag_ in _PLURAL and noun.pos_ in {"NOUN", "PROPN"} else None


def _same_sentence_before(claims: list[Claim], index: int, unit: str = "count") -> list[int]:
    claim = claims[index]
    return [j for j in range(index - 1, -1, -1) if claims[j].sentence_start == claim.sentence_start
            and claims[j].unit == unit and claims[j].counted is not None and claims[j].counted != "other"]


def _previous_sentence_counted(doc: Doc, claims: list[Claim], numbers: list[Number], index: int) -> str | None:
    """The counted noun of the last count in the sentence just before the claim's."""
    sentence = doc[numbers[index].core_start].sent
    if sentence.start == 0:
        return None
    previous = doc[sentence.start - 1].sent.start_char
    last = [c for c in claims[:index] if c.sentence_start == previous and c.unit == "count" and c.counted
            and c.counted != "other"]
    return last[-1].counted if last else None


def _antecedent(doc: Doc, claims: list[Claim], numbers: list[Number], index: int) -> str | None:
    """What "of them" / "of whom" points at: a count before it in the sentence, else a plural
    noun before it in the sentence, else the last count of the sentence before."""
    before = _same_sentence_before(claims, index)
    if before:
        return claims[before[0]].counted
    number = numbers[index]
    sentence = doc[number.core_start].sent
    noun = next((t for t in reversed(doc[sentence.start : number.start]) if t.tag_ in _PLURAL
                 and t.pos_ == "NOUN" and t.lemma_.lower() not in NOT_COUNTED), None)
    if noun is not None:
        return counted_lemma(noun)
    return _previous_sentence_counted(doc, claims, numbers, index)


def _subject(doc: Doc, number: Number) -> bool:
    """True when the figure (or its "%"/"per cent") is the subject of its clause."""
    token = doc[number.end - 1] if number.unit == "percent" else doc[number.core_end - 1]
    return token.dep_ in {"nsubj", "nsubjpass"}


def _earlier_noun(doc: Doc, claims: list[Claim], numbers: list[Number], index: int) -> str | None:
    """A subject figure without a noun: a people noun earlier in its sentence, else the
    subject (a people noun) or the last count of the sentence before."""
    number = numbers[index]
    sentence = doc[number.core_start].sent
    counts = _same_sentence_before(claims, index)
    if claims[index].unit == "percent" and counts:
        return claims[counts[0]].counted  # "a survey of 400 households found 60% lacked food"
    people = [t for t in reversed(doc[sentence.start : number.start]) if t.tag_ in _PLURAL
              and t.pos_ in {"NOUN", "PROPN"} and counted_lemma(t) in PEOPLE_NOUNS]
    # a subject first: "70 people, most of them children, have died and hundreds are wounded"
    people.sort(key=lambda t: t.dep_ not in {"nsubj", "nsubjpass"})
    if people:
        return counted_lemma(people[0])
    if sentence.start == 0:
        return None
    previous = doc[sentence.start - 1].sent
    subject = next((t for t in previous if t.dep_ in {"nsubj", "nsubjpass"} and t.head.dep_ == "ROOT"), None)
    if subject is not None and subject.tag_ in _PLURAL and counted_lemma(subject) in PEOPLE_NOUNS:
        return counted_lemma(subject)
    return _previous_sentence_counted(doc, claims, numbers, index)


def _shared_with_next(doc: Doc, claims: list[Claim], numbers: list[Number], index: int) -> str | None:
    """"about 3,800 destroyed and over 56,500 damaged housing units": the next figure's noun."""
    if index + 1 >= len(claims) or claims[index + 1].sentence_start != claims[index].sentence_start:
        return None
    following, nxt = numbers[index], numbers[index + 1]
    between = doc[following.end : nxt.start]
    if not 1 <= len(between) <= 4 or not any(t.lower_ in {"and", "or"} for t in between):
        return None
    if not all(t.pos_ in {"ADJ", "VERB", "CCONJ", "ADV"} or t.text == "," for t in between):
        return None
    return claims[index + 1].counted if claims[index + 1].unit == "count" else None


def _others(doc: Doc, claims: list[Claim], numbers: list[Number], index: int) -> str:
    """"N others": the noun of the count before it in another clause ("1.7 million children
    remain out of school and 200,000 others missed vaccination" -> child); person when they are
    coordinated in one phrase ("killed 3 children and 14 others"), when that count names
    several kinds of people ("4,618 children and pregnant women …, while 1,299 others") or
    when there is no count before it."""
    before = _same_sentence_before(claims, index)
    if not before:
        return "person"
    sibling = claims[before[0]]
    token_index = numbers[before[0]].counted_token
    others = numbers[index].counted_token
    if token_index is not None and others is not None and doc[others].dep_ == "conj" \
            and doc[others].head.i == token_index and sibling.counted in PEOPLE_NOUNS:
        return "person"  # "killed 3 children and 14 others": people other than children
    if token_index is not None:
        # the sibling's noun phrase up to its verb: "children and pregnant and breastfeeding women"
        phrase = []
        for token in doc[token_index + 1 : token_index + 9]:
            if (token.pos_ in {"VERB", "AUX"} and token.dep_ not in {"amod", "conj", "compound"}) \
                    or token.like_num or token.text in {";", ".", ":"}:
                break
            phrase.append(token)
        nouns = {counted_lemma(t) for t in phrase if t.tag_ in _PLURAL and t.pos_ in {"NOUN", "PROPN"}}
        if nouns - {sibling.counted}:
            return "person" if (nouns | {sibling.counted}) <= PEOPLE_NOUNS else sibling.counted
    return sibling.counted


def _percent_whole(doc: Doc, text: str, claims: list[Claim], numbers: list[Number], index: int) -> str | None:
    """A percentage without an "of" phrase: the share of what the text around it names."""
    claim, number = claims[index], numbers[index]
    lead = text[claim.sentence_start : claim.start]
    if number.of_pronoun or _OF_PRONOUN_BEFORE_RE.search(lead):
        return _antecedent(doc, claims, numbers, index)  # "of whom 80 per cent", "62 per cent of them"
    if number.end < len(doc) and doc[number.end].lower_ == "of":
        return None  # "95 per cent of the water": a whole is named, and it is not countable
    counts = _same_sentence_before(claims, index)
    after = doc[number.end : number.end + 2]
    if counts and after and (lead.rstrip().endswith("(") and after[0].text == ")"
                             or after[0].tag_ in _PLURAL and after[0].pos_ in {"NOUN", "PROPN"}):
        # "12,700 (3.5 percent)", "655,588 refugees (51 per cent children)", "…, 60% women":
        # the share of that count made of the noun after it; not "(51% increase)"
        return claims[counts[0]].counted
    if counts and _OF_TOTAL_RE.match(text[claim.sentence_start : claims[counts[-1]].start]):
        return claims[counts[-1]].counted  # "Of the 5,300 wells installed, only 70 per cent work"
    shares = _same_sentence_before(claims, index, unit="percent")
    token = doc[number.end - 1]
    if shares and (token.dep_ in {"nsubj", "nsubjpass", "conj", "appos"}
                   or token.head.lower_ in {"from", "to", "than"}):
        return claims[shares[0]].counted  # "62 per cent of the refugees …, and that 41% had lost"
    among = _among(doc, number)
    if among is not None:
        return among  # "the prevalence of malnutrition among children … at 24 per cent"
    if _subject(doc, number):
        return _earlier_noun(doc, claims, numbers, index)
    return None


def _among(doc: Doc, number: Number) -> str | None:
    """The population a rate is measured among, earlier in the figure's sentence."""
    sentence = doc[number.core_start].sent
    for token in doc[sentence.start : number.start]:
        if token.lower_ == "among":
            obj = next((c for c in token.children if c.dep_ == "pobj"), None)
            if obj is not None and whole_lemma(obj) is not None:
                return whole_lemma(obj)
    return None


def fill_counted(doc: Doc, text: str, claims: list[Claim], numbers: list[Number], index: int) -> None:
    """Set ``counted`` of claim ``index`` from its context, before a noun is borrowed from the
    count before it (:func:`~pipeline.extract.claims.roles.borrow_counted`)."""
    claim, number = claims[index], numbers[index]
    if claim.counted == "other" and number.counted_token is not None and doc[number.counted_token].lower_ == "others":
        claim.counted = _others(doc, claims, numbers, index)
        return
    if claim.counted is not None:
        return
    if claim.unit == "percent":
        claim.counted = _percent_whole(doc, text, claims, numbers, index)
        return
    if claim.unit != "count":
        return
    noun = number_of_noun(doc, number) or _bracketed_after_noun(doc, number)
    if noun is not None:
        claim.counted = counted_lemma(noun)
    elif number.of_pronoun:
        claim.counted = _antecedent(doc, claims, numbers, index)
    else:  # a table cell: the parser often runs a table's rows into one sentence
        header = table_counted(doc, text, claim)
        if header is not None:
            claim.counted = header[0]
            claim.event = claim.event or header[1]


def fill_counted_late(doc: Doc, text: str, claims: list[Claim], numbers: list[Number], index: int) -> None:
    """After borrowing: the noun a coordinated figure shares, else an earlier noun."""
    claim, number = claims[index], numbers[index]
    if claim.counted is not None or claim.unit != "count":
        return
    claim.counted = _shared_with_next(doc, claims, numbers, index)
    if claim.counted is None and _subject(doc, number):
        claim.counted = _earlier_noun(doc, claims, numbers, index)


def _header_noun(doc: Doc, start: int, end: int) -> tuple[str, str | None] | None:
    """The counted noun and event of a header or label: "Number of videos" -> (video, None),
    "Civilians killed" -> (civilian, killed), "Population" -> (person, None).

    The event is a word after the noun ("Civilians killed"), not one before it: "Targeted
    persons" in an appeal's budget box names a plan, not an attack.
    """
    span = doc.char_span(start, end, alignment_mode="contract")
    if span is None or not 0 < len(span) <= 8 or any(t.like_num for t in span):
        return None
    noun = None
    for token in span:
        if token.lemma_.lower() in NUMBER_NOUNS and _of_object(token) is not None:
            noun = _of_object(token)
            break
    noun = noun or _plural_noun(span) or next((t for t in span if t.lower_ in COLLECTIVE_WHOLES), None)
    if noun is None:
        return None
    event = next((EVENT_LEMMAS.get(t.lemma_.lower()) or EVENT_LEMMAS[t.lower_] for t in span
                  if t.i > noun.i and (t.lemma_.lower() in EVENT_LEMMAS or t.lower_ in EVENT_LEMMAS)), None)
    counted = COLLECTIVE_WHOLES[noun.lower_] if noun.lower_ in COLLECTIVE_WHOLES else counted_lemma(noun)
    return counted, event


def _cells(text: str, line_start: int, line_end: int) -> list[tuple[int, int]]:
    """Character ranges of the cells of a ``a | b | c`` line (outer pipes optional)."""
    line = text[line_start:line_end]
    edges = [-1] + [i for i, char in enumerate(line) if char == "|"] + [len(line)]
    cells = [(line_start + a + 1, line_start + b) for a, b in pairwise(edges)]
    if line.strip().startswith("|"):
        cells = cells[1:]
    if line.strip().endswith("|"):
        cells = cells[:-1]
    return cells


def _table_header(text: str, line_start: int) -> tuple[int, int] | None:
    """The first line of the block of ``|`` lines holding ``line_start`` (blank lines allowed)."""
    header = None
    end = line_start - 1
    for _ in range(400):  # a table longer than this keeps its cells without a header
        if end <= 0:
            break
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if line.strip() and "|" not in line:
            break
        if "|" in line and line.replace("|", "").strip(" -:"):  # not a "---|---" rule
            header = (start, end)
        end = start - 1
    return header


def table_counted(doc: Doc, text: str, claim: Claim) -> tuple[str, str | None] | None:
    """A table cell's counted noun from its column header, else its row header.

    Tables (``Category | Number of incidents | Number of videos``, outer pipes optional, rows
    apart or separated by blank lines): the header is the first line of the block of ``|``
    lines. A "Label: value" line ("Children killed: 45") reads its label. Returns the counted
    noun and the event the header names.
    """
    line_start = text.rfind("\n", 0, claim.start) + 1
    line_end = text.find("\n", claim.end)
    line_end = len(text) if line_end == -1 else line_end
    if "|" in text[line_start:line_end]:
        cells = _cells(text, line_start, line_end)
        column = next((i for i, (a, b) in enumerate(cells) if a <= claim.start < b), None)
        header = _table_header(text, line_start)
        if column is None or header is None:
            return None
        header_cells = _cells(text, *header)
        candidates = [header_cells[column]] if column < len(header_cells) else []
        if column > 0:
            candidates.append(cells[0])  # the row header
        for start, end in candidates:
            noun = _header_noun(doc, start, end)
            if noun is not None:
                return noun
        return None
    label = text[line_start : claim.start]
    if label.rstrip().endswith(":") and "." not in label and not text[claim.end : line_end].strip(" .;"):
        return _header_noun(doc, line_start, line_start + len(label.rstrip().rstrip(":").rstrip()))
    return None
