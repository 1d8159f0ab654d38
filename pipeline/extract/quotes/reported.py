"""Reported speech: "X said that ...", "X urged Y to ...", "..., X said.", "A, he says, B",
"the report found that ...", "according to X, ...".

Cue verbs (:data:`pipeline.lexicon.INDIRECT_VERBS`, with the dependency labels of what they may
report; findings verbs of courts and reports among them) and their subjects give the records
(documents as speakers: :mod:`pipeline.extract.quotes.documents`); a clause the parser cut off as
a sentence of its own, a list of demands after "calls on ... to:", a trailing attribution and a
cue set off inside its clause are recovered.
:func:`add_reported_speech` keeps those that are not already direct or mixed quotes.
"""
from __future__ import annotations

import bisect
from dataclasses import replace

from spacy.tokens import Doc, Token

from pipeline import lexicon as lex
from pipeline.extract.attribution import (
    cue_text,
    reported_speech_verbs,
    source_matcher,
    subject_of,
)
from pipeline.extract.quotes.context import (
    CONF_ACCORDING_TO,
    CONF_INDIRECT,
    PENALTY_UNNAMED,
    WINDOW_TOKENS,
    Context,
    Speaker,
    entity_at,
)
from pipeline.extract.quotes.direct import is_headline
from pipeline.extract.quotes.documents import (
    according_to_source,
    document_speaker,
    is_document_noun,
)
from pipeline.extract.quotes.marks import LIST_MARKERS, QUOTE_PAIRS
from pipeline.extract.quotes.speakers import (
    described_subject,
    phrase_to_comma,
    speaker_from_source,
    speaker_from_token,
)
from pipeline.records import Quote

TRAILING_MAX_TOKENS = 12  # "..., the Forum said today." : longest speaker phrase


TRAILING_TAIL_TOKENS = 6  # ... and words after the verb ("today", "in a statement", ".")


TRAILING_LONG_TAIL_TOKENS = 20  # ... or more, when they only say where and when it was said


MIN_REPORTED_TOKENS = 2  # shortest reported content kept ("condemned the readmission")


HEADLINE_CUES = ("says", "say", "tells", "tell")  # "Witness says ...": the cue of a news headline


HEADLINE_MAX_WORDS = 40  # a longer paragraph is text, whatever its last line looks like


CLAUSE_CUES = ("said", "says", "say", "stated", "states", "told", "tells", "warned", "warns", "added", "adds")


NOBODY = ("none", "nobody", "nothing", "noone")


MIN_REPORTED_CHARS = 8  # ... and in characters, once cut before a quote it introduces


