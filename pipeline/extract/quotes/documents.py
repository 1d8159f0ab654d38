"""Documents as speakers: "the report found that ...", "according to the first reports from the ground".

A document that is the subject of a cue verb, or the object of "according to", speaks for its
author when the text names one ("HRW's report", "a statement of the army", "figures compiled by
the SNHR"); otherwise the document itself is the speaker, with ``speaker_type`` ``DOCUMENT`` and
the noun phrase as written, without its article ("the parole board decision" -> "parole board
decision"). Bodies (courts, commissions, boards) are organisations and are resolved by
:mod:`pipeline.extract.quotes.speakers`.
"""
from __future__ import annotations

from spacy.tokens import Token

from pipeline import lexicon as lex
from pipeline.extract.quotes.context import PENALTY_UNNAMED, Context, Speaker, label_of
from pipeline.extract.quotes.speakers import speaker_from_token

DOCUMENT_POSTMODIFIER_TOKENS = 6  # "first reports from the ground": a short "from/of/by" phrase joins the name


AUTHOR_PREPOSITIONS = ("by", "from", "of")


def is_document_noun(token: Token, nouns: frozenset[str] | set[str]) -> bool:
    return token.pos_ == "NOUN" and (token.lemma_.lower() in nouns or token.lower_ in nouns)


def document_speaker(ctx: Context, noun: Token, nouns=None, definite: bool = False) -> Speaker | None:
    """The speaker of a document noun: its named author, else the document (``DOCUMENT``).

    Parameters
    ----------
    ctx : Context
    noun : Token
        Head noun of the subject of a cue verb, or of the object of "according to".
    nouns : set of str, optional
        Head nouns that name documents (default :data:`pipeline.lexicon.SPEAKING_DOCUMENT_NOUNS`).
    definite : bool
        Require the document to be singled out (an article, a possessive, a modifier or a
        "from/of/by" phrase): "according to figures shared with agencies" names no source.

    Returns
    -------
    Speaker or None
        None when ``noun`` is not a document noun, or names no source.
    """
    nouns = lex.SPEAKING_DOCUMENT_NOUNS if nouns is None else nouns
    if not is_document_noun(noun, nouns):
        return None
    author = document_author(ctx, noun)
    if author is not None:
        return author
    doc = ctx.doc
    left = noun.left_edge.i
    while left < noun.i and (doc[left].pos_ in ("DET", "PUNCT") or doc[left].dep_ == "poss"):
        left += 1
    right = noun.i
    for child in noun.rights:
        if (child.dep_ == "prep" and child.lower_ in AUTHOR_PREPOSITIONS
                and child.right_edge.i - noun.i <= DOCUMENT_POSTMODIFIER_TOKENS
                and not any(t.is_punct for t in doc[child.i : child.right_edge.i + 1])):
            right = child.right_edge.i  # "reports from the ground", "report of the inquiry"
            break
    modified = left < noun.i or right > noun.i or any(c.dep_ in ("det", "poss") for c in noun.lefts)
    if definite and not modified:
        return None
    phrase = doc[left : right + 1]
    return Speaker(phrase.text, "DOCUMENT", start=phrase.start_char, end=phrase.end_char, penalty=PENALTY_UNNAMED)


