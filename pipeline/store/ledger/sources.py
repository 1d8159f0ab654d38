"""Who a figure comes from, as one key per source: "SNHR", "the Syrian Network for Human Rights"
and "Syrian Network for Human Rights (SNHR)" are one source."""
from __future__ import annotations

import re
import sqlite3

from pipeline.store.speakers import org_key

_PARENTHESISED = re.compile(r"\s*\(([^)]*)\)\s*$")
_SMALL_WORDS = frozenset({"for", "of", "the", "and", "on", "in", "to", "de", "du", "des", "&"})


def initials(name: str) -> str:
    """"Syrian Network for Human Rights" -> "snhr"."""
    return "".join(w[0] for w in org_key(name).replace("-", " ").split() if w not in _SMALL_WORDS)


class SourceNames:
    """Normalises source names; acronyms resolve to the full names the store holds."""

    def __init__(self, full_names=()):
        self._acronyms: dict[str, str] = {}
        self._keys: dict[str, str] = {}  # name -> key, memoised: a few hundred names, a million claims
        ambiguous = set()
        for name in full_names:
            key = org_key(name)
            if len(key.split()) < 2:
                continue
            short = initials(name)
            if len(short) >= 2:
                if self._acronyms.get(short, key) != key:
                    ambiguous.add(short)
                self._acronyms[short] = key
        for short in ambiguous:
            del self._acronyms[short]

    @classmethod
    def from_store(cls, conn: sqlite3.Connection) -> "SourceNames":
        """Acronyms of the publishers and cited sources in the store."""
        return cls(r[0] for r in conn.execute("SELECT DISTINCT organisation FROM documents WHERE organisation "
                                              "IS NOT NULL UNION SELECT DISTINCT source FROM claims "
                                              "WHERE source IS NOT NULL"))

    def key(self, name: str | None) -> str:
        if not name:
            return ""
        known = self._keys.get(name)
        if known is None:
            known = self._keys[name] = self._key(name)
        return known

    def _key(self, name: str) -> str:
        match = _PARENTHESISED.search(name)
        if match:  # "Syrian Network for Human Rights (SNHR)": the full name
            name = name[:match.start()]
        key = org_key(name)
        if " " not in key and key in self._acronyms:
            return self._acronyms[key]
        return key
