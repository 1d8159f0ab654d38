"""Matching near anchors: a spaCy Matcher run only where its patterns can match.

Used by the date, claim and quote extractors, whose patterns each need one word of a short
list ("according", a month name, "thousands").
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

import numpy as np
from spacy.attrs import ORTH
from spacy.matcher import Matcher
from spacy.tokens import Doc

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
