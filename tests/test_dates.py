"""Date extraction: candidates, anchoring, spans, durations and guards."""
from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.extract.dates import anchor_from_published, extract_dates



def dates_of(nlp, text, published="2021-12-21"):
    doc = nlp(text)
    records = extract_dates(doc, published)
    for record in records:
        assert text[record.start : record.end] == record.text
    assert [r.date_id for r in records] == [f"d{i}" for i in range(1, len(records) + 1)]
    assert [r.start for r in records] == sorted(r.start for r in records)
    return records


def find(records, fragment):
    hits = [r for r in records if r.text == fragment] or [r for r in records if fragment in r.text] or [
        r for r in records if r.text in fragment
    ]
    assert hits, f"no date record for {fragment!r} in {[r.text for r in records]}"
    return hits[0]


def test_anchor_from_published():
    assert anchor_from_published("2021-12-21") == datetime(2021, 12, 21)
    assert anchor_from_published("2021-02") == datetime(2021, 2, 28)
    assert anchor_from_published("2020") == datetime(2020, 12, 31)
    assert anchor_from_published(None) is None
    assert anchor_from_published("not a date") is None


def test_day_month_without_year_takes_the_publication_year(nlp):
    records = dates_of(nlp, "On 1 October the council was readmitted to the network.")
    record = find(records, "1 October")
    assert (record.value, record.granularity) == ("2021-10-01", "day")
    # a release only dated by month anchors at the end of that month
    records = dates_of(nlp, "On 1 October the council was readmitted to the network.", "2021-12")
    assert find(records, "1 October").value == "2021-10-01"
    # dates are preferred from the past: October in a February release is last year's
    records = dates_of(nlp, "On 1 October the council was readmitted to the network.", "2022-02-10")
    assert find(records, "1 October").value == "2021-10-01"


def test_absolute_points(nlp):
    text = "The report of 15 March 2011 was updated in March 2021, again on May 3, 2020, and in 2018."
    records = dates_of(nlp, text)
    assert find(records, "15 March 2011").value == "2011-03-15"
    march = find(records, "March 2021")
    assert (march.value, march.granularity) == ("2021-03", "month")
    assert find(records, "May 3, 2020").value == "2020-05-03"
    year = find(records, "2018")
    assert (year.value, year.granularity) == ("2018", "year")


def test_all_figure_dates_are_points_not_ranges(nlp):
    records = dates_of(nlp, "The video was filmed on 21-02-2017 and uploaded on 2017-02-22.")
    assert find(records, "21-02-2017").value == "2017-02-21"
    assert find(records, "2017-02-22").value == "2017-02-22"
    records = dates_of(nlp, "Operation start: 19-11-2025. Published 12/03/2019.", "2025-12-01")
    assert find(records, "19-11-2025").value == "2025-11-19"
    assert find(records, "12/03/2019").value == "2019-03-12"  # day first


def test_month_range_is_a_span(nlp):
    records = dates_of(nlp, "Between June and August the army besieged the town.")
    record = find(records, "Between June and August")
    assert record.text == "Between June and August"
    assert (record.value, record.granularity) == ("2021-06/2021-08", "span")


def test_range_borrows_the_year_of_the_other_side(nlp):
    records = dates_of(nlp, "Aid was blocked from January to March 2022 in the camps.", "2022-06-01")
    assert find(records, "January to March 2022").value == "2022-01/2022-03"
    records = dates_of(nlp, "Nine men were arrested between 9 December 2007 and 30 January.", "2009-05")
    assert find(records, "9 December 2007").value == "2007-12-09/2008-01-30"
    records = dates_of(nlp, "The papers wrote on 17 and 18 February 2019 that the sale was legal.", "2019-03")
    assert find(records, "18 February 2019").value == "2019-02-17/2019-02-18"


def test_range_across_new_year(nlp):
    records = dates_of(nlp, "Shelters flooded between November and February every winter.", "2009-05")
    assert find(records, "November and February").value == "2008-11/2009-02"


def test_year_ranges_and_decades(nlp):
    records = dates_of(nlp, "Displacement figures for 2011-2021 exceed those of the 1980s.")
    years = find(records, "2011-2021")
    assert (years.value, years.granularity) == ("2011/2021", "span")
    decade = find(records, "1980s")
    assert (decade.value, decade.granularity) == ("1980/1989", "span")


