"""Late fusion of the reply vector (`fit_behaviour.fuse`, issue 13 session 11): the second
regression's logits fold into the one linear model exactly, and the screen's candidates are
scored as the scorer scores replies."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.scoring.linear import LinearTextConfig, LinearTextModel

TEXTS = ["you feel sad", "what happened", "try a walk", "i was there too"] * 4
LABELS = [0, 1, 2, 3] * 4


def _dense(rows: int, half: int = 4, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 2 * half)).astype(np.float32)


@pytest.mark.parametrize("weight", [0.25, 1.0])
def test_fusion_folds_the_vector_regression_into_the_model_exactly(weight: float) -> None:
    from sklearn.linear_model import LogisticRegression

    from evaluation.fitting.fit_behaviour import VECTOR_C, fuse

    dense = _dense(len(TEXTS))
    config = LinearTextConfig(ngram_range=(1, 1), min_df=1, embedding_weight=0.5)
    model = LinearTextModel.fit(TEXTS, dense, LABELS, config)
    before = model.decision(TEXTS, dense)
    vector = LogisticRegression(C=VECTOR_C, class_weight="balanced", max_iter=3000)
    vector.fit(dense[:, :4], LABELS)
    after = fuse(model, dense, LABELS, weight).decision(TEXTS, dense)
    expected = before + weight * vector.decision_function(dense[:, :4])
    np.testing.assert_allclose(after, expected, rtol=1e-4, atol=1e-4)
    # the seeker half of the dense block is untouched: a reply vector block only
    fused = model.coef[:, -model.embedding_dim :]
    refit = LinearTextModel.fit(TEXTS, dense, LABELS, config)
    np.testing.assert_array_equal(fused[:, 4:], refit.coef[:, -refit.embedding_dim :][:, 4:])


def test_fusion_survives_saving_and_loading(tmp_path) -> None:
    from evaluation.fitting.fit_behaviour import fit_texts

    dense = _dense(len(TEXTS))
    config = LinearTextConfig(ngram_range=(1, 1), min_df=1, embedding_weight=0.5)
    model = fit_texts(TEXTS, dense, LABELS, config, vector_weight=0.75)
    model.save(tmp_path / "m.npz")
    loaded = LinearTextModel.load(tmp_path / "m.npz")
    np.testing.assert_allclose(
        loaded.decision(TEXTS, dense), model.decision(TEXTS, dense), rtol=2e-2, atol=2e-2
    )
    assert not np.allclose(
        model.decision(TEXTS, dense),
        LinearTextModel.fit(TEXTS, dense, LABELS, config).decision(TEXTS, dense),
    )


def test_fusion_needs_the_dense_block() -> None:
    from evaluation.fitting.fit_behaviour import fit_texts

    config = LinearTextConfig(ngram_range=(1, 1), min_df=1, embedding_weight=0.0)
    with pytest.raises(ValueError, match="dense block"):
        fit_texts(TEXTS, None, LABELS, config, vector_weight=0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_screens_auc_is_scikit_learns(seed: int) -> None:
    from sklearn.metrics import roc_auc_score

    from evaluation.fitting.behaviour_screen import auc

    rng = np.random.default_rng(seed)
    positive = rng.random(200) < 0.2
    score = np.round(rng.random(200) + positive * 0.3, 1)  # rounded: ties
    assert auc(positive, score) == pytest.approx(roc_auc_score(positive, score))


def test_utterance_units_count_each_turn_once() -> None:
    from evaluation.fitting.behaviour_screen import Data, training_units

    owner = np.array([0, 0, 0, 1, 2, 2])
    data = Data(
        replies=[],
        texts=["a. b. c.", "d", "e. f."],
        flat=list("abcdef"),
        owner=owner,
        labels=np.array([2, 0, 5]),
        groups=np.array([0, 0, 1]),
        folds=np.array([0, 0, 1]),
        turn_dense=np.zeros((3, 4)),
        utterance_dense=np.zeros((6, 4)),
    )
    texts, _, labels, weights = training_units(data, np.array([0, 2]), "utterances")
    assert texts == ["a", "b", "c", "e", "f"]
    assert list(labels) == [2, 2, 2, 5, 5]
    np.testing.assert_allclose(weights, [1 / 3, 1 / 3, 1 / 3, 1 / 2, 1 / 2])
