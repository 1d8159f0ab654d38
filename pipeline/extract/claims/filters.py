"""Numbers that are not claims: labels ("Article 7"), codes and links, phone numbers, times,
ages, page numbers, list markers, years, definite references ("the two chemicals"), factors
("three times higher") and targets ("urged donors to fund 10,000 places").
"""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

from pipeline.extract.claims.phrases import Number, is_figure
from pipeline.extract.claims.roles import first_verb
from pipeline.extract.numbers import counts_following_noun
from pipeline.layout import is_running_header
from pipeline.lexicon import (
    CURRENCY_SYMBOLS,
    CURRENCY_WORDS,
    DEMAND_VERBS,
    EVENT_LEMMAS,
    LABEL_WORDS,
    NAME_ENTITY_LABELS,
    SCALES,
    TIME_PREPOSITIONS,
    UNITS,
)


def _line_start(text: str, token: Token) -> bool:
    return token.idx == 0 or text[token.idx - 1] == "\n"


_CODE_RE = re.compile(r"[/=&_\\]|%[0-9A-Fa-f]{2}|www\.|\.html?\b|\d{4}-\d\d-\d\d|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b|\d[.:]\d\d[.:]\d\d")


def looks_like_code(chunk: str) -> bool:
    """Links, file names and identifiers: "after=2016-07-01", "Screen_Shot_2017-05-11.png"."""
    return bool(_CODE_RE.search(chunk))


def word_around(text: str, span: Span) -> str:
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
        if is_figure(token):
            index -= 1
            continue
        # separators continue a list of numbers only: "Rules 11, 12, and 71", not "figures, 5,000"
        previous = index
        while previous >= sentence_start and doc[previous].lower_ in _LIST_SEPARATORS:
            previous -= 1
        if previous == index or previous < sentence_start or not is_figure(doc[previous]):
            return False
        index = previous
    return False


