"""One [ADDRESS] over a whole postal address: the street, its unit, town, region code, postcode
and country, across commas and line breaks, instead of pieces with visible text between them."""

from __future__ import annotations

import pytest

from python_models.scoring.pii import PiiDetector, PiiSpan, join_addresses


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector()


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "Please send it to 41 Harbour Road\nApt. 12\nKilkenny\n, KK\n Ireland 40213 thanks",
            "41 Harbour Road\nApt. 12\nKilkenny\n, KK\n Ireland 40213",
        ),
        (
            "Our office: 5 Elm Street, Suite 300, Dayton, OH 45402.",
            "5 Elm Street, Suite 300, Dayton, OH 45402",
        ),
        (
            "We met at the corner of Hauptstraße 5 and Elm Road yesterday.",
            "the corner of Hauptstraße 5 and Elm Road",
        ),
        (
            "Write to me at 12 Petőfi Sándor u. 3.\n Apt. 7\n Pécs\n Hungary 7621",
            "12 Petőfi Sándor u. 3.\n Apt. 7\n Pécs\n Hungary 7621",
        ),
    ],
)
def test_a_postal_address_is_one_span(detector: PiiDetector, text: str, address: str) -> None:
    spans = [s for s in detector.detect(text) if s.kind == "ADDRESS"]
    assert [text[s.start : s.end] for s in spans] == [address]
    assert detector.redact(text)[0].count("[ADDRESS]") == 1


@pytest.mark.parametrize(
    "text",
    [
        "I live at 12 Oak Street. Thanks for asking, see you Friday.",
        "I moved from 40 Pine Road to a flat and I miss the garden",
    ],
)
def test_the_words_after_an_address_stay(detector: PiiDetector, text: str) -> None:
    redacted, _ = detector.redact(text)
    assert "Thanks for asking" in redacted or "to a flat and I miss the garden" in redacted


def test_join_only_grows_address_spans() -> None:
    text = "Bob lives at 7 Mill Lane\nLeeds\nLS1 4AB and works at Acme."
    spans = [
        PiiSpan(0, 3, "PERSON"),
        PiiSpan(13, 24, "ADDRESS"),
        PiiSpan(25, 30, "LOCATION"),
        PiiSpan(31, 38, "LOCATION"),
        PiiSpan(53, 57, "ORGANIZATION"),
    ]
    joined = join_addresses(text, spans)
    assert PiiSpan(0, 3, "PERSON") in joined and PiiSpan(53, 57, "ORGANIZATION") in joined
    addresses = [s for s in joined if s.kind == "ADDRESS"]
    assert [text[s.start : s.end] for s in addresses] == ["7 Mill Lane\nLeeds\nLS1 4AB"]
    assert not [s for s in joined if s.kind == "LOCATION"]


def test_a_phone_after_an_address_stays_a_phone(detector: PiiDetector) -> None:
    text = "Send it to 41 Harbour Road\nKilkenny\n(555) 201-7788 is my number"
    kinds = {text[s.start : s.end]: s.kind for s in detector.detect(text)}
    assert kinds.get("(555) 201-7788") == "PHONE", kinds
    text = "Office: 9 Elm Street, Dayton, OH 45402 0161 496 0018"
    assert "PHONE" in {s.kind for s in detector.detect(text)}
