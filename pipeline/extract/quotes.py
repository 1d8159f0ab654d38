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
4. Reported speech is found with a ``DependencyMatcher`` over the cue verbs.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from spacy.matcher import DependencyMatcher, Matcher
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from pipeline.extract import quote_cues as cues
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

TERM_MAX_TOKENS = 4  # quoted spans this short with no cue are terms, not quotes
WINDOW_TOKENS = 40  # attribution windows are bounded: linear time on pathological input
LOOKBACK = 100  # earlier speakers / entities searched when resolving a mention
FLOATING_MAX_GAP = 1  # non-quote paragraphs a floating quote may skip back over
HEADING_MAX_WORDS = 14
MIN_REPORTED_TOKENS = 3  # shortest reported clause kept as an indirect quote


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


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line of ``text``, whitespace-trimmed."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        lead = len(line) - len(line.lstrip())
        trail = len(line.rstrip())
        if trail > lead:
            spans.append((match.start() + lead, match.start() + trail))
    return spans


def _can_open(text: str, i: int, p_start: int, p_end: int) -> bool:
    mark = text[i]
    prev = text[i - 1] if i > p_start else " "
    nxt = text[i + 1] if i + 1 < p_end else ""
    if not nxt or nxt.isspace():
        return False
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


def _scan_paragraph(text: str, p_start: int, p_end: int) -> tuple[list[tuple[int, int | None]], bool]:
    """Pair marks in one paragraph; returns (open, close) pairs and whether the last is unclosed.

    One pass, plus at most one re-scan when an unclosed single quote must be given up.
    """
    pairs: list[tuple[int, int | None]] = []
    i, allow_single = p_start, True
    while True:
        open_at, opener = None, ""
        while i < p_end:
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
    for p_index, (p_start, p_end) in enumerate(paragraphs):
        pairs, unclosed = _scan_paragraph(text, p_start, p_end)
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
    if words & cues.ORG_NAME_WORDS:
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
    # cut at the first comma: what follows describes the organisation, not the person
    cut = next((t.i for t in phrase if t.text in (",", "(", ";")), phrase.end)
    tokens = [t for t in tokens if t.i < cut]
    if not tokens:
        return None, None
    for t in tokens:
        if t.lower_ in cues.ORG_PREPOSITIONS and t.i + 1 < cut:
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
        if propn and any(w.lower_ in cues.ORG_NAME_WORDS for w in propn):
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
        if child.dep_ == "prep" and child.lower_ in cues.ORG_PREPOSITIONS and speaker.org is None:
            pobj = [c for c in child.children if c.dep_ == "pobj"]
            if pobj and pobj[0].pos_ == "PROPN":
                speaker.org = _strip_det(_phrase_to_comma(pobj[0]).text)
        elif child.dep_ == "appos":
            if child.lemma_.lower() in cues.GROUP_NOUNS and speaker.org is not None:
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
        if ent.label == "PERSON" and " " in ent.canonical and ent.canonical.split()[-1] == surname:
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