def is_name_or_label(doc: Doc, text: str, span: Span) -> bool:
    """Article/resolution/page numbers, list markers, phone numbers, times, ages, names."""
    first, last = span[0], span[-1]
    before = doc[first.i - 1] if first.i > 0 else None
    after = doc[last.i + 1] if last.i + 1 < len(doc) else None
    if _after_label(doc, span):
        return True
    if first.ent_type_ in NAME_ENTITY_LABELS | {"TIME"} and not (before is not None and before.lower_ in CURRENCY_SYMBOLS):
        return True
    # codes and links: "05", "35.821077", "after=2016-07-01", "Screen_Shot_2017-05-11"
    if re.match(r"^0\d", first.text) or re.search(r"\.\d{4,}$", first.text):
        return True
    if re.fullmatch(r"\d{7,}", first.text):
        return True  # an unseparated 7+ digit figure is a code or an id, not a count
    # "Sukhoi 22", "Hospital 5": a number right after the proper noun it names
    if before is not None and before.pos_ == "PROPN" and first.head.i == before.i and not before.ent_type_ == "GPE" \
            and before.lower_ not in CURRENCY_SYMBOLS:
        return True
    # a restatement in brackets: "eighteen (18) videos" (not "12,700 (3.5 percent)")
    if before is not None and before.text == "(" and before.i > 0 and (
        doc[before.i - 1].like_num or doc[before.i - 1].lower_ in SCALES
    ) and not (after is not None and after.lower_ in {"%", "percent", "per"}):
        return True
    # compound adjectives: "six-sided", "a 10-year sentence", "two-storey"
    if after is not None and after.text in {"-", "‐"} and not last.whitespace_ and not after.whitespace_ \
            and last.i + 2 < len(doc) and doc[last.i + 2].is_alpha \
            and doc[last.i + 2].lower_ not in set(UNITS) | set(SCALES):
        return True
    if first.text.startswith("+") or (before is not None and before.text in {"+", "#", "№"}):
        return True
    # phone and reference numbers: several digit groups in a row, "20 7946 0958"
    if (after is not None and is_figure(after) and is_figure(last)) or (
        before is not None and is_figure(before) and is_figure(first)
    ):
        return True
    # list markers and numbered headings: "1." / "2)" at the start of a line or list item
    if after is not None and after.text in {".", ")"} and (
        _line_start(text, first) or (before is not None and before.text[-1] in "\\;:•*-")
    ):
        return True
    # counts after a heading: "Sources (12)" at the end of its line
    if before is not None and after is not None and len(span) == 1 and before.text == "(" and after.text == ")" \
            and (after.i + 1 >= len(doc) or "\n" in after.whitespace_ or doc[after.i + 1].text.startswith("\n")):
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
            and is_figure(doc[last.i + 2]):
        return True  # 10:30, 3/4 as a date or score
    if after is not None and after.lower_ in {"am", "pm", "a.m.", "p.m.", "hrs", "gmt", "utc"}:
        return True
    if any(t.lower_ in {"gmt", "utc", "utc/gmt"} for t in doc[max(0, first.i - 3) : first.i]):
        return True  # time zones: "UTC/GMT plus 2"
    # ages: "aged 35", "12-year-old", "10 years old", "children under 5"
    if before is not None and before.lower_ in {"aged", "age", "ages"}:
        return True
    if before is not None and before.lower_ == "of" and before.i > 0 and doc[before.i - 1].lower_ in {"age", "ages"}:
        return True  # "at the age of 17"
    if before is not None and before.lower_ == "but" and before.i > 0 and doc[before.i - 1].lower_ == "all":
        return True  # "all but three of the facilities": an exception, not a count
    if _is_clock_time(doc, span):
        return True
    tail = doc[last.i + 1 : last.i + 5].text.lower()
    if re.match(r"^[\s-]*(?:years?|months?)[\s-]*old\b", tail):
        return True
    if before is not None and before.lower_ in {"under", "over"} and before.i > 0:
        owner = doc[before.i - 1] if doc[before.i - 1].text != "(" or before.i < 2 else doc[before.i - 2]
        if owner.lemma_.lower() in {"child", "people", "person", "adult", "those", "age", "aged", "boy", "girl",
                                    "minor", "woman", "man", "youth"}:
            return True  # "children under 5", "Boys (under 18)"
    # a figure alone on its line: a page number or a table cell without its heading
    line_start = text.rfind("\n", 0, span.start_char) + 1
    line_end = text.find("\n", span.end_char)
    if text[line_start : line_end if line_end != -1 else len(text)].strip(" .,;:") == span.text:
        return label_above(doc, text, span) is None  # a table cell under "Civilians reported injured" is a claim
    if _page_number_before_header(text, span, before):
        return True
    # "Dhiaa Abu Musaab (26)": an age in brackets after a name
    if before is not None and before.text == "(" and before.i > 0 and doc[before.i - 1].ent_type_ == "PERSON" \
            and after is not None and after.text == ")":
        return True
    # "bridge the two", "both three": a number word standing for things named before
    if first.is_alpha and len(span) == 1 and before is not None and before.lower_ in {"the", "these", "those", "both"} \
            and (after is None or after.is_punct or after.pos_ in {"VERB", "AUX", "ADP", "CCONJ"}):
        return True
    # "one of the", "no one", "the one who": pronoun uses of "one"
    if span.text.lower() == "one" and (
        (after is not None and after.lower_ in {"of", "another", "who", "which", "that"})
        or first.dep_ not in {"nummod"}
    ):
        return True
    return False


_CLOCK_RE = re.compile(r"^(?:[01]?\d|2[0-3])[.:][0-5]\d$")


def _is_clock_time(doc: Doc, span: Span) -> bool:
    """"from 11.30 to 12.30", "at 9.30": a time of day, not a figure with decimals."""
    if not _CLOCK_RE.match(span[0].text):
        return False
    before = doc[span.start - 1] if span.start > 0 else None
    after = doc[span.end] if span.end < len(doc) else None
    if after is not None and (after.lower_ in {"%", "percent", "per"} or after.lower_ in SCALES
                              or after.lower_ in CURRENCY_WORDS or after.lower_ in CURRENCY_SYMBOLS):
        return False
    if before is not None and before.lower_ in CURRENCY_SYMBOLS:
        return False
    if before is not None and before.lower_ in TIME_PREPOSITIONS:
        return True
    # the second side of a time range: "11.30-12.30", "11.30 to 12.30"
    return before is not None and before.lower_ in {"-", "–", "to", "and"} and before.i > 0 \
        and bool(_CLOCK_RE.match(doc[before.i - 1].text))


