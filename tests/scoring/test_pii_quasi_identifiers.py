"""PII quasi-identifiers: the people, places, institutions, dates, handles and national numbers
that make a client findable, each behind its typed placeholder; generic words stay."""

from __future__ import annotations

import pytest

from python_models.scoring.pii import PiiConfig, PiiDetector
from python_models.scoring.pii_entities import Triggers


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector()


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        # people: after relationship words, lowercase, possessive, in lists, mid-clause
        ("Yesterday my fiancé Oskar forgot my birthday again.", "PERSON", "Oskar"),
        ("i think my sister maddie hates me", "PERSON", "maddie"),
        ("my daughter emma cries at night", "PERSON", "emma"),  # a given name that is a word
        ("I told jessica everything and she laughed.", "PERSON", "jessica"),
        ("my bf jake hit me", "PERSON", "jake"),
        ("我男朋友叫赵磊 他喝酒。", "PERSON", "赵磊"),
        ("It was Bartholomew's idea to move out.", "PERSON", "Bartholomew"),
        ("so I called Imogen Castellanos and she hung up", "PERSON", "Imogen Castellanos"),
        ("Ruth, Desmond and Ignatius all left the group chat.", "PERSON", "Desmond"),
        ("mi tía Remedios no me habla", "PERSON", "Remedios"),
        # organisations: school, employer, hospital, church, base, team
        ("He teaches at Oakridge Elementary now.", "ORGANIZATION", "Oakridge Elementary"),
        ("I got fired from Walgreens last spring.", "ORGANIZATION", "Walgreens"),
        ("They admitted me to Mercy Regional Hospital.", "ORGANIZATION", "Mercy Regional"),
        ("We attend Calvary Baptist Church on Sundays.", "ORGANIZATION", "Calvary Baptist"),
        ("My husband is stationed at Fort Hood.", "ORGANIZATION", "Fort Hood"),
        ("She plays for the Riverton Hawks.", "ORGANIZATION", "Riverton Hawks"),
        ("I volunteer at the Red Cross on weekends.", "ORGANIZATION", "Red Cross"),
        ("He coaches the Eagan Wildcats hockey team.", "ORGANIZATION", "Eagan Wildcats"),
        ("After service at St. Paul Lutheran we went home.", "ORGANIZATION", "Paul Lutheran"),
        ("She was a patient at Johns Hopkins for a month.", "ORGANIZATION", "Hopkins"),
        ("I'm a student at the University of Leicester.", "ORGANIZATION", "Leicester"),
        # places and streets
        ("We moved to Spokane when I was six.", "LOCATION", "Spokane"),
        ("then we moved to Oceanside.", "LOCATION", "Oceanside"),  # a place that is a word
        ("I grew up in Little Haven, a tiny place.", "LOCATION", "Little Haven"),
        ("He parks on Chestnut Lane every night.", "ADDRESS", "Chestnut Lane"),
        ("I lived on 14th Street for years.", "ADDRESS", "14th Street"),
        ("The clinic is at 300 W 23rd St, Austin, TX 78705.", "ADDRESS", "78705"),
        ("post it to SW1A 1AA please", "LOCATION", "SW1A 1AA"),
        ("12 Mill Lane, Leeds LS6 2QT", "ADDRESS", "LS6 2QT"),
        ("my postal code is K1A 0B1", "LOCATION", "K1A 0B1"),
        ("Vivo en la Calle Serrano 41, 2º A.", "ADDRESS", "Serrano 41"),
        # dates and ages
        ("I was born on 9 February 1990.", "DATE_OF_BIRTH", "9 February 1990"),
        ("DOB: 1988-11-02", "DATE_OF_BIRTH", "1988-11-02"),
        ("The hearing is on April 3, 2025.", "DATE", "April 3, 2025"),
        ("I'm 15 and nobody listens.", "AGE", "15"),
        ("my son is a 7 year old with autism", "AGE", "7"),
        ("(29F) and tired of everything", "AGE", "29"),
        # handles and platform IDs
        ("dm me @moonlit_rae", "HANDLE", "moonlit_rae"),
        ("my discord is frostbyte#0042", "HANDLE", "frostbyte#0042"),
        ("my snapchat is kay_dee99", "HANDLE", "kay_dee99"),
        ("my xbox gamertag is RiverRat2211", "HANDLE", "RiverRat2211"),
        ("see https://myjournal.example.org/entries/12", "URL", "myjournal.example.org"),
        # national, health and bank numbers (valid check digits)
        ("IBAN GB82 WEST 1234 5698 7654 32 for the refund", "IBAN", "WEST 1234 5698"),
        ("NHS no. 401 023 2137", "NATIONAL_ID", "401 023 2137"),
        ("身份证 110101199003074477 丢了", "NATIONAL_ID", "110101199003074477"),
        ("打我电话 139 1234 5678", "PHONE", "139 1234 5678"),
        ("driver's license number is B2761340", "DRIVER_LICENSE", "B2761340"),
        # Chinese names and places
        ("我妈妈刘芳一直骂我。", "PERSON", "刘芳"),
        ("我女儿陈思思今年十二岁。", "PERSON", "陈思思"),
        ("我家在广州市天河区中山大道200号。", "ADDRESS", "中山大道200号"),
    ],
)
def test_redacts_each_quasi_identifier(
    detector: PiiDetector, text: str, kind: str, secret: str
) -> None:
    redacted, counts = detector.redact(text)
    assert secret not in redacted, redacted
    assert f"[{kind}]" in redacted, redacted
    assert counts[kind] >= 1


