"""Numeric claims: values, qualifiers, units, counted nouns, events, sub-counts, sources."""
from __future__ import annotations


import pytest

from pipeline.extract.claims import check_parts, extract_claims
from pipeline.extract.dates import extract_dates
from pipeline.records import Claim



def claims_of(nlp, text, published="2021-12-21"):
    doc = nlp(text)
    claims = extract_claims(doc, extract_dates(doc, published), [], published)
    for claim in claims:
        assert text[claim.start : claim.end] == claim.text
        sentence = text[claim.sentence_start : claim.sentence_end]
        assert claim.text in sentence
    assert [c.claim_id for c in claims] == [f"c{i}" for i in range(1, len(claims) + 1)]
    return claims


def find(claims, fragment) -> Claim:
    hits = [c for c in claims if c.text == fragment] or [c for c in claims if fragment in c.text]
    assert hits, f"no claim for {fragment!r} in {[c.text for c in claims]}"
    return hits[0]


@pytest.mark.parametrize(
    "text, fragment, value, qualifier",
    [
        ("Attacks killed at least 65 children in the north west.", "at least 65 children", 65, "at_least"),
        ("Denmark stripped more than 100 Syrian refugees of their permits.", "more than 100 Syrian refugees", 100, "more_than"),
        ("The army cut off aid to around 20,000 people last week.", "around 20,000 people", 20000, "about"),
        ("Up to 500 people were sheltering in the school.", "Up to 500 people", 500, "up_to"),
        ("Fewer than 10 doctors remain in the district.", "Fewer than 10 doctors", 10, "less_than"),
        ("The clinic treated no fewer than 40 patients.", "no fewer than 40 patients", 40, "at_least"),
        ("An estimated 6.7 million people are displaced inside the country.", "An estimated 6.7 million people", 6.7e6, "about"),
        ("Some 300 families fled the town.", "Some 300 families", 300, "about"),
        ("The strikes hit 12 schools.", "12 schools", 12, "exact"),
    ],
)
def test_qualifiers_are_merged_into_the_span(nlp, text, fragment, value, qualifier):
    claim = find(claims_of(nlp, text), fragment)
    assert claim.text == fragment
    assert claim.value == pytest.approx(value)
    assert claim.qualifier == qualifier
    assert claim.unit == "count"


@pytest.mark.parametrize(
    "text, fragment, value, qualifier",
    [
        ("Three members of the team were wounded.", "Three members", 3, "exact"),
        ("The campaign aims to protect half a million children.", "half a million children", 5e5, "exact"),
        ("The half-million children who live in the province are afraid.", "half-million children", 5e5, "exact"),
        ("A dozen volunteers cleared the road.", "A dozen volunteers", 12, "exact"),
        ("Twenty-three patients were evacuated.", "Twenty-three patients", 23, "exact"),
        ("They laid out hundreds of telephones on the square.", "hundreds of telephones", 100, "vague"),
        ("Dozens of homes were destroyed.", "Dozens of homes", 12, "vague"),
        ("There are tens of thousands of people still missing.", "tens of thousands of people", 1e4, "vague"),
        ("Hundreds of thousands of pictures were archived.", "Hundreds of thousands of pictures", 1e5, "vague"),
        ("The war has scarred millions of children.", "millions of children", 1e6, "vague"),
        ("Thousands of civilians continue to suffer.", "Thousands of civilians", 1e3, "vague"),
    ],
)
def test_number_words_and_vague_quantities(nlp, text, fragment, value, qualifier):
    claim = find(claims_of(nlp, text), fragment)
    assert claim.text == fragment
    assert isinstance(claim.value, float) and claim.value == pytest.approx(value)
    assert claim.qualifier == qualifier


@pytest.mark.parametrize(
    "text, fragment, low, high, unit",
    [
        ("Between 10 and 20 people were detained at the checkpoint.", "Between 10 and 20 people", 10, 20, "count"),
        ("Each convoy carried 10-20 families.", "10-20 families", 10, 20, "count"),
        ("Mortality could rise by 10 to 30% in the camps.", "10 to 30%", 10, 30, "percent"),
    ],
)
def test_ranges(nlp, text, fragment, low, high, unit):
    claim = find(claims_of(nlp, text), fragment)
    assert claim.text == fragment
    assert (claim.value, claim.value_max, claim.qualifier, claim.unit) == (low, high, "range", unit)