def test_relative_expressions(nlp):
    text = "Last year the group documented abuses. This year it did so again. Yesterday it published a list."
    records = dates_of(nlp, text)
    assert find(records, "Last year").value == "2020"
    assert find(records, "This year").value == "2021"
    yesterday = find(records, "Yesterday")
    assert (yesterday.value, yesterday.granularity) == ("2021-12-20", "day")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("It marked 10 years since the uprising began.", "10 years"),
        ("Over the past decade the regime committed crimes.", "the past decade"),
        ("The families waited for three months for news.", "three months"),
        ("A decade of war crimes has not deterred them.", "decade"),
        ("He was sentenced to two to ten years in prison.", "two to ten years"),
    ],
)
def test_durations_have_no_value(nlp, text, fragment):
    record = find(dates_of(nlp, text), fragment)
    assert (record.value, record.granularity) == (None, "duration")


@pytest.mark.parametrize(
    "text",
    [
        "We may see more returns, and they march to the square to protest.",
        "A 12-year-old boy and a man aged 35 were among the wounded.",
        "The second convoy reached the 5th district.",
        "There is a real risk today that the horrors are forgotten.",
        "Between 10 and 20 people were detained. Volunteers handed out 2000 blankets.",
    ],
)
def test_guards_produce_no_dates(nlp, text):
    assert dates_of(nlp, text) == []


def test_without_publication_date_only_absolute_expressions_resolve(nlp):
    text = "On 1 October 2020 the court ruled. Last year the group documented abuses."
    records = dates_of(nlp, text, published=None)
    assert find(records, "1 October 2020").value == "2020-10-01"
    relative = find(records, "Last year")
    assert relative.value is None and relative.granularity == "year"


def test_seed_document_dates(nlp, seed_text):
    text = seed_text
    records = dates_of(nlp, text)
    assert find(records, "Between June and August").value == "2021-06/2021-08"
    assert find(records, "1 October").value == "2021-10-01"
    ten_years = [r for r in records if r.text == "10 years"]
    assert ten_years and all(r.granularity == "duration" and r.value is None for r in ten_years)
    assert find(records, "December 21, 2021").value == "2021-12-21"
    assert find(records, "March 2021").value == "2021-03"


# --- behaviours added with the claims/dates evaluation (texts written for the tests) ---------


@pytest.mark.parametrize("text, fragment, published, value", [
    ("A further shipment is expected in June.", "June", "2020-05-20", "2020-06"),
    ("The consent expires in August.", "August", "2023-07-13", "2023-08"),
    ("Stocks will run out by the end of August.", "the end of August", "2023-07-13", "2023-08"),
    ("A pledging conference on 16 March is expected to raise far less.", "16 March", "2022-03-10", "2022-03-16"),
    ("The decree was announced on 22 March.", "22 March", "2020-04-02", "2020-03-22"),
    ("Elections were held in May.", "May", "2021-12-21", "2021-05"),
])
def test_future_sentences_resolve_forward(nlp, text, fragment, published, value):
    assert find(dates_of(nlp, text, published), fragment).value == value


@pytest.mark.parametrize("text, fragment, published, value", [
    ("The agency said this week that convoys were ready.", "this week", "2023-07-13", "2023-07-10/2023-07-16"),
    ("Talks resumed last week.", "last week", "2023-07-13", "2023-07-03/2023-07-09"),
    ("Planes struck the city before dawn on Tuesday.", "Tuesday", "2016-05-31", "2016-05-31"),
    ("We have buried more children this summer than in the whole war.", "this summer", "2024-09-12", "2024-06/2024-08"),
    ("Gangs killed 1,247 people during Q3 2025.", "Q3 2025", "2025-12-10", "2025-07/2025-09"),
    ("For most of the year, the pattern continued.", "the year", "2024-12-30", "2024"),
    ("From the beginning of June until the end of the year attacks escalated.",
     "From the beginning of June until the end of the year", "2021-12-21", "2021-06/2021-12"),
    ("Between late September and November, people crossed the border.",
     "Between late September and November", "2024-12-30", "2024-09/2024-11"),
    ("I hope the new year will bring peace.", "the new year", "2021-12-21", "2022"),
    ("Trade fell, compared with the same period last year.", "last year", "2022-03-10", "2021"),
])
def test_weeks_weekdays_seasons_and_edges(nlp, text, fragment, published, value):
    assert find(dates_of(nlp, text, published), fragment).value == value


