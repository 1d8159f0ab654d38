"""Quote-mark pairing on the marks that broke it (issue 17, item 3), on texts written for these tests.

Doubled closing marks ('' ’’) and TeX openings, ‘single quotes’ next to apostrophes, guillemets,
„low-high“ marks, quotes of different speakers in consecutive paragraphs, the cap on unclosed
multi-paragraph quotes. Every quote record keeps exact offsets (``quotes_of`` checks them).
"""
from __future__ import annotations

import time

import pytest

from pipeline.extract.quotes import extract_quotes, find_quote_spans
from pipeline.extract.quotes.marks import (
    CONTINUATION_MAX_PARAGRAPHS,
    SINGLE_WEAK_CLOSE_MAX_CHARS,
)


@pytest.fixture(scope="session")
def quotes_of(nlp):
    def run(text: str):
        quotes = extract_quotes(nlp(text), [])
        for q in quotes:
            assert text[q.start : q.end] == q.text
        return quotes

    return run


def spans(text: str) -> list[str]:
    return [text[s.start : s.end] for s in find_quote_spans(text)]


def direct(quotes) -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in quotes if q.kind == "direct"]


# Doubled closing marks and TeX openings ----------------------------------------------------


@pytest.mark.parametrize("text", [
    "“We will not leave the camp,'' said Ali Hassan.",   # curly opening, doubled straight closing
    "“We will not leave the camp,’’ said Ali Hassan.",   # doubled curly closing
    "``We will not leave the camp,'' said Ali Hassan.",  # TeX style
    "''We will not leave the camp,'' said Ali Hassan.",  # doubled marks both ways
    "\"We will not leave the camp,'' said Ali Hassan.",  # straight opening, doubled closing
])
def test_doubled_closing_marks_close_the_quote(quotes_of, text):
    (q,) = quotes_of(text)
    assert (q.text, q.speaker, q.kind) == ("We will not leave the camp,", "Ali Hassan", "direct")
    assert text[q.end : q.end + 2] in ("''", "’’")


def test_an_article_with_doubled_marks_keeps_every_quote(quotes_of):
    text = (
        "Aid workers reached the camp on Monday.\n\n"
        "“The water ran out on Friday,'' said Maria Lopez, a nurse at the clinic.\n\n"
        "“We carried the children to the road,'' said Ahmad Karimi. “Nobody came for two days.''\n\n"
        "``The convoy is on its way,'' a spokesman for the agency said."
    )
    found = direct(quotes_of(text))
    assert found[:3] == [
        ("The water ran out on Friday,", "Maria Lopez"),
        ("We carried the children to the road,", "Ahmad Karimi"),
        ("Nobody came for two days.", "Ahmad Karimi"),
    ]
    assert found[3][0] == "The convoy is on its way,"


def test_a_doubled_mark_after_a_word_is_not_an_opening(quotes_of):
    text = "The students'' union met. “We stay,'' she said."
    assert spans(text) == ["We stay,"]


# Single quotes next to apostrophes ---------------------------------------------------------


DIGEST = (
    "Denmark’s decision hit the Syrian’s family hard. ‘We are scared of what comes next,’ said "
    "Ahmad Karimi. In the ‘90s the people’s homes were taken, and the Syrians’ lawyers said nothing "
    "for years while the families waited for news from the authorities and from the courts of the "
    "country. ‘They will come for us again,’ said Lina Haddad."
)


def test_single_quotes_next_to_apostrophes_stay_short(quotes_of):
    assert spans(DIGEST) == ["We are scared of what comes next,", "They will come for us again,"]
    assert direct(quotes_of(DIGEST)) == [
        ("We are scared of what comes next,", "Ahmad Karimi"),
        ("They will come for us again,", "Lina Haddad"),
    ]


def test_an_apostrophe_typed_as_opening_mark_never_swallows_a_later_quote():
    # ‘Adel (a transliterated ayn) opens nothing that a later quote's closing mark could end
    text = (
        "Journalist ‘Adel Kharsa was arrested on 17 August and held for five weeks without charge "
        "before he was released. ‘I was never told why,’ he said later."
    )
    assert spans(text) == ["I was never told why,"]


def test_a_weak_closing_mark_far_from_its_opener_is_an_apostrophe():
    # Rabee’ Joorya: an apostrophe before a word, hundreds of characters after ‘Adel
    text = (
        "Journalist ‘Adel Kharsa was arrested by officials on 17 August for reporting on the protests. "
        "He was held incommunicado for five weeks, then released uncharged, and detained again on 31 "
        "October. Some 15 people were shot dead on 19 July at the funerals of ten protesters, "
        "including Rabee’ Joorya."
    )
    assert len(text) > 2 * SINGLE_WEAK_CLOSE_MAX_CHARS
    assert spans(text) == []


def test_possessive_inside_a_single_quote_does_not_end_it(quotes_of):
    text = "‘We do not know what will happen, the Syrians’ homes are gone’, says Ahmad Karimi."
    (q,) = quotes_of(text)
    assert (q.text, q.speaker) == ("We do not know what will happen, the Syrians’ homes are gone", "Ahmad Karimi")


def test_single_quoted_term_before_a_word_still_pairs():
    text = "Officials called the plan ‘a fresh start’ while the lawyers called it ‘a trap’, and left."
    assert spans(text) == ["a fresh start", "a trap"]


