"""Discrepancies between the claims of one statistic, each with its evidence (the two claims).

Four kinds (``docs/ledger.md``):

- ``same_source_different_value``: one source, one period, values that cannot both be true;
- ``cumulative_decrease``: a running total ("since 2011") lower in a later publication than in
  an earlier one;
- ``subcount_exceeds_total``: a sub-count ("including 284 children") above its total as
  another publication states it;
- ``misattributed``: a figure attributed to a source whose own publication in the store says
  otherwise.

Qualifiers count: each claim is a range of values (:func:`~pipeline.store.ledger.keys.value_range`),
and two claims disagree when their ranges do not meet. Each check sorts once, so a statistic of
many thousand claims costs n log n, not n²; at most :data:`MAX_PER_GROUP` pairs are reported per
source (or per pair of statistics), the first ones in publication order.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Iterator

from pipeline.store.ledger.keys import agree

MAX_PER_GROUP = 20
KINDS = ("same_source_different_value", "cumulative_decrease", "subcount_exceeds_total", "misattributed")


@dataclass(frozen=True)
class Entry:
    """One claim as the ledger sees it."""

    doc_id: str
    claim_id: str
    published: str
    source: str  # normalised: who the figure is attributed to, else the publisher
    cited: bool  # True when the text names the source (not the publisher's own figure)
    dated: bool  # True when the text states the figure's period (not only its publication date)
    publisher: str
    low: float
    high: float
    text: str = ""  # the claim's span, for the evidence line
    value: float | None = None  # the value as stated (the statistic's row shows it)

    @property
    def range(self) -> tuple[float, float]:
        return (self.low, self.high)


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    a: Entry
    b: Entry
    detail: str


def _by(entries: Iterable[Entry], key) -> dict:
    groups: dict = defaultdict(list)
    for entry in entries:
        groups[key(entry)].append(entry)
    return groups


def _disagreeing_pairs(entries: list[Entry]) -> Iterator[tuple[Entry, Entry]]:
    """Pairs that cannot both be true: each claim against the one with the lowest upper bound
    among those before it in value order (n log n)."""
    ordered = sorted(entries, key=lambda e: (e.low, e.published, e.doc_id, e.claim_id))
    lowest_high: Entry | None = None
    for entry in ordered:
        if lowest_high is not None and not agree(lowest_high.range, entry.range):
            yield lowest_high, entry
        if lowest_high is None or entry.high < lowest_high.high:
            lowest_high = entry


def same_source(entries: list[Entry], cumulative: bool) -> Iterator[Discrepancy]:
    """One source, one period, two values, in two documents. A running total grows: it is
    compared only with the same source's figures published the same day."""
    def group(e: Entry):
        return (e.source, e.published) if cumulative else (e.source,)

    for (source, *_), members in sorted(_by(entries, group).items()):
        if not source or len(members) < 2 or len({m.doc_id for m in members}) < 2:
            continue
        n = 0
        for a, b in _disagreeing_pairs(members):
            if a.doc_id == b.doc_id:
                continue  # two figures of one document are usually two incidents or two sub-groups
            yield Discrepancy("same_source_different_value", a, b, f"{source}: {_fmt(a)} vs {_fmt(b)}")
            n += 1
            if n >= MAX_PER_GROUP:
                break


def cumulative_decrease(entries: list[Entry]) -> Iterator[Discrepancy]:
    """A running total that a later publication puts below what an earlier one stated."""
    ordered = sorted(entries, key=lambda e: (e.published, e.doc_id, e.claim_id))
    highest_low: Entry | None = None
    n = 0
    for entry in ordered:
        if highest_low is not None and entry.published > highest_low.published and entry.high < highest_low.low:
            yield Discrepancy("cumulative_decrease", highest_low, entry,
                              f"{_fmt(highest_low)} ({highest_low.published}) then {_fmt(entry)} ({entry.published})")
            n += 1
            if n >= MAX_PER_GROUP:
                return
        if highest_low is None or entry.low > highest_low.low:
            highest_low = entry


def subcount_exceeds_total(parts: list[Entry], totals: list[Entry]) -> Iterator[Discrepancy]:
    """A sub-count above a total of the same period stated in another document (both with their
    period stated)."""
    parts = [e for e in parts if e.dated]
    totals = [e for e in totals if e.dated]
    if not parts or not totals:
        return
    lowest_total = min(totals, key=lambda e: (e.high, e.published, e.doc_id))
    n = 0
    for part in sorted(parts, key=lambda e: (-e.low, e.published, e.doc_id)):
        if part.low <= lowest_total.high:
            break
        if part.doc_id != lowest_total.doc_id:
            yield Discrepancy("subcount_exceeds_total", lowest_total, part,
                              f"total {_fmt(lowest_total)} < part {_fmt(part)}")
            n += 1
            if n >= MAX_PER_GROUP:
                return


def misattributed(entries: list[Entry]) -> Iterator[Discrepancy]:
    """A figure the text attributes to a source whose own publication states another value."""
    own = _by((e for e in entries if not e.cited), lambda e: e.publisher)
    n = 0
    for entry in sorted(entries, key=lambda e: (e.published, e.doc_id, e.claim_id)):
        if not entry.cited or not entry.source or entry.source == entry.publisher:
            continue
        originals = own.get(entry.source, ())
        if originals and not any(agree(o.range, entry.range) for o in originals):
            original = originals[0]
            yield Discrepancy("misattributed", original, entry,
                              f"{entry.source} states {_fmt(original)}; attributed {_fmt(entry)}")
            n += 1
            if n >= MAX_PER_GROUP:
                return


def _fmt(entry: Entry) -> str:
    return f"“{entry.text}”" if entry.text else f"{entry.low:,.0f}"


def find(entries: list[Entry], cumulative: bool) -> list[Discrepancy]:
    """Every discrepancy inside one statistic, between figures whose text states their period: a
    figure without one (a count as of its publication) is grouped with the period of its
    publication month, but two such counts are as often two incidents as two versions of a figure."""
    dated = [e for e in entries if e.dated]
    found = list(same_source(dated, cumulative))
    if cumulative:
        found.extend(cumulative_decrease(dated))
    found.extend(misattributed(dated))
    return found
