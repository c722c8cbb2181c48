"""Issue 14, session 7: person evidence after a run, a person's full-name shape the span model
may not retype, and the precision guards for holidays and acronyms used as nouns. Sentences
written for these tests (none from presidio-synth or the counselling set)."""

from __future__ import annotations

import random

import pytest

from python_models.scoring.pii import PiiDetector
from python_models.scoring.pii_entities import LIST_ENDS, LIST_MATE_RES, EntityFinder
from python_models.scoring.pii_span_model import NONE, SpanModel


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector()


def _kinds(detector: PiiDetector, text: str) -> dict[str, str]:
    return {text[p.start : p.end]: p.kind for p in detector.detect(text)}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Carter's mom called the school again.", "Carter"),
        ("Harper's dad is a cop.", "Harper"),
        ("Mason and I fought about money.", "Mason"),
        ("We stayed at Grandma Jean's house.", "Jean"),
        ("Uncle Ray never calls back.", "Ray"),
    ],
)
def test_person_evidence_after_or_before_the_name(
    detector: PiiDetector, text: str, name: str
) -> None:
    assert _kinds(detector, text).get(name) == "PERSON"


def test_a_list_after_with_is_people_not_a_firm(detector: PiiDetector) -> None:
    kinds = _kinds(detector, "I went with Paige, Marshall and Brooke to the lake.")
    assert [kinds.get(n) for n in ("Paige", "Marshall", "Brooke")] == ["PERSON"] * 3


@pytest.mark.parametrize(
    "text",
    [
        "We withdrew cash from an ATM near the station.",
        "I'll see you after Labor Day, and then over Christmas Eve.",
        "Happy Mother's Day to all the moms here.",
        "Everything changed after the ER visit.",
    ],
)
def test_holidays_and_acronyms_used_as_nouns_stay(detector: PiiDetector, text: str) -> None:
    assert detector.detect(text) == []


def test_a_state_code_is_still_a_place_when_it_ends_the_address(detector: PiiDetector) -> None:
    text = "We moved to 41 Birch Lane, Dayton, OH 45402 last spring."
    assert any(p.kind == "ADDRESS" and "OH" in text[p.start : p.end] for p in detector.detect(text))


def test_full_name_shape_and_possessive_kinship() -> None:
    finder = EntityFinder(span_model=False)
    assert finder._person_shape(["Jessica", "H.", "Snider"], ["jessica", "h", "snider"])
    assert finder._person_shape(["Priya", "Kowalski"], ["priya", "kowalski"])
    assert not finder._person_shape(["Tom", "Kowalski"], ["tom", "kowalski"])  # "tom": a word
    assert not finder._person_shape(["Priya", "Kowalski", "Group"], ["priya", "kowalski", "group"])
    assert not finder._person_shape(["PRIYA", "KOWALSKI"], ["priya", "kowalski"])
    assert finder._person_after(["carter"], "'s older sister took me")
    assert not finder._person_after(["carter"], " and the others")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("We had dinner at the Johnson house.", "Johnson"),
        ("The Kowalski family moved in next door.", "Kowalski"),
    ],
)
def test_a_surname_with_the_and_family_is_a_person(
    detector: PiiDetector, text: str, name: str
) -> None:
    assert _kinds(detector, text).get(name) == "PERSON"


@pytest.mark.parametrize(
    "text",
    [
        "My dad reads the Bible to me when I can't sleep.",
        "The Japanese Border Force have detained him.",
        "We are proud Mexicans and my Catholic mom hates it.",
        "My brother joined the British Army last year.",
    ],
)
def test_things_after_the_and_nationality_words_stay(detector: PiiDetector, text: str) -> None:
    assert detector.detect(text) == []


def test_a_firm_named_with_a_nationality_word_is_still_a_firm(detector: PiiDetector) -> None:
    text = "I fly American Airlines to see my dad."
    assert _kinds(detector, text).get("American Airlines") == "ORGANIZATION"


def _retyping_finder() -> EntityFinder:
    """A finder whose span model calls every run it is asked about a place."""
    model = SpanModel((NONE, "PERSON", "LOCATION"), (0.0, 0.0, 5.0), {}, 0.5, {})
    return EntityFinder(span_model=model)


def test_a_mid_sentence_given_name_is_not_retyped_by_the_model() -> None:
    finder = _retyping_finder()
    text = "I talked to Maria about it yesterday."
    assert [(text[e.start : e.end], e.kind) for e in finder.find(text)] == [("Maria", "PERSON")]
    # with a speech verb after it the model is still asked (and here retypes it)
    text = "I know Maria said nothing."
    assert [(text[e.start : e.end], e.kind) for e in finder.find(text)] == [("Maria", "LOCATION")]


def test_the_list_mate_test_hides_no_match() -> None:
    """`_extend_lists` searches before a name only where the text ends like a joiner."""
    pieces = ["Kevin", "ana", "O'Neil", "É", ",", " ", "\t", "\n", "and", "&", "or", "y", "et"]
    pieces += ["und", "x", "'", "-", "3"]
    rng = random.Random(14)
    skipped = 0
    for lowercase in (False, True):
        before_re = LIST_MATE_RES[lowercase][1]
        for _ in range(20_000):
            chunk = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
            tail = chunk[:-1] if chunk.endswith("\n") else chunk
            if not tail.rstrip(" \t").endswith(LIST_ENDS):
                skipped += 1
                assert before_re.search(chunk) is None, repr(chunk)
    assert skipped > 5_000
