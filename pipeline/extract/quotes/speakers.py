"""Speakers: who the subject of a cue is, with role and organisation.

:func:`speaker_from_token` turns the subject of a speech verb (or the object of "according to")
into a :class:`~pipeline.extract.quotes.context.Speaker`: a named person or organisation (its
canonical entity name, a role run into the name trimmed, an acronym kept), pronouns and "the
Alliance"-style back-references resolved (:mod:`~pipeline.extract.quotes.coreference`), joint
speakers ("X and Y reveal"), and unnamed ones described by a noun phrase ("a UNHCR
spokesperson"). Roles and organisations come from appositives, prepositions and possessives.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import replace

import numpy as np
from spacy.attrs import ENT_TYPE, POS
from spacy.parts_of_speech import PRON, PROPN, VERB
from spacy.tokens import Span, Token

from pipeline import lexicon as lex
from pipeline.extract.attribution import is_speech_verb, subject_of
from pipeline.extract.entities import TRAILING_CONJUNCTION
from pipeline.extract.quotes.context import (
    LOOKBACK,
    PENALTY_PRONOUN,
    PENALTY_UNNAMED,
    Context,
    Speaker,
    entities_in,
    entity_at,
    label_of,
)
from pipeline.extract.quotes.coreference import (
    definite_role,
    fill_from_earlier,
    full_name,
    is_bare_role,
    looks_like_personal_name,
    most_recent,
    person_gender,
    pronoun_gender,
    resolve_person_pronoun,
    role_reference,
    speaker_gender,
)
from pipeline.extract.quotes.titles import is_title_word, title_role
from pipeline.extract.quotes.titles import name_tokens as _name_tokens


def strip_det(text: str) -> str:
    """Drop a lower-case leading article ("the Association of ..." -> "Association of ...")."""
    return re.sub(r"^(the|a|an)\s+", "", text.strip(" ,;:")).strip()


def speaker_type(ctx: Context, name: str, label: str | None, role: str | None) -> str:
    if name.isupper() and len(name) >= 2 and " " not in name:
        return "ORG"  # an acronym: SANA, SOHR, UNHCR
    if name in ctx.person_labels:
        return "PERSON"
    if label in ("PERSON",):
        return "PERSON"
    words = {w.lower() for w in name.split()}
    if words & lex.ORG_NAME_WORDS:
        return "ORG"
    if label == "ORG" and looks_like_personal_name(name):
        return "PERSON"  # the small model often labels "First Last" as ORG
    if label in ("ORG", "NORP", "GPE", "FAC", "LOC") and not role:
        return "ORG"
    return "PERSON"


def split_role_org(ctx: Context, phrase: Span) -> tuple[str | None, str | None]:
    """Role and organisation from an appositive ("Middle East director at Human Rights Watch")."""
    tokens = [t for t in phrase if not t.is_punct or t.text in "'’-&"]
    if not tokens:
        return None, None
    # cut at the first comma or relative pronoun: what follows describes the organisation
    cut = next((t.i for t in phrase if t.text in (",", "(", ";") or t.lower_ in ("who", "which", "whose")),
               phrase.end)
    tokens = [t for t in tokens if t.i < cut]
    if not tokens:
        return None, None
    for t in tokens:
        if t.lower_ in lex.ORG_PREPOSITIONS and t.i + 1 < cut:
            after = ctx.doc[t.i + 1 : cut]
            name = [w for w in after if w.lower_ != "the"]
            if name and name[0].text[:1].isupper() and not _is_place(ctx, name[0]):
                role = ctx.doc[tokens[0].i : t.i].text if t.i > tokens[0].i else None
                return _clean_role(role), strip_det(after.text) or None
            break  # only the first preposition links a role to its organisation
    # "a White Helmets volunteer": an organisation name inside the description
    cut_char = ctx.doc[cut - 1].idx + len(ctx.doc[cut - 1])
    ents = [e for e in entities_in(ctx, phrase.start_char, cut_char) if phrase.start_char <= e.start and e.end <= cut_char]
    org_ent = next((e for e in ents if e.label == "ORG"), None)
    head = phrase.root
    if org_ent is None:
        propn = [t for t in tokens if t.pos_ == "PROPN" and t.i < head.i]
        if propn and any(w.lower_ in lex.ORG_NAME_WORDS for w in propn):
            return head.text, ctx.doc[propn[0].i : propn[-1].i + 1].text
        return _clean_role(ctx.doc[tokens[0].i : cut].text), None
    role_tokens = [t for t in tokens if not (org_ent.start <= t.idx < org_ent.end) and t.i <= head.i and t.pos_ != "DET"]
    role = " ".join(t.text for t in role_tokens) or head.text
    return _clean_role(role), org_ent.text


def _clean_role(role: str | None) -> str | None:
    """A role is words: "26" (an age) or an empty string is no role."""
    role = re.sub(r"^(the|a|an)\s+", "", (role or "").strip(" ,;:"), flags=re.IGNORECASE).strip()
    return role if any(c.isalpha() for c in role) and not role.isdigit() else None


def _is_place(ctx: Context, token: Token) -> bool:
    ent = entity_at(ctx, token)
    return ent is not None and ent.label in ("GPE", "LOC")


def _describe_person(ctx: Context, head: Token, speaker: Speaker) -> Speaker:
    """Fill role/org from appositives and prepositions attached to the name's head."""
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ in lex.ORG_PREPOSITIONS and speaker.org is None:
            pobj = [c for c in child.children if c.dep_ == "pobj"]
            if pobj and pobj[0].pos_ == "PROPN":
                speaker.org = strip_det(phrase_to_comma(pobj[0]).text)
        elif child.dep_ == "appos":
            if child.lemma_.lower() in lex.GROUP_NOUNS and speaker.org is not None:
                continue  # "of X, an organisation that ..." describes the organisation
            appos = ctx.doc[child.left_edge.i : child.right_edge.i + 1]
            role, org = split_role_org(ctx, appos)
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