def indirect_quotes(ctx: Context) -> list[tuple[Quote, tuple[int, int]]]:
    """Reported speech records ("X said that ...", "X urged Y to ...", "according to X")."""
    doc = ctx.doc
    out: list[tuple[Quote, tuple[int, int]]] = []
    for verb_i in reported_speech_verbs(doc):
        verb = doc[verb_i]
        if ctx.inside_quote(verb.idx):
            continue
        # "Most of these children, she said, are in the camp" / "..., Gibson testified."
        trailing = _inserted_cue(ctx, verb) or _trailing_attribution(ctx, verb)
        # the subject, also of a participle ("..., warning that ...") or a conjunct verb
        subject = trailing[2] if trailing else subject_of(verb)
        if not trailing and verb.dep_ == "acl" and verb.head.pos_ == "NOUN" and subject is not None \
                and subject.i != verb.head.i and not is_document_noun(verb.head, lex.SOURCE_DOCUMENT_NOUNS
                                                                      | lex.SPEAKING_DOCUMENT_NOUNS | lex.STATEMENT_NOUNS):
            if verb.head.lemma_.lower() not in lex.SPEAKER_NOUNS:
                continue  # "force against people calling for the release of ...": a description
            if not any(c.dep_ in lex.INDIRECT_VERBS[verb.lemma_.lower()] for c in verb.children):
                continue  # "a journalist reporting from Homs": no reported content of its own
            subject = verb.head  # "a witness saying that ..."
        if subject is None or (subject.dep_ == "nsubjpass" and verb.lemma_.lower() in ("tell", "ask")):
            continue  # "His father was told": the listener, not the speaker
        if subject.lower_ in NOBODY:
            continue  # "Reported killed: None reported": no speaker
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
        # a ccomp must be a clause: "declared the region “safe”" (an adjective) reports no speech,
        # nor does a name the parse hung as a clause ("a journalist reporting from Homs, Rami …")
        parts = [] if trailing else [c for c in verb.children if c.dep_ in allowed
                                     and (c.dep_ != "ccomp" or c.pos_ not in ("ADJ", "PROPN")
                                          or any(m.dep_ == "mark" for m in c.children))
                                     and not c.lower_.endswith(("self", "selves"))  # "describes itself"
                                     and not any(m.lower_ == "whether" for m in c.children if m.dep_ == "mark")]
        # ("determines whether it violates the rules": a question, not a finding)
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
        speaker = (document_speaker(ctx, subject) or _capitalised_noun(ctx, subject)
                   or speaker_from_token(ctx, subject) or described_subject(ctx, subject)
                   or _unnamed_body(ctx, subject))
        if speaker is None or speaker.type is None:
            continue
        if speaker.type == "DOCUMENT" and lemma in lex.EVIDENCE_VERBS:
            continue  # "internal documents reveal that ...": evidence, not a statement
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
        out.append(_reported(ctx, first, last, speaker, cue_text(verb), CONF_INDIRECT))
    for match_id, start, end in source_matcher(doc.vocab)(doc):
        if doc.vocab.strings[match_id] != "SOURCE" or ctx.inside_quote(doc[start].idx):
            continue
        to = doc[end - 1]
        pobj = [c for c in to.children if c.dep_ == "pobj"]
        if not pobj:
            continue
        source_end = pobj[0].i
        ent = entity_at(ctx, pobj[0])
        # the source phrase: the name (entity or noun phrase) plus an acronym in brackets
        edge = pobj[0].right_edge.i
        if edge - pobj[0].i <= 15 and edge + 1 < len(doc) and doc[edge + 1].text == ",":
            source_end = edge  # "according to X, role of Org, ..."
        elif ent is not None:
            source_end = max(source_end, doc.char_span(ent.start, ent.end, alignment_mode="expand").end - 1)
        else:
            source_end = max(source_end, phrase_to_comma(pobj[0]).end - 1)
        if source_end + 3 < len(doc) and doc[source_end + 1].text == "(" and doc[source_end + 3].text == ")":
            source_end += 3
        # "according to the first reports from the ground": a document with no author speaks
        if is_document_noun(pobj[0], lex.SOURCE_DOCUMENT_NOUNS | lex.SPEAKING_DOCUMENT_NOUNS):
            speaker = according_to_source(ctx, pobj[0])
        else:
            evidence = [t for t in pobj[0].lefts if t.dep_ == "compound"] + [pobj[0]]
            if any(t.pos_ == "NOUN" and t.lemma_.lower() in lex.EVIDENCE_NOUNS for t in evidence):
                continue  # "according to video film taken at the time": evidence, no speaker
            speaker = speaker_from_source(ctx, pobj[0])
        if speaker is None:
            continue
        sent = doc[start].sent
        if sent.root.lemma_.lower() in lex.INDIRECT_VERBS and any(c.dep_ == "ccomp" for c in sent.root.children):
            continue  # "X reveal that ..., according to the summons": the cue verb's record
        left = (sent.start, start - 1)
        right = (source_end + 1, sent.end - 1)
        first, last = max(left, right, key=lambda r: r[1] - r[0])
        if last < first:
            continue
        out.append(_reported(ctx, first, last, speaker, "according to", CONF_ACCORDING_TO))
    return [item for item in out if item is not None]


