"""Direct and mixed quotes: attributing each quoted span to its speaker.

The rules, tried in order for each span of :func:`~pipeline.extract.quotes.marks.find_quote_spans`
(:func:`direct_quotes`): a cue after the closing mark (“...,” said X), a cue before the opening
mark (X said: “...”; a fragment inside a reported clause makes a *mixed* quote), a dash line, a
colon or speech clause ending the previous paragraph, the speaker of the quote just before (a
floating quote paragraph), a speech verb in the previous sentence. Spans with no cue that are
short, verbless, title-cased or mid-sentence are terms and titles, not quotes. Quotes nested in
a quoted block with their own cue are found by :func:`nested_quotes`.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from pipeline import lexicon as lex
from pipeline.extract.attribution import (
    according_to,
    cue_text,
    is_speech_verb,
    subject_of,
)
from pipeline.extract.quotes.context import (
    CONF_ACCORDING_TO,
    CONF_CUE_NAMED,
    CONF_DASH,
    CONF_FLOATING,
    CONF_FLOATING_GAP,
    CONF_MIXED,
    CONF_NO_SPEAKER,
    CONF_PRECEDING_SPEECH_CLAUSE,
    CONF_PREV_PARAGRAPH_CUE,
    PENALTY_NESTED,
    PENALTY_UNKNOWN_SPEAKER,
    WINDOW_TOKENS,
    Context,
    Speaker,
    entities_in,
)
from pipeline.extract.quotes.coreference import fill_from_earlier, speaker_gender
from pipeline.extract.quotes.marks import (
    DASHES,
    QUOTE_PAIRS,
    QuoteSpan,
    content_end,
    content_start,
    mark_at,
    mark_width,
    scan_paragraph,
)
from pipeline.extract.quotes.speakers import (
    canonical,
    last_speaker_in,
    speaker_for_verb,
    speaker_from_source,
    speaker_from_token,
    speaker_type,
    split_role_org,
)
from pipeline.extract.quotes.titles import is_title_dot, not_a_speaker
from pipeline.extract.quotes.unclosed import apply_inner_cue, inner_cue, insert_span
from pipeline.layout import ends_as_sentence, is_heading
from pipeline.records import Quote

TERM_MAX_TOKENS = 4  # quoted spans this short with no cue are terms, not quotes


FLOATING_MAX_GAP = 1  # non-quote paragraphs a floating quote may skip back over


TEXT_CARRIER_WINDOW = 6  # "a sign next to the door saying “...”": words between carrier and mark


AFTER_CUE_MAX_TOKENS = 30  # “…,” Name, a long role at Org, told X: the verb may come late


@dataclass
class Attribution:
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


def attribute_after(ctx: Context, q: QuoteSpan) -> Attribution | None:
    """“Quote,” said Name. / “Quote,” Name said. / “Quote.” — Name, title"""
    if q.close is None:
        return None
    doc = ctx.doc
    p_end = ctx.paragraphs[q.para_last][1]
    window = _tokens_between(doc, q.close + mark_width(ctx.text, q.close), p_end)
    if window is None:
        return None
    tokens = [t for t in window[:WINDOW_TOKENS] if not t.is_space]
    # stop at the next opening quote mark
    nxt = ctx.next_open(q.close)
    if nxt is not None:
        tokens = [t for t in tokens if t.idx < nxt]
    if not tokens:
        return None
    if tokens[0].text in DASHES:  # dash line
        rest = [t for t in tokens[1:] if t.text not in ".;"]
        if not rest or rest[0].lower_ in lex.CREDIT_WORDS:
            return None  # "— Photo: John Smith": a credit, not a speaker
        line = doc[rest[0].i : rest[-1].i + 1]
        comma = next((t.i for t in line if t.text == ","), line.end)
        name_span = doc[line.start : comma]
        if not name_span.text or not name_span.text[0].isupper():
            return None
        speaker = Speaker(canonical(ctx, name_span), None, start=name_span.start_char, end=name_span.end_char)
        if comma < line.end - 1:
            speaker.role, speaker.org = split_role_org(ctx, doc[comma + 1 : line.end])
        label = next((e.label for e in entities_in(ctx, name_span.start_char, name_span.start_char + 1)), None)
        speaker.type = speaker_type(ctx, speaker.name or "", label, speaker.role)
        return Attribution(speaker, "—", CONF_DASH)
    content_tail = ctx.text[max(q.start, q.end - 1) : q.end]
    lead = tokens[0].text
    if not (content_tail in ",.!?…—–-:" or lead in (",", "—", "–")):
        return None
    for t in tokens:
        if t.text in ".!?;" and t.i > tokens[0].i and not is_title_dot(t):
            break
        if is_speech_verb(t):
            subject = subject_of(t)
            if subject is not None and subject.is_punct:  # the parser may take a closing » for it
                subject = next((c for c in t.children if c.dep_ == "nsubj" and not c.is_punct), None)
            if subject is None or subject.i < tokens[0].i:
                return None
            clause_end = max(t.i, subject.right_edge.i) + 1
            if clause_end < len(doc) and doc[clause_end].text == ":":
                return None  # "He added:" introduces the next quote
            speaker = speaker_from_token(ctx, subject)
            clause = _embedding_clause(ctx, q)
            if clause is not None:  # "... while conditions “are not yet in place”, as X stated."
                return Attribution(speaker, cue_text(t), CONF_MIXED, kind="mixed", span=clause)
            return Attribution(speaker, cue_text(t), CONF_CUE_NAMED)
        if (t.pos_ == "VERB" and t.dep_ != "amod") or t.i - tokens[0].i > AFTER_CUE_MAX_TOKENS:
            # ("a smiling Clinton said": a verb modifying the speaker is no other clause)
            return None
    return None


def _embedding_clause(ctx: Context, q: QuoteSpan) -> tuple[int, int] | None:
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
            or before.is_space or is_speech_verb(before) or before.sent.start != opening[0].sent.start):
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


def attribute_before(ctx: Context, q: QuoteSpan, window_start: int) -> Attribution | None:
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
    introduced = last.text in (":", ",") or is_speech_verb(last)
    if any(t.lemma_.lower() in lex.TEXT_CARRIER_NOUNS for t in tokens[-TEXT_CARRIER_WINDOW:]):
        return Attribution(None, "", CONF_NO_SPEAKER, kind="text")  # "a sign reading: “...”"
    verbs = [t for t in tokens if is_speech_verb(t) and not ctx.inside_quote(t.idx)]
    source = according_to(tokens)
    if verbs:
        verb = verbs[-1]
        if _written_on_an_object(verb):
            return Attribution(None, cue_text(verb), CONF_NO_SPEAKER, kind="text")
        speaker = speaker_for_verb(ctx, verb)
        if introduced:
            return Attribution(speaker, cue_text(verb), CONF_CUE_NAMED)
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
                return Attribution(speaker, cue_text(verb), CONF_CUE_NAMED)  # "reports that “<all of it>”"
            if span is not None:
                return Attribution(speaker, cue_text(verb), CONF_MIXED, kind="mixed", span=span)
        return None
    statement = _statement_intro(ctx, tokens)
    if statement is not None:
        return statement
    if source is not None and (introduced or last.i == source.right_edge.i):
        # "according to X, “...”" / "According to Greek media “ More than ... ”"
        return Attribution(speaker_from_source(ctx, source), "according to", CONF_ACCORDING_TO)
    if last.text == ":":
        return _colon_intro(ctx, tokens)
    return None


def _only_quote(text: str) -> str:
    """Text without quote marks, spaces and final punctuation, to compare a clause and a quote."""
    return "".join(ch for ch in text if ch.isalnum())


def _written_on_an_object(verb: Token) -> bool:
    """ "a sign next to the door saying “...”", "a card reading: “...”": text on an object
    (`TEXT_CARRIER_NOUNS`), shown in a photo or video, not someone's words."""
    carrier = verb.head if verb.dep_ in ("acl", "relcl") else subject_of(verb)
    return carrier is not None and carrier.lemma_.lower() in lex.TEXT_CARRIER_NOUNS


