"""Calibrating the behaviour model's probabilities, so the session score's expected counts are
counts.

The session score (`behaviour.session_quality`, the gate metric) sums per-reply probabilities as
expected behaviour counts. Those sums estimate what a coder would count only when the
probabilities are calibrated; a classifier fitted with balanced class weights inflates its rare
classes, an unweighted or strongly regularised one is too flat or too sharp, and the threshold's
meaning ("MITI fair") would then depend on the classifier's weighting. So the refit calibrates:

- **Out-of-fold logits.** 5-fold cross-validation grouped by dialogue over the train dialogues
  only: each fold's model scores the utterances of the turns it did not see (`fit_behaviour`).
- **Vector scaling** (Guo et al. 2017): calibrated logits `a_k * z_k + b_k` per class k, fitted by
  maximum likelihood of each turn's label under the *pooled* probability the scorer produces
  (the mean over the reply's utterances of the softmax), so what is calibrated is what the
  session score sums. The fit is convex-ish and small (16 numbers); L-BFGS from a = 1, b = 0.
- **Folded into the weights**: scaling a class's coefficient row and intercept by `a_k` and adding
  `b_k` is exact for a linear model, so the shipped file is the calibrated model (its metadata
  records `a` and `b`) and inference costs nothing extra.

`report` checks it without optimism: calibration for fold k is fitted on the other four folds'
out-of-fold logits and applied to fold k (nested), then per class the predicted frequency
(mean pooled probability) against the coders' frequency, the expected calibration error, and the
session score of each train dialogue from the expected counts against the same formula on the
coders' labels, with dialogue-bootstrap intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from evaluation.metrics import Rate

BOOTSTRAPS = 1000
BINS = 10


@dataclass(frozen=True)
class OutOfFold:
    """Out-of-fold decision values of the utterances of every train reply."""

    logits: np.ndarray  # (utterances, classes): from the model that did not see the dialogue
    owner: np.ndarray  # utterance -> reply row
    labels: np.ndarray  # reply row -> class index (the coders' strategy)
    folds: np.ndarray  # reply row -> fold
    groups: np.ndarray  # reply row -> dialogue id
    open_utterance: np.ndarray  # utterance -> its sentence is an open question (behaviour rule)
    permission: np.ndarray  # reply row -> the reply asks permission (behaviour rule)

    @property
    def utterances(self) -> np.ndarray:
        return np.bincount(self.owner, minlength=len(self.labels))


@dataclass(frozen=True)
class Calibration:
    """Per-class scale and bias of the logits (vector scaling), classes in the model's order."""

    scale: np.ndarray
    bias: np.ndarray

    @classmethod
    def identity(cls, classes: int) -> Calibration:
        return cls(np.ones(classes), np.zeros(classes))

    def rounded(self) -> Calibration:
        """Six decimals: what the weights' metadata records and what is folded in."""
        return Calibration(np.round(self.scale, 6), np.round(self.bias, 6))

    def apply(self, logits: np.ndarray) -> np.ndarray:
        return logits * self.scale + self.bias


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def pooled(oof: OutOfFold, calibration: Calibration) -> tuple[np.ndarray, np.ndarray]:
    """(per reply: mean over its utterances of the calibrated probabilities, per utterance)."""
    per_utterance = softmax(calibration.apply(oof.logits))
    sums = np.zeros((len(oof.labels), oof.logits.shape[1]))
    np.add.at(sums, oof.owner, per_utterance)
    return sums / oof.utterances[:, None], per_utterance