@pytest.mark.parametrize("text, published, expected", [
    ("The Forum said today that families are waiting.", "2023-05-12", "2023-05-12"),
    ("The court today sentenced the officer to life.", "2022-11-18", "2022-11-18"),
    ("There is a real risk today that the horrors are forgotten.", "2021-12-21", None),
    ("Torture today continues to be used systematically.", "2021-12-21", None),
])
def test_today_is_the_publication_day_only_for_reported_events(nlp, text, published, expected):
    records = [r for r in dates_of(nlp, text, published) if r.text.lower() == "today"]
    assert [r.value for r in records] == ([expected] if expected else [])


@pytest.mark.parametrize("text, fragment", [
    ("Detainees were handed over within 48 hours.", "48 hours"),
    ("It took the UN a week to open two crossings.", "a week"),
    ("The court has documented torture for more than a decade.", "a decade"),
    ("No case was reported for 42 consecutive days.", "42 consecutive days"),
    ("After an 11-week period without cases, cholera returned.", "11-week period"),
    ("The outbreak is fuelled by years of neglect.", "years"),
])
def test_more_durations(nlp, text, fragment):
    record = find(dates_of(nlp, text), fragment)
    assert (record.value, record.granularity) == (None, "duration")


@pytest.mark.parametrize("text", [
    "The lab can process about 100 samples a day.",
    "Three years later, those guarantees proved worthless.",
    "One day they will have to answer for them.",
    "Every month that passes is a month in which graves are emptied.",
    "Warehouses were below the two-week threshold.",
    "Hospitals have cut their hours.",
    "The storm destroyed autumn crops.",
    "The capital will host the conference (CPHIA 2026) next year.",
    "Whoever chose that hour knew what it would do.",
])
def test_more_guards(nlp, text):
    kept = [r.text for r in dates_of(nlp, text, "2025-12-10")]
    assert not any(t in {"a day", "Three years", "Three years later", "One day", "a month", "Every month", "two-week",
                         "hours", "autumn", "2026", "hour", "that hour"} for t in kept), kept


def test_more_ages_contrasts_and_open_durations(nlp):
    kept = [r.text for r in dates_of(nlp, "Ali Hamo, 70 years old male, was injured.", "2023-10-04")]
    assert not any("70" in t for t in kept), kept
    records = dates_of(nlp, "There was no link to the government at the time, nor today.", "2019-03-27")
    assert [r.text for r in records if r.text.lower() == "today"] == []
    record = find(dates_of(nlp, "Most households have been uprooted for four or more years."), "four or more years")
    assert record.granularity == "duration"


def test_matched_dates_are_trimmed_and_named_days_skipped(nlp):
    records = dates_of(nlp, "Dr. Hobaeib was released on May 14, but was ordered to leave.", "2003-01")
    assert find(records, "May 14").text == "May 14"
    kept = [r.text for r in dates_of(nlp, "On a Day for Darfur in September, AI campaigned.", "2007-05")]
    assert "a Day" not in kept and "September" in kept


@pytest.mark.parametrize("text, fragment, value", [
    ("In the first quarter of 2022, snowstorms destroyed tents.", "the first quarter of 2022", "2022-01/2022-03"),
    ("Country: Syria\n\nYear: 2022\n\nCountry Profile", "2022", "2022"),
    ("In 2022, conflict continued. About 171,000 displacements were recorded throughout the year.", "the year", "2022"),
    ("Trade rose after the readmission in May 2021. It grew by 30% over the year.", "the year", "2023"),
])
def test_quarters_labels_and_the_year_in_context(nlp, text, fragment, value):
    assert find(dates_of(nlp, text, "2023-05"), fragment).value == value


@pytest.mark.parametrize("text, fragment, value", [
    ("Teams documented 37 incidents in the first two months of the year.", "the first two months of the year",
     "2022-01/2022-02"),
    ("Attacks rose during the last six months of 2016.", "the last six months of 2016", "2016-07/2016-12"),
])
def test_months_of_a_year_are_spans(nlp, text, fragment, value):
    record = find(dates_of(nlp, text, "2022-03-10"), fragment)
    assert (record.value, record.granularity) == (value, "span")
