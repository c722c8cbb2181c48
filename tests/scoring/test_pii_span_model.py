"""The PII span model: a linear classifier over capitalised runs, fitted on generated sentences
from templates that are never the held-out ones, shipped as one JSON file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from python_models.scoring.pii import PiiDetector
from python_models.scoring.pii_entities import EntityFinder
from python_models.scoring.pii_span_model import NONE, WEIGHTS, SpanModel


def test_the_shipped_model_loads_and_says_what_it_was_fitted_on() -> None:
    model = SpanModel.load()
    assert model is not None, f"{WEIGHTS} is missing: run `pixel-data eval fit pii`"
    assert model.classes[0] == NONE and "PERSON" in model.classes
    assert "dev templates" in model.metadata["fitted_on"]
    assert model.metadata["candidates"] > 1000


def test_a_missing_weights_file_leaves_the_rules_alone(tmp_path: Path) -> None:
    assert SpanModel.load(tmp_path / "absent.json") is None
    text = "My husband Mike keeps checking my phone."
    rules = EntityFinder(span_model=False).find(text)
    assert [(s.start, s.end, s.kind) for s in rules] == [(11, 15, "PERSON")]


def test_the_margin_turns_a_narrow_win_into_no_entity() -> None:
    model = SpanModel(
        classes=(NONE, "PERSON"),
        intercept=(0.0, 0.0),
        weights={"w=mike": (0.0, 1.0)},
        margin=0.5,
        metadata={},
    )
    assert model.predict(["w=mike"]) == "PERSON"
    model.margin = 2.0
    assert model.predict(["w=mike"]) is None
    assert model.predict(["unknown"]) is None


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = SpanModel((NONE, "PERSON"), (0.25, -0.5), {"r=PERSON": (-1.0, 2.0)}, 0.5, {"a": 1})
    model.save(tmp_path / "m.json")
    again = SpanModel.load(tmp_path / "m.json")
    assert again == model


@pytest.mark.parametrize(
    ("text", "secret", "kind"),
    [
        ("I quit my job at Verdamicro Labs last week.", "Verdamicro Labs", "ORGANIZATION"),
        ("We moved to Kenosha in the spring.", "Kenosha", "LOCATION"),
        ("My roommate Thorvald keeps eating my food.", "Thorvald", "PERSON"),
    ],
)
def test_the_detector_with_the_model_types_people_firms_and_places(
    text: str, secret: str, kind: str
) -> None:
    spans = PiiDetector().detect(text)
    start = text.index(secret)
    assert any(s.kind == kind and s.start <= start < s.end for s in spans), spans


def test_generic_words_stay() -> None:
    text = "I joined the army after school and the Marines were hard on me."
    assert PiiDetector().detect(text) == []


def test_fill_puts_each_value_at_its_gold_span() -> None:
    from evaluation.fitting.fit_pii_spans import ValueMaker, fill

    maker = ValueMaker(3)
    text, spans = fill("Hi {{PERSON}}, we met in {{GPE}} at {{ORGANIZATION}}.", maker)
    assert [slot for _, _, slot in spans] == ["PERSON", "GPE", "ORGANIZATION"]
    assert text.startswith("Hi ") and text.endswith(".")
    for start, end, _ in spans:
        assert text[start:end] and "{{" not in text[start:end]


def test_invented_firm_words_come_from_everyday_words_not_the_dev_names() -> None:
    from evaluation.fitting.fit_pii_spans import BRAND_ENDINGS, ValueMaker

    maker = ValueMaker(5)
    heads = {word[:3] for word in maker.english}
    words = [maker._word() for _ in range(200)]
    again = ValueMaker(5)
    assert words == [again._word() for _ in range(200)]  # seeded
    for word in words:
        assert word[0].isupper() and word[1:].islower() and word.isalpha()
        assert word[:3].lower() in heads
    # the brand endings are used, and no value repeats the dev templates' firm names
    assert any(word.endswith(BRAND_ENDINGS) for word in words)
    assert not {"Persint", "Verdafero", "Microbilt", "Evidera"} & set(words)


@pytest.mark.realdata
def test_training_templates_never_include_held_out_ones(realdata: Path) -> None:
    from evaluation.fitting.fit_pii_spans import templates
    from evaluation.scoring.pii_eval import is_dev_template

    chosen = templates(realdata)
    presidio = [int(t.template_id.split("-")[1]) for t in chosen if t.template_id[0] == "p"]
    counselling = [int(t.template_id.split("-")[1]) for t in chosen if t.template_id[0] == "c"]
    assert presidio and all(is_dev_template(i) for i in presidio)
    assert counselling and all(i % 2 == 0 for i in counselling)  # odd lines are the test split
    rng = random.Random(0)
    assert all("{{" in t.text for t in rng.sample(chosen, 20))


def test_predict_can_leave_a_class_out() -> None:
    model = SpanModel(
        classes=(NONE, "PERSON", "ADDRESS"),
        intercept=(0.0, 0.0, 0.0),
        weights={"line_start": (0.0, 1.0, 2.0)},
        margin=0.5,
        metadata={},
    )
    assert model.predict(["line_start"]) == "ADDRESS"
    assert model.predict(["line_start"], exclude=("ADDRESS",)) == "PERSON"


@pytest.mark.parametrize(
    ("text", "line", "kind"),
    [
        # the addressee's and the firm's lines above a street address are not the address
        ("Nadia Voss\nBrennvik\n4410 Harlow Street\nDayton", "Brennvik", "ORGANIZATION"),
        ("Theo Marsh\nQuillmore Labs\n77 Ostend Road, Leeds", "Theo Marsh", "PERSON"),
    ],
)
def test_a_line_above_a_street_address_is_not_typed_address(
    text: str, line: str, kind: str
) -> None:
    spans = PiiDetector().detect(text)
    start = text.index(line)
    over = [s for s in spans if s.start <= start < s.end]
    assert over and over[0].kind != "ADDRESS", spans
    assert over[0].kind == kind, spans


def test_above_address_needs_a_numbered_line_below_and_no_street_word() -> None:
    above = EntityFinder._above_address
    text = "Nadia Voss\nBrennvik\n4410 Harlow Street"
    end = text.index("\n4410")
    assert above(text, end, ["brennvik"])
    assert not above("Harlow Street\n4410 Dayton", 13, ["harlow", "street"])
    assert not above("Brennvik\nDayton", 8, ["brennvik"])  # no number below
    assert not above("Brennvik rocks\n12 Main St", 8, ["brennvik"])  # not the whole line


@pytest.mark.parametrize(
    "text", ["CAN I SPEAK TO A REAL PERSON?!?!", "PLEASE CALL ME BACK TODAY OR TOMORROW"]
)
def test_a_shouted_sentence_of_common_words_is_not_a_name(text: str) -> None:
    assert PiiDetector().detect(text) == []


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Shares of Vendrix fell after the recall.", "Vendrix"),
        ("I got an offer from Palomar Kite and my husband wants me to take it.", "Palomar Kite"),
    ],
)
def test_business_context_types_an_invented_name_as_a_firm(text: str, secret: str) -> None:
    spans = PiiDetector().detect(text)
    start = text.index(secret)
    assert any(s.kind == "ORGANIZATION" and s.start <= start < s.end for s in spans), spans
