"""Quote extraction and speaker attribution.

:func:`extract_quotes` finds direct quotes (text between quote marks), mixed quotes
(a quoted fragment inside reported speech) and indirect quotes (reported speech such as
"X said that ..." or "according to X, ...") and attributes each to a speaker. The rules
are described in ``docs/quotes.md``; the cue words live in
:mod:`pipeline.extract.quote_cues`.

Steps
-----
1. :func:`find_quote_spans` pairs quote marks paragraph by paragraph in one linear pass
   using the pair table ``QUOTE_PAIRS``; unclosed double quotes run to the end of the
   paragraph and continue into the next one when it opens with a quote mark.
2. Each span is attributed by the first rule that fires: a cue in the same sentence
   (after the closing mark, then before the opening mark), a dash line, a colon
   introduction in the previous paragraph, a speech clause ending the previous
   paragraph, the speaker of the previous quote (floating quote).
3. Spans with no cue that are short or verbless and not paragraph-initial are terms
   (scare quotes, titles), not quotes, and are dropped.
4. Reported speech is found from the cue verbs (lemma and part of speech) and their dependents.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from spacy.attrs import ENT_TYPE, LEMMA, POS
from spacy.parts_of_speech import PROPN, VERB
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from pipeline import lexicon as lex
from pipeline.layout import ends_as_sentence, is_heading, paragraph_spans
from pipeline.extract import quote_cues as cues
from pipeline.extract.entities import TRAILING_CONJUNCTION, acronym
from pipeline.extract.matching import AnchoredMatcher
from pipeline.nlp import doc_text
from pipeline.records import Entity, Quote

__all__ = ["QuoteSpan", "extract_quotes", "find_quote_spans"]

# Confidence scheme (see docs/quotes.md).
CONF_CUE_NAMED = 0.9
CONF_PREV_PARAGRAPH_CUE = 0.85
CONF_DASH = 0.8
CONF_MIXED = 0.8
CONF_INDIRECT = 0.75
CONF_ACCORDING_TO = 0.7
CONF_PRECEDING_SPEECH_CLAUSE = 0.7
CONF_FLOATING = 0.6
CONF_FLOATING_GAP = 0.5
CONF_NO_SPEAKER = 0.3
PENALTY_PRONOUN = 0.15
PENALTY_UNNAMED = 0.1
PENALTY_UNKNOWN_SPEAKER = 0.4
PENALTY_NESTED = 0.1  # a quote inside a quote: its cue is read from quoted text

TERM_MAX_TOKENS = 4  # quoted spans this short with no cue are terms, not quotes
WINDOW_TOKENS = 40  # attribution windows are bounded: linear time on pathological input
LOOKBACK = 100  # earlier speakers / entities searched when resolving a mention
FLOATING_MAX_GAP = 1  # non-quote paragraphs a floating quote may skip back over
PRONOUN_PARAGRAPHS = 2  # paragraphs back where a same-gender person beats an unknown one
TEXT_CARRIER_WINDOW = 6  # "a sign next to the door saying “...”": words between carrier and mark
ROLE_LOOKBACK_CHARS = 30  # "lawyer Pieter Borms": a role just before a name, for "the lawyer"
CONTINUATION_MAX_PARAGRAPHS = 8  # an unclosed quote may run this far to its closing mark
TRAILING_MAX_TOKENS = 12  # "..., the Forum said today." : longest speaker phrase
TRAILING_TAIL_TOKENS = 6  # ... and words after the verb ("today", "in a statement", ".")
PUBLISHER_PARAGRAPHS = 6  # opening paragraphs searched for the publisher speaking
AFTER_CUE_MAX_TOKENS = 30  # “…,” Name, a long role at Org, told X: the verb may come late
MIN_REPORTED_TOKENS = 2  # shortest reported content kept ("condemned the readmission")
MIN_REPORTED_CHARS = 8  # ... and in characters, once cut before a quote it introduces


# ---------------------------------------------------------------------------
# Quote-mark pairing
# ---------------------------------------------------------------------------


@dataclass
class QuoteSpan:
    """Quoted content between paired marks (``start``/``end`` exclude the marks).

    ``open`` is the offset of the opening mark, ``close`` that of the closing mark
    (``None`` when the quote runs unclosed to the end of its paragraph).
    ``para_first``/``para_last`` are paragraph indexes (several for a multi-paragraph quote).
    """

    open: int
    start: int
    end: int
    close: int | None
    para_first: int
    para_last: int


def _can_open(text: str, i: int, p_start: int, p_end: int) -> bool:
    mark = text[i]
    prev = text[i - 1] if i > p_start else " "
    nxt = text[i + 1] if i + 1 < p_end else ""
    if not nxt:
        return False
    if nxt.isspace():
        # “ followed by a space opens only when its closing ” follows in the paragraph
        # ('According to Greek media “ More than 500 ... ”'); at a paragraph end it is a
        # misdirected closing mark
        return mark == "“" and not prev.isalnum() and "”" in text[i + 1 : p_end]
    if mark in cues.SINGLE_QUOTES:
        # ‘word …’ but not o’clock, ’90s or a stray apostrophe
        return not prev.isalnum() and (nxt.isalnum() or nxt in "“\"")
    if mark == '"':
        return prev.isspace() or prev in "([{—–-/:" or i == p_start
    return not prev.isalnum()


def _can_close(text: str, i: int, p_start: int, p_end: int, opener: str) -> bool:
    mark = text[i]
    if mark not in cues.QUOTE_PAIRS[opener]:
        return False
    prev = text[i - 1] if i > p_start else " "
    nxt = text[i + 1] if i + 1 < p_end else ""
    if mark in cues.SINGLE_QUOTES or mark == "’":
        # an apostrophe (Assad’s) is followed by a letter
        return not prev.isspace() and not nxt.isalnum()
    if mark == opener:  # straight " or a misdirected “ used as closer
        at_end = text[i + 1 : p_end].strip() == ""
        return at_end or (not prev.isspace() and not nxt.isalnum())
    return True


#: Every character _scan_paragraph acts on; it skips straight from one to the next.
_QUOTE_MARK_RE = re.compile("[" + re.escape("".join(sorted(
    {*cues.QUOTE_PAIRS, *(c for closers in cues.QUOTE_PAIRS.values() for c in closers),
     *cues.SINGLE_QUOTES, *cues.DOUBLE_QUOTES}))) + "]")


def _scan_paragraph(text: str, p_start: int, p_end: int) -> tuple[list[tuple[int, int | None]], bool]:
    """Pair marks in one paragraph; returns (open, close) pairs and whether the last is unclosed.

    One pass, plus at most one re-scan when an unclosed single quote must be given up.
    """
    pairs: list[tuple[int, int | None]] = []
    i, allow_single = p_start, True
    while True:
        open_at, opener = None, ""
        while i < p_end:
            mark = _QUOTE_MARK_RE.search(text, i, p_end)  # only quote marks open or close
            if mark is None:
                break
            i = mark.start()
            ch = text[i]
            if open_at is None:
                if ch in cues.QUOTE_PAIRS and (allow_single or ch not in cues.SINGLE_QUOTES) and _can_open(text, i, p_start, p_end):
                    open_at, opener = i, ch
            elif _can_close(text, i, p_start, p_end, opener):
                pairs.append((open_at, i))
                open_at = None
            elif opener in cues.SINGLE_QUOTES and ch in cues.DOUBLE_QUOTES and _can_open(text, i, p_start, p_end):
                open_at, opener = i, ch  # an unpaired ‘ gives way to a double quote
            i += 1
        if open_at is None:
            return pairs, False
        if opener in cues.DOUBLE_QUOTES:
            pairs.append((open_at, None))
            return pairs, True
        restart = open_at + 1  # unclosed single quote: an apostrophe after all
        i, allow_single = restart, False


def find_quote_spans(text: str) -> list[QuoteSpan]:
    """Pair quote marks in ``text`` and return the quoted spans in order.

    Parameters
    ----------
    text : str
        Normalised document text (paragraphs separated by blank lines).

    Returns
    -------
    list of QuoteSpan
        Content spans without their marks. An unclosed double quote ends at its
        paragraph end, unless the next paragraph opens with a quote mark, in which case
        the two are one span (multi-paragraph quote convention).
    """
    paragraphs = paragraph_spans(text)
    spans: list[QuoteSpan] = []
    continuing: QuoteSpan | None = None
    resume_at: dict[int, int] = {}  # paragraph -> offset after a block quote's closing mark
    for p_index, (p_start, p_end) in enumerate(paragraphs):
        if p_index in resume_at:
            pairs, unclosed = _scan_paragraph(text, resume_at[p_index], p_end)
            pairs = [(o, c) for o, c in pairs if o >= resume_at[p_index]]
        else:
            pairs, unclosed = _scan_paragraph(text, p_start, p_end)
        if continuing is not None and p_index in resume_at:
            spans.append(continuing)
            continuing = None
        if continuing is not None and not (pairs and pairs[0][0] == p_start):
            # "“First paragraph ... / plain middle paragraph / last paragraph.”": a block quote
            # whose inner paragraphs open with no mark runs to the first unmatched closing mark
            block_end = _block_quote_close(text, paragraphs, p_index, continuing)
            if block_end is not None:
                last, close = block_end
                continuing.close = close
                continuing.end = _content_end(text, close)
                continuing.para_last = last
                spans.append(continuing)
                continuing = None
                resume_at[last] = close + 1
                if last != p_index:
                    continue
                pairs, unclosed = _scan_paragraph(text, close + 1, p_end)
        if continuing is not None:
            if pairs and pairs[0][0] == p_start:
                first_close = pairs[0][1]
                continuing.close = first_close
                continuing.end = _content_end(text, first_close if first_close is not None else p_end)
                continuing.para_last = p_index
                pairs = pairs[1:]
                if first_close is None:  # still open: may continue further
                    continue
            spans.append(continuing)
            continuing = None
        for k, (open_at, close_at) in enumerate(pairs):
            start = _content_start(text, open_at + 1)
            end = _content_end(text, close_at if close_at is not None else p_end)
            if end <= start:
                continue
            span = QuoteSpan(open_at, start, end, close_at, p_index, p_index)
            if unclosed and k == len(pairs) - 1:
                continuing = span
            else:
                spans.append(span)
    if continuing is not None:
        spans.append(continuing)
    return spans


def _block_quote_close(text: str, paragraphs: list[tuple[int, int]], first: int,
                       open_span: QuoteSpan) -> tuple[int, int] | None:
    """(paragraph, offset) of the mark closing an unclosed quote in a later paragraph.

    Looks at most ``CONTINUATION_MAX_PARAGRAPHS`` ahead; gives up at a heading or at a paragraph
    where a double opening mark comes before any closing mark (a new quote, not the old one's
    end). Only marks that close the opener by ``QUOTE_PAIRS`` count.
    """
    opener = text[open_span.open]
    closers = cues.QUOTE_PAIRS.get(opener, ())
    for p in range(first, min(len(paragraphs), first + CONTINUATION_MAX_PARAGRAPHS)):
        p_start, p_end = paragraphs[p]
        line = text[p_start:p_end]
        if is_heading(line):
            return None  # a heading ends the quote
        for i in range(p_start, p_end):
            ch = text[i]
            # a straight mark closes the block when it follows a word (’word." ’), a curly “ never
            closes = ch in closers and (ch != opener or opener == '"') and _can_close(text, i, p_start, p_end, opener)
            if closes and (ch != '"' or not text[i - 1].isspace()):
                return p, i
            if ch in cues.DOUBLE_QUOTES and _can_open(text, i, p_start, p_end):
                return None
    return None


def _content_start(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _content_end(text: str, i: int) -> int:
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return i


# ---------------------------------------------------------------------------
# Speakers
# ---------------------------------------------------------------------------


@dataclass
class Speaker:
    name: str | None
    type: str | None
    role: str | None = None
    org: str | None = None
    start: int | None = None
    end: int | None = None
    penalty: float = 0.0


@dataclass
class _Mention:
    """A person (named or described) that a later "he"/"she" may refer to."""

    offset: int
    speaker: Speaker
    gender: str | None  # "female", "male" or None (unknown: compatible with both)
    quote_open: int | None = None  # the quote the mention stands in (nested quotes), if any


@dataclass
class _Context:
    doc: Doc
    text: str  # doc.text, cached: spaCy rebuilds it on every access
    entities: list[Entity]
    organisation: str | None
    quote_spans: list[QuoteSpan]
    paragraphs: list[tuple[int, int]]
    entity_starts: list[int] = field(default_factory=list)
    person_labels: set[str] = field(default_factory=set)
    speakers: list[Speaker] = field(default_factory=list)  # resolved so far, by mention offset

    quote_opens: list[int] = field(default_factory=list)
    quoted_paragraphs: set[int] = field(default_factory=set)
    # people a "he"/"she" can point back to, by offset (see _collect_person_mentions)
    mentions: list[_Mention] = field(default_factory=list)
    mention_offsets: list[int] = field(default_factory=list)
    genders: dict[str, str | None] = field(default_factory=dict)
    entities_by_name: dict[str, list[Entity]] = field(default_factory=dict)

    def add_mention(self, offset: int, speaker: Speaker, gender: str | None) -> None:
        i = bisect.bisect_right(self.mention_offsets, offset)
        self.mention_offsets.insert(i, offset)
        self.mentions.insert(i, _Mention(offset, speaker, gender, self.containing_quote(offset)))

    def containing_quote(self, offset: int) -> int | None:
        """Opening offset of the (top-level) quote ``offset`` stands in, else None."""
        i = bisect.bisect_right(self.quote_opens, offset) - 1
        if i >= 0 and self.quote_spans[i].start <= offset < self.quote_spans[i].end:
            return self.quote_spans[i].open
        return None

    def inside_quote(self, offset: int) -> bool:
        i = bisect.bisect_right(self.quote_opens, offset) - 1
        return i >= 0 and self.quote_spans[i].start <= offset < self.quote_spans[i].end

    def next_open(self, offset: int) -> int | None:
        i = bisect.bisect_right(self.quote_opens, offset)
        return self.quote_opens[i] if i < len(self.quote_opens) else None


def _strip_det(text: str) -> str:
    """Drop a lower-case leading article ("the Association of ..." -> "Association of ...")."""
    return re.sub(r"^(the|a|an)\s+", "", text.strip(" ,;:")).strip()


def _entities_in(ctx: _Context, start: int, end: int) -> list[Entity]:
    """Entities starting inside [start, end) (plus one starting just before, if it overlaps)."""
    i = max(0, bisect.bisect_left(ctx.entity_starts, start) - 1)
    out = []
    while i < len(ctx.entities) and ctx.entities[i].start < end:
        if ctx.entities[i].end > start:
            out.append(ctx.entities[i])
        i += 1
    return out


def _label_of(ctx: _Context, token: Token) -> str | None:
    ent = _entity_at(ctx, token)
    return ent.label if ent is not None else None


def _entity_at(ctx: _Context, token: Token) -> Entity | None:
    idx = bisect.bisect_right(ctx.entity_starts, token.idx) - 1
    for j in (idx, idx - 1):
        if 0 <= j < len(ctx.entities):
            ent = ctx.entities[j]
            if ent.start <= token.idx < ent.end:
                return ent
    return None


def _name_tokens(token: Token) -> list[Token]:
    """The proper-noun chain ending at ``token`` (Laila + Kiki, Human + Rights + Watch)."""
    doc, start = token.doc, token.i
    while start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].dep_ in ("compound", "flat", "nmod"):
        start -= 1
    return list(doc[start : token.i + 1])


def _speaker_type(ctx: _Context, name: str, label: str | None, role: str | None) -> str:
    if name.isupper() and len(name) >= 2 and " " not in name:
        return "ORG"  # an acronym: SANA, SOHR, UNHCR
    if name in ctx.person_labels:
        return "PERSON"
    if label in ("PERSON",):
        return "PERSON"
    words = {w.lower() for w in name.split()}
    if words & lex.ORG_NAME_WORDS:
        return "ORG"
    if label == "ORG" and _looks_like_personal_name(name):
        return "PERSON"  # the small model often labels "First Last" as ORG
    if label in ("ORG", "NORP", "GPE", "FAC", "LOC") and not role:
        return "ORG"
    return "PERSON"


def _looks_like_personal_name(name: str) -> bool:
    words = name.split()
    return 2 <= len(words) <= 3 and all(w[:1].isupper() and w[1:].islower() for w in words)


def _split_role_org(ctx: _Context, phrase: Span) -> tuple[str | None, str | None]:
    """Role and organisation from an appositive ("Middle East director at Human Rights Watch")."""
    tokens = [t for t in phrase if not t.is_punct or t.text in "'’-&"]
    if not tokens:
        return None, None
    # cut at the first comma or relative pronoun: what follows describes the organisation
    cut = next((t.i for t in phrase if t.text in (",", "(", ";") or t.lower_ in ("who", "which", "whose")),
               phrase.end)
    tokens = [t for t in tokens if t.i < cut]
    if not tokens:
        return None, None
    for t in tokens:
        if t.lower_ in lex.ORG_PREPOSITIONS and t.i + 1 < cut:
            after = ctx.doc[t.i + 1 : cut]
            name = [w for w in after if w.lower_ != "the"]
            if name and name[0].text[:1].isupper() and not _is_place(ctx, name[0]):
                role = ctx.doc[tokens[0].i : t.i].text if t.i > tokens[0].i else None
                return _clean_role(role), _strip_det(after.text) or None
            break  # only the first preposition links a role to its organisation
    # "a White Helmets volunteer": an organisation name inside the description
    cut_char = ctx.doc[cut - 1].idx + len(ctx.doc[cut - 1])
    ents = [e for e in _entities_in(ctx, phrase.start_char, cut_char) if phrase.start_char <= e.start and e.end <= cut_char]
    org_ent = next((e for e in ents if e.label == "ORG"), None)
    head = phrase.root
    if org_ent is None:
        propn = [t for t in tokens if t.pos_ == "PROPN" and t.i < head.i]
        if propn and any(w.lower_ in lex.ORG_NAME_WORDS for w in propn):
            return head.text, ctx.doc[propn[0].i : propn[-1].i + 1].text
        return _clean_role(ctx.doc[tokens[0].i : cut].text), None
    role_tokens = [t for t in tokens if not (org_ent.start <= t.idx < org_ent.end) and t.i <= head.i and t.pos_ != "DET"]
    role = " ".join(t.text for t in role_tokens) or head.text
    return _clean_role(role), org_ent.text


def _clean_role(role: str | None) -> str | None:
    """A role is words: "26" (an age) or an empty string is no role."""
    role = re.sub(r"^(the|a|an)\s+", "", (role or "").strip(" ,;:"), flags=re.IGNORECASE).strip()
    return role if any(c.isalpha() for c in role) and not role.isdigit() else None


def _is_place(ctx: _Context, token: Token) -> bool:
    ent = _entity_at(ctx, token)
    return ent is not None and ent.label in ("GPE", "LOC")


def _describe_person(ctx: _Context, head: Token, speaker: Speaker) -> Speaker:
    """Fill role/org from appositives and prepositions attached to the name's head."""
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ in lex.ORG_PREPOSITIONS and speaker.org is None:
            pobj = [c for c in child.children if c.dep_ == "pobj"]
            if pobj and pobj[0].pos_ == "PROPN":
                speaker.org = _strip_det(_phrase_to_comma(pobj[0]).text)
        elif child.dep_ == "appos":
            if child.lemma_.lower() in lex.GROUP_NOUNS and speaker.org is not None:
                continue  # "of X, an organisation that ..." describes the organisation
            appos = ctx.doc[child.left_edge.i : child.right_edge.i + 1]
            role, org = _split_role_org(ctx, appos)
            speaker.role = speaker.role or role
            speaker.org = speaker.org or org
    # "Human Rights Watch's Syria researcher Sara Kayyali": possessive before the name
    poss = [t for t in head.subtree if t.dep_ == "case" and t.text in ("'s", "’s") and t.i < head.i]
    if poss and speaker.org is None:
        owner = poss[0].head
        speaker.org = ctx.doc[owner.left_edge.i : owner.i + 1].text
        role_tokens = [t for t in ctx.doc[poss[0].i + 1 : head.i] if t.pos_ in ("NOUN", "PROPN", "ADJ")]
        name_start = _name_tokens(head)[0].i
        role_tokens = [t for t in role_tokens if t.i < name_start]
        if role_tokens and speaker.role is None:
            speaker.role = ctx.doc[role_tokens[0].i : role_tokens[-1].i + 1].text
    return speaker