def _statement_intro(ctx: Context, tokens: list[Token]) -> Attribution | None:
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
    speaker = speaker_for_verb(ctx, head)
    if speaker is None or speaker.name is None:
        return None
    return Attribution(speaker, cue_text(head), CONF_CUE_NAMED)


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
                             or (doc[first].is_punct and doc[first].text not in QUOTE_PAIRS)):
        first += 1
    while last >= first and (doc[last].is_space or (doc[last].is_punct and doc[last].text not in "”’\"»")):
        last -= 1
    if last < first:
        return None
    return doc[first].idx, doc[last].idx + len(doc[last])


def _colon_intro(ctx: Context, tokens: list[Token]) -> Attribution | None:
    """A clause ending in ':' without a speech verb: its subject or first name speaks;
    "According to Lovin Malta:" gives the source."""
    doc = ctx.doc
    source = according_to(tokens)
    if source is not None:
        speaker = speaker_from_source(ctx, source)
        if speaker is not None:
            return Attribution(speaker, "according to", CONF_ACCORDING_TO)
    root = tokens[-1].sent.root
    subject = subject_of(root) if root.pos_ in ("VERB", "AUX") else None
    if subject is not None and subject.i >= tokens[0].i and not not_a_speaker(ctx, subject):
        speaker = speaker_from_token(ctx, subject)
        if speaker:
            return Attribution(speaker, ":", CONF_PREV_PARAGRAPH_CUE)
    first = tokens[0]
    if first.pos_ == "PROPN":
        chain_end = first.i
        while chain_end + 1 < len(doc) and doc[chain_end + 1].pos_ == "PROPN":
            chain_end += 1
        if not_a_speaker(ctx, doc[chain_end]):
            return None  # "Closing Remarks:", "Aleppo:": a heading or a place
        speaker = speaker_from_token(ctx, doc[chain_end])
        if speaker:
            return Attribution(speaker, ":", CONF_PREV_PARAGRAPH_CUE)
    return None