def phrase_to_comma(token: Token) -> Span:
    """The subtree of ``token`` up to its first comma or bracket ("Families for Freedom")."""
    doc = token.doc
    end = token.right_edge.i + 1
    for t in doc[token.i : end]:
        if t.text in (",", "(", ";", "—", "–"):
            end = t.i
            break
    return doc[token.left_edge.i : end]


def collect_person_mentions(ctx: Context) -> None:
    """Everyone a later "he"/"she" may mean: PERSON entities and the (non-pronoun) subjects of
    speech verbs, named or described ("a former detainee who asked not to be named told us")."""
    for ent in ctx.entities:
        if ent.label == "PERSON":
            name = ent.canonical if " " in ent.canonical else full_name(ctx, ent.canonical, ent.start)
            name = _trim_role_words(name)
            ctx.add_mention(ent.start, Speaker(name, "PERSON", start=ent.start, end=ent.end),
                            person_gender(ctx, name))
    # token arrays pick the few candidate tokens; Token objects only for those
    pos, ent_type = ctx.doc.to_array(POS), ctx.doc.to_array(ENT_TYPE)
    for i in np.flatnonzero((pos == PROPN) & (ent_type == 0)).tolist():
        token = ctx.doc[i]
        if (lex.gender_of_word(token.text, ("first_names",))
                and (token.i == 0 or ctx.doc[token.i - 1].pos_ != "PROPN")):
            # a person the recogniser missed: known first name + following proper nouns
            end = token.i + 1
            while end < len(ctx.doc) and ctx.doc[end].pos_ == "PROPN" and end - token.i < 3:
                end += 1
            name = ctx.doc[token.i : end].text
            ctx.add_mention(token.idx, Speaker(name, "PERSON", start=token.idx, end=token.idx + len(name)),
                            person_gender(ctx, name))
    for i in np.flatnonzero(pos == VERB).tolist():
        token = ctx.doc[i]
        lemma = token.lemma_.lower()
        if lemma not in lex.SPEECH_VERBS and lemma not in lex.INDIRECT_VERBS:
            continue
        if ctx.inside_quote(token.idx):
            continue
        subject = subject_of(token)
        if subject is None or subject.pos_ == "PRON" or subject.lower_ in lex.PERSON_PRONOUNS:
            continue
        speaker = speaker_from_token(ctx, subject)
        if speaker is not None and speaker.type == "UNNAMED" and speaker.name:
            ctx.add_mention(subject.idx, speaker, speaker_gender(ctx, speaker))
    _chain_subject_pronouns(ctx, pos)


