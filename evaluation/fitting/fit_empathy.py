"""Refit the EPITOME empathy models, deterministically.

    pixel-data eval fit empathy

Data: ../shared/realdata/epitome (behavioral-data/Empathy-Mental-Health, Reddit subset; no
LICENSE file, two .docx licenses: academic non-commercial / attribution; treated as
non-commercial research). The three files are joined on (sp_id, rp_id); the split is by seeker
post: `epitome_split(sp_id)` puts about 80% of seeker posts in train and 20% in test, so no
seeker post is in both. Only the train part is used here: 5-fold cross-validation grouped by
seeker post gives out-of-fold probabilities, on which each mechanism's bias towards its rare
levels is tuned for macro-F1 (`tune_offsets`); the weights are then fitted on all of train and
the offsets folded into their intercepts.
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np

from evaluation.metrics import macro_f1
from evaluation.realdata import EpitomePair, epitome_pairs, realdata_root
from python_models.scoring.empathy import MECHANISMS, WEIGHTS_DIR, pair_features, weights_path
from python_models.scoring.linear import LinearTextConfig, LinearTextModel

TEST_PERCENT = 20
FOLDS = 5
OFFSET_GRID = tuple(round(float(x), 2) for x in np.arange(-1.0, 2.01, 0.25))
LICENSE_NOTE = (
    "EPITOME Reddit (Sharma et al. 2020), behavioral-data/Empathy-Mental-Health @0e11f98: "
    "non-commercial research use only"
)
MIN_CONTRAST_WORDS = 3
# weight of the rationale contrast examples per mechanism (0 = none); see fit_mechanism
# Chosen by 5-fold CV grouped by seeker post on the train split only (issue 13, session 4,
# docs/evaluation.md): out-of-fold macro-F1 after offsets, embedding block x1.0 (as before) ->
# none: emotional reactions 0.704 -> 0.739, interpretations 0.556 -> 0.557, explorations
# 0.649 -> 0.668; contrast examples at weight 0.5 / 1.0 on top: 0.741 / 0.741, 0.561 / 0.563,
# 0.659 / 0.661 (explorations: none).
CONTRAST_WEIGHT: dict[str, float] = {
    "emotional_reactions": 1.0,
    "interpretations": 1.0,
    "explorations": 0.0,
}
# Word 1-3 grams plus character 2-5 grams (char_wb, 30k, block weight 0.5): chosen by the same
# grouped CV in issue 13 session 5 (docs/evaluation.md): out-of-fold macro-F1 after offsets,
# words only -> words and characters: 0.743 -> 0.745, 0.568 -> 0.576, 0.668 -> 0.681.
_WORDS_AND_CHARACTERS = LinearTextConfig(
    ngram_range=(1, 3), embedding_weight=0.0, c=1.0, char_ngram_range=(2, 5), char_weight=0.5
)
# Not shipped: the character transform made whole scoring 1.20-1.29x slower (issue 13 session 5,
# docs/benchmarks.md) for gains inside the held-out intervals. Pass it to a refit to try it.
_WORDS_ONLY = LinearTextConfig(ngram_range=(1, 3), embedding_weight=0.0, c=1.0)
CONFIGS: dict[str, LinearTextConfig] = {
    "emotional_reactions": _WORDS_ONLY,
    "interpretations": _WORDS_ONLY,
    "explorations": _WORDS_ONLY,
}
CANDIDATE_CONFIGS: dict[str, LinearTextConfig] = {"words_and_characters": _WORDS_AND_CHARACTERS}


def epitome_split(sp_id: str) -> str:
    bucket = int(hashlib.sha256(f"epitome:{sp_id}".encode()).hexdigest()[:8], 16) % 100
    return "test" if bucket < TEST_PERCENT else "train"


def split_pairs(pairs: list[EpitomePair]) -> tuple[list[EpitomePair], list[EpitomePair]]:
    train = [p for p in pairs if epitome_split(p.sp_id) == "train"]
    test = [p for p in pairs if epitome_split(p.sp_id) == "test"]
    return train, test


def dense_features(pairs: list[EpitomePair], embedder) -> tuple[np.ndarray, str]:
    seekers = embedder.encode([p.seeker for p in pairs])
    responses = embedder.encode([p.response for p in pairs])
    return pair_features(seekers, responses), embedder.model_id


def without_rationales(pair: EpitomePair, mechanism: str) -> str | None:
    """The response with the annotators' rationale spans for `mechanism` cut out, or None when
    the pair has no such span or too little is left (fewer than MIN_CONTRAST_WORDS words)."""
    spans = pair.rationales.get(mechanism, ())
    if pair.levels[mechanism] == 0 or not spans:
        return None
    text = pair.response
    for span in spans:
        text = text.replace(span, " ")
    return text if len(text.split()) >= MIN_CONTRAST_WORDS and text != pair.response else None


def fit_mechanism(
    pairs: list[EpitomePair],
    dense: np.ndarray | None,
    mechanism: str,
    config: LinearTextConfig,
    metadata: dict | None = None,
) -> LinearTextModel:
    """One mechanism's model on `pairs`; with CONTRAST_WEIGHT > 0 each response whose level
    rests on rationale spans also yields a contrast example (the response without those spans,
    level 0, that weight: Zaidan et al. 2007), so the model learns which words carry the level.
    The vocabulary stays that of the responses (one TF-IDF pass serves all three mechanisms)."""
    texts = [p.response for p in pairs]
    labels = [p.levels[mechanism] for p in pairs]
    weights = [1.0] * len(pairs)
    rows = list(range(len(pairs)))
    if CONTRAST_WEIGHT[mechanism] > 0:
        for row, pair in enumerate(pairs):
            contrast = without_rationales(pair, mechanism)
            if contrast is not None:
                texts.append(contrast)
                labels.append(0)
                weights.append(CONTRAST_WEIGHT[mechanism])
                rows.append(row)
    return LinearTextModel.fit(
        texts,
        None if dense is None else dense[rows],
        labels,
        config,
        metadata=metadata,
        sample_weight=weights,
        vocabulary_texts=[p.response for p in pairs],
    )


def out_of_fold_proba(
    pairs: list[EpitomePair], dense: np.ndarray | None, mechanism: str, config: LinearTextConfig
) -> np.ndarray:
    """Probabilities for every train pair from a model that did not see its seeker post."""
    from sklearn.model_selection import GroupKFold

    texts = [p.response for p in pairs]
    labels = np.array([p.levels[mechanism] for p in pairs])
    groups = np.array([p.sp_id for p in pairs])
    proba = np.zeros((len(pairs), 3), dtype=np.float32)
    for fit_rows, held_rows in GroupKFold(n_splits=FOLDS).split(texts, labels, groups):
        model = fit_mechanism(
            [pairs[i] for i in fit_rows],
            None if dense is None else dense[fit_rows],
            mechanism,
            config,
        )
        proba[held_rows] = model.predict_proba(
            [texts[i] for i in held_rows], None if dense is None else dense[held_rows]
        )
    return proba


def tune_offsets(proba: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Log-probability offsets for levels 1 and 2 that maximise out-of-fold macro-F1.

    Balanced class weights still leave the rare levels (weak exploration, strong emotional
    reaction) under-predicted; shifting their decision bias is the cheapest fix. Returns the
    offsets, the macro-F1 before and after.
    """
    logs = np.log(np.clip(proba, 1e-9, 1.0))
    before = macro_f1(labels.tolist(), logs.argmax(axis=1).tolist(), [0, 1, 2])
    best = (before, 0.0, 0.0)
    for one, two in itertools.product(OFFSET_GRID, OFFSET_GRID):
        predicted = (logs + np.array([0.0, one, two])).argmax(axis=1)
        f1 = macro_f1(labels.tolist(), predicted.tolist(), [0, 1, 2])
        if f1 > best[0] + 1e-9:
            best = (f1, one, two)
    return np.array([0.0, best[1], best[2]], dtype=np.float32), before, best[0]