def _full_name(ctx: _Context, surname: str, offset: int) -> str:
    """A surname alone -> the full name of a person mentioned earlier ("Lang" -> "Peter Lang")."""
    for sp in reversed(ctx.speakers[-LOOKBACK:]):
        if sp.type == "PERSON" and sp.name and " " in sp.name and sp.name.split()[-1] == surname:
            return sp.name
    idx = bisect.bisect_left(ctx.entity_starts, offset) - 1
    stop = max(-1, idx - LOOKBACK)
    while idx > stop:
        ent = ctx.entities[idx]
        # any label: the small model may have called "Rouba Khalil" an organisation
        if (" " in ent.canonical and ent.canonical.split()[-1] == surname
                and (ent.label == "PERSON" or _looks_like_personal_name(ent.canonical))):
            return ent.canonical
        idx -= 1
    return surname


def _phrase_to_comma(token: Token) -> Span:
    """The subtree of ``token`` up to its first comma or bracket ("Families for Freedom")."""
    doc = token.doc
    end = token.right_edge.i + 1
    for t in doc[token.i : end]:
        if t.text in (",", "(", ";", "—", "–"):
            end = t.i
            break
    return doc[token.left_edge.i : end]


def _pronoun_gender(word: str) -> str | None:
    return lex.gender_of_word(word, ("pronouns",))