@pytest.mark.parametrize(
    "text",
    [
        "Je ne sais plus quoi faire, je suis fatiguée.",
        "Ich weiß nicht, ob ich das schaffe.",
        "He served in the Marines and then the army.",
        "School starts again next week and I dread it.",
        "Faith and Hope are what my grandmother used to talk about.",
        "I went to church, then to the hospital, then to the police.",
        "Please call 988 or text HOME to 741741; the Lifeline site is https://988lifeline.org.",
        "It took 15 minutes and I slept 4 hours.",
        "I have felt this way since 2019.",
        "My therapist says I should journal every day.",
        "my son will be fine, my mom can help",
        "I called the Samaritans and it helped a bit.",
        "I am in the Army Reserve now.",
        "Mission statement: miss nothing.",
        "我最近压力很大 晚上睡不着。",
    ],
)
def test_generic_words_are_not_redacted(detector: PiiDetector, text: str) -> None:
    redacted, counts = detector.redact(text)
    assert redacted == text, counts


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("IBAN GB83 WEST 1234 5698 7654 32", "IBAN"),  # one digit off: fails mod-97
        ("NHS no. 401 023 2138", "NATIONAL_ID"),  # wrong check digit
        ("身份证 110101199003074478", "NATIONAL_ID"),  # wrong check character
    ],
)
def test_numbers_failing_their_check_digit_are_not_that_kind(
    detector: PiiDetector, text: str, kind: str
) -> None:
    _, counts = detector.redact(text)
    assert counts[kind] == 0


def test_a_kind_left_out_of_the_config_is_not_looked_for() -> None:
    detector = PiiDetector(PiiConfig(kinds=("EMAIL",)))
    redacted, counts = detector.redact("I'm 15, my husband Mike is at mike@example.com")
    assert redacted == "I'm 15, my husband Mike is at [EMAIL]"
    assert counts == {"EMAIL": 1}


def test_triggers_fire_only_on_their_words() -> None:
    triggers = Triggers({"messenger": ("snapchat", "discord"), "nhs": ("nhs",)})
    assert triggers("add me on discord") == {"messenger"}
    assert triggers("nothing to see here") == set()
    assert triggers("my nhs number, and snapchat") == {"messenger", "nhs"}


def test_the_written_counselling_set_leaks_little_and_keeps_the_traps(
    detector: PiiDetector,
) -> None:
    from evaluation.scoring.pii_eval import counselling_sentences, evaluate_counselling

    sentences = counselling_sentences()
    assert len(sentences) >= 100
    assert {"zh", "other"} <= {s.language for s in sentences}
    test = evaluate_counselling([s for s in sentences if s.split == "test"], detector, "test")
    # measured 0.054 (4/74); the goal is 0.05 (docs/evaluation.md): this guards regressions
    assert test.leak.value <= 0.10
    assert test.traps_redacted.successes == 0
    assert test.false_placeholders == 0
