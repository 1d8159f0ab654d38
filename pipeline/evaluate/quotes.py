"""Score quote extraction and speaker attribution against hand-annotated documents.

Gold annotations (``data/gold/quotes/*.json``, guidelines in ``docs/evaluation.md``) carry
``start``/``end`` plus ``kind`` (``direct`` | ``indirect`` | ``mixed``), ``speaker`` (the
canonical full name, or the description for an unnamed speaker, or ``null`` when the text
names no speaker at all) and ``speaker_type`` (``PERSON`` | ``ORG`` | ``UNNAMED``).

Scores
------
- Quote spans: precision, recall and F1; a prediction matches a gold quote when the spans
  overlap by at least half of *both* (:func:`pipeline.evaluate.overlaps_half`), one-to-one.
- ``speaker_accuracy``: share of matched quotes whose predicted speaker is the gold speaker
  (:func:`same_speaker`). ``kind_accuracy``: share of matched quotes of the right kind.
- Rows: ``all`` (every kind, matched regardless of kind), ``direct`` (gold and predicted
  direct quotes only), ``indirect`` (indirect *and* mixed: both are reported speech, a mixed
  quote only adds quoted words inside it), then one row per document type (all kinds) and
  per document type and kind group (``type:press_release/direct``).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.evaluate import Accuracy, Counts, GoldDocument, Report, by_doc_type, group_rows, match_records

__all__ = ["evaluate", "normalise_speaker", "same_speaker", "KIND_GROUPS"]

# Which annotated / predicted kinds each kind row scores.
KIND_GROUPS: dict[str, frozenset[str]] = {
    "direct": frozenset({"direct"}),
    "indirect": frozenset({"indirect", "mixed"}),
}

# Titles and honorifics dropped before comparing names: "Dr. Amal Ali" == "Amal Ali".
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "sheikh", "president",
    "minister", "ambassador", "judge", "general", "gen", "col", "colonel", "capt", "captain",
    "rev", "father", "imam", "h.e", "he",
})
DETERMINERS = frozenset({"the", "a", "an"})
# Unnamed descriptions match when they share more than this share of the shorter one's content words.
UNNAMED_MIN_OVERLAP = 0.5
STOPWORDS = frozenset({"the", "a", "an", "of", "from", "at", "in", "to", "and", "for", "with",
                       "her", "his", "their", "its", "our", "that", "be", "was", "is", "on"})

_PUNCT = re.compile(r"[^\w\s]")
_POSSESSIVE = re.compile(r"['’]s?\b")


def normalise_speaker(name: str | None) -> str:
    """Casefolded name without accents, punctuation, possessive, leading article or titles.

    >>> normalise_speaker("Dr. Amal  Al-Ali's")
    'amal al ali'
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _POSSESSIVE.sub("", text)
    words = _PUNCT.sub(" ", text.replace("-", " ")).split()
    while words and (words[0] in TITLES or words[0] in DETERMINERS):
        words = words[1:]
    return " ".join(words)


def _members(normalised: str) -> frozenset[str]:
    """The names of a joint speaker, in any order: "a, b and c" -> {a, b, c}."""
    return frozenset(part.strip() for part in re.split(r"\band\b|,", normalised) if part.strip())


def _acronym(normalised: str) -> str:
    return "".join(w[0] for w in normalised.split() if w not in STOPWORDS)


def same_speaker(gold: dict[str, Any], predicted: Any) -> bool:
    """Whether a predicted quote names the gold speaker.

    Rules (documented in ``docs/evaluation.md``):

    - named speakers (PERSON, ORG): the normalised names (:func:`normalise_speaker`) are equal,
      or name the same members of a joint speaker in another order ("Knack and Syrian Archive");
      an organisation also matches its acronym ("HRW" == "Human Rights Watch"). A surname alone
      does not match a gold full name: the analyst needs the person.
    - unnamed speakers: the prediction is a description too (not a name) and shares more than
      half of the content words of the shorter description ("A UNHCR spokesperson" ==
      "a UNHCR spokesperson"; "Her brother" == "her brother, who asked that his name be
      withheld"; "a WHO spokesperson" != "a UNHCR spokesperson").
    - gold ``speaker: null`` (the text names nobody): correct only when nothing is predicted.
    """
    gold_name = normalise_speaker(gold.get("speaker"))
    pred_name = normalise_speaker(getattr(predicted, "speaker", None))
    if not gold_name:
        return not pred_name
    if not pred_name:
        return False
    if gold_name == pred_name or _members(gold_name) == _members(pred_name):
        return True  # "Knack and Syrian Archive" == "Syrian Archive and Knack"
    if gold.get("speaker_type") == "UNNAMED":
        if getattr(predicted, "speaker_type", None) not in (None, "UNNAMED"):
            return False
        gold_words = set(gold_name.split()) - STOPWORDS
        pred_words = set(pred_name.split()) - STOPWORDS
        shorter = min(len(gold_words), len(pred_words))
        return shorter > 0 and len(gold_words & pred_words) > UNNAMED_MIN_OVERLAP * shorter
    if gold.get("speaker_type") == "ORG" or getattr(predicted, "speaker_type", None) == "ORG":
        gold_short, pred_short = gold_name.replace(" ", ""), pred_name.replace(" ", "")
        return gold_short == _acronym(pred_name) or pred_short == _acronym(gold_name)
    return False


