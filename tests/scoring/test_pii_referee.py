"""The NER referee (python_models/scoring/pii_referee.py), with a stand-in tagger: spaCy is not a
project dependency, and the referee is off unless passed (docs/evaluation.md, "PII, session 8")."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from python_models.scoring.pii import PiiDetector
from python_models.scoring.pii_referee import WINDOW, NerReferee


@dataclass
class _Ent:
    start_char: int
    end_char: int
    label_: str


class _Doc:
    def __init__(self, ents: list[_Ent]) -> None:
        self.ents = ents


class _Tagger:
    """Tags every occurrence of each given word with its label; counts the texts it reads."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.read: list[str] = []

    def __call__(self, text: str) -> _Doc:
        self.read.append(text)
        ents = [
            _Ent(m.start(), m.end(), label)
            for word, label in self.labels.items()
            for m in re.finditer(re.escape(word), text)
        ]
        return _Doc(ents)


def _detector(referee: NerReferee | None) -> PiiDetector:
    detector = PiiDetector()
    detector._entities.referee = referee
    return detector


def _kinds(detector: PiiDetector, text: str) -> dict[str, str]:
    return {text[s.start : s.end]: s.kind for s in detector.detect(text)}


def test_off_by_default():
    assert PiiDetector()._entities.referee is None


def test_it_swaps_person_and_firm_and_nothing_else():
    text = "I work for Flightstats and Scott is a very sympathetic person."
    before = _kinds(_detector(None), text)
    assert before == {"Flightstats": "ORGANIZATION", "Scott": "PERSON"}
    tagger = _Tagger({"Flightstats": "PERSON", "Scott": "ORG"})
    after = _kinds(_detector(NerReferee(tagger)), text)
    # the same spans, the two kinds swapped: each run keeps its placeholder
    assert after == {"Flightstats": "PERSON", "Scott": "ORGANIZATION"}
    assert len(tagger.read) == 1  # one read per message, whatever the number of runs


def test_kinds_limit_what_it_may_overturn():
    text = "I work for Flightstats and Scott is a very sympathetic person."
    tagger = _Tagger({"Flightstats": "PERSON", "Scott": "ORG"})
    firms_only = _kinds(_detector(NerReferee(tagger, kinds=("ORGANIZATION",))), text)
    assert firms_only == {"Flightstats": "PERSON", "Scott": "PERSON"}


@pytest.mark.parametrize("label", ["GPE", "DATE", "NORP"])
def test_other_labels_are_no_opinion(label):
    text = "I work for Flightstats now."
    assert _kinds(_detector(NerReferee(_Tagger({"Flightstats": label}))), text) == {
        "Flightstats": "ORGANIZATION"
    }


def test_a_cue_vouched_person_is_not_asked():
    tagger = _Tagger({"Rose": "ORG"})
    detector = _detector(NerReferee(tagger))
    assert _kinds(detector, "My sister Rose called me last night.") == {"Rose": "PERSON"}
    assert tagger.read == []


def test_an_entity_over_less_than_half_the_run_is_no_opinion():
    referee = NerReferee(_Tagger({"Greyline": "PERSON"}))
    text = "My boss at Greyline Dental Partners yelled."
    start = text.index("Greyline")
    end = start + len("Greyline Dental Partners")
    assert referee.opinion(text, start, end) is None
    assert referee.opinion(text, start, start + len("Greyline")) == "PERSON"


def test_the_window_keeps_offsets_in_a_long_message():
    filler = "word " * (WINDOW // 2)
    text = filler + "I work for Flightstats. " + filler
    tagger = _Tagger({"Flightstats": "PERSON"})
    referee = NerReferee(tagger)
    start = text.index("Flightstats")
    assert referee.opinion(text, start, start + len("Flightstats")) == "PERSON"
    assert len(tagger.read[0]) < len(text)  # only the run's neighbourhood was read