# Guillemets and low-high marks --------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "«We will not leave the camp,» said Ali Hassan.",
    "»We will not leave the camp,« said Ali Hassan.",
    "„We will not leave the camp,“ said Ali Hassan.",
    "„We will not leave the camp,” said Ali Hassan.",
])
def test_guillemets_and_low_high_marks(quotes_of, text):
    (q,) = quotes_of(text)
    assert (q.text, q.speaker) == ("We will not leave the camp,", "Ali Hassan")


def test_spaced_and_single_guillemets_pair():
    text = "He wrote « Nous restons ici » and ‹nobody leaves› on the wall, and »wir bleiben« too."
    assert spans(text) == ["Nous restons ici", "nobody leaves", "wir bleiben"]


# One quote per speaker ----------------------------------------------------------------------


def test_consecutive_quote_paragraphs_of_different_speakers_are_not_merged(quotes_of):
    text = (
        "Maria Lopez said: “The shelters are full and winter is coming.\n\n"
        "“We need blankets now,” said Ahmad Karimi."
    )
    assert direct(quotes_of(text)) == [
        ("The shelters are full and winter is coming.", "Maria Lopez"),
        ("We need blankets now,", "Ahmad Karimi"),
    ]


def test_paragraph_after_a_closed_quote_of_another_speaker_is_not_merged(quotes_of):
    text = (
        "“The shelters are full,” said Maria Lopez. “The children sleep on the floor.\n\n"
        "“We need blankets now,” said Ahmad Karimi."
    )
    assert direct(quotes_of(text)) == [
        ("The shelters are full,", "Maria Lopez"),
        ("The children sleep on the floor.", "Maria Lopez"),
        ("We need blankets now,", "Ahmad Karimi"),
    ]


def test_multi_paragraph_quote_with_its_cue_at_the_end_stays_one(quotes_of):
    text = "“The shelters are full and winter is coming.\n\n“We need blankets now,” said Ahmad Karimi."
    ((content, speaker),) = direct(quotes_of(text))
    assert content.startswith("The shelters") and content.endswith("now,") and speaker == "Ahmad Karimi"


def test_a_missing_closing_mark_does_not_run_over_the_cue(quotes_of):
    text = "“We waited for hours, said Ahmad Karimi. The convoy came on Tuesday.\n\nMore news."
    assert direct(quotes_of(text)) == [("We waited for hours,", "Ahmad Karimi")]


def test_a_missing_closing_mark_does_not_swallow_the_next_quote(quotes_of):
    text = "“The shelters are full, said Maria Lopez. “We need blankets now,” said Ahmad Karimi."
    assert direct(quotes_of(text)) == [
        ("The shelters are full,", "Maria Lopez"),
        ("We need blankets now,", "Ahmad Karimi"),
    ]


def test_speech_reported_inside_a_closed_quote_is_not_a_cue(quotes_of):
    text = "“When I arrived, the doctor said the clinic was closed. We waited,” said Maria Lopez."
    assert direct(quotes_of(text)) == [
        ("When I arrived, the doctor said the clinic was closed. We waited,", "Maria Lopez"),
    ]


# The cap on unclosed quotes -----------------------------------------------------------------


def test_unclosed_quote_runs_at_most_the_cap_of_paragraphs():
    text = "\n\n".join(f"“Paragraph {n} of a statement that is never closed" for n in range(12))
    first, rest = find_quote_spans(text)
    assert (first.para_first, first.para_last) == (0, CONTINUATION_MAX_PARAGRAPHS - 1)
    assert text[first.start : first.end].count("\n\n") == CONTINUATION_MAX_PARAGRAPHS - 1
    assert text[first.start : first.end].endswith(f"{CONTINUATION_MAX_PARAGRAPHS - 1} of a statement that is never closed")
    assert text[rest.start : rest.end].startswith(f"Paragraph {CONTINUATION_MAX_PARAGRAPHS} of")
    assert (rest.para_first, rest.para_last) == (CONTINUATION_MAX_PARAGRAPHS, 11)


def test_a_closed_quote_over_many_paragraphs_stays_whole():
    # the guidelines: each paragraph opening with a mark, only the last closed, is one quote
    text = "\n\n".join(f"“Paragraph {n} of a resolution quoted in full" for n in range(12)) + ".”"
    (span,) = find_quote_spans(text)
    assert (span.para_first, span.para_last, span.close) == (0, 11, len(text) - 1)


def test_block_quote_never_runs_over_a_heading():
    text = "“The shelling never stopped\n\nthe nights were long.\n\nWinter appeal\n\nDonations are open.”"
    (span,) = find_quote_spans(text)
    assert text[span.start : span.end] == "The shelling never stopped"


def test_block_quote_closes_within_the_cap_only():
    middle = "\n\n".join(["plain narrative paragraph."] * CONTINUATION_MAX_PARAGRAPHS)
    text = f"“The shelling never stopped\n\n{middle}\n\nand then it ended.”"
    (span,) = find_quote_spans(text)
    assert span.close is None and text[span.start : span.end] == "The shelling never stopped"


def test_pairing_stays_linear_with_single_marks_and_apostrophes():
    for text in ("‘word " * 10_000, "‘a b’ c " * 10_000, "‘a " + "b’ c " * 20_000,
                 "x ‘a’ b " * 10_000, "``a " * 10_000, "''a " * 10_000, "‘90s " * 10_000):
        started = time.perf_counter()
        find_quote_spans(text)
        assert time.perf_counter() - started < 2.0