def _person_gender(ctx: _Context, name: str | None) -> str | None:
    """Gender evidence for a named person: title, apposed noun, pronoun, first name.

    Titles ("Ms Haddad") and nouns ("X, a mother of three") win over a possessive or subject
    pronoun later in a sentence the person is the subject of ("Omar described how the strike
    hit his home"), which wins over the first-name table (``resources/lexicon/gender.yaml``).
    """
    if not name:
        return None
    if name in ctx.genders:
        return ctx.genders[name]
    votes: dict[str, str] = {}
    if not ctx.entities_by_name:
        for ent in ctx.entities:
            ctx.entities_by_name.setdefault(ent.canonical, []).append(ent)
    for ent in ctx.entities_by_name.get(name, []):
        if ctx.inside_quote(ent.start):
            continue
        before = ctx.text[max(0, ent.start - 12): ent.start].split()
        if before:
            gender = lex.gender_of_word(before[-1], ("titles",))
            if gender:
                votes.setdefault("title", gender)
        span = ctx.doc.char_span(ent.start, ent.end, alignment_mode="expand")
        if span is None:
            continue
        head = span.root
        for child in head.rights:
            if child.dep_ == "appos":
                gender = lex.gender_of_word(child.lemma_, ("nouns",))
                if gender:
                    votes.setdefault("noun", gender)
        if head.dep_ in ("nsubj", "nsubjpass"):
            for token in ctx.doc[span.end: head.sent.end]:
                gender = _pronoun_gender(token.lower_)
                if gender and not ctx.inside_quote(token.idx):
                    votes.setdefault("pronoun", gender)
                    break
    votes.setdefault("name", lex.gender_of_word(name.split()[0], ("first_names",)))
    gender = next((votes[k] for k in ("title", "noun", "pronoun", "name") if votes.get(k)), None)
    ctx.genders[name] = gender
    return gender


def _description_gender(description: str) -> str | None:
    for word in description.lower().split():
        gender = lex.gender_of_word(word.strip(",.’'"), ("nouns",))
        if gender:
            return gender
    return None


def _speaker_gender(ctx: _Context, speaker: Speaker) -> str | None:
    if speaker.type == "PERSON":
        return _person_gender(ctx, speaker.name)
    if speaker.type == "UNNAMED" and speaker.name:
        return _description_gender(speaker.name)
    return None


def _collect_person_mentions(ctx: _Context) -> None:
    """Everyone a later "he"/"she" may mean: PERSON entities and the (non-pronoun) subjects of
    speech verbs, named or described ("a former detainee who asked not to be named told us")."""
    for ent in ctx.entities:
        if ent.label == "PERSON":
            name = ent.canonical if " " in ent.canonical else _full_name(ctx, ent.canonical, ent.start)
            name = _trim_role_words(name)
            ctx.add_mention(ent.start, Speaker(name, "PERSON", start=ent.start, end=ent.end),
                            _person_gender(ctx, name))
    # token arrays pick the few candidate tokens; Token objects only for those
    pos, ent_type = ctx.doc.to_array(POS), ctx.doc.to_array(ENT_TYPE)
    for i in np.flatnonzero((pos == PROPN) & (ent_type == 0)).tolist():
        token = ctx.doc[i]
        if (lex.gender_of_word(token.text, ("first_names",))
                and (token.i == 0 or ctx.doc[token.i - 1].pos_ != "PROPN")):
            # a person the recogniser missed: known first name + following proper nouns
            end = token.i + 1
            while end < len(ctx.doc) and ctx.doc[end].pos_ == "PROPN" and end - token.i < 3:
                end += 1
            name = ctx.doc[token.i : end].text
            ctx.add_mention(token.idx, Speaker(name, "PERSON", start=token.idx, end=token.idx + len(name)),
                            _person_gender(ctx, name))
    for i in np.flatnonzero(pos == VERB).tolist():
        token = ctx.doc[i]
        lemma = token.lemma_.lower()
        if lemma not in lex.SPEECH_VERBS and lemma not in lex.INDIRECT_VERBS:
            continue
        if ctx.inside_quote(token.idx):
            continue
        subject = _subject_of(token)
        if subject is None or subject.pos_ == "PRON" or subject.lower_ in lex.PERSON_PRONOUNS:
            continue
        speaker = _speaker_from_token(ctx, subject)
        if speaker is not None and speaker.type == "UNNAMED" and speaker.name:
            ctx.add_mention(subject.idx, speaker, _speaker_gender(ctx, speaker))


def _resolve_person_pronoun(ctx: _Context, offset: int, gender: str | None) -> Speaker | None:
    """The most recent person before ``offset`` whose gender does not contradict ``gender``.

    A person known to have the pronoun's gender within the last few paragraphs wins over a more
    recent person of unknown gender (often a mislabelled place or outlet: "Knack", "Masnaa").
    """
    last = bisect.bisect_left(ctx.mention_offsets, offset) - 1
    stop = max(-1, last - LOOKBACK)
    own_quote = ctx.containing_quote(offset)
    candidates = [ctx.mentions[i] for i in range(last, stop, -1)
                  if ctx.mentions[i].quote_open in (None, own_quote)]
    if gender is not None:
        horizon = _paragraph_start(ctx, offset, PRONOUN_PARAGRAPHS)
        for mention in candidates:
            if mention.offset < horizon:
                break
            if mention.gender == gender:
                return mention.speaker
    for mention in candidates:
        if gender is None or mention.gender is None or mention.gender == gender:
            return mention.speaker
    return None


def _paragraph_start(ctx: _Context, offset: int, back: int) -> int:
    """Start offset of the paragraph ``back`` paragraphs before the one holding ``offset``."""
    starts = [start for start, _ in ctx.paragraphs]
    i = bisect.bisect_right(starts, offset) - 1
    return starts[max(0, i - back)] if starts else 0


