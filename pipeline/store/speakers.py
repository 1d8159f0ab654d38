"""Tables derived from all stored quotes: speakers across documents and repeated quotes.

Both are rebuilt from scratch after every run that changed the store: they depend on every
document at once (a surname in one release links to a full name in another), and rebuilding
a few thousand quotes takes well under a second.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pipeline.store.db import transaction

# Honorifics dropped before comparing names ("Dr. Ahmad Rahhal" = "Ahmad Rahhal").
HONORIFICS = frozenset({"dr", "mr", "mrs", "ms", "miss", "prof", "professor", "sir", "dame", "sheikh",
                        "judge", "justice", "father", "sister", "rev", "reverend"})
# Speaker types that name someone; UNNAMED speakers ("a UNHCR spokesperson") are no identity.
NAMED_SPEAKER_TYPES = ("PERSON", "ORG")
# Repeated quotes: at least this many words, and word-trigram Jaccard similarity at least this,
# or a quote of at least MIN_EXCERPT_WORDS whose trigrams are nearly all in a longer one (a
# later release quoting one sentence of an earlier statement).
MIN_GROUP_WORDS = 6
NEAR_DUPLICATE_JACCARD = 0.8
MIN_EXCERPT_WORDS = 10
EXCERPT_CONTAINMENT = 0.9
# A trigram carried by more quotes than this is a stock phrase: useless for finding repeats.
MAX_SHINGLE_POSTINGS = 200

_WORD = re.compile(r"\w+", re.UNICODE)


def name_tokens(name: str) -> list[str]:
    """Casefolded tokens of a person's name without honorifics or possessive."""
    name = re.sub(r"[’']s$", "", name.strip())
    tokens = [t for t in re.split(r"[\s.]+", name.casefold()) if t]
    while tokens and tokens[0] in HONORIFICS:
        tokens = tokens[1:]
    return tokens


def org_key(name: str) -> str:
    tokens = name_tokens(name)
    if tokens and tokens[0] == "the":
        tokens = tokens[1:]
    return " ".join(tokens)


@dataclass
class _Speaker:
    key: str
    speaker_type: str
    quotes: list[sqlite3.Row] = field(default_factory=list)


def _cluster_speakers(quotes: list[sqlite3.Row]) -> list[_Speaker]:
    """Group quotes by speaker identity across documents."""
    speakers: dict[tuple[str, str], _Speaker] = {}
    short_people: list[sqlite3.Row] = []
    for q in quotes:
        if q["speaker_type"] == "PERSON":
            tokens = name_tokens(q["speaker"])
            if len(tokens) < 2:
                short_people.append(q)
                continue
            key = " ".join(tokens)
        else:
            key = org_key(q["speaker"])
        if not key:
            continue
        speakers.setdefault((q["speaker_type"], key), _Speaker(key, q["speaker_type"])).quotes.append(q)

    by_surname: dict[str, list[_Speaker]] = defaultdict(list)
    for (kind, key), speaker in speakers.items():
        if kind == "PERSON":
            by_surname[key.split()[-1]].append(speaker)
    for q in short_people:
        tokens = name_tokens(q["speaker"])
        if not tokens:
            continue
        candidates = by_surname.get(tokens[0], [])
        if len(candidates) > 1 and q["speaker_org"]:
            # several people share the surname: the organisation may still single one out
            org = org_key(q["speaker_org"])
            candidates = [s for s in candidates if any(org_key(x["speaker_org"] or "") == org for x in s.quotes)]
        if len(candidates) == 1:  # link a surname only when it can mean one person
            candidates[0].quotes.append(q)
        else:
            speakers.setdefault(("PERSON", tokens[0]), _Speaker(tokens[0], "PERSON")).quotes.append(q)
    return list(speakers.values())


def _ranked(values) -> list[str]:
    """Distinct non-empty values, most frequent first (ties in first-seen order)."""
    counts = Counter(v for v in values if v)
    return [v for v, _ in counts.most_common()]


