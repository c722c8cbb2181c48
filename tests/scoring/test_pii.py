"""PII redaction: every structured kind is replaced by its placeholder and counted."""

from __future__ import annotations

import pytest

from python_models.scoring.pii import PiiConfig, PiiDetector, luhn_valid


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector()


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("write to jane.doe+work@example.co.uk today", "EMAIL", "jane.doe+work@example.co.uk"),
        ("call me on (602) 272-9781 after six", "PHONE", "272-9781"),
        ("my number is +44 7700 900123", "PHONE", "7700 900123"),
        ("Desk: 5403926876", "PHONE", "5403926876"),
        ("Tél : +33 (0)1 23 45 67 89", "PHONE", "23 45 67 89"),
        ("reach me at +81 3-1234-5678", "PHONE", "1234-5678"),
        ("ssn 123-45-6789 on the form", "SSN", "123-45-6789"),
        ("card 4111 1111 1111 1111 was declined", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("server at 192.168.10.25 is down", "IP_ADDRESS", "192.168.10.25"),
        ("follow me at https://twitter.com/some_handle please", "URL", "some_handle"),
        ("I live at 742 Evergreen Terrace, Apt 4", "ADDRESS", "742 Evergreen Terrace"),
        ("My name is Pamela and I feel stuck", "PERSON", "Pamela"),
        ("I talked to Dr. Okonkwo yesterday", "PERSON", "Okonkwo"),
        ("Yesterday Maria Gonzalez told me it was my fault", "PERSON", "Maria Gonzalez"),
    ],
)
def test_redacts_each_kind(detector: PiiDetector, text: str, kind: str, secret: str) -> None:
    redacted, counts = detector.redact(text)
    assert secret not in redacted
    assert f"[{kind}]" in redacted
    assert counts[kind] >= 1


@pytest.mark.parametrize(
    "text",
    [
        "I have felt anxious since 2019 and it got worse in 2021.",
        "It costs 1200 dollars a month, and I sleep 5 hours.",
        "Rose petals, hope and grace are what I need right now.",
        "I went back to work, then to the gym, then home.",
        "card 4111 1111 1111 1112 is not a real card",  # fails the Luhn check
        "On 5 12 2019 I moved out.",
        # helplines are crisis resources, not a person's number: they must survive redaction
        "Please call the Lifeline at 1-800-273-8255 or text HOME to 741741.",
        "The Childhelp hotline is (800) 422-4453, any time.",
        "In the UK, call Samaritans on 116 123 or Childline on 0800 1111.",
    ],
)
def test_leaves_ordinary_text_alone(detector: PiiDetector, text: str) -> None:
    redacted, counts = detector.redact(text)
    assert redacted == text, counts


def test_counts_every_occurrence(detector: PiiDetector) -> None:
    _, counts = detector.redact("a@b.com, c@d.org and 123-45-6789")
    assert counts == {"EMAIL": 2, "SSN": 1}


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_a_personal_number_beside_a_helpline_is_still_redacted(detector: PiiDetector) -> None:
    redacted, counts = detector.redact("Call 1-800-799-7233, or reach me on 415-555-0182.")
    assert redacted == "Call 1-800-799-7233, or reach me on [PHONE]."
    assert counts == {"PHONE": 1}


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        # national layouts the regex alone cannot split: libphonenumber with region hints
        ("Sie erreichen mich unter 0221/123456 ab Montag.", "0221/123456"),
        ("Tel. +49 (0)221/1234567", "1234567"),
        ("Meine Nummer: 030/12345678", "12345678"),
        # national and international layouts of the hinted regions
        ("Ring my mum on 020 7946 0958 tonight.", "7946 0958"),
        ("My number is 98765 43210, message me", "98765 43210"),
        ("Mobile (02) 9876 5432", "9876 5432"),
        ("my cell 0412 345 678", "345 678"),
        ("Appelez le 01 23 45 67 89 ce soir", "45 67 89"),
        ("whatsapp me +91 98765 43210", "98765 43210"),
    ],
)
def test_finds_international_phone_layouts(detector: PiiDetector, text: str, secret: str) -> None:
    redacted, counts = detector.redact(text)
    assert secret not in redacted
    assert counts["PHONE"] == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a postcode glued in front: the address keeps it, the number after it is still a phone
        ("Unit 4 Box 99 APO AA 33879 0699 868 88 55", "[ADDRESS] [PHONE]"),
        ("Cyprus 78891 0688 843 79 56", "78891 [PHONE]"),
        ("Berlin 10115 030 35551277", "10115 [PHONE]"),
        # a label or name glued after with a hyphen ends the number
        ("Mobile: (0151) 23-456-Desk: 555", "Mobile: [PHONE]-Desk"),
        ("ring me on 020 7946 0958-Tom", "ring me on [PHONE]-Tom"),
        # "+" starts a phone, never a card number (14 digits pass Luhn by chance 1 in 10)
        ("Call +4915112345678 now", "Call [PHONE] now"),
        # a Spanish mobile, nine digits in one group, no phone word: libphonenumber's ES plan
        ("si quieres, 612345678 es el mío", "si quieres, [PHONE] es"),
    ],
)
def test_phones_beside_other_numbers_and_words(
    detector: PiiDetector, text: str, expected: str
) -> None:
    redacted, counts = detector.redact(text)
    assert expected in redacted
    assert counts["PHONE"] == 1 and counts["CREDIT_CARD"] == 0


@pytest.mark.parametrize(
    "text",
    [
        "my case id is 555-0100-AB12",  # a reference code, not a number with a label after
        "Visa 4111 1111 1111 1111 expires soon",
    ],
)
def test_codes_with_digits_after_a_hyphen_are_not_phones(detector: PiiDetector, text: str) -> None:
    assert detector.redact(text)[1]["PHONE"] == 0


def test_slashed_numbers_come_from_the_phonenumbers_matcher() -> None:
    regex_only = PiiDetector(PiiConfig(detect_names=False, phone_regions=()))
    assert regex_only.redact("ruf an: 0221/123456")[0] == "ruf an: 0221/123456"
    with_matcher = PiiDetector(PiiConfig(detect_names=False))
    assert with_matcher.redact("ruf an: 0221/123456")[0] == "ruf an: [PHONE]"


@pytest.mark.parametrize(
    "text",
    [
        "the 2019/2020 school year was hard, and we moved 2010\u20132012.",
        "We met on 12/05/2019 at 10:30.",
        "On 2019-05-12 at 10:30 I left.",
        "text HOME to 741741 or call 988",
        "if you are in danger call 1 (800) 273-8255 now",
        "Shout is on 85258; Mind's line is 0300 123 3393 and Childline 0800 1111.",
        "call the Samaritans free on 0808 808 4994",
    ],
)
def test_dates_years_and_helplines_are_not_phones(detector: PiiDetector, text: str) -> None:
    _, counts = detector.redact(text)
    assert counts["PHONE"] == 0


@pytest.mark.parametrize(
    "text",
    [
        "The address of Glover, Ruiz and Armstrong LLC is the corner of Main St.",
        "I worked at Lopez, Santos & Coleman Group for years.",
        "They sued Barnett, Melton and Garcia, Inc. last year.",
    ],
)
def test_a_name_list_before_a_firm_word_is_a_firm(detector: PiiDetector, text: str) -> None:
    _, counts = detector.redact(text)
    assert counts["PERSON"] == 0


def test_a_list_of_people_is_still_people(detector: PiiDetector) -> None:
    redacted, counts = detector.redact("I met Anna, Derek and Shane, co-founders of a charity.")
    assert counts["PERSON"] == 3, redacted