def _in_group(kind: str | None, kinds: frozenset[str] | None) -> bool:
    return kinds is None or kind in kinds


def _score(pairs: Sequence[tuple[GoldDocument, Any]], kinds: frozenset[str] | None,
           errors: list[str] | None = None) -> dict[str, Any]:
    counts, speaker, kind_acc = Counts(), Accuracy(), Accuracy()
    for gold_doc, result in pairs:
        gold = [a for a in gold_doc.annotations if _in_group(a.get("kind"), kinds)]
        predicted = [q for q in result.quotes if _in_group(q.kind, kinds)]
        matched, matched_counts = match_records(gold, predicted)
        counts.add(matched_counts)
        for gi, pi in matched:
            ok = same_speaker(gold[gi], predicted[pi])
            speaker.add(ok)
            kind_acc.add(gold[gi].get("kind") == predicted[pi].kind)
            if errors is not None and not ok:
                errors.append(f"{gold_doc.name} [{gold[gi]['start']}:{gold[gi]['end']}] speaker: "
                              f"gold {gold[gi].get('speaker')!r}, predicted {predicted[pi].speaker!r}")
        if errors is not None:
            text = result.document.text
            gold_hit = {gi for gi, _ in matched}
            pred_hit = {pi for _, pi in matched}
            for gi, a in enumerate(gold):
                if gi not in gold_hit:
                    errors.append(f"{gold_doc.name} [{a['start']}:{a['end']}] missed {a.get('kind')} "
                                  f"({a.get('speaker')}): {_snippet(text, a['start'], a['end'])}")
            for pi, q in enumerate(predicted):
                if pi not in pred_hit:
                    errors.append(f"{gold_doc.name} [{q.start}:{q.end}] spurious {q.kind} "
                                  f"({q.speaker}): {_snippet(text, q.start, q.end)}")
    row: dict[str, Any] = counts.as_dict()
    row["speaker_accuracy"] = round(speaker.value, 4)
    row["matched"] = speaker.total
    if kinds is None:
        row["kind_accuracy"] = round(kind_acc.value, 4)
    return row


def _snippet(text: str, start: int, end: int, width: int = 70) -> str:
    span = " ".join(text[start:end].split())
    return span if len(span) <= width else span[: width - 1] + "…"


def evaluate(pairs: Iterable[tuple[GoldDocument, Any]]) -> Report:
    """Score ``(GoldDocument, DocumentResult)`` pairs; rows ``all``, ``direct``, ``indirect``, doc types
    (all kinds, then ``type:<doc_type>/direct`` and ``/indirect``).

    Returns
    -------
    Report
        ``rows[i]`` holds ``precision``, ``recall``, ``f1``, ``tp``, ``fp``, ``fn``,
        ``speaker_accuracy`` and ``matched`` (``kind_accuracy`` on rows over every kind);
        ``errors`` lists missed, spurious and mis-attributed quotes.
    """
    pairs = list(pairs)
    errors: list[str] = []
    groups: dict[str, dict[str, Any]] = {"all": _score(pairs, None, errors)}
    for name, kinds in KIND_GROUPS.items():
        groups[name] = _score(pairs, kinds)
    for doc_type, subset in by_doc_type(pairs).items():
        if doc_type != "all":
            groups[f"type:{doc_type}"] = _score(subset, None)
            for name, kinds in KIND_GROUPS.items():
                groups[f"type:{doc_type}/{name}"] = _score(subset, kinds)
    rows = group_rows(groups)
    # group_rows sorts alphabetically after "all"; keep kinds before document types
    rows.sort(key=lambda r: (r["group"] != "all", r["group"].startswith("type:"), r["group"]))
    return Report(task="quotes", n_documents=len(pairs), rows=rows, errors=errors)