def _capitalised_noun(ctx: Context, subject: Token) -> Speaker | None:
    """ "Witness says ..." (a headline): a speaker noun tagged as a name is an unnamed speaker."""
    if subject.pos_ != "PROPN" or subject.lower_ not in lex.SPEAKER_NOUNS or entity_at(ctx, subject) is not None:
        return None
    if any(t.pos_ == "PROPN" for t in subject.subtree if t.i != subject.i):
        return None  # "Witness Ahmad Ali"
    desc = ctx.doc[subject.left_edge.i : subject.i + 1]
    return Speaker(desc.text, "UNNAMED", start=desc.start_char, end=desc.end_char, penalty=PENALTY_UNNAMED)


def _unnamed_body(ctx: Context, subject: Token) -> Speaker | None:
    """ "a fact-finding mission which in August concluded that": a body described, not named."""
    if subject.pos_ != "NOUN" or subject.lemma_.lower() not in lex.SPEAKING_BODY_NOUNS:
        return None
    desc = ctx.doc[subject.left_edge.i : subject.i + 1]
    return Speaker(desc.text, "UNNAMED", start=desc.start_char, end=desc.end_char, penalty=PENALTY_UNNAMED)


def _inserted_cue(ctx: Context, verb: Token) -> tuple[int, int, Token] | None:
    """"<content>, he says, <content>": a cue set off by commas inside the reported clause.

    The parser hangs such a cue on the clause as ``parataxis``. Returns the (first, last) tokens
    of the clause, the cue included (it is part of the sentence as written), and the speaker
    token; None unless there is reported content on both sides of the cue.
    """
    if verb.dep_ != "parataxis" or any(c.dep_ in ("ccomp", "dobj", "xcomp", "attr") for c in verb.children):
        return None
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None or verb.lemma_.lower() not in lex.INDIRECT_VERBS:
        return None
    doc = ctx.doc
    left, right = verb.left_edge.i, verb.right_edge.i
    if doc[left].text not in ",—–" and (left == 0 or doc[left - 1].text not in ",—–"):
        return None  # not set off from the clause
    clause = verb.head
    first, last = clause.left_edge.i, clause.right_edge.i
    before = [t for t in doc[first:left] if t.is_alpha]
    after = [t for t in doc[right + 1 : last + 1] if t.is_alpha]
    if len(before) < MIN_REPORTED_TOKENS or not after:
        return None
    return first, last, subject


def _trailing_attribution(ctx: Context, verb: Token) -> tuple[int, int, Token] | None:
    return trailing_attribution_in(ctx.doc, ctx.text, verb)


def trailing_attribution_in(doc: Doc, text: str, verb: Token) -> tuple[int, int, Token] | None:
    """"<reported clause>, <speaker> said (today)." when the parse did not link them.

    Returns (first, last) tokens of the clause and the speaker token. The verb must end its
    sentence (only adverbs, dates or a prepositional phrase after it) and be preceded by
    ", <noun phrase>" with nothing else between.
    """
    if any(c.dep_ in ("ccomp", "dobj", "xcomp", "attr", "oprd") for c in verb.children):
        return None  # the parse already links the clause, or the verb has its own object
    sent = verb.sent
    after = [t for t in doc[verb.i + 1 : sent.end] if not t.is_space]
    if not after or after[-1].text not in ".!?" or len(after) > TRAILING_LONG_TAIL_TOKENS:
        return None
    if len(after) > TRAILING_TAIL_TOKENS and (len(after) < 2 or verb.right_edge.i < after[-2].i or not all(
            c.dep_ in ("prep", "advmod", "npadvmod", "punct") or (c.dep_ == "advcl" and c.tag_ == "VBN")
            for c in verb.rights)):
        return None  # a longer tail only of where and when: "said in its report “…”, published today."
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


def _split_off_clause(ctx: Context, verb: Token) -> tuple[int, int] | None:
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


def _list_end(ctx: Context, last: int) -> int:
    """Extend a reported clause ending in ':' over the list paragraphs that follow it.

    "X calls on states to:" + "- release ...;" + "- disclose ...": the demands are the content.
    Returns the index of the last token of the list (``last`` when there is no list).
    """
    doc = ctx.doc
    nxt = last
    while nxt > 0 and doc[nxt].is_space:
        nxt -= 1  # the clause may already run to the colon and the line break
    if doc[nxt].text != ":" and doc[nxt].lower_ not in ("on", "to"):
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
        if not (line.startswith(LIST_MARKERS) or line[:1].islower()):
            break
        end_char = end
    if end_char is None:
        return last
    span = doc.char_span(colon_end, end_char, alignment_mode="contract")
    return span.end - 1 if span is not None and len(span) else last