def _chain_subject_pronouns(ctx: Context, pos: np.ndarray) -> None:
    """ "He met the governor": a he/she subject outside quotes keeps its person salient.

    Resolved in text order, each such pronoun becomes a mention of the person it means, so a
    later "he said" follows the chain rather than jumping to the governor.
    """
    for i in np.flatnonzero(pos == PRON).tolist():
        token = ctx.doc[i]
        if (token.lower_ not in ("he", "she") or token.dep_ not in ("nsubj", "nsubjpass")
                or ctx.inside_quote(token.idx)):
            continue
        found = resolve_person_pronoun(ctx, token.idx, pronoun_gender(token.lower_))
        if found is not None:  # the person's own gender evidence: a chain must not outrank others
            ctx.add_mention(token.idx, found, speaker_gender(ctx, found))


def _recent_org_speaker(ctx: Context, token: Token) -> Speaker | None:
    """ "It called on ..." right after "CRRN urged ...": the organisation subject of a speech verb
    in the previous sentence of the same paragraph (not any organisation named in between)."""
    sent = token.sent
    if sent.start == 0:
        return None
    previous = ctx.doc[sent.start - 1].sent
    if "\n" in ctx.text[previous.end_char - 1 : sent.start_char]:
        return None
    root_subject = subject_of(previous.root) if previous.root.pos_ in ("VERB", "AUX") else None
    if root_subject is not None and root_subject.pos_ == "PROPN":
        # "The Prosecutor's Office joined ... . It asked ...": the previous sentence's subject
        speaker = speaker_from_token(ctx, root_subject)
        if speaker is not None and speaker.type == "ORG":
            return replace(speaker, start=token.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
    for verb in previous:
        lemma = verb.lemma_.lower()
        if verb.pos_ == "VERB" and (lemma in lex.INDIRECT_VERBS or lemma in lex.SPEECH_VERBS):
            subject = subject_of(verb)
            if subject is not None and subject.pos_ != "PRON":
                speaker = speaker_from_token(ctx, subject) or described_subject(ctx, subject)
                # "they" may also be a described group that spoke ("the three companies stress ...")
                plural_group = (speaker is not None and speaker.type == "UNNAMED" and token.lower_ == "they"
                                and subject.tag_ in ("NNS", "NNPS"))
                if speaker is not None and (speaker.type == "ORG" or plural_group):
                    return replace(speaker, start=token.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
    return None


def described_subject(ctx: Context, subject: Token) -> Speaker | None:
    """A common-noun subject of a cue verb as an unnamed speaker ("the three companies stress"),
    unless it names a document or an inanimate source ("the report", "the data")."""
    if subject.pos_ != "NOUN" or subject.dep_ not in ("nsubj",) or subject.lower_ in ("%", "percent", "cent"):
        return None  # "More than 70% said ...": a share of an unnamed group, not a speaker
    if subject.lemma_.lower() in lex.NON_SPEAKER_NOUNS or subject.lower_ in lex.NON_SPEAKER_NOUNS:
        return None
    return _described(ctx, subject)


def speaker_from_token(ctx: Context, token: Token, allow_joint: bool = True) -> Speaker | None:
    """Resolve the subject of a cue verb to a speaker (``allow_joint``: "X and Y" as one)."""
    lower = token.lower_
    if token.pos_ == "PRON" or lower in lex.PERSON_PRONOUNS | lex.GROUP_PRONOUNS | lex.FIRST_PERSON_PLURAL:
        if lower in lex.FIRST_PERSON_PLURAL:
            if ctx.organisation:
                return Speaker(ctx.organisation, "ORG", start=token.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
            return None
        want = "PERSON" if lower in lex.PERSON_PRONOUNS else "ORG" if lower in lex.GROUP_PRONOUNS else None
        if want is None:
            return None
        if want == "PERSON":
            found = resolve_person_pronoun(ctx, token.idx, pronoun_gender(lower))
        else:
            found = _recent_org_speaker(ctx, token) or most_recent(ctx, token.idx, want)
        if found is None:
            return None
        return replace(found, start=token.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
    if token.lower_ == "one" or token.pos_ == "NUM":  # "one of the survivors"
        of = [c for c in token.children if c.lower_ == "of"]
        pobj = [g for c in of for g in c.children if g.dep_ == "pobj"]
        if pobj and pobj[0].lemma_.lower() in lex.SPEAKER_NOUNS:
            desc = phrase_to_comma(token)
            return Speaker(desc.text, "UNNAMED", start=desc.start_char, end=desc.end_char, penalty=PENALTY_UNNAMED)
    if token.pos_ in ("NOUN", "PROPN"):
        own = entity_at(ctx, token)
        named = [
            c for c in token.rights
            if c.dep_ == "appos" and c.pos_ == "PROPN"
            and (token.pos_ == "NOUN" or (label_of(ctx, c) == "PERSON" and (own is None or own.label != "PERSON")))
        ]
        if named:
            # "Oxfam's humanitarian lead Rania Haddad", "The UN Secretary-General, António Guterres,"
            speaker = speaker_from_token(ctx, named[0])
            if speaker is not None and speaker.type == "PERSON":
                poss = [c for c in token.lefts if c.dep_ == "poss" and c.pos_ != "PRON"]  # not "Her colleague"
                role_start = max([p.i + 2 for p in poss] + [c.i + 1 for c in token.lefts if c.dep_ == "poss"],
                                 default=token.left_edge.i)
                role = ctx.doc[role_start : token.i + 1]
                speaker.role = speaker.role or _clean_role(role.text)
                if poss and speaker.org is None:
                    speaker.org = ctx.doc[poss[0].left_edge.i : poss[0].i + 1].text
                return speaker
    joint = _joint_speaker(ctx, token) if allow_joint else None
    if joint is not None:
        return joint
    if token.pos_ == "PROPN" or entity_at(ctx, token) is not None:
        ent = entity_at(ctx, token)
        if ent is not None and ent.label in ("PERSON", "ORG", "NORP", "GPE"):
            name, start, end, label = ent.canonical, ent.start, ent.end, ent.label
        elif token.pos_ == "PROPN":
            chain = _name_tokens(token)
            name, start, end, label = " ".join(t.text for t in chain), chain[0].idx, token.idx + len(token), None
            name = strip_det(name)
        else:
            return None
        name = strip_det(name).split(" (")[0]  # "Africa CDC (Africa" : an acronym bracket
        name = TRAILING_CONJUNCTION.sub("", name)  # "Knack and": an entity run into a conjunction
        if (is_bare_role(token.text) and any(c.dep_ in ("prep", "poss") for c in token.children)
                and not _names_a_person(ctx, token)):
            end = next((t.i for t in ctx.doc[token.i + 1 : phrase_to_comma(token).end]
                        if t.pos_ in ("VERB", "AUX")), phrase_to_comma(token).end)
            return _described(ctx, token, end)  # "The army's Head of Media", up to its verb
        if is_bare_role(name) and (ent is None or ent.label != "ORG"):
            return role_reference(ctx, token)  # "the President said": who was introduced so
        if label in ("ORG", None) or " " not in name:
            org = _org_backref(ctx, token, name, start)
            if org is not None:
                return org
        if " " not in name:
            name = full_name(ctx, name, start)
        if (label == "PERSON" or looks_like_personal_name(name) or name in ctx.person_labels
                or any(lex.gender_of_word(w, ("first_names",)) for w in name.split())):
            name = _trim_role_words(name)
        # "Nadia Omran of Families": the recogniser ran the name into the organisation
        words = name.split()
        cut = next((k for k, w in enumerate(words) if w in ("of", "from", "at")), len(words))
        if 0 < cut < len(words) and looks_like_personal_name(" ".join(words[:cut])):
            prefix = " ".join(words[:cut])
            if token.idx < start + len(prefix) and ctx.text.startswith(prefix, start):
                name, end, label = prefix, start + len(prefix), None
        speaker = Speaker(name, None, start=start, end=end)
        speaker.type = speaker_type(ctx, name, label, None)
        if speaker.type == "PERSON":
            speaker = _describe_person(ctx, token, speaker)
            role, org = title_role(ctx, start, name)
            speaker.role, speaker.org = speaker.role or role, speaker.org or org
        return speaker
    if token.pos_ == "NOUN" and token.text.isupper() and len(token.text) >= 2 and token.text.isalpha():
        # an acronym the tagger took for a common noun ("CRRN urged"): the organisation it names
        known = next((e.canonical for e in ctx.entities if e.text == token.text and e.label == "ORG"), token.text)
        return Speaker(known, "ORG", start=token.idx, end=token.idx + len(token))
    if token.pos_ == "NOUN":
        lemma = token.lemma_.lower()
        if token.text[:1].isupper() and token.dep_ in ("nsubj", "nsubjpass"):
            full = full_name(ctx, token.text, token.idx)  # "Masalmeh added", tagged as a noun
            if full != token.text:
                speaker = Speaker(full, "PERSON", start=token.idx, end=token.idx + len(token))
                fill_from_earlier(ctx, speaker)
                return speaker
        if (lemma in lex.ORG_BACKREF_NOUNS and any(c.lower_ in ("the", "this") for c in token.lefts)
                and token.tag_ not in ("NNS", "NNPS")):  # "the three companies" are not one organisation
            found = _org_backref(ctx, token, lemma, token.idx)  # "the court", "the network"
            if found is None and lemma in lex.GROUP_NOUNS:
                found = most_recent(ctx, token.idx, "ORG")
            if found:
                return replace(found, start=token.left_edge.idx, end=token.idx + len(token), penalty=PENALTY_PRONOUN)
            if lemma in lex.GROUP_NOUNS:
                return _described(ctx, token)  # "the company said" with no company named before
        if lemma in lex.SPEAKER_NOUNS:
            named = definite_role(ctx, token)  # "the lawyer" after "lawyer Pieter Borms"
            if named is not None:
                return named
            desc = phrase_to_comma(token)
            speaker = Speaker(desc.text, "UNNAMED", start=desc.start_char, end=desc.end_char, penalty=PENALTY_UNNAMED)
            org_words = [t for t in desc if t.pos_ == "PROPN" and t.i < token.i]
            if org_words:
                speaker.org = ctx.doc[org_words[0].i : org_words[-1].i + 1].text
            _describe_person(ctx, token, speaker)
            if speaker.org and speaker.role is None:
                speaker.role = token.text
            return speaker
    return None


def _names_a_person(ctx: Context, token: Token) -> bool:
    """Whether the phrase of ``token`` holds a person's name (an entity or a known first name)."""
    phrase = ctx.doc[token.left_edge.i : token.right_edge.i + 1]
    return (any(e.label == "PERSON" for e in entities_in(ctx, phrase.start_char, phrase.end_char))
            or any(t.pos_ == "PROPN" and lex.gender_of_word(t.text, ("first_names",)) for t in phrase))


def _joint_speaker(ctx: Context, token: Token) -> Speaker | None:
    """ "Knack and Syrian Archive reveal ...": two named subjects speak together.

    Only for subjects of a cue verb whose conjuncts are all names; the speaker is the names
    joined as written ("Didier Reynders and Steven Vandeput").
    """
    if token.dep_ not in ("nsubj", "nsubjpass") or token.pos_ != "PROPN":
        return None
    conjuncts = [c for c in token.children if c.dep_ == "conj"]
    if not conjuncts or not all(c.pos_ in ("PROPN", "NOUN") for c in conjuncts):
        return None  # each conjunct must still resolve to a named speaker below
    members = []
    for member in [token] + conjuncts:
        single = speaker_from_token(ctx, member, allow_joint=False)
        if single is None or single.name is None or single.type not in ("PERSON", "ORG"):
            return None
        if any(w.lower() in lex.ROLE_WORDS for w in single.name.split()):
            return None  # "Prime Minister, Minister and ...": roles, not a list of speakers
        members.append(single)
    name = " and ".join([", ".join(m.name for m in members[:-1]), members[-1].name]) if len(members) > 1 else members[0].name
    kind = "PERSON" if all(m.type == "PERSON" for m in members) else "ORG"
    return Speaker(name, kind, start=members[0].start, end=members[-1].end)


def _trim_role_words(name: str) -> str:
    """ "Lawyer Joris Vercraeye" -> "Joris Vercraeye"; "Roberto Benes Regional Director" ->
    "Roberto Benes" (a role run into the name by a missing comma)."""
    words = name.split()
    while len(words) > 1 and is_title_word(words[0]):
        words = words[1:]
    # "Integration Mattias Tesfaye": the end of a role before a known first name
    given = next((k for k, w in enumerate(words)
                  if w.lower() not in lex.NAME_PARTICLES and lex.gender_of_word(w, ("first_names",))), 0)
    if 0 < given < len(words) - 1:
        words = words[given:]
    for k in range(2, len(words)):
        if words[k].lower() in lex.ROLE_WORDS:
            words = words[:k]
            break
    return " ".join(words)


def _org_backref(ctx: Context, token: Token, name: str, start: int) -> Speaker | None:
    """ "the Alliance", "the network", "the Forum" -> the organisation named in full earlier.

    A one-word name that is an organisation word refers back to the most recent organisation
    whose full name contains it, or to the publishing organisation; "the <group noun>" with no
    such organisation refers to the most recent organisation.
    """
    if " " in name or name.lower() not in lex.ORG_BACKREF_NOUNS:
        return None
    word = name.lower()
    full = None
    if ctx.organisation and word in ctx.organisation.lower().split():
        full = ctx.organisation  # in a release, "the Network" is first of all its publisher
    candidates = [e for e in reversed(ctx.entities[: bisect.bisect_left(ctx.entity_starts, start)][-LOOKBACK:])
                  if e.label == "ORG" and " " in e.canonical and word in e.canonical.lower().split()]
    if full is None and candidates:
        full = candidates[0].canonical
    if full is None:
        return None
    return Speaker(full, "ORG", start=start, end=token.idx + len(token))


def speaker_for_verb(ctx: Context, verb: Token) -> Speaker | None:
    """Speaker of a cue verb that introduces a quote, with fallbacks for parse slips.

    The grammatical subject first; for "…, who said" whose relative clause the parser hung on
    the wrong noun, the noun just before "who"; for a participle cue the parser could not
    attach ("… published a post at 21:21 stating:"), the subject of the sentence root.
    """
    subject = subject_of(verb)
    if verb.tag_ == "VBG" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
        # "He stated that X had presented ..., adding '...'": the participle continues the
        # speech verb above it, even when the parse hangs it on the reported clause
        speech = next((a for a in verb.ancestors if is_speech_verb(a) or a.lemma_.lower() in lex.INDIRECT_VERBS), None)
        if speech is not None and subject_of(speech) is not None:
            subject = subject_of(speech)
    speaker = speaker_from_token(ctx, subject) if subject is not None else None
    if speaker is not None:
        return speaker
    if subject is not None:
        described = described_subject(ctx, subject)  # "Spanish media reports that “...”"
        if described is not None:
            return described
    doc = ctx.doc
    relative = [c for c in verb.children if c.dep_ == "nsubj" and c.lower_ in ("who", "which")]
    if relative and relative[0].i > 0:
        before = doc[relative[0].i - 1]
        if before.is_punct and before.i > 0:
            before = doc[before.i - 1]
        if before.dep_ == "pobj" and before.head.lower_ == "of":
            owner = before.head.head
            if owner.lower_ == "one" or owner.lemma_.lower() in lex.SPEAKER_NOUNS:
                before = owner
        speaker = speaker_from_token(ctx, before)
        if speaker is not None:
            return speaker
    root = verb.sent.root
    if root.i != verb.i and root.pos_ in ("VERB", "AUX") and subject is None:
        root_subject = subject_of(root)
        if root_subject is not None and root_subject.i < verb.i:
            return speaker_from_token(ctx, root_subject)
    return None


def last_speaker_in(ctx: Context, start: int, end: int) -> tuple[Speaker, Token] | None:
    """The speaker of the last speech cue of the paragraph [start, end) and its verb, while
    nobody else becomes the topic after it.

    "The mayor, John Smith, said the town would rebuild. He met the governor." followed by a
    quote paragraph with no cue: the quote is the mayor's (the conversation's current speaker),
    not the governor's (the person mentioned last). A later sentence whose subject is another
    named person ends the mayor's turn.
    """
    window = ctx.doc.char_span(start, end, alignment_mode="contract")
    if window is None:
        return None
    for verb in reversed(window):
        lemma = verb.lemma_.lower()
        if verb.pos_ != "VERB" or (lemma not in lex.SPEECH_VERBS and lemma not in lex.INDIRECT_VERBS):
            continue
        if ctx.inside_quote(verb.idx) or any(c.dep_ == "neg" for c in verb.children) or not (
                is_speech_verb(verb) or lemma not in lex.PHRASAL_CUES):
            continue  # "would not tell", "They call to doctors": no one speaks
        subject = subject_of(verb)
        if subject is not None and subject.lower_ in lex.GROUP_PRONOUNS:
            return None  # "they"/"it" resolve too loosely to carry a quote paragraph
        speaker = speaker_for_verb(ctx, verb)
        if speaker is None or speaker.name is None or speaker.type not in ("PERSON", "ORG", "UNNAMED"):
            return None
        for sent in ctx.doc[verb.sent.end : window.end].sents:
            subject = subject_of(sent.root) if sent.root.pos_ in ("VERB", "AUX") else None
            if subject is not None and subject.pos_ == "PROPN":
                other = speaker_from_token(ctx, subject)
                if other is not None and other.name != speaker.name:
                    return None  # another named person takes the floor
        return speaker, verb
    return None


def speaker_from_source(ctx: Context, pobj: Token) -> Speaker | None:
    if pobj.pos_ == "NOUN" and (pobj.lemma_.lower() in lex.SOURCE_DOCUMENT_NOUNS
                                or pobj.lower_ in lex.SOURCE_DOCUMENT_NOUNS):
        # "figures compiled by the SNHR", "UNHCR's latest data", "our documentation"
        for token in _author_candidates(pobj):
            if token.lower_ in lex.FIRST_PERSON_PLURAL or (
                    token.pos_ == "PROPN" and not (token.dep_ == "compound" and token.head.pos_ == "PROPN")
                    and label_of(ctx, token) in ("PERSON", "ORG")):
                return speaker_from_token(ctx, token)
            if token.dep_ == "pobj" and token.head.lower_ in ("by", "from") and token.pos_ == "NOUN":
                # "a statement issued by the army" -> "the army"
                return speaker_from_token(ctx, token) or _described(ctx, token)
        return None  # a document with no named author is not a speaker
    speaker = speaker_from_token(ctx, pobj)
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


def _described(ctx: Context, noun: Token, end: int | None = None) -> Speaker:
    """An unnamed speaker described by a noun phrase ("aid workers", "the army"), up to the noun
    or to token ``end``."""
    desc = ctx.doc[noun.left_edge.i : end or noun.i + 1]
    return Speaker(desc.text, "UNNAMED", start=desc.start_char, end=desc.end_char, penalty=PENALTY_UNNAMED)


def canonical(ctx: Context, span: Span) -> str:
    for ent in entities_in(ctx, span.start_char, span.end_char):
        return ent.canonical
    return span.text
