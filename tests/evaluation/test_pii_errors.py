"""The PII error analysis: each gold span lands in one confusion cell and one boundary shape."""

from __future__ import annotations

from collections import Counter, defaultdict

from evaluation.realdata import PiiExample
from evaluation.scoring.pii_errors import _tally
from python_models.scoring.pii import PiiSpan


class _Fixed:
    def __init__(self, spans: list[PiiSpan]) -> None:
        self.spans = spans

    def detect(self, text: str) -> list[PiiSpan]:
        return self.spans


def test_tally_counts_mistypes_misses_boundaries_and_false_positives() -> None:
    text = "Ann Lee works at Brennvik in Oslo, call 555 0101. Thanks"
    gold = (
        (0, 7, "PERSON"),
        (17, 25, "ORGANIZATION"),
        (29, 33, "GPE"),
        (40, 48, "PHONE_NUMBER"),
    )
    predicted = [
        PiiSpan(0, 3, "PERSON"),  # right kind, "Lee" left visible: short
        PiiSpan(17, 25, "PERSON"),  # organisation typed as a person
        PiiSpan(29, 39, "LOCATION"),  # runs past the place onto "call": long
        PiiSpan(50, 56, "PERSON"),  # over no gold span
    ]
    tables: dict[str, Counter] = defaultdict(Counter)
    _tally(PiiExample(text, gold, 3), _Fixed(predicted), tables)
    assert tables["confusion"] == Counter(
        {
            ("PERSON", "PERSON"): 1,
            ("ORGANIZATION", "PERSON"): 1,
            ("GPE", "LOCATION"): 1,
            ("PHONE_NUMBER", "missed"): 1,
        }
    )
    assert tables["boundary"] == Counter({("PERSON", "short"): 1, ("GPE", "long"): 1})
    assert tables["false_positive"] == Counter({"PERSON": 1})


def test_typed_recall_counts_the_right_kind_per_gold_type() -> None:
    from evaluation.scoring.pii_errors import typed_recall

    tables: dict[str, Counter] = defaultdict(Counter)
    tables["confusion"].update(
        {
            ("PERSON", "PERSON"): 3,
            ("PERSON", "ORGANIZATION"): 1,
            ("ORGANIZATION", "missed"): 2,
            ("GPE", "ADDRESS"): 1,  # a town inside a joined address counts as typed
            ("GPE", "LOCATION"): 1,
        }
    )
    recall = typed_recall(tables)
    assert recall["PERSON"] == (3, 4)
    assert recall["ORGANIZATION"] == (0, 2)
    assert recall["GPE"] == (2, 2)
    assert recall["STREET_ADDRESS"] == (0, 0)
