"""Category: learned from categorized rows, abstains below its confidence cut."""

from __future__ import annotations

import numpy as np

from python_models.scoring.category import (
    COUNSEL_CHAT_WEIGHTS,
    UNCATEGORIZED,
    CategoryModel,
    choose_min_confidence,
    fit_category_model,
)


def _clusters(seed: int = 0) -> tuple[list[str], np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    centres = {"anxiety": np.array([1.0, 0, 0]), "grief": np.array([0, 1.0, 0])}
    keys, rows, labels = [], [], []
    for label, centre in centres.items():
        for i in range(60):
            vector = centre + rng.normal(0, 0.15, 3)
            rows.append(vector / np.linalg.norm(vector))
            keys.append(f"{label}-{i}")
            labels.append(label)
    return keys, np.array(rows, dtype=np.float32), labels


def test_learns_categories_and_abstains_when_unsure() -> None:
    keys, vectors, labels = _clusters()
    model = fit_category_model(keys, vectors, labels)
    assert model is not None and model.categories == ["anxiety", "grief"]
    clear = np.array([[1.0, 0, 0], [0, 1.0, 0]], dtype=np.float32)
    predicted, confidence = model.predict(clear)
    assert predicted == ["anxiety", "grief"] and (confidence > 0.5).all()
    model.min_confidence = 0.99
    ambiguous = np.array([[0.7071, 0.7071, 0]], dtype=np.float32)
    assert model.predict(ambiguous)[0] == [UNCATEGORIZED]


def test_needs_two_categories_with_enough_rows() -> None:
    keys, vectors, labels = _clusters()
    assert fit_category_model(keys[:60], vectors[:60], labels[:60]) is None


def test_confidence_cut_meets_the_precision_target() -> None:
    confidence = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    correct = np.array([1, 1, 0, 1, 0], dtype=float)
    assert choose_min_confidence(confidence, correct, 0.75) == 0.6
    assert choose_min_confidence(confidence, np.zeros(5), 0.5) > 1.0


def test_shipped_model_round_trips(tmp_path) -> None:
    model = CategoryModel.load(COUNSEL_CHAT_WEIGHTS)
    model.save(tmp_path / "copy.npz")
    again = CategoryModel.load(tmp_path / "copy.npz")
    assert again.categories == model.categories
    assert again.min_confidence == model.min_confidence
