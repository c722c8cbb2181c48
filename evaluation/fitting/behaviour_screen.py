"""Which training setup ranks reflections of feelings best? A screen on the train dialogues.

    python -m evaluation.fitting.behaviour_screen [--store DIR] [candidate ...]

Issue 13, session 11 (docs/evaluation.md). ESConv **train** dialogues only (the held-out part is
dropped unread), 5-fold `GroupKFold` by dialogue (the folds of `fit_behaviour.out_of_fold`).
Every candidate is scored as `BehaviourScorer.score` scores a reply: each utterance classified
(with the seeker turn's vector), the softmax averaged over the reply's utterances; then the
vector-scaling calibration the refit folds into the weights is applied **nested** (fitted on
four folds' out-of-fold logits, applied to the fifth), so every row is measured as it would
ship. Every candidate stays one linear model over the shipped inputs (word n-grams of the
utterance, [utterance vector, utterance vector x seeker vector]), so it needs no scorer change:

- `shipped`: word 1-2 grams + the dense block x0.5 in one balanced regression, fitted on whole
  turns (the weights as shipped);
- `utterances`: the same regression fitted on the units it scores, each utterance labelled
  with its turn's strategy and weighted 1 / (the turn's utterances), so each turn counts once;
- `turns+utterances`: both, each half weight;
- `fusion:<base>`: `<base>` plus a second balanced regression over the utterance (or turn)
  vector alone, its logits added at a weight chosen on four folds and applied to the fifth
  (late fusion: the two coefficient blocks add up to one linear model);
- `stack:<base>`: `<base>` and the vector regression combined by a per-class linear stack
  (logit_k = a_k z_words,k + b_k z_vector,k + c_k) fitted by the pooled likelihood on four
  folds' out-of-fold logits and applied to the fifth's, as the calibration is checked; it
  replaces the calibration and folds into one linear model again; `stack:all` stacks the
  word and vector regressions of both units (turns, utterances; one vocabulary, so still one
  linear model).

Printed (markdown): out-of-fold AUC per behaviour (one-vs-rest, calibrated nested) and the
change of reflection of feelings / restatement / question against `shipped` with paired
dialogue-bootstrap 95% intervals.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evaluation.fitting import calibration
from evaluation.fitting.fit_behaviour import CONFIG, FOLDS, LabelledReply, split_replies
from python_models.scoring.behaviour import BEHAVIOURS, _is_open, asks_permission, utterances
from python_models.scoring.empathy import pair_features
from python_models.scoring.linear import LinearTextModel

FUSION_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
DENSE_C = 1.0
BOOTSTRAPS = 1000
TARGETS = (("reflection of feelings", 2), ("restatement", 1), ("question", 0))


@dataclass
class Data:
    """The train replies split and embedded once."""

    replies: list[LabelledReply]
    texts: list[str]
    flat: list[str]  # every reply's utterances
    owner: np.ndarray  # utterance -> reply
    labels: np.ndarray  # reply -> class
    groups: np.ndarray  # reply -> dialogue
    folds: np.ndarray  # reply -> fold
    turn_dense: np.ndarray  # [reply, reply x seeker]
    utterance_dense: np.ndarray  # [utterance, utterance x seeker]

    @property
    def counts(self) -> np.ndarray:
        return np.bincount(self.owner, minlength=len(self.texts))


def load(replies: list[LabelledReply], embedder) -> Data:
    from sklearn.model_selection import GroupKFold

    texts = [r.reply for r in replies]
    pieces = [utterances(t) for t in texts]
    flat = [u for p in pieces for u in p]
    owner = np.repeat(np.arange(len(texts)), [len(p) for p in pieces])
    labels = np.array([BEHAVIOURS.index(r.behaviour) for r in replies])
    groups = np.array([r.dialogue for r in replies])
    folds = np.zeros(len(texts), dtype=np.int64)
    for fold, (_, rows) in enumerate(GroupKFold(n_splits=FOLDS).split(texts, labels, groups)):
        folds[rows] = fold
    seekers = embedder.encode([r.seeker for r in replies])
    seekers[[not r.seeker for r in replies]] = 0.0
    return Data(
        replies=replies,
        texts=texts,
        flat=flat,
        owner=owner,
        labels=labels,
        groups=groups,
        folds=folds,
        turn_dense=pair_features(seekers, embedder.encode(texts)),
        utterance_dense=pair_features(seekers[owner], embedder.encode(flat)),
    )


def training_units(data: Data, rows: np.ndarray, unit: str):
    """(texts, dense, labels, sample weights) of the replies in `rows` as `unit` says."""
    turns = (
        [data.texts[i] for i in rows],
        data.turn_dense[rows],
        data.labels[rows],
        np.ones(len(rows)),
    )
    mine = np.flatnonzero(np.isin(data.owner, rows))
    pieces = (
        [data.flat[i] for i in mine],
        data.utterance_dense[mine],
        data.labels[data.owner[mine]],
        1.0 / data.counts[data.owner[mine]],
    )
    if unit == "turns":
        return turns
    if unit == "utterances":
        return pieces
    return (
        turns[0] + pieces[0],
        np.vstack([turns[1], pieces[1]]),
        np.concatenate([turns[2], pieces[2]]),
        np.concatenate([turns[3], pieces[3]]) * 0.5,
    )


def word_logits(data: Data, train: np.ndarray, unit: str, score: np.ndarray) -> np.ndarray:
    """The shipped regression fitted on `train` replies as `unit`, on utterances `score`."""
    texts, dense, labels, weights = training_units(data, train, unit)
    model = LinearTextModel.fit(
        texts,
        dense,
        labels,
        CONFIG,
        sample_weight=None if unit == "turns" else weights,
        vocabulary_texts=[data.texts[i] for i in train],
    )
    return model.decision([data.flat[i] for i in score], data.utterance_dense[score])


def vector_logits(data: Data, train: np.ndarray, unit: str, score: np.ndarray) -> np.ndarray:
    """A balanced regression over the (utterance or turn) vector alone."""
    from sklearn.linear_model import LogisticRegression

    _, dense, labels, weights = training_units(data, train, unit)
    model = LogisticRegression(C=DENSE_C, class_weight="balanced", max_iter=3000)
    model.fit(dense[:, :256], labels, sample_weight=None if unit == "turns" else weights)
    return model.decision_function(data.utterance_dense[score, :256])


def out_of_fold(data: Data, logits_of, unit: str, folds: np.ndarray | None = None, rows=None):
    """Utterance logits of the replies in `rows` (default all), each from the fold model that
    did not see its dialogue (`folds` numbers the replies' folds)."""
    folds = data.folds if folds is None else folds
    rows = np.arange(len(data.texts)) if rows is None else rows
    out = np.zeros((len(data.flat), len(BEHAVIOURS)))
    for fold in np.unique(folds[rows]):
        train = rows[folds[rows] != fold]
        score = np.flatnonzero(np.isin(data.owner, rows[folds[rows] == fold]))
        out[score] = logits_of(data, train, unit, score)
    return out


def oof_record(data: Data, logits: np.ndarray) -> calibration.OutOfFold:
    return calibration.OutOfFold(
        logits=logits,
        owner=data.owner,
        labels=data.labels,
        folds=data.folds,
        groups=data.groups,
        open_utterance=np.array([_is_open(u) for u in data.flat]),
        permission=np.array([asks_permission(t) for t in data.texts]),
    )


def auc(positive: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties averaged: scikit-learn's value,
    a few times faster (the bootstrap calls it thousands of times)."""
    from scipy.stats import rankdata

    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def aucs(
    labels: np.ndarray,
    proba: np.ndarray,
    rows: np.ndarray | None = None,
    classes: Sequence[int] = tuple(range(len(BEHAVIOURS))),
) -> np.ndarray:
    rows = np.arange(len(labels)) if rows is None else rows
    return np.array([auc(labels[rows] == c, proba[rows, c]) for c in classes])


def nested_fusion(data: Data, base: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, list]:
    """base + w x extra with w chosen (by the reflection-of-feelings AUC of the pooled,
    uncalibrated probabilities) on four folds and applied to the fifth."""
    out, chosen = np.zeros_like(base), []
    identity = calibration.Calibration.identity(len(BEHAVIOURS))
    pooled = {
        w: calibration.pooled(oof_record(data, base + w * extra), identity)[0]
        for w in FUSION_WEIGHTS
    }
    rof = BEHAVIOURS.index("reflection_of_feelings")
    for fold in np.unique(data.folds):
        inner = np.flatnonzero(data.folds != fold)
        best = max(FUSION_WEIGHTS, key=lambda w: aucs(data.labels, pooled[w], inner, [rof])[0])
        chosen.append(best)
        mine = data.folds[data.owner] == fold
        out[mine] = base[mine] + best * extra[mine]
    return out, chosen


def change(base: np.ndarray, other: np.ndarray, data: Data) -> str:
    """Paired change of the three target AUCs, dialogue-bootstrap 95% interval."""
    rng = np.random.default_rng(13)
    ids = np.unique(data.groups)
    rows_of = [np.flatnonzero(data.groups == g) for g in ids]
    picks = [c for _, c in TARGETS]
    changes = []
    for _ in range(BOOTSTRAPS):
        rows = np.concatenate([rows_of[i] for i in rng.integers(0, len(ids), len(ids))])
        changes.append(aucs(data.labels, other, rows, picks) - aucs(data.labels, base, rows, picks))
    low, high = np.percentile(changes, [2.5, 97.5], axis=0)
    point = aucs(data.labels, other)[picks] - aucs(data.labels, base)[picks]
    return "; ".join(
        f"{p:+.3f} ({lo:+.3f} to {hi:+.3f})" for p, lo, hi in zip(point, low, high, strict=True)
    )


def screen(data: Data, candidates: list[str], store: Path | None = None) -> str:
    """`store`: a folder keeping each candidate's out-of-fold logits between runs."""
    rows: dict[str, np.ndarray] = {}
    notes: dict[str, str] = {}
    cache: dict[tuple[str, str], np.ndarray] = {}

    def logits(kind: str, unit: str) -> np.ndarray:
        saved = None if store is None else store / f"{kind}-{unit}.npy"
        if (kind, unit) not in cache and saved is not None and saved.exists():
            cache[(kind, unit)] = np.load(saved)
        if (kind, unit) not in cache:
            started = time.process_time()
            cache[(kind, unit)] = out_of_fold(
                data, word_logits if kind == "words" else vector_logits, unit
            )
            if saved is not None:
                np.save(saved, cache[(kind, unit)])
            print(
                f"  {kind}/{unit}: {time.process_time() - started:.0f} CPU s",
                file=sys.stderr,
                flush=True,
            )
        return cache[(kind, unit)]

    for name in ["shipped", *[c for c in candidates if c != "shipped"]]:
        mode, _, unit = name.rpartition(":")
        unit = {"shipped": "turns"}.get(unit, unit)
        units = ("turns", "utterances") if unit == "all" else (unit,)
        base = logits("words", units[0])
        if mode == "stack":  # the stack is its own calibration
            blocks = [logits(kind, u) for u in units for kind in ("words", "vector")]
            rows[name], _, weights = calibration.nested_stack(blocks, oof_record(data, blocks[0]))
            rof = BEHAVIOURS.index("reflection_of_feelings")
            notes[name] = "reflection-of-feelings block weights per fold " + ", ".join(
                str([round(float(v), 2) for v in w[:-1, rof]]) for w in weights
            )
        else:
            final = base
            if mode == "fusion":
                final, chosen = nested_fusion(data, base, logits("vector", unit))
                notes[name] = f"weights chosen per fold {chosen}"
            rows[name] = calibration.nested(oof_record(data, final))[0]
        print(f"  {name}: {aucs(data.labels, rows[name]).round(3)}", file=sys.stderr, flush=True)
    header = " | ".join(b.replace("_", " ") for b in BEHAVIOURS)
    lines = [
        f"| candidate (train dialogues, out of fold, calibrated nested) | {header} |",
        "|---" * (len(BEHAVIOURS) + 1) + "|",
    ]
    for name, proba in rows.items():
        lines.append(
            f"| {name} | " + " | ".join(f"{v:.3f}" for v in aucs(data.labels, proba)) + " |"
        )
    lines += [
        "",
        "| candidate | change against shipped, RoF; restatement; question (95%, by dialogue) |",
        "|---|---|",
    ]
    for name, proba in rows.items():
        if name != "shipped":
            note = notes.get(name, "")
            lines.append(f"| {name} | {change(rows['shipped'], proba, data)} {note} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    from evaluation.realdata import realdata_root
    from python_models.embeddings.backends import get_embedder

    train, _ = split_replies(realdata_root())  # the held-out part is dropped unread
    arguments = sys.argv[1:]
    store = None
    if arguments[:1] == ["--store"]:
        store, arguments = Path(arguments[1]), arguments[2:]
        store.mkdir(parents=True, exist_ok=True)
    candidates = arguments or [
        "fusion:turns",
        "utterances",
        "fusion:utterances",
        "turns+utterances",
    ]
    print(screen(load(train, get_embedder("static")), candidates, store))


if __name__ == "__main__":
    main()
