"""Firms named the way a customer names them, people after a sign-off or a message, and the far
end of a trip (issue 14, session 11). Sentences written for these tests, not taken from
presidio; the names are invented."""

from __future__ import annotations

import pytest

from python_models.scoring.pii import PiiDetector


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # what a customer says after a firm's name
        (
            "I need to close my Brightwell account before Friday.",
            "I need to close my [ORGANIZATION] account before Friday.",
        ),
        (
            "My Verimont subscription renewed without asking.",
            "My [ORGANIZATION] subscription renewed without asking.",
        ),
        ("The Norcross app keeps crashing.", "The [ORGANIZATION] app keeps crashing."),
        ("Is Fennimore open on Sundays?", "Is [ORGANIZATION] open on Sundays?"),
        # ... and before it
        (
            "Can you help me get a refund from Tallisker?",
            "Can you help me get a refund from [ORGANIZATION]?",
        ),
        (
            "I bank with Ostrander and they froze my card.",
            "I bank with [ORGANIZATION] and they froze my card.",
        ),
        ("I bought it at Castellan.", "I bought it at [ORGANIZATION]."),
        # the rest of a firm's name after the run, an ordinal opening a congregation's name, a team
        (
            "I have an interview with Whitcombe & Sons next week.",
            "I have an interview with [ORGANIZATION] next week.",
        ),
        ("We go to First Baptist every week.", "We go to [ORGANIZATION] every week."),
        ("My son plays for the Riverhawks.", "My son plays for the [ORGANIZATION]."),
        # people after a sign-off or as the sender of a message
        ("Signed, Temperance Blackwood", "Signed, [PERSON]"),
        ("Email from Zsofia Kertesz about the lease.", "Email from [PERSON] about the lease."),
        # an addressee on the line of the street address is no part of it
        ("Contact: Ifeoma Nwosu, 12 Ashby Road", "Contact: [PERSON], [ADDRESS]"),
        ("My address is Rosewood Court, 14 Elm Street.", "My address is [ADDRESS], [ADDRESS]"),
        # the far end of a trip whose start is a known place
        (
            "We moved from Bakersfield to Tulsa last year.",
            "We moved from [LOCATION] to [LOCATION] last year.",
        ),
    ],
)
def test_context_types_the_name(detector: PiiDetector, text: str, expected: str) -> None:
    assert detector.redact(text)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "My Netflix account got hacked.",  # a platform hundreds of millions use
        "My Instagram account is private.",
        "I got a package from Mom today.",  # a relative, not a shop
        "A letter from Dad came this morning.",
        "I complained to HR about my manager.",
        "Store hours are terrible here.",
        "Account details were leaked.",
        "I shop at Target on Sundays.",
        "We moved from here to there.",
        "It was the first time I went to church.",
    ],
)
def test_customer_words_alone_redact_nothing(detector: PiiDetector, text: str) -> None:
    redacted, counts = detector.redact(text)
    assert not counts, redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a given name is a person whatever customer word follows or precedes it
        ("Sarah's store is closing down.", "[PERSON]'s store is closing down."),
        ("Is Sarah open to talking?", "Is [PERSON] open to talking?"),
        # an opener before a name is no list mate of it
        ("Thanks, Sarah for everything.", "Thanks, [PERSON] for everything."),
        ("Hey, Marcus and I went out.", "Hey, [PERSON] and I went out."),
    ],
)
def test_people_stay_people(detector: PiiDetector, text: str, expected: str) -> None:
    assert detector.redact(text)[0] == expected