def _recent_org_speaker(ctx: _Context, token: Token) -> Speaker | None:
    """ "It called on ..." right after "CRRN urged ...": the organisation subject of a speech verb
    in the previous sentence of the same paragraph (not any organisation named in between)."""
    sent = token.sent
    if sent.start == 0:
        return None
    previous = ctx.doc[sent.start - 1].sent
    if "\n" in ctx.text[previous.end_char - 1 : sent.start_char]:
        return None
    root_subject = _subject_of(previous.root) if previous.root.pos_ in ("VERB", "AUX") else None
    if root_subject is not None and root_subject.pos_ == "PROPN":
        # "The Prosecutor's Office joined ... . It asked ...": the previous sentence's subject
        speaker = _speaker_from_token(ctx, root_subject)
        if speaker is not None and speaker.type == "ORG":
            return replace(speaker, start=token.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
    for verb in previous:
        lemma = verb.lemma_.lower()
        if verb.pos_ == "VERB" and (lemma in lex.INDIRECT_VERBS or lemma in lex.SPEECH_VERBS):
            subject = _subject_of(verb)
            if subject is not None and subject.pos_ != "PRON":
                speaker = _speaker_from_token(ctx, subject) or _described_subject(ctx, subject)
                # "they" may also be a described group that spoke ("the three companies stress ...")
                plural_group = (speaker is not None and speaker.type == "UNNAMED" and token.lower_ == "they"
                                and subject.tag_ in ("NNS", "NNPS"))
                if speaker is not None and (speaker.type == "ORG" or plural_group):
                    return replace(speaker, start=token.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
    return None


def _definite_role(ctx: _Context, token: Token) -> Speaker | None:
    """ "The lawyer asked ..." -> the person introduced with that role shortly before.

    Only for a bare definite description ("the lawyer", not "a lawyer" or "the UN lawyer"): the
    most recent person mention, within ``PRONOUN_PARAGRAPHS`` paragraphs, whose role or the words
    just before whose name hold the noun.
    """
    lefts = list(token.lefts)
    if [t.lower_ for t in lefts] != ["the"]:
        return None
    noun = token.lemma_.lower()
    horizon = _paragraph_start(ctx, token.idx, PRONOUN_PARAGRAPHS)
    i = bisect.bisect_left(ctx.mention_offsets, token.idx) - 1
    while i >= 0 and ctx.mentions[i].offset >= horizon:
        mention = ctx.mentions[i]
        if mention.speaker.type == "PERSON":
            before = ctx.text[max(0, mention.offset - ROLE_LOOKBACK_CHARS) : mention.offset].lower()
            if noun in before.split() or noun in (mention.speaker.role or "").lower().split():
                return replace(mention.speaker, start=token.left_edge.idx, end=token.idx + len(token),
                               penalty=PENALTY_PRONOUN)
        i -= 1
    return None


def _described_subject(ctx: _Context, subject: Token) -> Speaker | None:
    """A common-noun subject of a cue verb as an unnamed speaker ("the three companies stress"),
    unless it names a document or an inanimate source ("the report", "the data")."""
    if subject.pos_ != "NOUN" or subject.dep_ not in ("nsubj",) or subject.lower_ in ("%", "percent", "cent"):
        return None  # "More than 70% said ...": a share of an unnamed group, not a speaker
    if subject.lemma_.lower() in lex.NON_SPEAKER_NOUNS or subject.lower_ in lex.NON_SPEAKER_NOUNS:
        return None
    return _described(ctx, subject)


def _most_recent(ctx: _Context, offset: int, want: str) -> Speaker | None:
    """Latest speaker or entity of type ``want`` (PERSON/ORG) mentioned before ``offset``."""
    best: Speaker | None = None
    for sp in reversed(ctx.speakers[-LOOKBACK:]):
        if sp.start is not None and sp.start < offset and sp.type == want:
            best = sp
            break
    idx = bisect.bisect_left(ctx.entity_starts, offset) - 1
    labels = ("PERSON",) if want == "PERSON" else ("ORG",)
    steps = 0
    while idx >= 0 and steps < LOOKBACK:
        ent = ctx.entities[idx]
        steps += 1
        if ent.label in labels and not ctx.inside_quote(ent.start):
            if best is None or ent.start > (best.start or -1):
                if best is not None and best.name == ent.canonical:
                    return best
                name = _full_name(ctx, ent.canonical, ent.start) if want == "PERSON" and " " not in ent.canonical else ent.canonical
                return Speaker(name, want, start=ent.start, end=ent.end)
            break
        idx -= 1
    return best


def _speaker_from_token(ctx: _Context, token: Token, allow_joint: bool = True) -> Speaker | None:
    """Resolve the subject of a cue verb to a speaker (``allow_joint``: "X and Y" as one)."""
    lower = token.lower_
    if token.pos_ == "PRON" or lower in lex.PERSON_PRONOUNS | lex.GROUP_PRONOUNS | lex.FIRST_PERSON_PLURAL:
        if lower in lex.FIRST_PERSON_PLURAL:
            if ctx.organisation:
                return Speaker(ctx.organisation, "ORG", start=token.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
            return None
        want = "PERSON" if lower in lex.PERSON_PRONOUNS else "ORG" if lower in lex.GROUP_PRONOUNS else None
        if want is None:
            return None
        if want == "PERSON":
            found = _resolve_person_pronoun(ctx, token.idx, _pronoun_gender(lower))
        else:
            found = _recent_org_speaker(ctx, token) or _most_recent(ctx, token.idx, want)
        if found is None:
            return None
        return replace(found, start=token.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
    if token.lower_ == "one" or token.pos_ == "NUM":  # "one of the survivors"
        of = [c for c in token.children if c.lower_ == "of"]
        pobj = [g for c in of for g in c.children if g.dep_ == "pobj"]
        if pobj and pobj[0].lemma_.lower() in lex.SPEAKER_NOUNS:
            desc = _phrase_to_comma(token)
            return Speaker(desc.text, "UNNAMED", start=desc.start_char, end=desc.end_char, penalty=PENALTY_UNNAMED)
    if token.pos_ in ("NOUN", "PROPN"):
        own = _entity_at(ctx, token)
        named = [
            c for c in token.rights
            if c.dep_ == "appos" and c.pos_ == "PROPN"
            and (token.pos_ == "NOUN" or (_label_of(ctx, c) == "PERSON" and (own is None or own.label != "PERSON")))
        ]
        if named:
            # "Oxfam's humanitarian lead Rania Haddad", "The UN Secretary-General, António Guterres,"
            speaker = _speaker_from_token(ctx, named[0])
            if speaker is not None and speaker.type == "PERSON":
                poss = [c for c in token.lefts if c.dep_ == "poss"]
                role_start = max([p.i + 2 for p in poss], default=token.left_edge.i)
                role = ctx.doc[role_start : token.i + 1]
                speaker.role = speaker.role or _clean_role(role.text)
                if poss and speaker.org is None:
                    speaker.org = ctx.doc[poss[0].left_edge.i : poss[0].i + 1].text
                return speaker
    joint = _joint_speaker(ctx, token) if allow_joint else None
    if joint is not None:
        return joint
    if token.pos_ == "PROPN" or _entity_at(ctx, token) is not None:
        ent = _entity_at(ctx, token)
        if ent is not None and ent.label in ("PERSON", "ORG", "NORP", "GPE"):
            name, start, end, label = ent.canonical, ent.start, ent.end, ent.label
        elif token.pos_ == "PROPN":
            chain = _name_tokens(token)
            name, start, end, label = " ".join(t.text for t in chain), chain[0].idx, token.idx + len(token), None
            name = _strip_det(name)
        else:
            return None
        name = _strip_det(name).split(" (")[0]  # "Africa CDC (Africa" : an acronym bracket
        name = TRAILING_CONJUNCTION.sub("", name)  # "Knack and": an entity run into a conjunction
        if label in ("ORG", None) or " " not in name:
            org = _org_backref(ctx, token, name, start)
            if org is not None:
                return org
        if " " not in name:
            name = _full_name(ctx, name, start)
        if (label == "PERSON" or _looks_like_personal_name(name) or name in ctx.person_labels
                or any(lex.gender_of_word(w, ("first_names",)) for w in name.split())):
            name = _trim_role_words(name)
        # "Nadia Omran of Families": the recogniser ran the name into the organisation
        words = name.split()
        cut = next((k for k, w in enumerate(words) if w in ("of", "from", "at")), len(words))
        if 0 < cut < len(words) and _looks_like_personal_name(" ".join(words[:cut])):
            prefix = " ".join(words[:cut])
            if token.idx < start + len(prefix) and ctx.text.startswith(prefix, start):
                name, end, label = prefix, start + len(prefix), None
        speaker = Speaker(name, None, start=start, end=end)
        speaker.type = _speaker_type(ctx, name, label, None)
        if speaker.type == "PERSON":
            speaker = _describe_person(ctx, token, speaker)
        return speaker
    if token.pos_ == "NOUN" and token.text.isupper() and len(token.text) >= 2 and token.text.isalpha():
        # an acronym the tagger took for a common noun ("CRRN urged"): the organisation it names
        known = next((e.canonical for e in ctx.entities if e.text == token.text and e.label == "ORG"), token.text)
        return Speaker(known, "ORG", start=token.idx, end=token.idx + len(token))
    if token.pos_ == "NOUN":
        lemma = token.lemma_.lower()
        if token.text[:1].isupper() and token.dep_ in ("nsubj", "nsubjpass"):
            full = _full_name(ctx, token.text, token.idx)  # "Masalmeh added", tagged as a noun
            if full != token.text:
                speaker = Speaker(full, "PERSON", start=token.idx, end=token.idx + len(token))
                _fill_from_earlier(ctx, speaker)
                return speaker
        if lemma in lex.ORG_BACKREF_NOUNS and any(c.lower_ in ("the", "this") for c in token.lefts):
            found = _org_backref(ctx, token, lemma, token.idx)  # "the court", "the network"
            if found is None and lemma in lex.GROUP_NOUNS:
                found = _most_recent(ctx, token.idx, "ORG")
            if found:
                return replace(found, start=token.left_edge.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
        if lemma in lex.SPEAKER_NOUNS:
            named = _definite_role(ctx, token)  # "the lawyer" after "lawyer Pieter Borms"
            if named is not None:
                return named
            desc = _phrase_to_comma(token)
            speaker = Speaker(desc.text, "UNNAMED", start=desc.start_char, end=desc.end_char, penalty=PENALTY_UNNAMED)
            org_words = [t for t in desc if t.pos_ == "PROPN" and t.i < token.i]
            if org_words:
                speaker.org = ctx.doc[org_words[0].i : org_words[-1].i + 1].text
            _describe_person(ctx, token, speaker)
            if speaker.org and speaker.role is None:
                speaker.role = token.text
            return speaker
    return None


def _joint_speaker(ctx: _Context, token: Token) -> Speaker | None:
    """ "Knack and Syrian Archive reveal ...": two named subjects speak together.

    Only for subjects of a cue verb whose conjuncts are all names; the speaker is the names
    joined as written ("Didier Reynders and Steven Vandeput").
    """
    if token.dep_ not in ("nsubj", "nsubjpass") or token.pos_ != "PROPN":
        return None
    conjuncts = [c for c in token.children if c.dep_ == "conj"]
    if not conjuncts or not all(c.pos_ in ("PROPN", "NOUN") for c in conjuncts):
        return None  # each conjunct must still resolve to a named speaker below
    members = []
    for member in [token] + conjuncts:
        single = _speaker_from_token(ctx, member, allow_joint=False)
        if single is None or single.name is None or single.type not in ("PERSON", "ORG"):
            return None
        if any(w.lower() in lex.ROLE_WORDS for w in single.name.split()):
            return None  # "Prime Minister, Minister and ...": roles, not a list of speakers
        members.append(single)
    name = " and ".join([", ".join(m.name for m in members[:-1]), members[-1].name]) if len(members) > 1 else members[0].name
    kind = "PERSON" if all(m.type == "PERSON" for m in members) else "ORG"
    return Speaker(name, kind, start=members[0].start, end=members[-1].end)


def _trim_role_words(name: str) -> str:
    """ "Lawyer Joris Vercraeye" -> "Joris Vercraeye"; "Roberto Benes Regional Director" ->
    "Roberto Benes" (a role run into the name by a missing comma)."""
    words = name.split()
    while len(words) > 1 and words[0].lower().rstrip(".") in lex.ROLE_WORDS:
        words = words[1:]
    # "Integration Mattias Tesfaye": the end of a role before a known first name
    given = next((k for k, w in enumerate(words)
                  if w.lower() not in lex.NAME_PARTICLES and lex.gender_of_word(w, ("first_names",))), 0)
    if 0 < given < len(words) - 1:
        words = words[given:]
    for k in range(2, len(words)):
        if words[k].lower() in lex.ROLE_WORDS:
            words = words[:k]
            break
    return " ".join(words)


def _org_backref(ctx: _Context, token: Token, name: str, start: int) -> Speaker | None:
    """ "the Alliance", "the network", "the Forum" -> the organisation named in full earlier.

    A one-word name that is an organisation word refers back to the most recent organisation
    whose full name contains it, or to the publishing organisation; "the <group noun>" with no
    such organisation refers to the most recent organisation.
    """
    if " " in name or name.lower() not in lex.ORG_BACKREF_NOUNS:
        return None
    word = name.lower()
    full = None
    if ctx.organisation and word in ctx.organisation.lower().split():
        full = ctx.organisation  # in a release, "the Network" is first of all its publisher
    candidates = [e for e in reversed(ctx.entities[: bisect.bisect_left(ctx.entity_starts, start)][-LOOKBACK:])
                  if e.label == "ORG" and " " in e.canonical and word in e.canonical.lower().split()]
    if full is None and candidates:
        full = candidates[0].canonical
    if full is None:
        return None
    return Speaker(full, "ORG", start=start, end=token.idx + len(token))


def _fill_from_earlier(ctx: _Context, speaker: Speaker) -> None:
    """A later mention ("said Laila Kiki") keeps the role and organisation given earlier."""
    for earlier in reversed(ctx.speakers[-LOOKBACK:]):
        if earlier.name == speaker.name and earlier.type == speaker.type:
            speaker.role = speaker.role or earlier.role
            speaker.org = speaker.org or earlier.org
            if speaker.role and speaker.org:
                return


def _speaker_for_verb(ctx: _Context, verb: Token) -> Speaker | None:
    """Speaker of a cue verb that introduces a quote, with fallbacks for parse slips.

    The grammatical subject first; for "…, who said" whose relative clause the parser hung on
    the wrong noun, the noun just before "who"; for a participle cue the parser could not
    attach ("… published a post at 21:21 stating:"), the subject of the sentence root.
    """
    subject = _subject_of(verb)
    if verb.tag_ == "VBG" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
        # "He stated that X had presented ..., adding '...'": the participle continues the
        # speech verb above it, even when the parse hangs it on the reported clause
        speech = next((a for a in verb.ancestors if _is_speech_verb(a) or a.lemma_.lower() in lex.INDIRECT_VERBS), None)
        if speech is not None and _subject_of(speech) is not None:
            subject = _subject_of(speech)
    speaker = _speaker_from_token(ctx, subject) if subject is not None else None
    if speaker is not None:
        return speaker
    if subject is not None:
        described = _described_subject(ctx, subject)  # "Spanish media reports that “...”"
        if described is not None:
            return described
    doc = ctx.doc
    relative = [c for c in verb.children if c.dep_ == "nsubj" and c.lower_ in ("who", "which")]
    if relative and relative[0].i > 0:
        before = doc[relative[0].i - 1]
        if before.is_punct and before.i > 0:
            before = doc[before.i - 1]
        if before.dep_ == "pobj" and before.head.lower_ == "of":
            owner = before.head.head
            if owner.lower_ == "one" or owner.lemma_.lower() in lex.SPEAKER_NOUNS:
                before = owner
        speaker = _speaker_from_token(ctx, before)
        if speaker is not None:
            return speaker
    root = verb.sent.root
    if root.i != verb.i and root.pos_ in ("VERB", "AUX") and subject is None:
        root_subject = _subject_of(root)
        if root_subject is not None and root_subject.i < verb.i:
            return _speaker_from_token(ctx, root_subject)
    return None


def _subject_of(verb: Token, depth: int = 0) -> Token | None:
    """The speaking subject of ``verb``, following relative clauses and shared subjects.

    "one of the workers, who stated:" -> "one"; "X published a post stating:" -> X;
    "X arrived and said:" -> X.
    """
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            if child.lower_ in ("who", "which", "that") and verb.dep_ == "relcl":
                head = verb.head
                if head.dep_ == "pobj" and head.head.lower_ == "of":
                    owner = head.head.head  # "one of the workers, who said" / "a member of the team, who said"
                    if owner.lower_ == "one" or owner.lemma_.lower() in lex.SPEAKER_NOUNS:
                        return owner
                return head
            return child
    if depth < 3 and verb.dep_ == "pcomp" and verb.head.lower_ == "as" and verb.head.head.i != verb.head.i:
        return _subject_of(verb.head.head, depth + 1)  # "X was quoted as saying ..." -> X
    if depth < 3 and verb.dep_ in ("conj", "xcomp", "advcl", "acl") and verb.head.i != verb.i:
        head = verb.head
        if verb.dep_ == "acl":
            # "published a post on their page stating:" -> climb to the verb governing "post"
            for _ in range(4):
                if head.pos_ in ("VERB", "AUX") or head.head.i == head.i:
                    break
                head = head.head
            if head.pos_ not in ("VERB", "AUX"):
                return None
        return _subject_of(head, depth + 1)
    return None


# ---------------------------------------------------------------------------
# Cue detection
# ---------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _source_matcher(vocab: Vocab) -> AnchoredMatcher:
    """"according to": run only near the phrases' words (:class:`AnchoredMatcher`)."""
    return AnchoredMatcher(vocab, {"SOURCE": [[{"LOWER": w} for w in phrase] for phrase in lex.SOURCE_PHRASES]},
                           anchor_words={word for phrase in lex.SOURCE_PHRASES for word in phrase})


def _reported_speech_verbs(doc: Doc) -> list[int]:
    """Indices of the verbs that may report speech (lemma in ``INDIRECT_VERBS``), in text order.

    What a one-node ``DependencyMatcher`` on ``{"LEMMA": {"IN": ...}, "POS": "VERB"}`` finds
    (``tests/test_speed_equivalence.py``), read from token arrays.
    """
    if not len(doc):
        return []
    attrs = doc.to_array([POS, LEMMA])
    strings = doc.vocab.strings
    return [i for i in np.flatnonzero(attrs[:, 0] == VERB).tolist()
            if strings[int(attrs[i, 1])] in lex.INDIRECT_VERBS]


def _cue_text(verb: Token) -> str:
    """The cue as written, with its particle: "said", "told", "called on", "urging"."""
    lemma = verb.lemma_.lower()
    particles = lex.PHRASAL_CUES.get(lemma)
    if particles:
        for child in verb.children:
            if child.lower_ in particles and child.dep_ in ("prep", "prt"):
                return f"{verb.text} {child.text}"
    return verb.text


def _is_speech_verb(token: Token) -> bool:
    lemma = token.lemma_.lower()
    if lemma not in lex.SPEECH_VERBS or token.pos_ not in ("VERB", "AUX"):
        return False
    particles = lex.PHRASAL_CUES.get(lemma)
    return not particles or any(c.lower_ in particles for c in token.children)


@dataclass
class _Attribution:
    speaker: Speaker | None
    cue: str
    confidence: float
    kind: str = "direct"
    span: tuple[int, int] | None = None  # a mixed quote's reported clause (else the quoted span)


def _tokens_between(doc: Doc, start_char: int, end_char: int) -> Span | None:
    if end_char <= start_char:
        return None
    span = doc.char_span(start_char, end_char, alignment_mode="expand")
    return span if span is not None and len(span) else None


def _attribute_after(ctx: _Context, q: QuoteSpan) -> _Attribution | None:
    """“Quote,” said Name. / “Quote,” Name said. / “Quote.” — Name, title"""
    if q.close is None:
        return None
    doc = ctx.doc
    p_end = ctx.paragraphs[q.para_last][1]
    window = _tokens_between(doc, q.close + 1, p_end)
    if window is None:
        return None
    tokens = [t for t in window[:WINDOW_TOKENS] if not t.is_space]
    # stop at the next opening quote mark
    nxt = ctx.next_open(q.close)
    if nxt is not None:
        tokens = [t for t in tokens if t.idx < nxt]
    if not tokens:
        return None
    if tokens[0].text in cues.DASHES:  # dash line
        rest = [t for t in tokens[1:] if t.text not in ".;"]
        if not rest:
            return None
        line = doc[rest[0].i : rest[-1].i + 1]
        comma = next((t.i for t in line if t.text == ","), line.end)
        name_span = doc[line.start : comma]
        if not name_span.text or not name_span.text[0].isupper():
            return None
        speaker = Speaker(_canonical(ctx, name_span), None, start=name_span.start_char, end=name_span.end_char)
        if comma < line.end - 1:
            speaker.role, speaker.org = _split_role_org(ctx, doc[comma + 1 : line.end])
        label = next((e.label for e in _entities_in(ctx, name_span.start_char, name_span.start_char + 1)), None)
        speaker.type = _speaker_type(ctx, speaker.name or "", label, speaker.role)
        return _Attribution(speaker, "—", CONF_DASH)
    content_tail = ctx.text[max(q.start, q.end - 1) : q.end]
    lead = tokens[0].text
    if not (content_tail in ",.!?…—–-:" or lead in (",", "—", "–")):
        return None
    for t in tokens:
        if t.text in ".!?;" and t.i > tokens[0].i:
            break
        if _is_speech_verb(t):
            subject = _subject_of(t)
            if subject is None or subject.i < tokens[0].i:
                return None
            clause_end = max(t.i, subject.right_edge.i) + 1
            if clause_end < len(doc) and doc[clause_end].text == ":":
                return None  # "He added:" introduces the next quote
            speaker = _speaker_from_token(ctx, subject)
            clause = _embedding_clause(ctx, q)
            if clause is not None:  # "... while conditions “are not yet in place”, as X stated."
                return _Attribution(speaker, _cue_text(t), CONF_MIXED, kind="mixed", span=clause)
            return _Attribution(speaker, _cue_text(t), CONF_CUE_NAMED)
        if t.pos_ == "VERB" or t.i - tokens[0].i > AFTER_CUE_MAX_TOKENS:
            return None
    return None


def _embedding_clause(ctx: _Context, q: QuoteSpan) -> tuple[int, int] | None:
    """The clause a quoted fragment is part of, when the fragment runs on from plain text.

    A quote that opens its sentence, or follows ":", "," or a speech verb, stands alone
    (direct); one that continues the words before it ("while conditions “are not yet in
    place”") is a fragment of a reported clause (mixed): that clause, with the fragment.
    """
    doc = ctx.doc
    fragment = doc.char_span(q.start, q.end, alignment_mode="expand")
    opening = doc.char_span(q.open, q.open + 1, alignment_mode="expand")
    if fragment is None or opening is None or opening.start == 0:
        return None
    before = doc[opening.start - 1]
    if (opening[0].sent.start == opening.start or before.text in (":", ",", "—", "–", "-", "(")
            or before.is_space or _is_speech_verb(before) or before.sent.start != opening[0].sent.start):
        return None
    node = fragment.root
    for _ in range(WINDOW_TOKENS):
        if node.pos_ in ("VERB", "AUX") and any(c.dep_ in ("nsubj", "nsubjpass") for c in node.children):
            clause = doc[node.left_edge.i : node.right_edge.i + 1]
            if clause.start < fragment.start and clause.end >= fragment.end:
                return _trim_clause(clause)
        if node.head.i == node.i:
            return None
        node = node.head
    return None


def _attribute_before(ctx: _Context, q: QuoteSpan, window_start: int) -> _Attribution | None:
    """Name said: “Quote.” / Name said “Quote” / “A,” she said, “B.” / mixed quotes."""
    doc = ctx.doc
    window = _tokens_between(doc, window_start, q.open)
    if window is None:
        return None
    tokens = [t for t in window if not t.is_space and t.idx < q.open]
    if not tokens:
        return None
    # the sentence of the token right before the opening mark
    last = tokens[-1]
    sent_start = max(last.sent.start, tokens[0].i, last.i - WINDOW_TOKENS)
    tokens = [t for t in tokens if t.i >= sent_start]
    introduced = last.text in (":", ",") or _is_speech_verb(last)
    if any(t.lemma_.lower() in lex.TEXT_CARRIER_NOUNS for t in tokens[-TEXT_CARRIER_WINDOW:]):
        return _Attribution(None, "", CONF_NO_SPEAKER, kind="text")  # "a sign reading: “...”"
    verbs = [t for t in tokens if _is_speech_verb(t) and not ctx.inside_quote(t.idx)]
    source = _according_to(tokens)
    if verbs:
        verb = verbs[-1]
        if _written_on_an_object(verb):
            return _Attribution(None, _cue_text(verb), CONF_NO_SPEAKER, kind="text")
        speaker = _speaker_for_verb(ctx, verb)
        if introduced:
            return _Attribution(speaker, _cue_text(verb), CONF_CUE_NAMED)
        # quote embedded in the reported clause: mixed; the record spans the whole clause
        first = doc.char_span(q.start, q.end, alignment_mode="expand")
        clause = _clause_under(verb, first[0]) if first is not None else None
        # a verbless fragment ("deeply concerned") is the speaker's words only inside a reported
        # clause ("said the agency was “deeply concerned”") or an "as" description, and only when
        # someone speaks: "the government declared the region “safe”" is a scare quote
        verbless_ok = (clause is not None and speaker is not None and speaker.name is not None
                       and any(t.pos_ in ("VERB", "AUX") and not (first.start <= t.i < first.end) for t in clause)
                       and len(clause) > len(first) + 1)
        if clause is not None and (_has_verb(first) or verbless_ok):
            span = _trim_clause(clause)
            if span is not None and _only_quote(ctx.text[span[0] : span[1]]) == _only_quote(ctx.text[q.start : q.end]):
                return _Attribution(speaker, _cue_text(verb), CONF_CUE_NAMED)  # "reports that “<all of it>”"
            if span is not None:
                return _Attribution(speaker, _cue_text(verb), CONF_MIXED, kind="mixed", span=span)
        return None
    statement = _statement_intro(ctx, tokens)
    if statement is not None:
        return statement
    if source is not None and (introduced or last.i == source.right_edge.i):
        # "according to X, “...”" / "According to Greek media “ More than ... ”"
        return _Attribution(_speaker_from_source(ctx, source), "according to", CONF_ACCORDING_TO)
    if last.text == ":":
        return _colon_intro(ctx, tokens)
    return None


def _only_quote(text: str) -> str:
    """Text without quote marks, spaces and final punctuation, to compare a clause and a quote."""
    return "".join(ch for ch in text if ch.isalnum())


def _written_on_an_object(verb: Token) -> bool:
    """ "a sign next to the door saying “...”", "a card reading: “...”": text on an object
    (`TEXT_CARRIER_NOUNS`), shown in a photo or video, not someone's words."""
    carrier = verb.head if verb.dep_ in ("acl", "relcl") else _subject_of(verb)
    return carrier is not None and carrier.lemma_.lower() in lex.TEXT_CARRIER_NOUNS


def _statement_intro(ctx: _Context, tokens: list[Token]) -> _Attribution | None:
    """ "X released a statement that “...”" / "X issued a letter:" — X, the statement's author."""
    tail = [t for t in tokens[-3:] if not t.is_space]
    if not tail or tail[-1].lower_ not in ("that", ":", ","):
        return None
    nouns = [t for t in tail[:-1] if t.lemma_.lower() in lex.STATEMENT_NOUNS and t.pos_ == "NOUN"]
    if not nouns:
        return None
    head = nouns[-1].head
    if head.pos_ not in ("VERB", "AUX"):
        return None
    speaker = _speaker_for_verb(ctx, head)
    if speaker is None or speaker.name is None:
        return None
    return _Attribution(speaker, _cue_text(head), CONF_CUE_NAMED)


def _clause_under(verb: Token, token: Token) -> Span | None:
    """The subtree of the child of ``verb`` that dominates ``token`` (the reported clause)."""
    node = token
    for _ in range(WINDOW_TOKENS):
        if node.head.i == verb.i:  # Token objects are views: compare indexes, not identity
            if node.dep_ in ("nsubj", "nsubjpass", "punct", "aux", "neg"):
                return None
            return verb.doc[node.left_edge.i : node.right_edge.i + 1]
        if node.head.i == node.i:
            return None
        node = node.head
    return None


def _trim_clause(span: Span) -> tuple[int, int] | None:
    """Character span of a reported clause without "that", leading or final punctuation
    (a closing quote mark ending the clause stays)."""
    first, last = span.start, span.end - 1
    doc = span.doc
    while first <= last and (doc[first].is_space or doc[first].dep_ == "mark"
                             or (doc[first].is_punct and doc[first].text not in cues.QUOTE_PAIRS)):
        first += 1
    while last >= first and (doc[last].is_space or (doc[last].is_punct and doc[last].text not in "”’\"»")):
        last -= 1
    if last < first:
        return None
    return doc[first].idx, doc[last].idx + len(doc[last])


def _colon_intro(ctx: _Context, tokens: list[Token]) -> _Attribution | None:
    """A clause ending in ':' without a speech verb: its subject or first name speaks;
    "According to Lovin Malta:" gives the source."""
    doc = ctx.doc
    source = _according_to(tokens)
    if source is not None:
        speaker = _speaker_from_source(ctx, source)
        if speaker is not None:
            return _Attribution(speaker, "according to", CONF_ACCORDING_TO)
    root = tokens[-1].sent.root
    subject = _subject_of(root) if root.pos_ in ("VERB", "AUX") else None
    if subject is not None and subject.i >= tokens[0].i:
        speaker = _speaker_from_token(ctx, subject)
        if speaker:
            return _Attribution(speaker, ":", CONF_PREV_PARAGRAPH_CUE)
    first = tokens[0]
    if first.pos_ == "PROPN":
        chain_end = first.i
        while chain_end + 1 < len(doc) and doc[chain_end + 1].pos_ == "PROPN":
            chain_end += 1
        speaker = _speaker_from_token(ctx, doc[chain_end])
        if speaker:
            return _Attribution(speaker, ":", CONF_PREV_PARAGRAPH_CUE)
    return None


def _according_to(tokens: list[Token]) -> Token | None:
    """The object of "according to" among ``tokens``, if any."""
    for a, b in zip(tokens, tokens[1:]):
        if a.lower_ == "according" and b.lower_ == "to":
            pobj = [c for c in b.children if c.dep_ == "pobj"]
            return pobj[0] if pobj else None
    return None


def _speaker_from_source(ctx: _Context, pobj: Token) -> Speaker | None:
    if pobj.pos_ == "NOUN" and (pobj.lemma_.lower() in lex.SOURCE_DOCUMENT_NOUNS
                                or pobj.lower_ in lex.SOURCE_DOCUMENT_NOUNS):
        # "figures compiled by the SNHR", "UNHCR's latest data", "our documentation"
        for token in _author_candidates(pobj):
            if token.lower_ in lex.FIRST_PERSON_PLURAL or (
                    token.pos_ == "PROPN" and not (token.dep_ == "compound" and token.head.pos_ == "PROPN")
                    and _label_of(ctx, token) in ("PERSON", "ORG")):
                return _speaker_from_token(ctx, token)
            if token.dep_ == "pobj" and token.head.lower_ in ("by", "from") and token.pos_ == "NOUN":
                # "a statement issued by the army" -> "the army"
                return _speaker_from_token(ctx, token) or _described(ctx, token)
        return None  # a document with no named author is not a speaker
    speaker = _speaker_from_token(ctx, pobj)
    if speaker is None and pobj.pos_ == "NOUN":
        speaker = _described(ctx, pobj)
    return speaker


def _author_candidates(document_noun: Token):
    """Tokens that can name a document's author: its possessor, modifiers and the objects of
    "by"/"from"/"of", not places or times ("figures from hospitals in El Fasher")."""
    for child in document_noun.children:
        if child.dep_ == "prep" and child.lower_ not in ("by", "from", "of"):
            continue
        yield child
        yield from _author_candidates(child)


def _described(ctx: _Context, noun: Token) -> Speaker:
    """An unnamed speaker described by a noun phrase ("aid workers", "the army")."""
    desc = ctx.doc[noun.left_edge.i : noun.i + 1]
    return Speaker(desc.text, "UNNAMED", start=desc.start_char, end=desc.end_char, penalty=PENALTY_UNNAMED)


def _canonical(ctx: _Context, span: Span) -> str:
    for ent in _entities_in(ctx, span.start_char, span.end_char):
        return ent.canonical
    return span.text


# ---------------------------------------------------------------------------
# Term filter
# ---------------------------------------------------------------------------


def _is_statement(ctx: _Context, q: QuoteSpan) -> bool:
    """Does the quoted span read like speech (a clause) rather than a term or a title?"""
    span = _tokens_between(ctx.doc, q.start, q.end)
    if span is None:
        return False
    words = [t for t in span[: WINDOW_TOKENS * 4] if not (t.is_punct or t.is_space)]
    if len(words) <= TERM_MAX_TOKENS:
        return False
    if not any(t.pos_ in ("VERB", "AUX") for t in words):
        return False
    capitalised = sum(1 for t in words if t.text[:1].isupper())
    return capitalised / len(words) < 0.6  # title case: a report or film title


def _has_verb(span: Span) -> bool:
    return any(t.pos_ in ("VERB", "AUX") for t in span[:WINDOW_TOKENS])


def _is_title(ctx: _Context, q: QuoteSpan) -> bool:
    before = ctx.text[max(0, q.open - 30) : q.open].split()
    return bool(before) and before[-1].lower().strip(",:") in lex.TITLE_CUES


def _is_heading(ctx: _Context, p_index: int) -> bool:
    start, end = ctx.paragraphs[p_index]
    text = ctx.text[start:end]
    return is_heading(text)


def _is_headline(ctx: _Context, p_index: int) -> bool:
    """A line that does not end as a sentence does (a title, a heading, a quoted headline)."""
    start, end = ctx.paragraphs[p_index]
    return not ends_as_sentence(ctx.text[start:end])


def _has_person_mention(ctx: _Context, start: int, end: int) -> bool:
    i = bisect.bisect_left(ctx.entity_starts, start)
    while i < len(ctx.entities) and ctx.entities[i].start < end:
        if ctx.entities[i].label == "PERSON":
            return True
        i += 1
    return False


# ---------------------------------------------------------------------------
# Paragraph-level attribution
# ---------------------------------------------------------------------------


def _attribute_from_previous_paragraph(ctx: _Context, q: QuoteSpan) -> _Attribution | None:
    """A quote opening its paragraph, introduced by the paragraph before.

    ``X said:`` (colon intro) or a last sentence whose verb is a speech verb with a
    speaker subject ("X highlighted the impact ...").
    """
    if q.para_first == 0 or _is_heading(ctx, q.para_first - 1):
        return None
    p_start, p_end = ctx.paragraphs[q.para_first - 1]
    if q.para_first - 1 in ctx.quoted_paragraphs:
        # the previous paragraph holds a quote: floating, unless it ends "... X provided a thread:"
        last_close = max((s.close for s in ctx.quote_spans
                          if s.close is not None and p_start <= s.close < p_end), default=None)
        if last_close is None or ctx.text[p_end - 1] != ":" or ctx.inside_quote(p_end - 1):
            return None
        p_start = last_close + 1
    window = _tokens_between(ctx.doc, p_start, p_end)
    if window is None:
        return None
    last_sent = window[-1].sent
    tokens = [t for t in ctx.doc[max(last_sent.start, window.start) : window.end] if not t.is_space]
    if not tokens:
        return None
    if tokens[-1].text == ":":
        verbs = [t for t in tokens if _is_speech_verb(t)]
        if verbs:
            speaker = _speaker_for_verb(ctx, verbs[-1])
            if speaker is not None:
                return _Attribution(speaker, _cue_text(verbs[-1]), CONF_PREV_PARAGRAPH_CUE)
        return _colon_intro(ctx, tokens)
    root = last_sent.root
    if _is_speech_verb(root):
        subject = _subject_of(root)
        speaker = _speaker_from_token(ctx, subject) if subject is not None else None
        if speaker is not None and speaker.type in ("PERSON", "ORG", "UNNAMED"):
            return _Attribution(speaker, _cue_text(root), CONF_PRECEDING_SPEECH_CLAUSE)
    return None


def _attribute_previous_sentence(ctx: _Context, q: QuoteSpan) -> _Attribution | None:
    """“Quote” opening a sentence right after "X says that ..." in the same paragraph: X."""
    doc = ctx.doc
    opening = doc.char_span(q.open, q.open + 1, alignment_mode="expand")
    if opening is None or opening.start == 0:
        return None
    sent = opening[0].sent
    if sent.start != opening.start or sent.start == 0:
        return None  # the quote must open its sentence
    previous = doc[sent.start - 1].sent
    if "\n" in ctx.text[previous.end_char - 1 : q.open] or ctx.next_open(previous.start_char - 1) != q.open:
        return None  # another paragraph, or the previous sentence holds a quote of its own
    verbs = [t for t in previous if _is_speech_verb(t)]
    if not verbs:
        source = _according_to(list(previous))  # "According to X, ... . “Quote.”"
        speaker = _speaker_from_source(ctx, source) if source is not None else None
        if speaker is None or speaker.name is None:
            return None
        return _Attribution(speaker, "according to", CONF_PRECEDING_SPEECH_CLAUSE)
    speaker = _speaker_for_verb(ctx, verbs[0])
    if speaker is None or speaker.type not in ("PERSON", "ORG", "UNNAMED"):
        return None
    return _Attribution(speaker, _cue_text(verbs[0]), CONF_PRECEDING_SPEECH_CLAUSE)


def _inherit(ctx: _Context, q: QuoteSpan, previous: list[tuple[QuoteSpan, Quote]]) -> _Attribution | None:
    """A floating quote paragraph takes the speaker of the quote just before it."""
    if not previous:
        return None
    prev_span, prev_quote = previous[-1]
    if prev_quote.speaker is None or prev_quote.kind != "direct":
        return None
    gap = range(prev_span.para_last + 1, q.para_first)
    if len(gap) > FLOATING_MAX_GAP:
        return None
    for p in gap:
        if _is_heading(ctx, p) or _has_person_mention(ctx, *ctx.paragraphs[p]):
            return None
    speaker = Speaker(
        prev_quote.speaker, prev_quote.speaker_type, prev_quote.speaker_role, prev_quote.speaker_org,
        prev_quote.speaker_start, prev_quote.speaker_end,
    )
    conf = CONF_FLOATING if not gap else CONF_FLOATING_GAP
    return _Attribution(speaker, prev_quote.cue or "", conf)


# ---------------------------------------------------------------------------
# Reported speech
# ---------------------------------------------------------------------------


def _indirect_quotes(ctx: _Context) -> list[tuple[Quote, tuple[int, int]]]:
    """Reported speech records ("X said that ...", "X urged Y to ...", "according to X")."""
    doc = ctx.doc
    out: list[tuple[Quote, tuple[int, int]]] = []
    for verb_i in _reported_speech_verbs(doc):
        verb = doc[verb_i]
        if ctx.inside_quote(verb.idx):
            continue
        trailing = _trailing_attribution(ctx, verb)
        # the subject, also of a participle ("..., warning that ...") or a conjunct verb
        subject = trailing[2] if trailing else _subject_of(verb)
        if subject is None or (subject.dep_ == "nsubjpass" and verb.lemma_.lower() in ("tell", "ask")):
            continue  # "His father was told": the listener, not the speaker
        if subject.dep_ == "nsubjpass" and subject.lower_ == "it":
            continue  # "It was claimed that ...": nobody is named
        lemma = verb.lemma_.lower()
        allowed = lex.INDIRECT_VERBS[lemma]
        particles = lex.PHRASAL_CUES.get(lemma)
        if particles and not any(c.lower_ in particles for c in verb.children):
            continue
        if lemma in lex.FIRST_PERSON_NON_CUES and subject.lower_ in lex.FIRST_PERSON_PLURAL:
            continue
        if lex.CHARACTERISING.get(lemma) in {c.lower_ for c in verb.children if c.dep_ == "prep"} and not any(
                c.dep_ == "ccomp" for c in verb.children):
            continue
        # a ccomp must be a clause: "declared the region “safe”" (an adjective) reports no speech
        parts = [] if trailing else [c for c in verb.children if c.dep_ in allowed
                                     and (c.dep_ != "ccomp" or c.pos_ != "ADJ"
                                          or any(m.dep_ == "mark" for m in c.children))
                                     and not c.lower_.endswith(("self", "selves"))]  # "describes itself"
        clauses = [c for c in parts if c.dep_ == "ccomp"]
        if len(clauses) > 1:  # "said A, a figure others agree is B": the parse's second ccomp
            parts = [c for c in parts if c.dep_ != "ccomp" or c.i == clauses[0].i]
        prepositions = set(particles or ()) | set(lex.INDIRECT_PREPOSITIONS.get(lemma, ()))
        for c in verb.children:
            if c.lower_ in prepositions and c.dep_ in ("prep", "prt") and not trailing:
                parts += [g for g in c.children if g.dep_ == "pobj"]
        if not parts and not trailing:
            # "X calls on:" + a list of addressees and demands
            colon = [c.i + 1 if doc[c.i + 1].text == ":" else c.i for c in verb.children
                     if c.lower_ in prepositions and c.i + 1 < len(doc)]
            if colon and _list_end(ctx, colon[0]) > colon[0]:
                parts = [doc[colon[0]]]
        split = trailing[:2] if trailing else (None if parts else _split_off_clause(ctx, verb))
        if not parts and split is None:
            continue
        speaker = _speaker_from_token(ctx, subject) or _described_subject(ctx, subject)
        if speaker is None or speaker.type is None:
            continue
        if split is not None:
            first, last = split
        else:
            first = min(p.left_edge.i for p in parts)
            last = max(p.right_edge.i for p in parts)
            # "called on states ..., to stop ...": the rest of the verb's arguments after the first,
            # not a second cue with reported content of its own (", warning that ...")
            if verb.i < first:  # the cue comes first: "X called on ... , to ..."
                later = [c.right_edge.i for c in verb.children
                         if c.i > first and c.dep_ in ("advcl", "xcomp", "ccomp", "dobj", "prep", "oprd")
                         and c.lemma_.lower() not in lex.INDIRECT_VERBS]
                last = max([last] + later)
        out.append(_reported(ctx, first, last, speaker, _cue_text(verb), CONF_INDIRECT))
    for match_id, start, end in _source_matcher(doc.vocab)(doc):
        if doc.vocab.strings[match_id] != "SOURCE" or ctx.inside_quote(doc[start].idx):
            continue
        to = doc[end - 1]
        pobj = [c for c in to.children if c.dep_ == "pobj"]
        if not pobj:
            continue
        source_end = pobj[0].i
        ent = _entity_at(ctx, pobj[0])
        # the source phrase: the name (entity or noun phrase) plus an acronym in brackets
        edge = pobj[0].right_edge.i
        if edge - pobj[0].i <= 15 and edge + 1 < len(doc) and doc[edge + 1].text == ",":
            source_end = edge  # "according to X, role of Org, ..."
        elif ent is not None:
            source_end = max(source_end, doc.char_span(ent.start, ent.end, alignment_mode="expand").end - 1)
        else:
            source_end = max(source_end, _phrase_to_comma(pobj[0]).end - 1)
        if source_end + 3 < len(doc) and doc[source_end + 1].text == "(" and doc[source_end + 3].text == ")":
            source_end += 3
        speaker = _speaker_from_source(ctx, pobj[0])
        if speaker is None:
            continue
        sent = doc[start].sent
        left = (sent.start, start - 1)
        right = (source_end + 1, sent.end - 1)
        first, last = max(left, right, key=lambda r: r[1] - r[0])
        if last < first:
            continue
        out.append(_reported(ctx, first, last, speaker, "according to", CONF_ACCORDING_TO))
    return [item for item in out if item is not None]


def _trailing_attribution(ctx: _Context, verb: Token) -> tuple[int, int, Token] | None:
    return _trailing_attribution_in(ctx.doc, ctx.text, verb)


def _trailing_attribution_in(doc: Doc, text: str, verb: Token) -> tuple[int, int, Token] | None:
    """"<reported clause>, <speaker> said (today)." when the parse did not link them.

    Returns (first, last) tokens of the clause and the speaker token. The verb must end its
    sentence (only adverbs, dates or a prepositional phrase after it) and be preceded by
    ", <noun phrase>" with nothing else between.
    """
    if any(c.dep_ in ("ccomp", "dobj", "xcomp", "attr", "oprd") for c in verb.children):
        return None  # the parse already links the clause, or the verb has its own object
    sent = verb.sent
    after = [t for t in doc[verb.i + 1 : sent.end] if not t.is_space]
    if not after or after[-1].text not in ".!?" or len(after) > TRAILING_TAIL_TOKENS:
        return None
    k = verb.i - 1
    while k > sent.start and doc[k].text != "," and verb.i - k <= TRAILING_MAX_TOKENS:
        token = doc[k]
        if not (token.pos_ in ("PROPN", "NOUN", "DET", "ADJ", "PRON", "NUM") or token.text in "()'’-"
                or token.dep_ == "case"):
            return None
        k -= 1
    if doc[k].text != "," or k - 1 <= sent.start or k == verb.i - 1:
        return None
    np = doc[k + 1 : verb.i]
    head = np.root
    if head.pos_ not in ("PROPN", "NOUN", "PRON"):
        return None
    return sent.start, k - 1, head


def _split_off_clause(ctx: _Context, verb: Token) -> tuple[int, int] | None:
    """Token range of the reported clause the parser cut off as a sentence of its own.

    "The decision ... loved ones, the Forum said today." is sometimes parsed as two sentences,
    the second opening with the comma; the first is then what the speaker said.
    """
    sent = verb.sent
    if sent.start == 0 or sent[0].text != "," or verb.i - sent.start > WINDOW_TOKENS // 2:
        return None
    previous = ctx.doc[sent.start - 1].sent
    if "\n" in ctx.text[previous.end_char - 1 : sent.start_char + 1]:
        return None  # never across a paragraph break
    return previous.start, previous.end - 1


def _list_end(ctx: _Context, last: int) -> int:
    """Extend a reported clause ending in ':' over the list paragraphs that follow it.

    "X calls on states to:" + "- release ...;" + "- disclose ...": the demands are the content.
    Returns the index of the last token of the list (``last`` when there is no list).
    """
    doc = ctx.doc
    nxt = last
    while nxt > 0 and doc[nxt].is_space:
        nxt -= 1  # the clause may already run to the colon and the line break
    if doc[nxt].text != ":":
        nxt = last + 1
        while nxt < len(doc) and (doc[nxt].is_space or (doc[nxt].lower_ == "to" and nxt == last + 1)):
            nxt += 1  # "calls on states to:" - the infinitive marker is left dangling by the parse
    if nxt >= len(doc):
        return last
    if doc[nxt].text != ":" and not doc[nxt].lower_ in ("on", "to"):
        return last  # a list follows "... to:" or a bare "We call on"
    colon_end = doc[nxt].idx + len(doc[nxt])
    p = bisect.bisect_right([start for start, _ in ctx.paragraphs], colon_end - 1) - 1
    if p < 0 or ctx.paragraphs[p][1] != colon_end:
        return last  # the colon does not end its paragraph
    end_char = None
    for start, end in ctx.paragraphs[p + 1 :]:
        line = ctx.text[start:end]
        if not (line.startswith(cues.LIST_MARKERS) or line[:1].islower()):
            break
        end_char = end
    if end_char is None:
        return last
    span = doc.char_span(colon_end, end_char, alignment_mode="contract")
    return span.end - 1 if span is not None and len(span) else last


def _reported(ctx: _Context, first: int, last: int, speaker: Speaker, cue: str, conf: float):
    doc = ctx.doc
    last = _list_end(ctx, last)
    while first <= last and (doc[first].is_punct or doc[first].is_space or doc[first].dep_ == "mark"):
        first += 1
    while last >= first and (doc[last].is_punct or doc[last].is_space):
        last -= 1
    if last - first + 1 < MIN_REPORTED_TOKENS or not any(
            t.pos_ in ("NOUN", "PROPN", "VERB", "NUM") for t in doc[first : last + 1]):
        return None  # "said so", "and we're": too short to be reported content
    span = doc[first : last + 1]
    quote = Quote(
        quote_id="", kind="indirect", start=span.start_char, end=span.end_char, text=span.text,
        speaker=speaker.name, speaker_type=speaker.type, speaker_role=speaker.role,
        speaker_org=speaker.org, speaker_start=speaker.start, speaker_end=speaker.end,
        cue=cue, confidence=round(max(0.05, conf - speaker.penalty), 2),
    )
    return quote, (span.start_char, span.end_char)


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------


def _nested_quotes(ctx: _Context, outer_spans: list[QuoteSpan]) -> list[Quote]:
    """Quotes inside a quoted block that carry their own cue.

    A digest quoting a news report that itself quotes someone ("‘I felt so alone,’ she tells
    TV 2.") holds a second speaker; a nested quote with no cue (a term, a title) is not kept.
    """
    nested: list[Quote] = []
    for outer in outer_spans:
        for p_index in range(outer.para_first, outer.para_last + 1):
            p_start, p_end = ctx.paragraphs[p_index]
            seg_start, seg_end = max(p_start, outer.start), min(p_end, outer.end)
            if seg_end - seg_start < 3:
                continue
            pairs, _ = _scan_paragraph(ctx.text, seg_start, seg_end)
            for open_at, close_at in pairs:
                if close_at is None:
                    continue
                inner = QuoteSpan(open_at, _content_start(ctx.text, open_at + 1),
                                  _content_end(ctx.text, close_at), close_at, p_index, p_index)
                attribution = _attribute_after(ctx, inner)
                if attribution is None or attribution.speaker is None or attribution.speaker.name is None:
                    continue
                speaker = attribution.speaker
                start, end = attribution.span or (inner.start, inner.end)
                nested.append(Quote(
                    quote_id="", kind=attribution.kind, start=start, end=end, text=ctx.text[start:end],
                    speaker=speaker.name, speaker_type=speaker.type, speaker_role=speaker.role,
                    speaker_org=speaker.org, speaker_start=speaker.start, speaker_end=speaker.end,
                    cue=attribution.cue or None,
                    confidence=round(max(0.05, attribution.confidence - speaker.penalty - PENALTY_NESTED), 2),
                ))
    return nested


def guess_publisher(doc: Doc, entities: list[Entity]) -> str | None:
    """The publishing organisation when the metadata does not name it, for "we"/"our".

    An "About (the) X" section names it; otherwise the first organisation that speaks ("X said
    today", "X calls on") in the opening paragraphs of the release.
    """
    text = doc_text(doc)
    orgs = {e.canonical.lower(): e.canonical for e in entities if e.label == "ORG"}
    paragraphs = paragraph_spans(text)
    for start, end in paragraphs:
        line = text[start:end]
        if line.startswith("About ") and is_heading(line):
            name = _strip_det(line[len("About "):])
            if name.lower() in orgs:
                return orgs[name.lower()]
    opening = paragraphs[:PUBLISHER_PARAGRAPHS]
    limit = opening[-1][1] if opening else 0
    for token in doc:
        if token.idx >= limit:
            break
        subject = None
        if token.dep_ == "nsubj" and (_is_speech_verb(token.head) or token.head.lemma_.lower() in lex.INDIRECT_VERBS):
            subject = token
        elif token.pos_ == "VERB" and token.lemma_.lower() in lex.INDIRECT_VERBS:
            trailing = _trailing_attribution_in(doc, text, token)  # "..., the CRRN said today."
            subject = trailing[2] if trailing else None
        if subject is not None:
            ent = next((e for e in entities if e.start <= subject.idx < e.end), None)
            if ent is not None and ent.label == "ORG" and " " in ent.canonical:
                return ent.canonical
    return None


def _introduces_quote(ctx: _Context, end: int) -> bool:
    """Whether a reported clause ending at ``end`` is followed by ':' and a quote mark."""
    rest = ctx.text[end : end + 6].lstrip()
    if not rest.startswith(":"):
        return False
    after = rest[1:].lstrip() or ctx.text[end : end + 12].split(":", 1)[-1].lstrip()
    return after[:1] in cues.QUOTE_PAIRS


def _overlaps_emitted(emitted: list[tuple[int, int]], starts: list[int], start: int, end: int,
                      strict: bool = False) -> bool:
    """Whether direct/mixed records cover more than half of [start, end) (any of it if ``strict``).

    A long list of demands with one quoted fragment in its last item stays a record of its own;
    an "according to X, “...”" sentence is the quote's attribution, not a second record.
    """
    i = bisect.bisect_left(starts, end)
    covered = sum(max(0, min(e_end, end) - max(e_start, start)) for e_start, e_end in emitted[max(0, i - 8): i])
    return covered > 0 if strict else 2 * covered > end - start


def _expand_acronym_speakers(ctx: _Context, quotes: list[Quote]) -> None:
    """An acronym speaker ("AI said", "SNHR documented") takes the full name it abbreviates: the
    publisher's, else that of the one organisation of the document with those initials, so the
    same speaker has one name across documents."""
    full_names: dict[str, set[str]] = {}
    for entity in ctx.entities:
        if entity.label == "ORG" and " " in entity.canonical:
            full_names.setdefault(acronym(entity.canonical), set()).add(entity.canonical)
    publisher = ctx.organisation
    for quote in quotes:
        name = quote.speaker
        if not name or " " in name or len(name) < 2 or not name.isupper():
            continue
        if publisher and " " in publisher and acronym(publisher) == name:
            quote.speaker = publisher
        elif len(full_names.get(name, ())) == 1:
            (quote.speaker,) = full_names[name]


def extract_quotes(doc: Doc, entities: list[Entity], organisation: str | None = None) -> list[Quote]:
    """Direct, mixed and indirect quotes of ``doc`` with their speakers.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        Parsed normalised text (from :func:`pipeline.nlp.load_nlp`).
    entities : list of Entity
        Named entities of the document; ``canonical`` maps short forms to full names.
        When empty, ``doc.ents`` are used with ``canonical`` equal to their text.
    organisation : str, optional
        Publishing organisation: the speaker for "we"/"our".

    Returns
    -------
    list of Quote
        Ordered by ``start`` with ids ``q1, q2, ...``; ``doc.text[q.start:q.end] == q.text``.
    """
    if not entities:
        entities = [Entity(e.start_char, e.end_char, e.text, e.label_, e.text) for e in doc.ents]
    entities = sorted(entities, key=lambda e: e.start)
    text = doc_text(doc)
    organisation = organisation or guess_publisher(doc, entities)
    ctx = _Context(
        doc=doc,
        text=text,
        entities=entities,
        organisation=organisation,
        quote_spans=find_quote_spans(text),
        paragraphs=paragraph_spans(text),
        entity_starts=[e.start for e in entities],
        person_labels={e.canonical for e in entities if e.label == "PERSON"},
    )
    ctx.quote_opens = [s.open for s in ctx.quote_spans]
    ctx.quoted_paragraphs = {p for s in ctx.quote_spans for p in range(s.para_first, s.para_last + 1)}
    _collect_person_mentions(ctx)
    results: list[tuple[QuoteSpan, Quote]] = []
    window_start = 0
    for q in ctx.quote_spans:
        p_start = ctx.paragraphs[q.para_first][0]
        window_start = max(window_start, p_start)
        paragraph_initial = q.open == p_start
        attribution = _attribute_after(ctx, q) or _attribute_before(ctx, q, window_start)
        if attribution is None and paragraph_initial:
            attribution = _attribute_from_previous_paragraph(ctx, q) or _inherit(ctx, q, results)
        elif attribution is None and results and results[-1][0].para_last == q.para_first and _is_statement(ctx, q):
            attribution = _inherit(ctx, q, results)  # “A,” said X. “B.” in one paragraph
        if attribution is None and not paragraph_initial:
            attribution = _attribute_previous_sentence(ctx, q)
        window_start = (q.close + 1) if q.close is not None else ctx.paragraphs[q.para_last][1]
        if _is_headline(ctx, q.para_first) and (attribution is None or attribution.speaker is None):
            continue  # a headline quoting someone unnamed: the story, not a statement
        if attribution is not None and attribution.kind == "text":
            continue  # words on a sign or a card, not a statement
        if attribution is None:
            if not _is_statement(ctx, q) or _is_title(ctx, q):
                continue
            if not paragraph_initial and not text[q.start : q.end].rstrip().endswith(tuple(".!?…")):
                continue  # mid-sentence fragment with no cue: a term or a title
            attribution = _Attribution(None, "", CONF_NO_SPEAKER)
        speaker = attribution.speaker
        if speaker is None:
            conf = min(attribution.confidence, CONF_NO_SPEAKER) if attribution.cue else CONF_NO_SPEAKER
            speaker = Speaker(None, None)
        else:
            conf = attribution.confidence - speaker.penalty
            if speaker.name is None:
                conf -= PENALTY_UNKNOWN_SPEAKER
            _fill_from_earlier(ctx, speaker)
            ctx.speakers.append(speaker)
            if speaker.type in ("PERSON", "UNNAMED") and speaker.start is not None:
                ctx.add_mention(speaker.start, speaker, _speaker_gender(ctx, speaker))
        start, end = attribution.span or (q.start, q.end)
        if results and (results[-1][1].start, results[-1][1].end) == (start, end):
            continue  # a second quoted fragment of the same reported clause
        quote = Quote(
            quote_id="", kind=attribution.kind, start=start, end=end, text=text[start:end],
            speaker=speaker.name, speaker_type=speaker.type, speaker_role=speaker.role,
            speaker_org=speaker.org, speaker_start=speaker.start, speaker_end=speaker.end,
            cue=attribution.cue or None, confidence=round(max(0.05, min(1.0, conf)), 2),
        )
        results.append((q, quote))

    quotes = [quote for _, quote in results]
    quotes += _nested_quotes(ctx, [q for q, quote in results if quote.kind == "direct"])
    emitted = sorted((quote.start, quote.end) for quote in quotes)
    emitted_starts = [start for start, _ in emitted]
    paragraph_starts = [start for start, _ in ctx.paragraphs]
    taken_until = -1
    for quote, (start, end) in sorted(_indirect_quotes(ctx), key=lambda item: item[1]):
        if start < taken_until:
            continue  # overlaps an earlier reported clause
        if _is_headline(ctx, bisect.bisect_right(paragraph_starts, start) - 1):
            continue  # "..., families of the disappeared warn": a headline, not a statement
        if _introduces_quote(ctx, end):
            continue  # "X described the strike on 27 February:" + a quote: the topic of the quote
        if ctx.inside_quote(start) or _overlaps_emitted(emitted, emitted_starts, start, end,
                                                         strict=quote.cue == "according to"):
            continue  # the clause is mostly a quote reported as direct or mixed already
        inner = [e_start for e_start in emitted_starts if start < e_start < end]
        if inner:
            # "described how the strike hit his home: “It was ...”": the clause stops at the quote
            end = len(text[:inner[0] - 1].rstrip(" \n“\"‘'«:;,—–-"))
            if end - start < MIN_REPORTED_CHARS:
                continue
            quote = replace(quote, end=end, text=text[start:end])
        nxt = ctx.next_open(start - 1)
        if nxt is not None and nxt < end:
            quote.kind = "mixed"  # quoted words (kept as no record of their own) inside
        quotes.append(quote)
        taken_until = end
    _expand_acronym_speakers(ctx, quotes)
    quotes.sort(key=lambda r: (r.start, r.end))
    for n, quote in enumerate(quotes, 1):
        quote.quote_id = f"q{n}"
    return quotes
