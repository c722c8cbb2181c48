"""Refit the crisis classifier and its flag threshold, deterministically.

    pixel-data eval fit crisis

Data (read in place from ../shared/realdata, never copied):
- fit: SDCNL `training-set.csv` (r/SuicideWatch = 1, r/depression = 0; no license stated) and
  Dreaddit `dreaddit-train.csv` (all 0: stress is not a crisis; no license stated);
- threshold: the C-SSRS Reddit users (Gaur et al. 2019, upstream CC BY) whose hashed id falls in
  the calibration bucket (`cssrs_split(user) == "calibration"`, about 30%); the threshold is the
  highest one that keeps sensitivity >= `target` on their Ideation/Behavior/Attempt users.
- never used here: SDCNL test, Dreaddit test, hh-rlhf, and the C-SSRS evaluation users.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from evaluation.realdata import (
    counsel_chat_questions,
    cssrs_users,
    dreaddit_posts,
    realdata_root,
    sdcnl_posts,
)
from python_models.scoring.crisis import WEIGHTS, CrisisScorer, combine
from python_models.scoring.linear import LinearTextConfig, LinearTextModel

# counsel-chat questions on these topics may speak of suicide: not used as negatives
COUNSEL_CRISIS_TOPICS = frozenset(
    {
        "depression",
        "self-harm",
        "trauma",
        "grief-and-loss",
        "substance-abuse",
        "eating-disorders",
        "addiction",
        "domestic-violence",
    }
)
CSSRS_POSITIVE = frozenset({"Ideation", "Behavior", "Attempt"})
CALIBRATION_PERCENT = 30
CONFIG = LinearTextConfig(
    ngram_range=(1, 2), min_df=2, max_features=20_000, embedding_weight=1.0, c=2.0
)


def cssrs_split(user: str) -> str:
    """`calibration` (about 30%, used to set the threshold) or `evaluation` (the rest)."""
    bucket = int(hashlib.sha256(f"cssrs:{user}".encode()).hexdigest()[:8], 16) % 100
    return "calibration" if bucket < CALIBRATION_PERCENT else "evaluation"


def embed(texts: list[str], embedder_name: str) -> tuple[np.ndarray, str]:
    from python_models.embeddings.backends import get_embedder

    embedder = get_embedder(embedder_name)
    return embedder.encode(texts), embedder.model_id


def user_scores(scorer: CrisisScorer, users, embedder_name: str) -> list[float]:
    """Score every post of every user and keep each user's riskiest post."""
    posts = [post for user in users for post in user.texts]
    vectors, _ = embed(posts, embedder_name)
    results = scorer.score(posts, vectors)
    out, cursor = [], 0
    for user in users:
        out.append(combine(results[cursor : cursor + len(user.texts)]).score)
        cursor += len(user.texts)
    return out


def choose_threshold(positive_scores: list[float], target: float) -> float:
    """The highest threshold whose sensitivity on `positive_scores` is at least `target`."""
    ordered = sorted(positive_scores, reverse=True)
    needed = int(np.ceil(target * len(ordered)))
    return float(np.floor(ordered[needed - 1] * 1000) / 1000)


def refit(out: Path = WEIGHTS, embedder_name: str = "static", target: float = 0.99) -> None:
    """Refit and write the weights (`pixel-data eval fit crisis`)."""

    root = realdata_root()
    fit = sdcnl_posts(root, "training") + dreaddit_posts(root, "train")
    texts = [item.texts[0] for item in fit]
    labels = [1 if (item.key.startswith("sdcnl") and item.label == "1") else 0 for item in fit]
    # short, conversational negatives: the Reddit posts above are long, user turns often are not
    for question in counsel_chat_questions(root):
        if question.topic not in COUNSEL_CRISIS_TOPICS:
            texts += [question.title, f"{question.title}\n{question.text}"]
            labels += [0, 0]
    vectors, model_id = embed(texts, embedder_name)
    model = LinearTextModel.fit(
        texts,
        vectors,
        labels,
        CONFIG,
        metadata={
            "scorer": "crisis",
            "embedding_model": model_id,
            "fitted_on": "SDCNL training-set.csv (suicide=1, depression=0) + Dreaddit "
            "dreaddit-train.csv (0), no license stated by either; Counsel Chat questions "
            "(MIT) on non-crisis topics, title and title+text (0)",
            "threshold_from": f"C-SSRS Reddit 500 calibration users ({CALIBRATION_PERCENT}% by "
            "hashed user id; upstream CC BY)",
            "fit_rows": len(texts),
        },
    )
    model.metadata["threshold"] = 0.5
    calibration = [u for u in cssrs_users(root) if cssrs_split(u.key) == "calibration"]
    positives = [u for u in calibration if u.label in CSSRS_POSITIVE]
    scores = user_scores(CrisisScorer(model), positives, embedder_name)
    threshold = choose_threshold(scores, target)
    model.metadata.update(
        threshold=threshold,
        threshold_target_sensitivity=target,
        calibration_positive_users=len(positives),
    )
    model.save(out)
    print(
        f"crisis model: {len(texts)} fit rows, {len(model.vocabulary)} n-grams, "
        f"threshold {threshold:.3f} (sensitivity >= {target} on {len(positives)} "
        f"calibration users), written to {out} ({out.stat().st_size:,} bytes)"
    )
