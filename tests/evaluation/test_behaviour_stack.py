"""The behaviour stack (issue 13, session 11): the reply-vector regression and the per-class stack
(`calibration.fit_stack`) fold into the one linear model exactly (`fit_behaviour.fold_stack`),
and the screen (`behaviour_screen`) counts what the scorer scores."""

from __future__ import annotations

import numpy as np
import pytest

from python_models.scoring.linear import LinearTextConfig, LinearTextModel

TEXTS = ["you feel sad", "what happened", "try a walk", "i was there too"] * 4
LABELS = [0, 1, 2, 3] * 4


def _dense(rows: int, half: int = 4, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 2 * half)).astype(np.float32)


def _models(dense: np.ndarray):
    from evaluation.fitting.fit_behaviour import vector_model

    config = LinearTextConfig(ngram_range=(1, 1), min_df=1, embedding_weight=0.5)
    return LinearTextModel.fit(TEXTS, dense, LABELS, config), vector_model(dense, LABELS)


def test_the_stack_folds_into_the_model_exactly() -> None:
    from evaluation.fitting.fit_behaviour import fold_stack

    dense = _dense(len(TEXTS))
    model, vector = _models(dense)
    words, vectors = model.decision(TEXTS, dense), vector.decision_function(dense[:, :4])
    weights = np.array([[1.2, 0.8, 1.0, 0.5], [0.3, 0.0, 0.7, 1.1], [0.1, -0.2, 0.0, 0.1]])
    after = fold_stack(model, vector, weights).decision(TEXTS, dense)
    expected = words * weights[0] + vectors * weights[1] + weights[2]
    np.testing.assert_allclose(after, expected, rtol=1e-4, atol=1e-4)
    # the vector regression reads the reply half only: the seeker half is the word model's, scaled
    fresh, _ = _models(dense)
    np.testing.assert_allclose(
        model.coef[:, -4:], fresh.coef[:, -4:] * weights[0][:, None], rtol=1e-5, atol=1e-6
    )


def test_the_stack_needs_the_dense_block() -> None:
    from evaluation.fitting.fit_behaviour import fold_stack, vector_model

    config = LinearTextConfig(ngram_range=(1, 1), min_df=1, embedding_weight=0.0)
    model = LinearTextModel.fit(TEXTS, None, LABELS, config)
    vector = vector_model(_dense(len(TEXTS)), LABELS)
    with pytest.raises(ValueError, match="dense block"):
        fold_stack(model, vector, np.ones((3, 4)))


def test_a_one_block_stack_is_vector_scaling() -> None:
    """`fit_stack` with the word model's logits alone fits what `calibration.fit` fits."""
    from evaluation.fitting import calibration

    rng = np.random.default_rng(3)
    owner = np.repeat(np.arange(60), 2)
    labels = rng.integers(0, 3, size=60)
    logits = rng.normal(size=(120, 3)) + np.eye(3)[labels[owner]] * 1.5
    oof = calibration.OutOfFold(
        logits=logits,
        owner=owner,
        labels=labels,
        folds=np.arange(60) % 5,
        groups=np.arange(60),
        open_utterance=np.zeros(120, dtype=bool),
        permission=np.zeros(60, dtype=bool),
    )
    weights = calibration.fit_stack([logits], oof, slice(None))
    scaling = calibration.fit(oof)
    np.testing.assert_allclose(weights[0], scaling.scale, atol=1e-3)
    np.testing.assert_allclose(weights[1], scaling.bias, atol=1e-3)


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