@pytest.mark.parametrize(
    "text, fragment, value, unit, counted",
    [
        ("Just 3.8% of the population is vaccinated.", "3.8%", 3.8, "percent", None),
        ("Around 80 per cent of them are women and children.", "Around 80 per cent", 80, "percent", None),
        ("Donors pledged $5 million for the shelters.", "$5 million", 5e6, "money", "USD"),
        ("The court imposed a fine of €1.93 million on the firm.", "€1.93 million", 1.93e6, "money", "EUR"),
        ("The firm was fined 500.000 EUR last year.", "500.000 EUR", 5e5, "money", "EUR"),
        ("The company exported 168 tonnes of the chemical.", "168 tonnes", 168, "quantity", "tonne"),
        ("The convoy travelled roughly 20 km to the border.", "roughly 20 km", 20, "quantity", "kilometre"),
    ],
)
def test_units(nlp, text, fragment, value, unit, counted):
    claim = find(claims_of(nlp, text), fragment)
    assert claim.text == fragment
    assert claim.value == pytest.approx(value)
    assert (claim.unit, claim.counted) == (unit, counted)


@pytest.mark.parametrize(
    "text, fragment, counted, event",
    [
        ("In the north, 1,202 civilians were killed by the parties.", "1,202 civilians", "civilian", "killed"),
        ("The car bombs killed at least 91 people in the city.", "at least 91 people", "person", "killed"),
        ("That year 1,976 people were arbitrarily detained by the police.", "1,976 people", "person", "detained"),
        ("Families seek news of over 100,000 people who remain forcibly disappeared.", "over 100,000 people", "person", "disappeared"),
        ("Rescue workers saved 612 injured civilians from the rubble.", "612 injured civilians", "civilian", None),
        ("The coast guard rescued 44 migrants off the island.", "44 migrants", "migrant", "rescued"),
        ("Police arrested eight activists at the protest.", "eight activists", "activist", "arrested"),
        ("The shelling caused seven deaths in the market.", "seven deaths", "death", "killed"),
    ],
)
def test_counted_noun_and_event(nlp, text, fragment, counted, event):
    claim = find(claims_of(nlp, text), fragment)
    assert claim.text == fragment
    assert claim.counted == counted
    if event is not None:
        assert claim.event == event


def test_sub_counts_link_to_their_total(nlp):
    text = (
        "Across the country 1,202 civilians were killed throughout 2021 by parties to the conflict "
        "including 284 children (167 of them in unidentified attacks)."
    )
    claims = claims_of(nlp, text)
    total, children, them = find(claims, "1,202 civilians"), find(claims, "284 children"), find(claims, "167 of them")
    assert total.part_of is None
    assert children.part_of == total.claim_id
    assert them.part_of == children.claim_id
    assert them.counted == "child" and them.event == "killed"
    assert {c.period for c in (total, children, them)} == {"2021"}
    assert check_parts(claims) == []


def test_sub_counts_of_whom_and_lists(nlp):
    claims = claims_of(nlp, "The strikes killed more than 224 people, including at least 65 children, 38 women.")
    total = find(claims, "more than 224 people")
    assert find(claims, "at least 65 children").part_of == total.claim_id
    assert find(claims, "38 women").part_of == total.claim_id
    claims = claims_of(nlp, "Soldiers detained 50 men, of whom 20 were later released.")
    assert find(claims, "20").part_of == find(claims, "50 men").claim_id


def test_check_parts_flags_a_part_larger_than_its_total(nlp):
    claims = claims_of(nlp, "The raid killed 20 people, including 35 children.")
    part, total = find(claims, "35 children"), find(claims, "20 people")
    assert part.part_of == total.claim_id
    assert check_parts(claims) == [(part.claim_id, total.claim_id)]