def is_statement(ctx: Context, q: QuoteSpan) -> bool:
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


def is_title(ctx: Context, q: QuoteSpan) -> bool:
    before = ctx.text[max(0, q.open - 30) : q.open].split()
    return bool(before) and before[-1].lower().strip(",:") in lex.TITLE_CUES


def _is_heading(ctx: Context, p_index: int) -> bool:
    start, end = ctx.paragraphs[p_index]
    text = ctx.text[start:end]
    return is_heading(text)


def is_headline(ctx: Context, p_index: int) -> bool:
    """A line that does not end as a sentence does (a title, a heading, a quoted headline)."""
    start, end = ctx.paragraphs[p_index]
    return not ends_as_sentence(ctx.text[start:end])


def _has_person_mention(ctx: Context, start: int, end: int) -> bool:
    i = bisect.bisect_left(ctx.entity_starts, start)
    while i < len(ctx.entities) and ctx.entities[i].start < end:
        if ctx.entities[i].label == "PERSON":
            return True
        i += 1
    return False


def attribute_from_previous_paragraph(ctx: Context, q: QuoteSpan) -> Attribution | None:
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
        p_start = last_close + mark_width(ctx.text, last_close)
    window = _tokens_between(ctx.doc, p_start, p_end)
    if window is None:
        return None
    last_sent = window[-1].sent
    tokens = [t for t in ctx.doc[max(last_sent.start, window.start) : window.end] if not t.is_space]
    if not tokens:
        return None
    if tokens[-1].text == ":":
        verbs = [t for t in tokens if is_speech_verb(t)]
        if verbs:
            speaker = speaker_for_verb(ctx, verbs[-1])
            if speaker is not None:
                return Attribution(speaker, cue_text(verbs[-1]), CONF_PREV_PARAGRAPH_CUE)
        return _colon_intro(ctx, tokens)
    root = last_sent.root
    start, end = ctx.paragraphs[q.para_first]
    if is_heading(ctx.text[start:end].strip("“”‘’\"'«» ")):
        return None  # a quoted heading (“The heartache of victory”) after "X said." is not X's
    if is_speech_verb(root):
        subject = subject_of(root)
        speaker = speaker_from_token(ctx, subject) if subject is not None else None
        if speaker is not None and speaker.type in ("PERSON", "ORG", "UNNAMED"):
            return Attribution(speaker, cue_text(root), CONF_PRECEDING_SPEECH_CLAUSE)
    found = last_speaker_in(ctx, p_start, p_end)
    if found is not None:  # "X said ... . He met Y." + a quote paragraph
        return Attribution(found[0], cue_text(found[1]), CONF_FLOATING)
    return None


def attribute_previous_sentence(ctx: Context, q: QuoteSpan) -> Attribution | None:
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
    verbs = [t for t in previous if is_speech_verb(t)]
    if not verbs:
        source = according_to(list(previous))  # "According to X, ... . “Quote.”"
        speaker = speaker_from_source(ctx, source) if source is not None else None
        if speaker is None or speaker.name is None:
            return None
        return Attribution(speaker, "according to", CONF_PRECEDING_SPEECH_CLAUSE)
    speaker = speaker_for_verb(ctx, verbs[0])
    if speaker is None or speaker.type not in ("PERSON", "ORG", "UNNAMED"):
        return None
    return Attribution(speaker, cue_text(verbs[0]), CONF_PRECEDING_SPEECH_CLAUSE)


def inherit(ctx: Context, q: QuoteSpan, previous: list[tuple[QuoteSpan, Quote]]) -> Attribution | None:
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
    return Attribution(speaker, prev_quote.cue or "", conf)


def nested_quotes(ctx: Context, outer_spans: list[QuoteSpan]) -> list[Quote]:
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
            pairs, _ = scan_paragraph(ctx.text, seg_start, seg_end)
            for open_at, close_at in pairs:
                if close_at is None:
                    continue
                inner = QuoteSpan(open_at, content_start(ctx.text, open_at + mark_width(ctx.text, open_at)),
                                  content_end(ctx.text, close_at), close_at, p_index, p_index)
                attribution = attribute_after(ctx, inner)
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