def according_to_source(ctx: Context, pobj: Token) -> Speaker | None:
    """The speaker of "according to <document>", or None when ``pobj`` is no document noun.

    The document's named author ("figures compiled by X", "the October IPC analysis"); else, for
    a document without author or with a pronoun one ("its latest report", "a statement issued
    this week"), the named subject of the clause it supports ("X has documented ..., according to
    its latest report"); else data named by their compiler ("Jordanian customs data" -> Jordanian
    customs); else a speaking document singled out by an article or a modifier ("the first
    reports from the ground"). "figures shared with agencies" names no source: None.
    """
    if not is_document_noun(pobj, lex.SOURCE_DOCUMENT_NOUNS | lex.SPEAKING_DOCUMENT_NOUNS):
        return None
    author = document_author(ctx, pobj, pronouns=False)
    if author is not None:
        return author
    sentence_subject = next((c for c in pobj.sent.root.children if c.dep_ == "nsubj"), None)
    if sentence_subject is not None and sentence_subject.pos_ == "PROPN":
        speaker = speaker_from_token(ctx, sentence_subject)
        if speaker is not None and speaker.type in ("PERSON", "ORG"):
            return speaker
    author = document_author(ctx, pobj)  # "its report" without a named subject: the pronoun's
    if author is not None or any(c.dep_ == "poss" for c in pobj.children):
        return author  # an author we could not resolve is not the document
    if not is_document_noun(pobj, lex.SPEAKING_DOCUMENT_NOUNS):
        compiler = [t for t in pobj.lefts if t.dep_ in ("compound", "amod", "nmod") and t.pos_ in ("NOUN", "PROPN")]
        if compiler:
            span = ctx.doc[pobj.left_edge.i : pobj.i]
            while len(span) and (span[0].pos_ == "DET" or span[0].dep_ == "nummod"):
                span = span[1:]
            kind = "ORG" if any(label_of(ctx, t) in ("ORG", "GPE", "NORP") for t in span) else "UNNAMED"
            return Speaker(span.text, kind, start=span.start_char, end=span.end_char, penalty=PENALTY_UNNAMED)
        return None
    return document_speaker(ctx, pobj, lex.SPEAKING_DOCUMENT_NOUNS, definite=True)


def document_author(ctx: Context, noun: Token, pronouns: bool = True) -> Speaker | None:
    """The named author of a document: a possessive ("HRW's report", "its report", "our data") or
    a name after by/from/of ("a statement of the US Central Command", "figures compiled by X");
    an unnamed author after "by" ("a statement issued by the army") is a description."""
    for token in _author_candidates(noun):
        if token.dep_ == "poss" and token.head.i == noun.i:
            if not pronouns and token.pos_ == "PRON" and token.lower_ not in lex.FIRST_PERSON_PLURAL:
                continue
            speaker = speaker_from_token(ctx, token)
            if speaker is not None and speaker.type in ("PERSON", "ORG"):
                return speaker
        elif token.pos_ == "PROPN" and not (token.dep_ == "compound" and token.head.pos_ == "PROPN") \
                and label_of(ctx, token) in ("PERSON", "ORG"):
            # a name, also as a modifier: "the October IPC analysis" -> IPC
            speaker = speaker_from_token(ctx, token)
            if speaker is not None and speaker.type in ("PERSON", "ORG"):
                return speaker
        elif token.dep_ == "pobj" and token.pos_ == "NOUN" and (
                token.head.lower_ in ("by", "of") or token.tag_ == "NNS"):
            # "the decision of the court", "a statement issued by the army", "figures from
            # hospitals"; not "reports from the ground"
            speaker = speaker_from_token(ctx, token)
            if speaker is not None and speaker.type in ("PERSON", "ORG", "UNNAMED"):
                return speaker
            if token.head.lower_ != "of" and token.lemma_.lower() not in lex.NON_SPEAKER_NOUNS:
                desc = ctx.doc[token.left_edge.i : token.i + 1]
                return Speaker(desc.text, "UNNAMED", start=desc.start_char, end=desc.end_char,
                               penalty=PENALTY_UNNAMED)
    return None


def _author_candidates(noun: Token):
    """Tokens that can name a document's author: its possessor, modifiers and what hangs below
    them through by/from/of, never places or times ("figures from hospitals in El Fasher")."""
    for child in noun.children:
        if child.dep_ == "prep" and child.lower_ not in AUTHOR_PREPOSITIONS:
            continue
        if child.dep_ in ("relcl", "appos", "conj", "punct", "cc"):
            continue
        yield child
        yield from _author_candidates(child)
