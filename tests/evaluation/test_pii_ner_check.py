"""The NER check's counting (evaluation/scoring/pii_ner_check.py) with a stand-in tagger: spaCy
is not a project dependency."""

from __future__ import annotations

from evaluation.realdata import PiiExample
from evaluation.scoring.pii_ner_check import _GapWatch, _Gated, alone
from python_models.scoring.pii_referee import NerReferee
from python_models.scoring.pii_span_model import SpanModel
from tests.scoring.test_pii_referee import _Doc, _Ent  # the stand-in tagger's output


def test_alone_takes_the_label_that_overlaps_each_gold_span_most() -> None:
    text = "Ann Lee works at Brennvik in Oslo."
    gold = ((0, 7, "PERSON"), (17, 25, "ORGANIZATION"), (29, 33, "GPE"))
    ents = [_Ent(0, 3, "ORG"), _Ent(4, 7, "PERSON"), _Ent(3, 8, "PERSON"), _Ent(29, 33, "GPE")]
    table = alone(lambda _: _Doc(ents), [PiiExample(text, gold, 3)])
    assert table["PERSON"] == {"PERSON": 1}  # 5 characters of PERSON beat 3 of ORG
    assert table["ORGANIZATION"] == {"missed": 1}
    assert table["GPE"] == {"LOCATION": 1}


def _model(person: float, firm: float) -> SpanModel:
    classes = ("NONE", "PERSON", "ORGANIZATION", "LOCATION", "ADDRESS")
    return SpanModel(classes, (0.0, person, firm, 0.0, 0.0), {}, 0.0, {})


def test_the_gated_referee_asks_only_where_the_model_is_unsure() -> None:
    text = "I work for Flightstats now."
    start, end = 11, 22
    referee = NerReferee(lambda _: _Doc([_Ent(start, end, "PERSON")]))
    for person, firm, expected in ((1.0, 1.5, "PERSON"), (0.0, 3.0, "ORGANIZATION")):
        model = _model(person, firm)
        watch = _GapWatch(model)
        gated = _Gated(referee, watch, ("ORGANIZATION",), 1.0)
        assert model.predict([]) == "ORGANIZATION"
        assert gated(text, start, end, "ORGANIZATION") == expected
        assert gated(text, start, end, "LOCATION") == "LOCATION"  # not a kind it may overturn
