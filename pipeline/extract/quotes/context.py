"""The state quote extraction keeps while it reads one document, and the confidence scheme.

:class:`Context` holds the parsed document, its entities (sorted, with their start offsets for
bisection), its quote spans and paragraphs, the speakers resolved so far and the people a later
"he"/"she" may mean (:class:`Mention`). Every rule module of :mod:`pipeline.extract.quotes` takes
it as its first argument. The confidence of a record starts from the rule that attributed it
(``CONF_*``, see ``docs/quotes.md``) less the penalties of how its speaker was found.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from pipeline.extract.quotes.marks import QuoteSpan
from pipeline.records import Entity

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


WINDOW_TOKENS = 40  # attribution windows are bounded: linear time on pathological input


LOOKBACK = 100  # earlier speakers / entities searched when resolving a mention


PRONOUN_PARAGRAPHS = 2  # paragraphs back where a same-gender person beats an unknown one


# Salience of a person for a later "he"/"she" (coreference.salience): a mention weighs
# SALIENCE_RECENT, more as the subject of its clause or of a speech verb; the weight halves with
# each sentence back.
SALIENCE_RECENT = 100.0


SALIENCE_SUBJECT = 80.0


SALIENCE_SPEAKER = 60.0


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
    role: tuple[int, bool, bool] | None = None  # (sentence index, is a subject, spoke): salience


@dataclass
class Context:
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
    # people a "he"/"she" can point back to, by offset (see collect_person_mentions)
    mentions: list[_Mention] = field(default_factory=list)
    mention_offsets: list[int] = field(default_factory=list)
    genders: dict[str, str | None] = field(default_factory=dict)
    entities_by_name: dict[str, list[Entity]] = field(default_factory=dict)
    sentence_starts: list[int] = field(default_factory=list)  # filled on first use (salience)

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

    def sentence_index(self, offset: int) -> int:
        """Index of the sentence holding ``offset`` (sentence starts are read once)."""
        if not self.sentence_starts:
            self.sentence_starts = [sent.start_char for sent in self.doc.sents] or [0]
        return bisect.bisect_right(self.sentence_starts, offset) - 1

    def next_open(self, offset: int) -> int | None:
        i = bisect.bisect_right(self.quote_opens, offset)
        return self.quote_opens[i] if i < len(self.quote_opens) else None


def entities_in(ctx: Context, start: int, end: int) -> list[Entity]:
    """Entities starting inside [start, end) (plus one starting just before, if it overlaps)."""
    i = max(0, bisect.bisect_left(ctx.entity_starts, start) - 1)
    out = []
    while i < len(ctx.entities) and ctx.entities[i].start < end:
        if ctx.entities[i].end > start:
            out.append(ctx.entities[i])
        i += 1
    return out


def label_of(ctx: Context, token: Token) -> str | None:
    ent = entity_at(ctx, token)
    return ent.label if ent is not None else None


def entity_at(ctx: Context, token: Token) -> Entity | None:
    idx = bisect.bisect_right(ctx.entity_starts, token.idx) - 1
    for j in (idx, idx - 1):
        if 0 <= j < len(ctx.entities):
            ent = ctx.entities[j]
            if ent.start <= token.idx < ent.end:
                return ent
    return None


def paragraph_start(ctx: Context, offset: int, back: int) -> int:
    """Start offset of the paragraph ``back`` paragraphs before the one holding ``offset``."""
    starts = [start for start, _ in ctx.paragraphs]
    i = bisect.bisect_right(starts, offset) - 1
    return starts[max(0, i - back)] if starts else 0
