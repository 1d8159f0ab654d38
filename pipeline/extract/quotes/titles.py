"""Titles, ranks and labels around names: what is a role and what is no speaker at all.

:func:`title_role` reads the ranks and role words written before a name ("Lt. Tom Wilkison" ->
role "Lieutenant"; "UNHCR spokesperson Jane Doe" -> role and organisation), :func:`is_title_dot`
tells the dot of "Lt." from a sentence end, and :func:`not_a_speaker` rejects headings, places
and photo credits that a colon or a dash would otherwise make speakers.
"""
from __future__ import annotations

from spacy.tokens import Token

from pipeline import lexicon as lex
from pipeline.extract.quotes.context import Context, entity_at, label_of


def name_tokens(token: Token) -> list[Token]:
    """The proper-noun chain ending at ``token`` (Laila + Kiki, Human + Rights + Watch)."""
    doc, start = token.doc, token.i
    while start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].dep_ in ("compound", "flat", "nmod"):
        start -= 1
    return list(doc[start : token.i + 1])


def is_title_word(word: str) -> bool:
    word = word.lower().rstrip(".")
    return word in lex.ROLE_WORDS or word in lex.RANK_TITLES or word in lex.HONORIFICS


def is_title_dot(token: Token) -> bool:
    """The dot of "Lt." or "Mr." before a name ("“…,” Lt. Tom Wilkison said"): not a sentence end."""
    doc = token.doc
    if token.text != "." or token.i == 0 or token.i + 1 >= len(doc):
        return False
    word = doc[token.i - 1].lower_
    return (word in lex.RANK_TITLES or word in lex.HONORIFICS) and doc[token.i + 1].text[:1].isupper()


def not_a_speaker(ctx: Context, token: Token) -> bool:
    """A label before a colon or after a dash that names no speaker: a place ("Aleppo:"), a
    heading ("Closing Remarks:") or a photo credit ("— Photo: John Smith")."""
    ent = entity_at(ctx, token)
    if ent is not None and ent.label in ("GPE", "LOC", "FAC"):
        return True
    line_start = ctx.text.rfind("\n", 0, token.idx) + 1
    first_word = ctx.text[line_start : token.idx + len(token)].lstrip(" —–-").split(" ", 1)[0]
    if first_word.strip(":").lower() in lex.CREDIT_WORDS or token.lower_ in lex.CREDIT_WORDS:
        return True
    chain = name_tokens(token)
    if any(t.lower_ in lex.HEADING_WORDS for t in chain):
        return True  # "Closing Remarks", even when the recogniser calls it a person
    if ent is not None or token.text.isupper() or token.pos_ != "PROPN":
        return False  # a recognised name, an acronym or a description ("Her husband")
    # no entity: a name only with a known first name
    return not any(lex.gender_of_word(t.text, ("first_names",)) for t in chain)


def title_role(ctx: Context, start: int, name: str) -> tuple[str | None, str | None]:
    """Ranks and role words written before a name: "Lt. Tom Wilkison" -> "Lieutenant",
    "Russian Foreign Minister Sergey Lavrov" -> "Russian Foreign Minister"; honorifics (Mr.,
    Dr.) are no role. Returns the role and the organisation written before it ("UNHCR
    spokesperson Jane Doe" -> "spokesperson", "UNHCR").

    ``start`` is where the name's mention starts; the title may be inside the mention (the
    recogniser ran it into the name) or just before it. The word next to the name must be a
    role or rank word; capitalised words before it belong to the title ("Prime", "Foreign"),
    except a sentence's first word ("Yesterday Minister X").
    """
    first = name.split()[0] if name else ""
    at = ctx.text.find(first, start, start + 80) if first else -1
    span = ctx.doc.char_span(at if at >= 0 else start, (at if at >= 0 else start) + 1, alignment_mode="expand")
    if span is None:
        return None, None
    doc, i = ctx.doc, span.start - 1
    words: list[Token] = []
    while i >= 0 and len(words) < 5:
        token = doc[i]
        if token.text == "." and i > 0 and is_title_word(doc[i - 1].text):
            i -= 1
            continue  # "Lt ." tokenised apart
        bare = token.text.rstrip(".")
        if token.is_punct or token.is_space or "\n" in token.whitespace_:
            break
        if not bare[:1].isupper() and not (is_title_word(bare) or token.lower_ in lex.SPEAKER_NOUNS):
            break  # lower case: only a role noun ("UNHCR spokesperson Jane Doe")
        if not words and not (is_title_word(bare) or token.lower_ in lex.SPEAKER_NOUNS):
            return None, None  # the word next to the name must be a role: not "Syria Geir Pedersen"
        if (words and not is_title_word(bare) and token.is_sent_start
                and not (token.text.isupper() or label_of(ctx, token) == "ORG")):
            break
        words.append(token)
        i -= 1
    words.reverse()
    org = None
    if len(words) > 1 and (words[0].text.isupper() or label_of(ctx, words[0]) == "ORG"):
        org_words = [t for t in words if t.text.isupper() or label_of(ctx, t) == "ORG"]
        org = " ".join(t.text for t in org_words)  # "UNHCR spokesperson": the organisation
        words = words[len(org_words):]
    role = [lex.RANK_TITLES.get(t.lower_.rstrip("."), t.text) for t in words
            if t.lower_.rstrip(".") not in lex.HONORIFICS]
    return (" ".join(role) or None), org