def _loss(theta: np.ndarray, oof: OutOfFold, rows: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of the labels of `rows` (a reply mask) under the pooled
    calibrated probabilities, and its gradient in (scale, bias)."""
    k = oof.logits.shape[1]
    calibration = Calibration(theta[:k], theta[k:])
    reply, utterance = pooled(oof, calibration)
    weight = rows.astype(np.float64) / rows.sum()
    picked = reply[np.arange(len(oof.labels)), oof.labels] + 1e-12
    loss = float(-(weight * np.log(picked)).sum())
    label = oof.labels[oof.owner]
    own = utterance[np.arange(len(oof.owner)), label]
    # d loss / d calibrated logit of utterance u, class c: -w/(P n) * p_u[y] (1[c = y] - p_u[c])
    factor = -(weight / (picked * oof.utterances))[oof.owner] * own
    grad = -utterance * factor[:, None]
    grad[np.arange(len(oof.owner)), label] += factor
    return loss, np.concatenate([(grad * oof.logits).sum(axis=0), grad.sum(axis=0)])


def fit(oof: OutOfFold, rows: np.ndarray | None = None) -> Calibration:
    """Vector scaling fitted on the replies in `rows` (default all), deterministic."""
    from scipy.optimize import minimize

    rows = np.ones(len(oof.labels), dtype=bool) if rows is None else rows
    k = oof.logits.shape[1]
    start = np.concatenate([np.ones(k), np.zeros(k)])
    result = minimize(_loss, start, args=(oof, rows), jac=True, method="L-BFGS-B")
    bias = result.x[k:]
    return Calibration(result.x[:k], bias - bias.mean())  # softmax ignores a common shift


def nested(oof: OutOfFold) -> tuple[np.ndarray, np.ndarray]:
    """Pooled probabilities per reply and per utterance, each fold calibrated on the others."""
    reply = np.zeros((len(oof.labels), oof.logits.shape[1]))
    utterance = np.zeros_like(oof.logits, dtype=np.float64)
    for fold in np.unique(oof.folds):
        calibration = fit(oof, oof.folds != fold)
        fold_reply, fold_utterance = pooled(oof, calibration)
        reply[oof.folds == fold] = fold_reply[oof.folds == fold]
        mine = oof.folds[oof.owner] == fold
        utterance[mine] = fold_utterance[mine]
    return reply, utterance


def fit_stack(blocks: Sequence[np.ndarray], oof: OutOfFold, rows: np.ndarray) -> np.ndarray:
    """A per-class linear stack of several models' utterance logits (issue 13, session 11):
    logit_k = sum_j w[j, k] * z_j,k + w[-1, k], fitted like vector scaling (the likelihood of each
    reply's label under the pooled probability) on the replies in `rows` (a mask or indices).
    With one block it is vector scaling; it replaces it (returns w, shape (blocks + 1, classes)).
    """
    from scipy.optimize import minimize

    k = blocks[0].shape[1]
    replies = np.zeros(len(oof.labels), dtype=bool)
    replies[rows] = True
    mask = replies[oof.owner]
    owner_rows, inverse = np.unique(oof.owner[mask], return_inverse=True)
    labels = oof.labels[owner_rows]
    counts = np.bincount(inverse, minlength=len(owner_rows))
    zs = [np.asarray(z, dtype=np.float64)[mask] for z in blocks]
    y = labels[inverse]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta.reshape(len(zs) + 1, k)
        p = softmax(sum(z * w[j] for j, z in enumerate(zs)) + w[-1])
        reply = np.zeros((len(owner_rows), k))
        np.add.at(reply, inverse, p)
        reply /= counts[:, None]
        picked = reply[np.arange(len(labels)), labels] + 1e-12
        own = p[np.arange(len(y)), y]
        factor = -(1.0 / (picked * counts * len(labels)))[inverse] * own
        grad = -p * factor[:, None]
        grad[np.arange(len(y)), y] += factor
        gradient = np.concatenate([*((grad * z).sum(0) for z in zs), grad.sum(0)])
        return float(-np.log(picked).mean()), gradient

    start = np.zeros((len(zs) + 1, k))
    start[0] = 1.0
    result = minimize(loss, start.ravel(), jac=True, method="L-BFGS-B")
    weights = result.x.reshape(len(zs) + 1, k)
    weights[-1] -= weights[-1].mean()  # softmax ignores a common shift
    return weights


def apply_stack(blocks: Sequence[np.ndarray], weights: np.ndarray) -> np.ndarray:
    return sum(np.asarray(z) * weights[j] for j, z in enumerate(blocks)) + weights[-1]


def nested_stack(
    blocks: Sequence[np.ndarray], oof: OutOfFold
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """`nested` for a stack: pooled probabilities per reply and per utterance, each fold's stack
    fitted on the other folds' out-of-fold logits; and the five stacks' weights."""
    reply = np.zeros((len(oof.labels), blocks[0].shape[1]))
    utterance = np.zeros_like(blocks[0], dtype=np.float64)
    found = []
    identity = Calibration.identity(blocks[0].shape[1])
    for fold in np.unique(oof.folds):
        weights = fit_stack(blocks, oof, np.flatnonzero(oof.folds != fold))
        found.append(weights)
        stacked = OutOfFold(**{**oof.__dict__, "logits": apply_stack(blocks, weights)})
        fold_reply, fold_utterance = pooled(stacked, identity)
        reply[oof.folds == fold] = fold_reply[oof.folds == fold]
        mine = oof.folds[oof.owner] == fold
        utterance[mine] = fold_utterance[mine]
    return reply, utterance, found


# -- the check --------------------------------------------------------------------------------


def _bootstrap(
    groups: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray | float], seed: int = 13
) -> tuple[np.ndarray, np.ndarray]:
    """95% percentile interval of `statistic(rows)`, resampling whole dialogues."""
    rng = np.random.default_rng(seed)
    ids = np.unique(groups)
    rows_by = [np.flatnonzero(groups == g) for g in ids]
    values = [
        statistic(np.concatenate([rows_by[i] for i in rng.integers(0, len(ids), len(ids))]))
        for _ in range(BOOTSTRAPS)
    ]
    return np.percentile(values, 2.5, axis=0), np.percentile(values, 97.5, axis=0)


def _ece(confidence: np.ndarray, hit: np.ndarray) -> float:
    bins = np.minimum((confidence * BINS).astype(int), BINS - 1)
    total = 0.0
    for b in range(BINS):
        inside = bins == b
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - hit[inside].mean())
    return total


def top_label_ece(proba: np.ndarray, labels: np.ndarray) -> float:
    """Expected calibration error of the top class (10 equal-width bins)."""
    return _ece(proba.max(axis=1), (proba.argmax(axis=1) == labels).astype(float))


def classwise_ece(proba: np.ndarray, labels: np.ndarray) -> float:
    """Mean over classes of the ECE of p(class) against the class's indicator."""
    return float(
        np.mean([_ece(proba[:, c], (labels == c).astype(float)) for c in range(proba.shape[1])])
    )


@dataclass(frozen=True)
class ClassRow:
    behaviour: str
    observed: float  # the coders' share of train replies
    predicted: float  # mean pooled probability (out-of-fold)
    difference: tuple[float, float, float]  # predicted - observed, 95% interval


@dataclass(frozen=True)
class GateRow:
    threshold: float
    predicted: Rate  # train dialogues whose session score from the expected counts passes
    coded: Rate  # the same formula on the coders' labels passes
    agree: Rate
    kept_of_coded_pass: Rate
    kept_of_coded_fail: Rate


@dataclass(frozen=True)
class Report:
    label: str
    replies: int
    dialogues: int
    nll: float
    top_ece: tuple[float, float, float]
    classwise_ece: tuple[float, float, float]
    classes: list[ClassRow]
    quality_bias: tuple[float, float, float]  # mean (predicted - coded) session score, 95% CI
    quality_spearman: float
    gates: list[GateRow]


def _with_interval(groups, statistic) -> tuple[float, float, float]:
    low, high = _bootstrap(groups, statistic)
    return float(statistic(np.arange(len(groups)))), float(low), float(high)


def session_scores(
    oof: OutOfFold, reply: np.ndarray, utterance: np.ndarray, behaviours: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per train dialogue: (dialogue ids, session score from the expected counts, the same
    formula on the coders' labels: each reply counted as its label, with the reply's
    utterances and the open-question and permission rules as the scorer applies them)."""
    from python_models.scoring.behaviour import BehaviourResult, session_quality

    question = list(behaviours).index("question")
    opened = np.zeros(len(oof.labels))
    np.add.at(opened, oof.owner, oof.open_utterance.astype(float))
    opened_p = np.zeros(len(oof.labels))
    np.add.at(opened_p, oof.owner, utterance[:, question] * oof.open_utterance)
    sizes = oof.utterances
    ids = np.unique(oof.groups)
    predicted, coded = [], []
    for dialogue in ids:
        mine, theirs = [], []
        for row in np.flatnonzero(oof.groups == dialogue):
            probabilities = {b: float(p) for b, p in zip(behaviours, reply[row], strict=True)}
            asks = bool(oof.permission[row])
            mine.append(BehaviourResult(probabilities, None, asks, int(sizes[row]), opened_p[row]))
            label = dict.fromkeys(behaviours, 0.0)
            label[behaviours[oof.labels[row]]] = 1.0
            coded_open = float(opened[row]) if oof.labels[row] == question else 0.0
            theirs.append(BehaviourResult(label, None, asks, int(sizes[row]), coded_open))
        predicted.append(session_quality(mine).quality)
        coded.append(session_quality(theirs).quality)
    return ids, np.array(predicted), np.array(coded)


def report(
    label: str,
    oof: OutOfFold,
    reply: np.ndarray,
    utterance: np.ndarray,
    behaviours: Sequence[str],
    thresholds: Sequence[float],
) -> Report:
    """Calibration figures of out-of-fold probabilities `reply` (see `nested`)."""
    from scipy.stats import spearmanr

    labels, groups = oof.labels, oof.groups
    classes = []
    for c, name in enumerate(behaviours):

        def difference(rows: np.ndarray, c: int = c) -> float:
            return float(reply[rows, c].mean() - (labels[rows] == c).mean())

        classes.append(
            ClassRow(
                name,
                float((labels == c).mean()),
                float(reply[:, c].mean()),
                _with_interval(groups, difference),
            )
        )
    ids, predicted, coded = session_scores(oof, reply, utterance, behaviours)
    gates = []
    for threshold in thresholds:
        passed, truth = predicted >= threshold, coded >= threshold
        gates.append(
            GateRow(
                threshold,
                Rate(int(passed.sum()), len(ids)),
                Rate(int(truth.sum()), len(ids)),
                Rate(int((passed == truth).sum()), len(ids)),
                Rate(int((passed & truth).sum()), int(truth.sum())),
                Rate(int((passed & ~truth).sum()), int((~truth).sum())),
            )
        )
    return Report(
        label=label,
        replies=len(labels),
        dialogues=len(ids),
        nll=float(-np.log(reply[np.arange(len(labels)), labels] + 1e-12).mean()),
        top_ece=_with_interval(groups, lambda r: top_label_ece(reply[r], labels[r])),
        classwise_ece=_with_interval(groups, lambda r: classwise_ece(reply[r], labels[r])),
        classes=classes,
        quality_bias=_with_interval(ids, lambda r: float((predicted[r] - coded[r]).mean())),
        quality_spearman=float(spearmanr(predicted, coded)[0]),
        gates=gates,
    )


def to_markdown(reports: Sequence[Report]) -> str:
    """The check as tables: per class, then ECE and the session score, then the gate."""

    def triple(value: tuple[float, float, float], sign: bool = False) -> str:
        form = "+.3f" if sign else ".3f"
        return f"{value[0]:{form}} ({value[1]:{form}} to {value[2]:{form}})"

    def rate(r: Rate) -> str:
        low, high = r.interval
        return f"{r.value:.1%} ({r.successes}/{r.total}; {low:.1%}-{high:.1%})"

    labels = [r.label for r in reports]
    lines = [
        "| behaviour | coders' share | "
        + " | ".join(f"predicted - coders, {x}" for x in labels)
        + " |",
        "|---|---|" + "---|" * len(reports),
    ]
    for i, row in enumerate(reports[0].classes):
        cells = [row.behaviour, f"{row.observed:.3f}"]
        cells += [triple(r.classes[i].difference, sign=True) for r in reports]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| measure | " + " | ".join(labels) + " |", "|---|" + "---|" * len(reports)]
    lines.append(
        "| negative log-likelihood | " + " | ".join(f"{r.nll:.4f}" for r in reports) + " |"
    )
    lines.append("| top-label ECE | " + " | ".join(triple(r.top_ece) for r in reports) + " |")
    lines.append(
        "| class-wise ECE | " + " | ".join(triple(r.classwise_ece) for r in reports) + " |"
    )
    lines.append(
        "| session score, predicted - coders (mean over dialogues) | "
        + " | ".join(triple(r.quality_bias, sign=True) for r in reports)
        + " |"
    )
    lines.append(
        "| session score, Spearman predicted vs coders | "
        + " | ".join(f"{r.quality_spearman:.3f}" for r in reports)
        + " |"
    )
    for g in range(len(reports[0].gates)):
        threshold = reports[0].gates[g].threshold
        for name, attribute in (
            ("dialogues passing, predicted", "predicted"),
            ("dialogues passing, coders", "coded"),
            ("verdicts agree", "agree"),
            ("kept of the coders' passes", "kept_of_coded_pass"),
            ("kept of the coders' fails", "kept_of_coded_fail"),
        ):
            cells = [rate(getattr(r.gates[g], attribute)) for r in reports]
            lines.append(f"| >= {threshold}: {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
