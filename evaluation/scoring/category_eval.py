"""Category prediction on Counsel Chat topics: fitted on its train split, measured on val+test.

Coverage is the share of conversations given a category (confidence above the fitted cut);
precision is the share of those that are right; accuracy@all counts every row (an abstention
is wrong). The majority class is the baseline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from evaluation.fitting.fit_category import conversation_like_text
from evaluation.metrics import Rate
from evaluation.realdata import counsel_chat_questions
from python_models.scoring.category import COUNSEL_CHAT_WEIGHTS, UNCATEGORIZED, CategoryModel


@dataclass(frozen=True)
class CategoryReport:
    categories: int
    coverage: Rate
    precision_when_covered: Rate
    accuracy_all: Rate
    top1_accuracy: Rate
    majority_baseline: Rate
    min_confidence: float


def evaluate_category(root, embedder) -> CategoryReport:
    questions = counsel_chat_questions(root)
    train = [q for q in questions if q.split == "train"]
    held = [q for q in questions if q.split in ("val", "test")]
    model = CategoryModel.load(COUNSEL_CHAT_WEIGHTS)
    vectors = embedder.encode([conversation_like_text(q) for q in held])
    labels, _ = model.predict(vectors)
    open_model = CategoryModel(model.categories, model.coef, model.intercept, 0.0)
    top1, _ = open_model.predict(vectors)
    truth = [q.topic for q in held]
    covered = [(p, t) for p, t in zip(labels, truth, strict=True) if p != UNCATEGORIZED]
    majority = Counter(q.topic for q in train).most_common(1)[0][0]
    return CategoryReport(
        categories=len(model.categories),
        coverage=Rate(len(covered), len(held)),
        precision_when_covered=Rate(sum(p == t for p, t in covered), len(covered)),
        accuracy_all=Rate(sum(p == t for p, t in zip(labels, truth, strict=True)), len(held)),
        top1_accuracy=Rate(sum(p == t for p, t in zip(top1, truth, strict=True)), len(held)),
        majority_baseline=Rate(sum(t == majority for t in truth), len(held)),
        min_confidence=model.min_confidence,
    )
