"""Calibration of the behaviour probabilities (`evaluation.fitting.calibration`): vector scaling
fitted on pooled out-of-fold probabilities, folded into the linear model exactly."""

from __future__ import annotations

import numpy as np

from evaluation.fitting import calibration
from evaluation.fitting.calibration import Calibration, OutOfFold


def _out_of_fold(logits: np.ndarray, owner: np.ndarray, labels: np.ndarray) -> OutOfFold:
    replies = len(labels)
    return OutOfFold(
        logits=logits,
        owner=owner,
        labels=labels,
        folds=np.arange(replies) % 5,
        groups=np.arange(replies) // 4,
        open_utterance=np.zeros(len(owner), dtype=bool),
        permission=np.zeros(replies, dtype=bool),
    )


def _miscalibrated(seed: int = 13, replies: int = 4000, classes: int = 4):
    """Labels drawn from softmax(2 z + b): the raw logits z are too flat and biased."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(replies, classes))
    true = Calibration(np.full(classes, 2.0), np.array([0.8, -0.4, 0.1, -0.5]))
    p = calibration.softmax(true.apply(logits))
    labels = np.array([rng.choice(classes, p=row) for row in p])
    return _out_of_fold(logits, np.arange(replies), labels), true


def test_vector_scaling_recovers_the_labels_distribution() -> None:
    oof, true = _miscalibrated()
    fitted = calibration.fit(oof)
    np.testing.assert_allclose(fitted.scale, true.scale, atol=0.25)
    np.testing.assert_allclose(fitted.bias, true.bias - true.bias.mean(), atol=0.15)
    # at the likelihood's optimum the bias terms make predicted and observed shares equal
    reply, _ = calibration.pooled(oof, fitted)
    observed = np.bincount(oof.labels, minlength=4) / len(oof.labels)
    np.testing.assert_allclose(reply.mean(axis=0), observed, atol=2e-3)
    raw, _ = calibration.pooled(oof, Calibration.identity(4))
    assert np.abs(raw.mean(axis=0) - observed).max() > 0.02  # it was off before
    assert calibration.classwise_ece(reply, oof.labels) < calibration.classwise_ece(raw, oof.labels)


def test_the_gradient_of_the_pooled_likelihood_is_exact() -> None:
    rng = np.random.default_rng(5)
    owner = np.repeat(np.arange(30), rng.integers(1, 4, size=30))
    oof = _out_of_fold(rng.normal(size=(len(owner), 3)), owner, rng.integers(0, 3, size=30))
    rows = np.arange(30) % 3 != 0
    theta = np.concatenate([rng.uniform(0.5, 2.0, 3), rng.normal(size=3)])
    _, grad = calibration._loss(theta, oof, rows)
    step = 1e-6

    def loss(at: np.ndarray) -> float:
        return calibration._loss(at, oof, rows)[0]

    numeric = [(loss(theta + step * e) - loss(theta - step * e)) / (2 * step) for e in np.eye(6)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7)


def test_nested_calibration_never_fits_on_the_fold_it_scores() -> None:
    oof, _ = _miscalibrated(replies=500)
    reply, utterance = calibration.nested(oof)
    fold = 2
    others = calibration.fit(oof, oof.folds != fold)
    expected, _ = calibration.pooled(oof, others)
    np.testing.assert_allclose(reply[oof.folds == fold], expected[oof.folds == fold])
    assert utterance.shape == oof.logits.shape


def test_calibration_folds_into_the_linear_model_exactly() -> None:
    from evaluation.fitting.fit_behaviour import calibrate
    from python_models.scoring.linear import LinearTextConfig, LinearTextModel

    texts = ["you feel sad", "what happened", "try a walk", "i was there too"] * 3
    labels = [0, 1, 2, 3] * 3
    rng = np.random.default_rng(1)
    dense = rng.normal(size=(len(texts), 3)).astype(np.float32)
    config = LinearTextConfig(ngram_range=(1, 1), min_df=1, embedding_weight=0.5)
    model = LinearTextModel.fit(texts, dense, labels, config)
    before = model.decision(texts, dense)
    fitted = Calibration(np.array([1.5, 0.8, 1.2, 2.0]), np.array([0.3, -0.1, 0.0, -0.2]))
    after = calibrate(model, fitted).decision(texts, dense)
    np.testing.assert_allclose(after, fitted.apply(before), rtol=1e-5, atol=1e-5)


def test_the_check_reports_shares_ece_and_the_gate_with_intervals() -> None:
    from python_models.scoring.behaviour import BEHAVIOURS

    rng = np.random.default_rng(3)
    replies = 240
    logits = rng.normal(size=(replies, len(BEHAVIOURS)))
    labels = rng.integers(0, len(BEHAVIOURS), size=replies)
    oof = _out_of_fold(logits, np.arange(replies), labels)
    report = calibration.report("toy", oof, *calibration.nested(oof), BEHAVIOURS, [0.5, 0.4])
    assert [row.behaviour for row in report.classes] == list(BEHAVIOURS)
    for row in report.classes:
        value, low, high = row.difference
        assert low <= value <= high
    assert report.dialogues == replies // 4
    assert report.gates[0].predicted.total == report.dialogues
    text = calibration.to_markdown([report])
    assert "class-wise ECE" in text and ">= 0.4: verdicts agree" in text


def test_a_reply_pools_the_mean_of_its_utterances() -> None:
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [2.0, 0.0, 0.0]])
    oof = _out_of_fold(logits, np.array([0, 0, 1]), np.array([1, 0]))
    reply, utterance = calibration.pooled(oof, Calibration.identity(3))
    np.testing.assert_allclose(utterance, calibration.softmax(logits))
    np.testing.assert_allclose(reply[0], calibration.softmax(logits[:2]).mean(axis=0))
    np.testing.assert_allclose(reply[1], calibration.softmax(logits[2:])[0])


def test_the_check_reads_the_gate_thresholds_from_the_seed() -> None:
    from evaluation.fitting.fit_behaviour import SEED, thresholds
    from evaluation.scoring.gate_rates import empathy_thresholds

    assert thresholds() == sorted(set(empathy_thresholds(SEED).values()), reverse=True)
    assert thresholds() and all(0.0 < value < 1.0 for value in thresholds())
