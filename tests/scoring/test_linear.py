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


def test_late_fusion_adds_a_separate_dense_regression_and_saves_as_fitted(tmp_path: Path) -> None:
    """With `dense_c`, the dense block's scores come from a regression of their own, added at
    `embedding_weight`; the model is still one sparse and one dense product, saved and loaded."""
    from sklearn.linear_model import LogisticRegression

    texts, labels = TEXTS[:-3], LABELS[:-3]  # 12 positives, 9 negatives: weighting matters
    rng = np.random.default_rng(13)
    dense = rng.normal(size=(len(texts), 4)).astype(np.float32)
    dense[:, 0] += np.array(labels) * 2.0  # one dense column carries the label too
    # the n-gram model unweighted, the dense one balanced: each regression its own weighting
    words = LinearTextConfig(ngram_range=(1, 1), min_df=1, embedding_weight=0.0, class_weight=None)
    fused_config = LinearTextConfig(
        ngram_range=(1, 1),
        min_df=1,
        embedding_weight=0.75,
        class_weight=None,
        dense_c=1.0,
        dense_class_weight="balanced",
    )
    fused = LinearTextModel.fit(texts, dense, labels, fused_config)
    alone = LinearTextModel.fit(texts, None, labels, words)

    def dense_scores(class_weight: str | None) -> np.ndarray:
        regression = LogisticRegression(C=1.0, class_weight=class_weight, max_iter=3000)
        return regression.fit(dense, labels).decision_function(dense)[:, None]

    expected = alone.decision(texts) + 0.75 * dense_scores("balanced")
    np.testing.assert_allclose(fused.decision(texts, dense), expected, atol=1e-4)
    unweighted = alone.decision(texts) + 0.75 * dense_scores(None)
    assert np.abs(fused.decision(texts, dense) - unweighted).max() > 1e-3
    assert fused.embedding_dim == 4
    fused.save(tmp_path / "fused.npz")
    loaded = LinearTextModel.load(tmp_path / "fused.npz")
    assert loaded.config == fused_config
    np.testing.assert_allclose(
        loaded.predict_proba(texts, dense), fused.predict_proba(texts, dense), atol=2e-3
    )
    with pytest.raises(ValueError, match="embedding width"):
        loaded.decision(texts, dense[:, :3])
