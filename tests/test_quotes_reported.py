"""Reported speech beyond "X said that" (issue 17, item 2), on short texts written for these tests.

Content-first clauses and a cue inside the clause, findings of courts, inquiries and reports,
documents and bodies as speakers (``speaker_type`` ``DOCUMENT``), "according to" a document,
headlines with a cue, and what is not speech (stances, evidence, descriptions of a crowd).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.extract.quotes import extract_quotes
from pipeline.records import Entity, Quote


@pytest.fixture(scope="module")
def reported(nlp):
    """The indirect and mixed records of a text, offsets checked."""
    def run(text: str, organisation: str | None = None) -> list[Quote]:
        doc = nlp(text)
        entities = [Entity(e.start_char, e.end_char, e.text, e.label_, e.text) for e in doc.ents]
        quotes = extract_quotes(doc, entities, organisation)
        for q in quotes:
            assert text[q.start : q.end] == q.text
        return [q for q in quotes if q.kind in ("indirect", "mixed")]

    return run


def one(quotes: list[Quote], content: str) -> Quote:
    found = [q for q in quotes if q.text == content]
    assert len(found) == 1, [(q.text, q.speaker) for q in quotes]
    return found[0]


# content first, cue in the middle or at the end ----------------------------------------------


def test_cue_in_the_middle_keeps_the_whole_clause(reported):
    text = ("Dr. Alan Smith runs the clinic in Gaziantep. The drugs have a limited set of uses, he says, "
            "and doctors rarely prescribe them.")
    q = one(reported(text), "The drugs have a limited set of uses, he says, and doctors rarely prescribe them")
    assert (q.speaker, q.speaker_type, q.cue) == ("Alan Smith", "PERSON", "says")


def test_cue_in_the_middle_with_a_named_speaker(reported):
    text = "Most of these children, Ms. Mercado said, are in the Za'atari camp."
    q = one(reported(text), "Most of these children, Ms. Mercado said, are in the Za'atari camp")
    assert q.speaker_type == "PERSON" and q.speaker.endswith("Mercado")


def test_content_first_with_testified(reported):
    text = "Mark Gibson worked at the plant for ten years. The company knew the plant was unsafe, Gibson testified."
    q = one(reported(text), "The company knew the plant was unsafe")
    assert (q.speaker, q.cue) == ("Mark Gibson", "testified")


# documents and bodies as speakers -----------------------------------------------------------


@pytest.mark.parametrize("text, content, speaker, cue", [
    ("The audit concludes that the ministry lost track of the funds.",
     "the ministry lost track of the funds", "audit", "concludes"),
    ("The report found that more than 300 civilians were killed in the attacks.",
     "more than 300 civilians were killed in the attacks", "report", "found"),
    ("The parole board decision said the prisoner posed no risk.",
     "the prisoner posed no risk", "parole board decision", "said"),
    ("The investigation determined that the police had used excessive force.",
     "the police had used excessive force", "investigation", "determined"),
])
def test_document_speaks_as_document(reported, text, content, speaker, cue):
    q = one(reported(text), content)
    assert (q.speaker, q.speaker_type, q.cue) == (speaker, "DOCUMENT", cue)
    assert text[q.speaker_start : q.speaker_end] == speaker


def test_document_with_a_named_author_is_the_author(reported):
    text = "Human Rights Watch's report found that the camps lacked clean water."
    q = one(reported(text), "the camps lacked clean water")
    assert (q.speaker, q.speaker_type) == ("Human Rights Watch", "ORG")


def test_researchers_estimate(reported):
    q = one(reported("Researchers estimate that 2 million people are displaced."), "2 million people are displaced")
    assert (q.speaker, q.speaker_type, q.cue) == ("Researchers", "UNNAMED", "estimate")


@pytest.mark.parametrize("text, content, cue", [
    ("The court ruled that the deportation was unlawful.", "the deportation was unlawful", "ruled"),
    ("The commission documented that detainees were tortured in custody.", "detainees were tortured in custody",
     "documented"),
    ("The ministry denied that its forces had shelled the market.", "its forces had shelled the market", "denied"),
    ("The committee confirmed that the two reports were accurate.", "the two reports were accurate", "confirmed"),
])
def test_findings_of_bodies(reported, text, content, cue):
    q = one(reported(text), content)
    assert q.cue == cue and q.speaker_type == "UNNAMED" and q.speaker.lower().startswith("the ")


def test_unnamed_body_as_relative_clause_subject(reported):
    text = ("In March, the Council established a fact-finding mission which in August concluded that "
            "crimes against humanity may have been committed.")
    q = one(reported(text), "crimes against humanity may have been committed")
    assert (q.speaker, q.speaker_type, q.cue) == ("a fact-finding mission", "UNNAMED", "concluded")


def test_findings_of_a_named_court(reported):
    text = "The Higher Regional Court in Koblenz ruled that the accused had committed crimes against humanity."
    q = one(reported(text), "the accused had committed crimes against humanity")
    assert q.speaker_type == "ORG" and "Court" in q.speaker


# according to --------------------------------------------------------------------------------


def test_according_to_a_document_without_author(reported):
    text = "According to the first reports from the ground, dozens of homes were destroyed."
    q = one(reported(text), "dozens of homes were destroyed")
    assert (q.speaker, q.speaker_type, q.cue) == ("first reports from the ground", "DOCUMENT", "according to")


def test_according_to_figures_compiled_by(reported):
    text = "According to figures compiled by the Syrian Network for Human Rights, 200 people died in May."
    q = one(reported(text), "200 people died in May")
    assert (q.speaker, q.speaker_type) == ("Syrian Network for Human Rights", "ORG")


def test_according_to_its_report_is_the_clause_subject(reported):
    text = ("The Syrian Network for Human Rights has documented 57 arrests this year, according to its "
            "latest report.")
    q = one(reported(text), "The Syrian Network for Human Rights has documented 57 arrests this year")
    assert (q.speaker.removeprefix("The "), q.speaker_type) == ("Syrian Network for Human Rights", "ORG")


@pytest.mark.parametrize("text", [
    "According to figures shared with agencies, 200 people died in May.",
    "According to video footage taken at the time, the body bore numerous injuries.",
])
def test_according_to_without_identifiable_source(reported, text):
    assert reported(text) == []


# headlines ------------------------------------------------------------------------------------


def test_headline_with_says(reported):
    text = "Witness says water surged inland\n\nThe storm hit the coast on Monday. Residents fled to higher ground."
    q = one(reported(text), "water surged inland")
    assert (q.speaker, q.speaker_type, q.cue) == ("Witness", "UNNAMED", "says")


def test_headline_without_says_stays_a_headline(reported):
    text = "Families of the disappeared warn that detainees are dying\n\nThe families met in Geneva on Monday."
    assert reported(text) == []


def test_long_paragraph_ending_in_a_page_footer_is_no_headline(reported):
    body = " ".join(["Security forces raided several towns in the north during the spring."] * 4)
    text = (body + " The Commission concluded that crimes against humanity had been committed. "
            + body + " Annual Report 2012")
    q = one(reported(text), "crimes against humanity had been committed")
    assert q.cue == "concluded"


# not speech -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "UNHCR believes that the returns are not voluntary.",
    "Aid workers fear that the camps will flood again.",
    "The families hope that the detainees will be released.",
    "The government wants the refugees to return.",
    "Many residents think that the ceasefire will not hold.",
])
def test_stances_and_beliefs_are_not_reported_speech(reported, text):
    assert reported(text) == []


@pytest.mark.parametrize("text", [
    "Internal documents reveal that the company paid the intelligence services.",
    "The report shows that the company paid the intelligence services.",
])
def test_documents_that_show_evidence_are_not_speech(reported, text):
    assert reported(text) == []


def test_crowd_calling_for_is_a_description(reported):
    text = "Security forces fired on protesters calling for the release of political prisoners."
    assert reported(text) == []


def test_document_speaker_type_is_in_the_schema():
    schema = json.loads((Path(__file__).parents[1] / "pipeline/schema/quotes.schema.json").read_text())
    found = [v for v in _walk(schema) if isinstance(v, dict) and "enum" in v and "UNNAMED" in v["enum"]]
    assert found and all("DOCUMENT" in v["enum"] for v in found)


def _walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


# the reported clause before a quote, "We call on" + a list, the publisher's byline --------------


def test_said_clause_before_a_colon_quote_is_a_statement(nlp):
    text = ("Nour Abdallah, a spokesperson for the monitor, said the crossing was being used as a "
            "bargaining chip:\n\n“For nine years, people here have depended on a vote in New York.”")
    doc = nlp(text)
    quotes = extract_quotes(doc, [Entity(e.start_char, e.end_char, e.text, e.label_, e.text) for e in doc.ents])
    kinds = {q.text: q.kind for q in quotes}
    assert kinds.get("the crossing was being used as a bargaining chip") == "indirect"
    assert kinds.get("For nine years, people here have depended on a vote in New York.") == "direct"


def test_described_topic_before_a_colon_quote_is_not_a_statement(reported):
    text = ("Omar Haddad described the strike on the market in detail:\n\n"
            "“The first missile hit the bakery and the second one hit the crowd.”")
    assert reported(text) == []


def test_we_call_on_and_a_list_of_demands(nlp):
    text = ("Statement by the Hawran Rights Collective\n\nGovernment forces have besieged the old city for "
            "two months.\n\nWe call on\n\n- the government and its allies to lift the siege;\n\n"
            "- the UN to deliver medical supplies without delay.")
    doc = nlp(text)
    quotes = [q for q in doc._.quotes if q.kind == "indirect"]
    assert len(quotes) == 1
    q = quotes[0]
    assert q.text.startswith("the government and its allies") and q.text.endswith("without delay")
    assert (q.speaker, q.cue) == ("Hawran Rights Collective", "call on")


def test_content_first_with_a_long_tail_of_where_and_when(reported):
    text = ("Between December and March, at least 84 health facilities in Idlib were damaged by airstrikes, "
            "the Northwest Syria Health Alliance said in its report “Nowhere Safe to Heal”, published today.")
    q = one(reported(text), "Between December and March, at least 84 health facilities in Idlib were damaged by "
                            "airstrikes")
    assert q.cue == "said" and q.speaker.removeprefix("the ") == "Northwest Syria Health Alliance"



def test_participle_of_a_speaker_noun_without_content_is_no_record(reported):
    text = "Rami Saleh, a citizen journalist reporting from Homs, died from shrapnel wounds in February."
    assert reported(text) == []