def _page_number_before_header(text: str, span: Span, before: Token | None) -> bool:
    """"... in the late 316\n\nAmnesty International Report 2009\n\n...": a page break in a PDF.

    A figure that ends its line in the middle of a sentence, followed by a short line
    without final punctuation (a running header or footer), is a page number.
    """
    rest = text[span.end_char : span.end_char + 200]
    if not rest.startswith("\n") or before is None or not before.is_alpha or not before.is_lower:
        return False
    lines = [line.strip() for line in rest.split("\n") if line.strip()]
    if not lines:
        return False
    return is_running_header(lines[0])


def label_above(doc: Doc, text: str, span: Span) -> Span | None:
    """The short label line just above a figure alone on its line, when it names an event.

    "Civilians reported injured\n\n4", "Military actors reported killed\n\n0–5": the
    key/value layout of incident databases.
    """
    line_start = text.rfind("\n", 0, span.start_char) + 1
    line_end = text.find("\n", span.end_char)
    if text[line_start : line_end if line_end != -1 else len(text)].strip(" .,;:") != span.text:
        return None  # only a figure alone on its line has a label above it
    above_end = len(text[:line_start].rstrip())
    above_start = text.rfind("\n", 0, above_end) + 1
    label = doc.char_span(above_start, above_end, alignment_mode="contract")
    if label is None or not 1 < len(label) <= 8 or any(t.like_num for t in label):
        return None
    if not any(t.lemma_.lower() in EVENT_LEMMAS or t.lower_ in EVENT_LEMMAS for t in label):
        return None
    return label


def is_year(span: Span) -> bool:
    """A bare 4-digit 1900-2100 figure that is not counting a following noun."""
    if len(span) != 1 or not re.fullmatch(r"(19\d\d|20\d\d|2100)", span.text):
        return False
    return not counts_following_noun(span[0])


def is_definite_reference(doc: Doc, number: Number) -> bool:
    """"the two chemicals": a small number word after "the" with nothing new said of the noun.

    "the four civilians injured in the attack" and "the half-million children who live in
    Idlib" state a figure; "the three NGOs" only points back at a group already introduced.
    """
    first = doc[number.core_start]
    if number.core_end - number.core_start != 1 or first.lower_ not in UNITS or not 2 <= UNITS[first.lower_] <= 10:
        return False
    if number.core_start == 0 or doc[number.core_start - 1].lower_ not in {"the", "these", "those", "both"}:
        return False
    if number.counted_token is None:
        return False
    noun = doc[number.counted_token]
    return not any(c.dep_ in {"acl", "relcl", "prep"} for c in noun.children)


def counts_events(doc: Doc, number: Number) -> bool:
    """"shelled at least nine times": "N times" on a verb of a reported event."""
    verb = first_verb(doc[number.counted_token] if number.counted_token is not None else doc[number.core_end - 1])
    return verb is not None and verb.lemma_.lower() in EVENT_LEMMAS


def is_multiplier(doc: Doc, number: Number) -> bool:
    """"three times higher", "ten times as many": a factor, not a count of events."""
    end = number.end + 1 if number.end < len(doc) and doc[number.end].lower_ == "times" else number.end
    after = doc[end] if end < len(doc) else None
    return after is None or after.tag_ in {"JJR", "RBR"} or after.lower_ in {"as", "more", "less", "the", "that", "what", "over"}


def is_demand(token: Token) -> bool:
    """True when the number sits in the infinitive of a call: "urged donors to fund 10,000 places"."""
    infinitive = False
    for ancestor in token.ancestors:
        if ancestor.pos_ in {"VERB", "AUX"}:
            if any(c.dep_ == "aux" and c.lower_ == "to" for c in ancestor.children):
                infinitive = True
            elif ancestor.lemma_.lower() in DEMAND_VERBS:
                return infinitive
            elif not infinitive:
                return False
    return False
