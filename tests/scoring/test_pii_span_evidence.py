"""The span model's evidence from the span itself (issue 14, session 6): a GeoNames town list,
place-name endings, half-word firm names, and context words folded to a closed vocabulary so
the model cannot learn the wording of the templates it was fitted on."""

from __future__ import annotations

import pytest

from python_models.scoring import lexicons
from python_models.scoring.pii_entities import EntityFinder, _closed


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return EntityFinder(span_model=False)


def _features(finder: EntityFinder, text: str, run: str) -> list[str]:
    start = text.index(run)
    return finder._features(text, start, start + len(run), run.split(), None)


def test_the_town_list_ships_and_holds_small_towns_with_and_without_accents() -> None:
    towns = lexicons.towns()
    assert lexicons.TOWNS.exists(), "run `pixel-data eval fit pii` to write the town list"
    assert len(towns) > 100_000
    # Hvammstangi (Iceland, ~600 people) is below the 15,000 of the big-place list
    assert "hvammstangi" in towns and "hvammstangi" not in lexicons.places()
    assert {"pelhřimov", "pelhrimov"} <= towns


def test_a_missing_town_list_is_a_clear_error_not_an_empty_list(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(lexicons, "TOWNS", tmp_path / "pii_towns.txt.gz")
    lexicons.towns.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="town list"):
            lexicons.towns()
    finally:
        lexicons.towns.cache_clear()


@pytest.mark.parametrize(
    ("text", "run", "expected", "absent"),
    [
        ("We drove up to Hvammstangi last summer.", "Hvammstangi", "town=run", "place_suffix"),
        ("She grew up near Feysville with her aunt.", "Feysville", "place_suffix", "town=run"),
        ("Kurzenkirchen was quiet that year.", "Kurzenkirchen", "place_suffix", "half_word"),
        ("I got an offer from Thinknum yesterday.", "Thinknum", "half_word", "town=run"),
        ("Mike said it would be fine.", "Mike", None, "town=run"),
    ],
)
def test_span_evidence_features(
    finder: EntityFinder, text: str, run: str, expected: str | None, absent: str
) -> None:
    features = _features(finder, text, run)
    if expected is not None:
        assert expected in features
    assert absent not in features


def test_context_words_are_a_closed_vocabulary(finder: EntityFinder) -> None:
    text = "Last spring I interviewed with Opencounter, which hired me."
    features = _features(finder, text, "Opencounter")
    context = {f for f in features if f.split("=", 1)[0] in {"p1", "p2", "n1"}}
    # "with" is a function word and stays; the comma stays; no two-word context feature
    assert context == {"p1=with", "n1=,"}
    text = "Sales at Opencounter announced layoffs."
    context = {f for f in _features(finder, text, "Opencounter") if f[:3] in {"p1=", "n1="}}
    assert context == {"p1=at", "n1=W"}


@pytest.mark.parametrize(
    ("word", "closed"),
    [("with", "with"), ("announced", "W"), ("0", "0"), (",", ","), ("'s", "'s"), ("moved", "W")],
)
def test_closed_keeps_function_words_digits_and_punctuation(word: str, closed: str) -> None:
    assert _closed(word) == closed
