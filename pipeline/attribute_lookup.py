"""The model's attribute ruler, with its one-token patterns evaluated once per distinct token.

spaCy's English models map every fine-grained tag to its part of speech and morphology
(and fix a few lemmas) with an ``attribute_ruler`` of about 180 Matcher patterns. Almost
all of them test one token (``[{"TAG": "NNS"}]``, ``[{"TAG": "RB", "LOWER": {"IN": ["not",
"n't"]}}]``), yet the Matcher tries every pattern on every token and builds a ``Span`` per
match: about a tenth of the small model's time. :class:`LookupAttributeRuler` is an
``AttributeRuler`` (same patterns, same serialisation) that evaluates such patterns once
per distinct combination of the tested values (tag, lower-case form, dependency ...),
remembers the answer, keeps the Matcher for the rest (multi-token patterns, other
operators), and applies the matched attributes in the ruler's own order, so the
annotations are identical (tested on whole corpora).
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Iterable

import numpy as np
from spacy.attrs import DEP, IS_SPACE, LOWER, NORM, ORTH, POS, TAG
from spacy.errors import Errors
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs
from spacy.vocab import Vocab

# token attributes a one-token pattern may test and still be evaluated once per distinct
# combination of values (not per token)
_EVALUATED_ATTRS = {"ORTH": ORTH, "LOWER": LOWER, "NORM": NORM, "TAG": TAG, "POS": POS, "DEP": DEP,
                    "IS_SPACE": IS_SPACE}
_ALIASES = {"TEXT": "ORTH"}
# cached combinations of values; cleared when full, so memory stays bounded
MAX_CACHED_COMBINATIONS = 200_000

Test = tuple[int, str, Any]  # (column, operator, operand)


def _token_tests(token_pattern: dict[str, Any], columns: dict[str, int]) -> list[Test] | None:
    """The tests of a one-token pattern as (column, operator, operand), or None when the
    pattern uses anything but equality, IN, NOT_IN or REGEX on the evaluated attributes
    (such a pattern stays with the Matcher)."""
    tests: list[Test] = []
    for name, value in token_pattern.items():
        name = _ALIASES.get(name.upper(), name.upper())
        if name not in _EVALUATED_ATTRS:
            return None
        column = columns.setdefault(name, len(columns))
        if name == "IS_SPACE":
            if not isinstance(value, bool):
                return None
            tests.append((column, "==", int(value)))
        elif isinstance(value, str):
            tests.append((column, "==", value))
        elif isinstance(value, dict) and len(value) == 1:
            (operator, operand), = value.items()
            if operator in ("IN", "NOT_IN") and isinstance(operand, (list, tuple, set)) \
                    and all(isinstance(v, str) for v in operand):
                tests.append((column, operator, frozenset(operand)))
            elif operator == "REGEX" and isinstance(operand, str):
                tests.append((column, "REGEX", re.compile(operand)))
            else:
                return None
        else:
            return None
    return tests or None


def _passes(tests: list[Test], values: list[Any]) -> bool:
    for column, operator, operand in tests:
        value = values[column]
        if operator == "==":
            ok = value == operand
        elif operator == "IN":
            ok = value in operand
        elif operator == "NOT_IN":
            ok = value not in operand
        else:  # REGEX: the Matcher searches, it does not match from the start
            ok = bool(operand.search(value))
        if not ok:
            return False
    return True


class LookupAttributeRuler(AttributeRuler):
    """An :class:`~spacy.pipeline.AttributeRuler` whose one-token patterns are evaluated
    once per distinct combination of token values. Add patterns as to the ruler; they are
    recompiled on the next document after any change."""

    def __init__(self, vocab: Vocab, name: str = "attribute_ruler", **kwargs: Any) -> None:
        super().__init__(vocab, name, **kwargs)
        self._compiled = False

    def add(self, patterns: Iterable, attrs: dict, index: int = 0) -> None:
        super().add(patterns, attrs, index)
        self._compiled = False

    def clear(self) -> None:
        super().clear()
        self._compiled = False

    def _compile(self) -> None:
        columns: dict[str, int] = {}
        one_token: list[tuple[int, list[Test]]] = []  # (rule, tests), in rule order
        rest = Matcher(self.vocab, validate=self.validate)
        for rule, entry in enumerate(self.patterns):
            leftover = []
            for pattern in entry["patterns"]:
                tests = (_token_tests(pattern[0], columns)
                         if len(pattern) == 1 and entry["index"] in (0, -1) else None)
                if tests is None:
                    leftover.append(pattern)
                else:
                    one_token.append((rule, tests))
            if leftover:
                rest.add(self.vocab.strings.add(str(rule)), leftover)
        self._columns = [_EVALUATED_ATTRS[name] for name in sorted(columns, key=columns.get)]
        self._is_space_column = columns.get("IS_SPACE")
        # each pattern filed under the values its first equality or IN test accepts, so a new
        # combination of values is checked against a few candidate patterns, not all of them
        self._by_value: dict[tuple[int, Any], list[tuple[int, list[Test]]]] = defaultdict(list)
        self._unindexed: list[tuple[int, list[Test]]] = []
        for rule, tests in one_token:
            keyed = next((t for t in tests if t[1] == "=="), None) or next((t for t in tests if t[1] == "IN"), None)
            if keyed is None:
                self._unindexed.append((rule, tests))
                continue
            column, operator, operand = keyed
            for value in ([operand] if operator == "==" else operand):
                self._by_value[(column, value)].append((rule, tests))
        self._rest = rest if len(rest) else None
        self._rules_of_values: dict[tuple[int, ...], tuple[int, ...]] = {}
        self._merged: dict[tuple[int, ...], dict] = {}
        self._compiled = True

    def _rules_of(self, row: tuple[int, ...], strings) -> tuple[int, ...]:
        """The one-token rules matching a token with these attribute values (hashes)."""
        rules = self._rules_of_values.get(row)
        if rules is None:
            values = [v if c == self._is_space_column else strings[v] for c, v in enumerate(row)]
            candidates = list(self._unindexed)
            for column, value in enumerate(values):
                candidates.extend(self._by_value.get((column, value), ()))
            rules = tuple(sorted({rule for rule, tests in candidates if _passes(tests, values)}))
            if len(self._rules_of_values) >= MAX_CACHED_COMBINATIONS:
                self._rules_of_values.clear()
            self._rules_of_values[row] = rules
        return rules

    def _merged_attrs(self, rules: tuple[int, ...]) -> dict:
        merged = self._merged.get(rules)
        if merged is None:
            merged = {}
            for rule in rules:  # later rules win, as in AttributeRuler.set_annotations
                merged.update(self.attrs[rule])
            self._merged[rules] = merged
        return merged

    def _multi_token_rules(self, doc: Doc) -> dict[int, list[int]]:
        extra: dict[int, list[int]] = defaultdict(list)
        if self._rest is None:
            return extra
        for match_id, start, end in self._rest(doc, allow_missing=True):
            rule = int(self.vocab.strings[match_id])
            index = self.indices[rule]
            target = (start if index >= 0 else end) + index
            if not start <= target < end:
                raise ValueError(Errors.E1001.format(patterns=self._rest.get(match_id), index=index,
                                                     span=[t.text for t in doc[start:end]]))
            extra[target].append(rule)
        return extra

    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        if not len(doc):
            return doc
        try:
            if not self._compiled:
                self._compile()
            extra = self._multi_token_rules(doc)
            if self._columns:
                values = doc.to_array(self._columns).reshape(len(doc), -1)
                distinct, inverse = np.unique(values, axis=0, return_inverse=True)
                rules_of_distinct = [self._rules_of(tuple(row), doc.vocab.strings) for row in distinct.tolist()]
                per_token = [rules_of_distinct[k] for k in inverse.reshape(-1).tolist()]
            else:
                per_token = [()] * len(doc)
            for i, rules in enumerate(per_token):
                if i in extra:
                    rules = tuple(sorted(set(rules) | set(extra[i])))
                if rules:
                    set_token_attrs(doc[i], self._merged_attrs(rules))
            return doc
        except Exception as e:  # noqa: BLE001 - spaCy's error-handler protocol
            return error_handler(self.name, self, [doc], e)


@Language.factory("lookup_attribute_ruler", default_config={"validate": False})
def make_lookup_attribute_ruler(nlp: Language, name: str, validate: bool) -> LookupAttributeRuler:
    return LookupAttributeRuler(nlp.vocab, name, validate=validate)


def use_lookup_attribute_ruler(nlp: Language, name: str = "attribute_ruler") -> bool:
    """Swap the pipeline's attribute ruler for a :class:`LookupAttributeRuler` with the same
    patterns. Returns False (and changes nothing) when there is no such ruler."""
    if name not in nlp.pipe_names or not isinstance(nlp.get_pipe(name), AttributeRuler):
        return False
    current = nlp.get_pipe(name)
    if isinstance(current, LookupAttributeRuler):
        return True
    patterns = current.patterns
    lookup = nlp.replace_pipe(name, "lookup_attribute_ruler")
    lookup.add_patterns(patterns)
    return True