def split_new_speaker(ctx: Context, q: QuoteSpan, window_start: int,
                      previous: list[tuple[QuoteSpan, Quote]]) -> None:
    """ "X said: “A / “B,” said Y.": cut a multi-paragraph quote before its last paragraph when
    that opens with a mark and has its own cue, and the paragraphs before have a speaker of their
    own by another name; the last paragraph's quote is entered in ``ctx`` after ``q``.
    "“A / “B,” said Y." stays one quote of Y."""
    text, last_start = ctx.text, ctx.paragraphs[q.para_last][0]
    if q.close is None or q.para_last == q.para_first or mark_at(text, last_start) not in QUOTE_PAIRS:
        return  # one paragraph, or a block quote whose last paragraph opens with no mark
    tail = QuoteSpan(last_start, content_start(text, last_start + mark_width(text, last_start)),
                     q.end, q.close, q.para_last, q.para_last)
    head = QuoteSpan(q.open, q.start, content_end(text, ctx.paragraphs[q.para_last - 1][1]),
                     None, q.para_first, q.para_last - 1)
    tail_cue = attribute_after(ctx, tail)
    if tail_cue is None or tail_cue.speaker is None or tail_cue.speaker.name is None:
        return
    head_cue = attribute_before(ctx, head, window_start)
    if head_cue is None and q.open == ctx.paragraphs[q.para_first][0]:
        head_cue = attribute_from_previous_paragraph(ctx, head)
    if head_cue is None and previous and previous[-1][0].para_last == q.para_first:
        head_cue = inherit(ctx, head, previous)  # “A,” said X. “B … / “C,” said Y.
    if head_cue is None or head_cue.speaker is None or head_cue.speaker.name in (None, tail_cue.speaker.name):
        return
    insert_span(ctx, q, tail)
    q.end, q.close, q.para_last = head.end, None, head.para_last


def direct_quotes(ctx: Context) -> list[tuple[QuoteSpan, Quote]]:
    """Every quoted span that is speech, with its attribution, in text order.

    Each span is attributed by the first rule that fires: a cue after the closing mark, then
    before the opening mark, a colon or speech clause ending the previous paragraph, the speaker
    of the quote before (a floating quote), a speech verb in the previous sentence. Spans with no
    cue that are short, verbless, titles or mid-sentence fragments are terms, not quotes.
    """
    text = ctx.text
    results: list[tuple[QuoteSpan, Quote]] = []
    window_start = 0
    k = 0
    while k < len(ctx.quote_spans):  # split_new_speaker may add the span after this one
        q = ctx.quote_spans[k]
        k += 1
        p_start = ctx.paragraphs[q.para_first][0]
        window_start = max(window_start, p_start)
        split_new_speaker(ctx, q, window_start, results)
        paragraph_initial = q.open == p_start
        cue = inner_cue(ctx, q)  # “A, said X. (closing mark missing)
        if cue is not None:
            apply_inner_cue(ctx, q, cue)
            attribution = Attribution(speaker_from_token(ctx, cue.subject), cue_text(cue.verb), CONF_CUE_NAMED)
        else:
            attribution = attribute_after(ctx, q) or attribute_before(ctx, q, window_start)
        if attribution is None and paragraph_initial:
            attribution = attribute_from_previous_paragraph(ctx, q) or inherit(ctx, q, results)
        elif attribution is None and results and results[-1][0].para_last == q.para_first and is_statement(ctx, q):
            attribution = inherit(ctx, q, results)  # “A,” said X. “B.” in one paragraph
        if attribution is None and not paragraph_initial:
            attribution = attribute_previous_sentence(ctx, q)
        window_start = (q.close + mark_width(text, q.close)) if q.close is not None else ctx.paragraphs[q.para_last][1]
        if is_headline(ctx, q.para_first) and (attribution is None or attribution.speaker is None):
            continue  # a headline quoting someone unnamed: the story, not a statement
        if attribution is not None and attribution.kind == "text":
            continue  # words on a sign or a card, not a statement
        if attribution is None:
            if not is_statement(ctx, q) or is_title(ctx, q):
                continue
            if not paragraph_initial and not text[q.start : q.end].rstrip().endswith(tuple(".!?…")):
                continue  # mid-sentence fragment with no cue: a term or a title
            attribution = Attribution(None, "", CONF_NO_SPEAKER)
        speaker = attribution.speaker
        if speaker is None:
            conf = min(attribution.confidence, CONF_NO_SPEAKER) if attribution.cue else CONF_NO_SPEAKER
            speaker = Speaker(None, None)
        else:
            conf = attribution.confidence - speaker.penalty
            if speaker.name is None:
                conf -= PENALTY_UNKNOWN_SPEAKER
            fill_from_earlier(ctx, speaker)
            ctx.speakers.append(speaker)
            if speaker.type in ("PERSON", "UNNAMED") and speaker.start is not None:
                ctx.add_mention(speaker.start, speaker, speaker_gender(ctx, speaker))
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
    return results

