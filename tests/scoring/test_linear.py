"""The linear text model's character n-gram block: fitted, saved, loaded and shared as one."""

from pathlib import Path

import numpy as np
import pytest

from python_models.scoring.linear import LinearTextConfig, LinearTextModel

# "worr" only in the positives' spellings (worried / worrying / worries): the character block
# sees the stem where the word block sees three different words
TEXTS = [
    "you sound worried about it",
    "that is worrying you a lot",
    "your worries make sense",
    "it must be so worrying",
    "what time is the bus",
    "the bus leaves at nine",
    "take the train instead",
    "check the timetable online",
] * 3
LABELS = [1, 1, 1, 1, 0, 0, 0, 0] * 3


def _fit(char_ngram_range: tuple[int, int] | None) -> LinearTextModel:
    config = LinearTextConfig(
        ngram_range=(1, 1), min_df=1, char_ngram_range=char_ngram_range, char_min_df=1, c=10.0
    )
    return LinearTextModel.fit(TEXTS, None, LABELS, config)


def test_char_block_reads_an_unseen_inflection() -> None:
    """The unseen word "worriedly": only its characters tie it to the positives."""
    unseen = ["worriedly"]
    words_only = _fit(None).predict_proba(unseen)[0, 1]
    with_chars = _fit((3, 5)).predict_proba(unseen)[0, 1]
    assert words_only == pytest.approx(0.5, abs=0.05)  # no known word: the intercept alone
    assert with_chars > 0.6


@pytest.mark.parametrize("char_ngram_range", [None, (2, 4)])
def test_saved_model_predicts_as_fitted(tmp_path: Path, char_ngram_range) -> None:
    model = _fit(char_ngram_range)
    model.save(tmp_path / "m.npz")
    loaded = LinearTextModel.load(tmp_path / "m.npz")
    probe = ["so worried", "the train at nine", "worriedly waiting"]
    assert loaded.config == model.config
    assert loaded.char_vocabulary == model.char_vocabulary
    # weights are stored as float16: equal to about 3 decimals
    np.testing.assert_allclose(loaded.predict_proba(probe), model.predict_proba(probe), atol=2e-3)


def test_models_share_features_only_with_the_same_char_block() -> None:
    words, chars = _fit(None), _fit((3, 5))
    assert chars.same_features_as(_fit((3, 5)))
    assert not words.same_features_as(chars)
    assert not chars.same_features_as(_fit((2, 4)))
    shared = chars.sparse_features(TEXTS)
    np.testing.assert_allclose(
        chars.predict_proba(TEXTS, sparse=shared), chars.predict_proba(TEXTS), atol=1e-6
    )


@pytest.mark.parametrize(
    "name", ["empathy_interpretations.npz", "behaviour_esconv.npz", "crisis.npz", "safety.npz"]
)
def test_shipped_weights_without_characters_save_back_byte_for_byte(
    name: str, tmp_path: Path
) -> None:
    """Weights fitted before the character block existed load and save back to the same bytes,
    so a refit with the same words-only config reproduces the shipped file."""
    shipped = Path(__file__).parents[2] / "python_models" / "scoring" / "weights" / name
    model = LinearTextModel.load(shipped)
    assert not model.char_vocabulary
    out = tmp_path / name
    model.save(out)
    assert out.read_bytes() == shipped.read_bytes()