def rebuild_speakers(conn: sqlite3.Connection) -> int:
    """Rebuild ``speakers`` and ``quote_speakers`` from the quotes table; returns the speaker count."""
    quotes = conn.execute(
        "SELECT q.doc_id, q.quote_id, q.speaker, q.speaker_type, q.speaker_role, q.speaker_org, d.published "
        "FROM quotes q JOIN documents d USING (doc_id) "
        f"WHERE q.speaker IS NOT NULL AND q.speaker_type IN ({', '.join('?' * len(NAMED_SPEAKER_TYPES))}) "
        "ORDER BY d.published, q.doc_id, q.start", NAMED_SPEAKER_TYPES).fetchall()
    conn.execute("DELETE FROM quote_speakers")
    conn.execute("DELETE FROM speakers")
    clusters = sorted(_cluster_speakers(quotes), key=lambda s: (-len(s.quotes), s.key))
    for speaker_id, speaker in enumerate(clusters, start=1):
        names = Counter(q["speaker"] for q in speaker.quotes)
        # the fullest form is the canonical name ("Laila Kiki" over "Kiki"), then the commonest
        name = max(names, key=lambda n: (len(name_tokens(n)), names[n], -len(n)))
        dates = sorted(q["published"] for q in speaker.quotes if q["published"])
        conn.execute(
            "INSERT INTO speakers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (speaker_id, name, speaker.speaker_type, json.dumps(sorted(names), ensure_ascii=False),
             json.dumps(_ranked(q["speaker_role"] for q in speaker.quotes), ensure_ascii=False),
             json.dumps(_ranked(q["speaker_org"] for q in speaker.quotes), ensure_ascii=False),
             len(speaker.quotes), len({q["doc_id"] for q in speaker.quotes}),
             dates[0] if dates else None, dates[-1] if dates else None))
        conn.executemany("INSERT OR IGNORE INTO quote_speakers VALUES (?, ?, ?)",
                         [(q["doc_id"], q["quote_id"], speaker_id) for q in speaker.quotes])
    return len(clusters)


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _repeats(a: set, b: set) -> bool:
    """Whether two quotes' trigram sets are the same quote: near-identical, or one an excerpt."""
    if _jaccard(a, b) >= NEAR_DUPLICATE_JACCARD:
        return True
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return (len(shorter) >= MIN_EXCERPT_WORDS - 2
            and len(shorter & longer) / len(shorter) >= EXCERPT_CONTAINMENT)


def rebuild_quote_groups(conn: sqlite3.Connection) -> int:
    """Rebuild ``quote_groups``: identical or near-identical quotes carried by several documents.

    ``similarity`` is the Jaccard similarity of each quote's word trigrams to the first one's
    (an excerpt of a longer quote scores below 0.8 but is grouped all the same).
    """
    rows = conn.execute(
        "SELECT q.doc_id, q.quote_id, q.text, d.published, d.source FROM quotes q JOIN documents d USING (doc_id) "
        "ORDER BY q.doc_id, q.start").fetchall()
    quotes, shingles = [], []
    for row in rows:
        words = _WORD.findall(row["text"].casefold())
        if len(words) >= MIN_GROUP_WORDS:
            quotes.append(row)
            shingles.append(_shingles(words))

    parent = list(range(len(quotes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    postings: dict[tuple, list[int]] = defaultdict(list)
    for i, sh in enumerate(shingles):
        for s in sh:
            postings[s].append(i)
    for i, sh in enumerate(shingles):
        candidates = set()
        for s in sh:
            if len(postings[s]) <= MAX_SHINGLE_POSTINGS:
                candidates.update(j for j in postings[s] if j > i)
        for j in candidates:
            if quotes[i]["doc_id"] != quotes[j]["doc_id"] and find(i) != find(j) and _repeats(sh, shingles[j]):
                parent[find(j)] = find(i)

    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(quotes)):
        members[find(i)].append(i)
    conn.execute("DELETE FROM quote_groups")
    groups = [m for m in members.values() if len({quotes[i]["doc_id"] for i in m}) > 1]
    # the first publication that carried the quote; undated documents last
    order = lambda i: (quotes[i]["published"] is None, quotes[i]["published"] or "", quotes[i]["source"])  # noqa: E731
    groups.sort(key=lambda m: order(min(m, key=order)))
    for group_id, group in enumerate(groups, start=1):
        group.sort(key=order)
        first = group[0]
        for i in group:
            conn.execute("INSERT OR IGNORE INTO quote_groups VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (group_id, quotes[i]["doc_id"], quotes[i]["quote_id"], quotes[i]["published"],
                          int(i == first), quotes[first]["doc_id"], quotes[first]["published"],
                          round(_jaccard(shingles[i], shingles[first]), 3)))
    return len(groups)


def rebuild_derived_tables(conn: sqlite3.Connection) -> None:
    """Rebuild speakers and quote groups in one transaction."""
    with transaction(conn):
        rebuild_speakers(conn)
        rebuild_quote_groups(conn)