def _reported(ctx: Context, first: int, last: int, speaker: Speaker, cue: str, conf: float):
    doc = ctx.doc
    last = _list_end(ctx, last)
    while first <= last and (doc[first].is_punct or doc[first].is_space or doc[first].dep_ == "mark"
                             or (doc[first].dep_ in ("prt", "prep") and first + 1 <= last and doc[first + 1].is_space)):
        first += 1  # ("We call on" + a list: the particle of the cue is not content)
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


def _in_headline(ctx: Context, p_index: int) -> bool:
    """A short line that does not end as a sentence; a long paragraph of a report that ends in
    a page footer ("..., Amnesty International Report 2012") and a list item are no headline."""
    start, end = ctx.paragraphs[p_index]
    if ctx.text.startswith(LIST_MARKERS, start):
        return False  # an item of a list of demands
    return is_headline(ctx, p_index) and ctx.text.count(" ", start, end) < HEADLINE_MAX_WORDS


def introduces_quote(ctx: Context, end: int) -> bool:
    """Whether a reported clause ending at ``end`` is followed by ':' and a quote mark."""
    rest = ctx.text[end : end + 6].lstrip()
    if not rest.startswith(":"):
        return False
    after = rest[1:].lstrip() or ctx.text[end : end + 12].split(":", 1)[-1].lstrip()
    return after[:1] in QUOTE_PAIRS


def overlaps_emitted(emitted: list[tuple[int, int]], starts: list[int], start: int, end: int,
                      strict: bool = False) -> bool:
    """Whether direct/mixed records cover more than half of [start, end) (any of it if ``strict``).

    A long list of demands with one quoted fragment in its last item stays a record of its own;
    an "according to X, “...”" sentence is the quote's attribution, not a second record.
    """
    i = bisect.bisect_left(starts, end)
    covered = sum(max(0, min(e_end, end) - max(e_start, start)) for e_start, e_end in emitted[max(0, i - 8): i])
    return covered > 0 if strict else 2 * covered > end - start


def add_reported_speech(ctx: Context, quotes: list[Quote]) -> None:
    """Append to ``quotes`` the reported speech that is not already a direct or mixed quote.

    A reported clause is dropped when it overlaps an earlier one, sits in a headline, introduces
    a quote (its topic), or is mostly covered by direct quotes; it is cut before a quote it
    runs into, and is ``mixed`` when quoted words remain inside it.
    """
    text = ctx.text
    emitted = sorted((quote.start, quote.end) for quote in quotes)
    emitted_starts = [start for start, _ in emitted]
    paragraph_starts = [start for start, _ in ctx.paragraphs]
    taken_until = -1
    # of two records of one clause, the cue verb's wins over "according to" (its document)
    for quote, (start, end) in sorted(indirect_quotes(ctx), key=lambda item: (item[1], item[0].cue == "according to")):
        if start < taken_until:
            continue  # overlaps an earlier reported clause
        if _in_headline(ctx, bisect.bisect_right(paragraph_starts, start) - 1) and not (
                quote.cue.lower() in HEADLINE_CUES and quote.speaker_start is not None
                and quote.speaker_start >= ctx.paragraphs[bisect.bisect_right(paragraph_starts, start) - 1][0]):
            continue  # "..., families of the disappeared warn": a headline, not a statement
            # ("Witness says water surged inland": a headline that says who says it is kept)
        if introduces_quote(ctx, end) and quote.cue.lower() not in CLAUSE_CUES:
            continue  # "X described the strike on 27 February:" + a quote: the topic of the quote
            # ("X said the crossing was used as a bargaining chip:" + a quote: a statement of its own)
        if ctx.inside_quote(start) or overlaps_emitted(emitted, emitted_starts, start, end,
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
