"""Postcodes, whole addresses and places (issue 14, session 10): a postcode next to its town or
street is redacted with it, in the layouts the issue names; a place after a preposition is a
place; numbers, years and everyday words beside them stay visible. Sentences written for these
tests, not taken from presidio."""

from __future__ import annotations

import pytest

from python_models.scoring.pii import PiiDetector

LARNACA = "\u039b\u0391\u03a1\u039d\u0391\u039a\u0391"
"""A Greek town line in capitals (written with escapes: its letters look Latin)."""


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector()


@pytest.mark.parametrize(
    ("text", "secrets", "kind"),
    [
        # a postcode closing a town, with or without a comma or a state code
        ("I live in Berlin 10115 with my aunt.", ("Berlin", "10115"), "LOCATION"),
        ("we moved to Leipzig, 04109 last spring", ("Leipzig", "04109"), "LOCATION"),
        ("Send it to Springfield, IL 62704-1234.", ("Springfield", "62704", "1234"), "LOCATION"),
        ("Mooresville, NC 28115", ("Mooresville", "NC", "28115"), "LOCATION"),
        ("Her flat is in Warszawa 00-950 now.", ("Warszawa", "00-950"), "LOCATION"),
        ("He stays near Brno 602 00 with his dad.", ("Brno", "602 00"), "LOCATION"),
        ("my zip code is 02139-4307", ("02139", "4307"), "LOCATION"),
        # a postcode after a street, in the layouts of other countries
        ("Kerkstraat 12\n7412 SL Deventer", ("7412 SL", "Deventer"), "ADDRESS"),
        ("Rua Augusta 200, 1100-053 Lisboa", ("1100-053",), "ADDRESS"),
        ("Husova 12, 602 00 Brno", ("602 00", "Brno"), "ADDRESS"),
        ("ul. Polna 7\n00-635 Warszawa", ("00-635", "Warszawa"), "ADDRESS"),
        # an empty state written out by pandas does not end the address before its postcode
        ("12 Harbour Road Apt. 5\nKirkwall\n, nan\n 10432", ("Kirkwall", "10432"), "ADDRESS"),
        ("Send it to 48 Mill Lane Suite 3 Dunmore nan", ("Dunmore", "nan"), "ADDRESS"),
        # a town line with a bracketed note, then the country and its postcode
        (f"7 Odos Ermou 14\n{LARNACA} ({LARNACA}Σ)\nCyprus 6023", (LARNACA, "6023"), "ADDRESS"),
        # streets written in lowercase, as chat is
        ("i live at 12 oak street and i hate it", ("12 oak street",), "ADDRESS"),
        ("come to 3911 fourth avenue apt 2 tonight", ("fourth avenue", "apt 2"), "ADDRESS"),
        ("meet me at 2407 tawastintie 6, mohács", ("tawastintie", "mohács"), "ADDRESS"),
        # a house number and a street name with a particle or a lowercase street word
        ("We live at 44 Jana z Lipna 12 now.", ("Lipna", "12"), "ADDRESS"),
        ("12521 Belgrád rkp. 18. Apt. 417 Szeged", ("rkp. 18", "Szeged"), "ADDRESS"),
        ("Write to 772 ul. Narewska 94 please.", ("Narewska 94",), "ADDRESS"),
    ],
)
def test_postcodes_go_with_their_town_or_street(
    detector: PiiDetector, text: str, secrets: tuple[str, ...], kind: str
) -> None:
    redacted, counts = detector.redact(text)
    for secret in secrets:
        assert secret not in redacted, redacted
    assert counts[kind] >= 1, redacted
    assert "PHONE" not in counts, redacted


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Blink-182 played a show in the Netherlands.", "Netherlands"),
        ("My mum moved to the UK when I was ten.", "UK"),
        ("My dad moved back to the US last year.", "US"),
        ("We flew to the USA for my cousin's wedding.", "USA"),
        ("In United States schools they sing every morning.", "United States"),
        ("I am in ΛΕΥΚΩΣΙΑ for a business trip.", "ΛΕΥΚΩΣΙΑ"),
        ("Я живу в Москве, мама тоже.", "Москве"),
    ],
)
def test_places_after_a_preposition_are_locations(
    detector: PiiDetector, text: str, secret: str
) -> None:
    redacted, counts = detector.redact(text)
    assert secret not in redacted, redacted
    assert counts["LOCATION"] == 1, redacted


@pytest.mark.parametrize(
    "text",
    [
        "i walked 3 miles down the road and cried",
        "we were 2 cars behind on the highway",
        "it's a 4 lane highway near my house",
        "i have 2 kids 5 and 7 and no help",
        "I slept 3 hrs 2 nights in a row.",
        "Let US know if you need anything.",
        "TELL US WHAT YOU THINK",
        "He was in Paris 2024 for the games.",  # a year after a town is no postcode
        "It happened in 2019, 12 of us were there.",
    ],
)
def test_numbers_and_words_beside_them_stay(detector: PiiDetector, text: str) -> None:
    redacted, counts = detector.redact(text)
    assert "ADDRESS" not in counts, redacted
    assert "PHONE" not in counts, redacted
    for word in ("miles", "road", "highway", "kids", "hrs", "US", "2024", "2019"):
        if word in text:
            assert word in redacted, redacted


def test_a_given_name_that_is_a_state_stays_a_person(detector: PiiDetector) -> None:
    redacted, _ = detector.redact("My friend Georgia moved to Georgia last year.")
    assert redacted == "My friend [PERSON] moved to [LOCATION] last year.", redacted


def test_a_zip_plus_four_with_a_phone_word_is_still_a_phone(detector: PiiDetector) -> None:
    redacted, counts = detector.redact("Call me at 62704-1234 after six.")
    assert counts["PHONE"] == 1, redacted


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("my birthday is march 3rd and nobody remembered", "march 3rd"),
        ("My birthday is on the 14th of February.", "14th of February"),
        ("I was born on May the 3rd, 1990.", "3rd, 1990"),
        ("I was born in May 1990 in a small town.", "May 1990"),
        ("DOB 1990/05/03", "1990/05/03"),
        ("date of birth: 1990.05.03", "1990.05.03"),
        ("my b-day is june 5", "june 5"),
        ("Mi cumpleaños es el 5 de mayo.", "5 de mayo"),
    ],
)
def test_a_birthday_is_a_date_of_birth(detector: PiiDetector, text: str, secret: str) -> None:
    redacted, counts = detector.redact(text)
    assert secret not in redacted, redacted
    assert counts["DATE_OF_BIRTH"] == 1, redacted


@pytest.mark.parametrize(
    "text",
    [
        "We met on March 3rd.",  # a date with no birth word stays: dates are not all identifying
        "my birthday may be ruined",
        "It was born out of 3 years of pain.",
    ],
)
def test_dates_without_a_birth_word_stay(detector: PiiDetector, text: str) -> None:
    redacted, counts = detector.redact(text)
    assert redacted == text, counts


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("I drove up to Flagstaff alone last weekend.", "Flagstaff"),
        ("My sister moved out to Kettering with her boyfriend.", "Kettering"),
    ],
)
def test_a_place_after_a_motion_verb_and_a_particle(
    detector: PiiDetector, text: str, secret: str
) -> None:
    redacted, counts = detector.redact(text)
    assert secret not in redacted, redacted
    assert counts["LOCATION"] == 1, redacted


@pytest.mark.parametrize("text", ["We met in March at the hospital.", "I moved in June."])
def test_a_month_after_a_preposition_is_no_place(detector: PiiDetector, text: str) -> None:
    redacted, counts = detector.redact(text)
    assert redacted == text, counts