def refit(
    out_dir: Path = WEIGHTS_DIR,
    embedder_name: str = "static",
    mechanisms: tuple[str, ...] = MECHANISMS,
) -> None:
    """Refit and write the weights (`pixel-data eval fit empathy`); `mechanisms`: only these
    (each one's fit is independent of the others', so they can run in parallel)."""
    from python_models.embeddings.backends import get_embedder

    train, test = split_pairs(epitome_pairs(realdata_root()))
    embedder = get_embedder(embedder_name)
    dense, model_id = dense_features(train, embedder)
    for mechanism in mechanisms:
        config = CONFIGS[mechanism]
        mechanism_dense = dense if config.embedding_weight else None
        labels = np.array([p.levels[mechanism] for p in train])
        proba = out_of_fold_proba(train, mechanism_dense, mechanism, config)
        offsets, before, after = tune_offsets(proba, labels)
        model = fit_mechanism(
            train,
            mechanism_dense,
            mechanism,
            config,
            metadata={
                "scorer": f"empathy/{mechanism}",
                "embedding_model": model_id if config.embedding_weight else None,
                "contrast_weight": CONTRAST_WEIGHT[mechanism],
                "fitted_on": f"{LICENSE_NOTE}; train split by seeker post "
                f"({100 - TEST_PERCENT}%: {len(train)} pairs; {len(test)} held out)",
                "license": "non-commercial research use (EPITOME data terms)",
                "level_offsets": offsets.tolist(),
                "cv_macro_f1_before_offsets": round(before, 4),
                "cv_macro_f1_after_offsets": round(after, 4),
            },
        )
        model.intercept = model.intercept + offsets
        path = weights_path(mechanism, out_dir)
        model.save(path)
        print(
            f"{mechanism}: CV macro-F1 {before:.3f} -> {after:.3f} with offsets {offsets.tolist()}"
            f"; {len(model.vocabulary)} n-grams -> {path} ({path.stat().st_size:,} B)"
        )