def _speaker_from_token(ctx: _Context, token: Token) -> Speaker | None:
    """Resolve the subject of a cue verb to a speaker."""
    lower = token.lower_
    if token.pos_ == "PRON" or lower in cues.PERSON_PRONOUNS | cues.GROUP_PRONOUNS | cues.FIRST_PERSON_PLURAL:
        if lower in cues.FIRST_PERSON_PLURAL:
            if ctx.organisation:
                return Speaker(ctx.organisation, "ORG", start=token.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
            return None
        want = "PERSON" if lower in cues.PERSON_PRONOUNS else "ORG" if lower in cues.GROUP_PRONOUNS else None
        if want is None:
            return None
        found = _most_recent(ctx, token.idx, want)
        if found is None:
            return None
        return replace(found, start=token.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
    if token.lower_ == "one" or token.pos_ == "NUM":  # "one of the survivors"
        of = [c for c in token.children if c.lower_ == "of"]
        pobj = [g for c in of for g in c.children if g.dep_ == "pobj"]
        if pobj and pobj[0].lemma_.lower() in cues.SPEAKER_NOUNS:
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
        if " " not in name:
            name = _full_name(ctx, name, start)
        name = _strip_det(name)
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
    if token.pos_ == "NOUN":
        lemma = token.lemma_.lower()
        if lemma in cues.GROUP_NOUNS and any(c.lower_ in ("the", "this") for c in token.lefts):
            found = _most_recent(ctx, token.idx, "ORG")
            if found:
                return replace(found, start=token.left_edge.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
        if lemma in cues.SPEAKER_NOUNS:
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
    speaker = _speaker_from_token(ctx, subject) if subject is not None else None
    if speaker is not None:
        return speaker
    doc = ctx.doc
    relative = [c for c in verb.children if c.dep_ == "nsubj" and c.lower_ in ("who", "which")]
    if relative and relative[0].i > 0:
        before = doc[relative[0].i - 1]
        if before.is_punct and before.i > 0:
            before = doc[before.i - 1]
        if before.dep_ == "pobj" and before.head.lower_ == "of":
            owner = before.head.head
            if owner.lower_ == "one" or owner.lemma_.lower() in cues.SPEAKER_NOUNS:
                before = owner
        speaker = _speaker_from_token(ctx, before)
        if speaker is not None:
            return speaker
    root = verb.sent.root
    if root is not verb and root.pos_ in ("VERB", "AUX") and subject is None:
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
                    if owner.lower_ == "one" or owner.lemma_.lower() in cues.SPEAKER_NOUNS:
                        return owner
                return head
            return child
    if depth < 3 and verb.dep_ in ("conj", "xcomp", "advcl", "acl") and verb.head is not verb:
        head = verb.head
        if verb.dep_ == "acl":
            # "published a post on their page stating:" -> climb to the verb governing "post"
            for _ in range(4):
                if head.pos_ in ("VERB", "AUX") or head.head is head:
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
def _matchers(vocab: Vocab) -> tuple[Matcher, DependencyMatcher]:
    matcher = Matcher(vocab)
    matcher.add("SPEECH", [[{"LEMMA": {"IN": sorted(cues.SPEECH_VERBS)}, "POS": {"IN": ["VERB", "AUX"]}}]])
    matcher.add("SOURCE", [[{"LOWER": w} for w in phrase] for phrase in cues.SOURCE_PHRASES])
    dep = DependencyMatcher(vocab)
    dep.add(
        "REPORTED",
        [
            [
                {"RIGHT_ID": "verb", "RIGHT_ATTRS": {"LEMMA": {"IN": sorted(cues.INDIRECT_VERBS)}, "POS": "VERB"}},
                {"LEFT_ID": "verb", "REL_OP": ">", "RIGHT_ID": "subject", "RIGHT_ATTRS": {"DEP": "nsubj"}},
            ]
        ],
    )
    return matcher, dep


def _cue_lemma(verb: Token) -> str:
    lemma = verb.lemma_.lower()
    particles = cues.PHRASAL_CUES.get(lemma)
    if particles:
        for child in verb.children:
            if child.lower_ in particles and child.dep_ in ("prep", "prt"):
                return f"{lemma} {child.lower_}"
    return lemma


def _is_speech_verb(token: Token) -> bool:
    lemma = token.lemma_.lower()
    if lemma not in cues.SPEECH_VERBS or token.pos_ not in ("VERB", "AUX"):
        return False
    particles = cues.PHRASAL_CUES.get(lemma)
    return not particles or any(c.lower_ in particles for c in token.children)


@dataclass
class _Attribution:
    speaker: Speaker | None
    cue: str
    confidence: float
    kind: str = "direct"


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
            return _Attribution(speaker, _cue_lemma(t), CONF_CUE_NAMED)
        if t.pos_ == "VERB" or t.i - tokens[0].i > 14:
            return None
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
    verbs = [t for t in tokens if _is_speech_verb(t) and not ctx.inside_quote(t.idx)]
    source = _according_to(tokens)
    if verbs:
        verb = verbs[-1]
        speaker = _speaker_for_verb(ctx, verb)
        if introduced:
            return _Attribution(speaker, _cue_lemma(verb), CONF_CUE_NAMED)
        # quote embedded in the reported clause: mixed
        first = doc.char_span(q.start, q.end, alignment_mode="expand")
        if first is not None and any(a == verb for a in first[0].ancestors) and _has_verb(first):
            return _Attribution(speaker, _cue_lemma(verb), CONF_MIXED, kind="mixed")
        return None
    if source is not None and introduced:
        return _Attribution(_speaker_from_source(ctx, source), "according to", CONF_ACCORDING_TO)
    if last.text == ":":
        return _colon_intro(ctx, tokens)
    return None


def _colon_intro(ctx: _Context, tokens: list[Token]) -> _Attribution | None:
    """A clause ending in ':' without a speech verb: its subject or first name speaks."""
    doc = ctx.doc
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
    if pobj.pos_ == "NOUN" and pobj.lemma_.lower() in cues.SOURCE_DOCUMENT_NOUNS:
        # "figures compiled by the SNHR", "UNHCR's latest data", "our documentation"
        for token in _author_candidates(pobj):
            if token.lower_ in cues.FIRST_PERSON_PLURAL or (
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
    return bool(before) and before[-1].lower().strip(",:") in cues.TITLE_CUES


def _is_heading(ctx: _Context, p_index: int) -> bool:
    start, end = ctx.paragraphs[p_index]
    text = ctx.text[start:end]
    return len(text.split()) <= HEADING_MAX_WORDS and not text.rstrip().endswith(tuple(".!?:;\"”’)…"))


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
        return None  # the previous paragraph holds a quote: handled as floating
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
                return _Attribution(speaker, _cue_lemma(verbs[-1]), CONF_PREV_PARAGRAPH_CUE)
        return _colon_intro(ctx, tokens)
    root = last_sent.root
    if _is_speech_verb(root):
        subject = _subject_of(root)
        speaker = _speaker_from_token(ctx, subject) if subject is not None else None
        if speaker is not None and speaker.type in ("PERSON", "ORG", "UNNAMED"):
            return _Attribution(speaker, _cue_lemma(root), CONF_PRECEDING_SPEECH_CLAUSE)
    return None


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
    matcher, dep_matcher = _matchers(doc.vocab)
    out: list[tuple[Quote, tuple[int, int]]] = []
    for _, (verb_i, subject_i) in dep_matcher(doc):
        verb, subject = doc[verb_i], doc[subject_i]
        if ctx.inside_quote(verb.idx):
            continue
        lemma = verb.lemma_.lower()
        allowed = cues.INDIRECT_VERBS[lemma]
        particles = cues.PHRASAL_CUES.get(lemma)
        if particles and not any(c.lower_ in particles for c in verb.children):
            continue
        parts = [c for c in verb.children if c.dep_ in allowed]
        if particles:
            for c in verb.children:
                if c.lower_ in particles:
                    parts += [g for g in c.children if g.dep_ == "pobj"]
        if not parts:
            continue
        speaker = _speaker_from_token(ctx, subject)
        if speaker is None or speaker.type is None:
            continue
        first = min(p.left_edge.i for p in parts)
        last = max(p.right_edge.i for p in parts)
        out.append(_reported(ctx, first, last, speaker, _cue_lemma(verb), CONF_INDIRECT))
    for match_id, start, end in matcher(doc):
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


def _reported(ctx: _Context, first: int, last: int, speaker: Speaker, cue: str, conf: float):
    doc = ctx.doc
    while first <= last and (doc[first].is_punct or doc[first].is_space or doc[first].dep_ == "mark"):
        first += 1
    while last >= first and (doc[last].is_punct or doc[last].is_space):
        last -= 1
    if last - first + 1 < MIN_REPORTED_TOKENS:
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
    text = doc.text
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
        window_start = (q.close + 1) if q.close is not None else ctx.paragraphs[q.para_last][1]
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
        quote = Quote(
            quote_id="", kind=attribution.kind, start=q.start, end=q.end, text=text[q.start : q.end],
            speaker=speaker.name, speaker_type=speaker.type, speaker_role=speaker.role,
            speaker_org=speaker.org, speaker_start=speaker.start, speaker_end=speaker.end,
            cue=attribution.cue or None, confidence=round(max(0.05, min(1.0, conf)), 2),
        )
        results.append((q, quote))

    quotes = [quote for _, quote in results]
    taken_until = -1
    for quote, (start, end) in sorted(_indirect_quotes(ctx), key=lambda item: item[1]):
        if start < taken_until:
            continue  # overlaps an earlier reported clause
        if ctx.inside_quote(start) or (ctx.next_open(start - 1) or end) < end:
            continue  # the clause holds a quote: reported as direct or mixed already
        quotes.append(quote)
        taken_until = end
    quotes.sort(key=lambda r: (r.start, r.end))
    for n, quote in enumerate(quotes, 1):
        quote.quote_id = f"q{n}"
    return quotes