@pytest.mark.parametrize(
    "text, fragment, source",
    [
        ("According to the Syrian Network for Human Rights (SNHR) 1,202 civilians were killed in 2021.",
         "1,202 civilians", "Syrian Network for Human Rights"),
        ("Just 3.8% of the population in the north is vaccinated, according to OCHA.", "3.8%", "OCHA"),
        ("Amnesty International reported that 300 people were executed in the prison.", "300 people", "Amnesty International"),
        ("The strikes killed 30 people in the market.", "30 people", None),
    ],
)
def test_source(nlp, text, fragment, source):
    assert find(claims_of(nlp, text), fragment).source == source


def test_period_and_location(nlp):
    claims = claims_of(nlp, "In March 2021, 45 people were killed in Idlib by air strikes.")
    claim = find(claims, "45 people")
    assert claim.period == "2021-03"
    assert claim.location == "Idlib"


@pytest.mark.parametrize(
    "text",
    [
        "In 2021 the war entered its eleventh year.",
        "The council adopted Resolution 2585 under Article 7 of the charter.",
        "For information call +44 20 7946 0958 today.",
        "1. Unlawful attacks on hospitals\n\n2. Use of illegal weapons",
        "A 12-year-old boy and a man aged 35 were questioned.",
        "The meeting started at 10:30 in the town hall.",
        "It was the second raid on the 5th district this week.",
        "One of the doctors said the situation was dire.",
        "It marked 10 years since the uprising began.",
        "Prices rose three times in the winter.",
        "The images are at https://example.org/archive?after=2016-07-01&before=2016-12-31 online.",
        "The regime denied the allegations.\n\n317\n\nThe trial continued behind closed doors.",
        "The volunteer Ahmad Khalil (26) was present during the attack.",
        "A Sukhoi 22 flew over the town at dawn.",
        "Rules 11, 12, and 71 of the customary law protect hospitals.",
        "Amnesty called for the 2005 arms ban to be enforced.",
    ],
)
def test_non_claims(nlp, text):
    assert claims_of(nlp, text) == []


def test_year_followed_by_its_noun_is_a_count(nlp):
    claims = claims_of(nlp, "Volunteers distributed 2000 blankets in the camp.")
    assert find(claims, "2000 blankets").value == 2000


def test_bracketed_restatement_is_one_claim(nlp):
    claims = claims_of(nlp, "Investigators verified eighteen (18) videos of the attack.")
    assert [(c.text, c.value, c.counted) for c in claims] == [("eighteen (18) videos", 18, "video")]


def test_without_publication_date(nlp):
    claims = claims_of(nlp, "In March 2021, 45 people were killed in Idlib. Last year 12 more died.", published=None)
    assert find(claims, "45 people").period == "2021-03"
    assert find(claims, "12").period is None


def test_seed_document_claims(nlp, seed_text):
    text = seed_text
    claims = claims_of(nlp, text)
    total = find(claims, "1,202 civilians")
    assert (total.value, total.counted, total.event, total.period, total.source) == (
        1202, "civilian", "killed", "2021", "Syrian Network for Human Rights")
    children = find(claims, "284 children")
    assert children.part_of == total.claim_id
    assert find(claims, "167 of them").part_of == children.claim_id
    percent = find(claims, "3.8%")
    assert (percent.value, percent.unit) == (3.8, "percent")
    phones = find(claims, "hundreds of telephones")
    assert (phones.value, phones.qualifier) == (100, "vague")
    assert not any(c.text.startswith("10 years") or c.text == "10" for c in claims)
    assert check_parts(claims) == []


@pytest.mark.parametrize("text, claim, source", [
    ("Since 2011, at least 9,000 people have disappeared, according to data compiled by the "
     "Levant Detainee Registry.", "at least 9,000 people", "Levant Detainee Registry"),
    ("According to UNHCR figures, 5,000 people returned in May.", "5,000 people", "UNHCR"),
    ("At least 40 people were killed, according to local data.", "At least 40 people", None),
])
def test_source_of_a_document_is_its_author(nlp, text, claim, source):
    found = find(claims_of(nlp, text), claim)
    assert found.source == source
