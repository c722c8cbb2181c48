"""Does the conversation around a reply help tell its counselling behaviour? A screen, not a fit.

    python -m evaluation.fitting.behaviour_context

Issue 13, session 10 (docs/evaluation.md). ESConv **train** dialogues only (the held-out part is
never read here), the shipped features' out-of-fold utterance logits (`fit_behaviour.out_of_fold`,
5-fold `GroupKFold` by dialogue), and a second multinomial regression over context features
fitted on the same folds; the two are added (late fusion: one linear model again, so it could be
folded into the shipped weights) with a weight chosen from `WEIGHTS`. Context families:

- `seeker_cues`: the reply (at fit time) or utterance (at scoring time) against the seeker turn
  before it: share and count of the reply's content-word stems that the seeker used, any echo,
  no seeker turn, second person, a reflective lead ("it sounds like", "you feel", "that must"),
  second person with an echo, a lead with an echo, length;
- `echo_vocabulary`: which stems are echoed (TF-IDF over the echoed stems, so the model can learn
  that an echoed "stressed" means something an echoed "work" does not);
- `position`: the supporter turn's place in the dialogue (log index, relative position, first);
- `previous_reply`: the previous supporter reply's out-of-fold behaviour probabilities (from the
  same fold's model: that dialogue was not seen).

Printed (markdown): out-of-fold one-vs-rest AUC of reflection of feelings / restatement /
question for the shipped features, each family at its best weight (optimistic), and nested (the
family, regularisation and weight chosen on four folds, applied to the fifth) with paired
dialogue-bootstrap intervals of the change.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from itertools import product

import numpy as np

from evaluation.fitting.fit_behaviour import LabelledReply, out_of_fold, split_replies
from python_models.scoring.behaviour import utterances

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
REGULARISATION = ((0.1, "balanced"), (1.0, None))  # (C, class weighting) of the context model
FAMILIES = (
    ("seeker_cues",),
    ("echo_vocabulary",),
    ("seeker_cues", "echo_vocabulary"),
    ("position",),
    ("previous_reply",),
    ("position", "previous_reply"),
    ("seeker_cues", "position", "previous_reply"),
)
TARGETS = (("reflection of feelings", 2), ("restatement", 1), ("question", 0))
BOOTSTRAPS = 1000

_WORD = re.compile(r"[a-z][a-z']*")
_LEAD = re.compile(
    r"\b(?:sounds? like|seems? (?:like|that)|it seems|must (?:be|feel|have)|"
    r"i can (?:hear|see|tell|imagine|understand)|you(?:'re| are)? (?:feel|feeling|felt)|"
    r"you seem|you sound|that must|so you)\b"
)
_YOU = re.compile(r"\byou(?:'re|r|rself)?\b")
_FILLER = {
    "im", "i'm", "it's", "don't", "that's", "i've", "just", "really", "like", "know", "think",
    "feel", "feeling", "things", "thing", "lot", "get", "got", "going", "want", "yes", "yeah",
    "okay", "ok", "hi", "hello", "thank", "thanks",
}  # fmt: skip


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS | _FILLER)


def stems(text: str, stop: frozenset[str]) -> set[str]:
    """Content words cut to five letters ("stressed", "stressful" -> "stres")."""
    return {w[:5] for w in _WORD.findall(text.lower()) if len(w) >= 3 and w not in stop}


def seeker_cues(text: str, seeker: str, stop: frozenset[str]) -> tuple[list[float], str]:
    """The `seeker_cues` vector of a reply (or utterance) and the seeker turn, and its echoed
    stems joined by spaces (the `echo_vocabulary` document)."""
    lowered = text.lower()
    own, echo = stems(text, stop), stems(text, stop) & stems(seeker, stop)
    lead, you, n = bool(_LEAD.search(lowered)), bool(_YOU.search(lowered)), len(echo)
    cues = [
        n / len(own) if own else 0.0,
        float(n > 0),
        float(np.log1p(n)),
        float(not seeker.strip()),
        float(you),
        float(lead),
        float(you and n > 0),
        float(lead and n > 0),
        float(np.log1p(len(_WORD.findall(lowered)))) / 3.0,
    ]
    return cues, " ".join(sorted(echo))


def _pooled(logits: np.ndarray, owner: np.ndarray, replies: int) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    sums = np.zeros((replies, logits.shape[1]))
    np.add.at(sums, owner, p)
    return sums / np.bincount(owner, minlength=replies)[:, None]


def _aucs(labels: np.ndarray, proba: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    from sklearn.metrics import roc_auc_score

    rows = np.arange(len(labels)) if rows is None else rows
    return np.array([roc_auc_score(labels[rows] == c, proba[rows, c]) for _, c in TARGETS])


def _standardised(values: np.ndarray) -> np.ndarray:
    return (values - values.mean(axis=0)) / (values.std(axis=0) + 1e-6)


def screen(replies: list[LabelledReply], embedder) -> str:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    oof = out_of_fold(replies, embedder)
    owner, labels, folds, groups = oof.owner, oof.labels, oof.folds, oof.groups
    n = len(replies)
    flat = [u for r in replies for u in utterances(r.reply)]
    stop = _stop_words()
    started = time.process_time()
    reply_cues = [seeker_cues(r.reply, r.seeker, stop) for r in replies]
    utterance_cues = [
        seeker_cues(u, replies[o].seeker, stop) for u, o in zip(flat, owner, strict=True)
    ]
    cue_seconds = (time.process_time() - started) / (len(replies) + len(flat))
    cues_reply = np.array([c for c, _ in reply_cues], dtype=np.float32)
    scale = (cues_reply.mean(axis=0), cues_reply.std(axis=0) + 1e-6)  # no labels: folds share it
    cues_reply = (cues_reply - scale[0]) / scale[1]
    cues_utterance = (np.array([c for c, _ in utterance_cues], np.float32) - scale[0]) / scale[1]

    base = _pooled(oof.logits, owner, n)
    rank, size = np.zeros(n), np.zeros(n)
    previous, has_previous = np.zeros((n, base.shape[1])), np.zeros(n)
    for dialogue in np.unique(groups):
        rows = np.flatnonzero(groups == dialogue)  # replies are in dialogue order
        rank[rows], size[rows] = np.arange(len(rows)), len(rows)
        previous[rows[1:]] = np.log(base[rows[:-1]] + 1e-4)
        has_previous[rows[1:]] = 1.0
    position = _standardised(
        np.stack([np.log1p(rank), rank / np.maximum(size - 1, 1), (rank == 0) * 1.0], axis=1)
    )
    previous_reply = _standardised(
        np.hstack([previous * has_previous[:, None], has_previous[:, None]])
    )

    def blocks(family: tuple[str, ...], train: np.ndarray, test: np.ndarray):
        """(fit rows' features, scored utterances' features) of a family."""
        fit, score = [], []
        for name in family:
            if name == "seeker_cues":
                fit.append(csr_matrix(cues_reply[train]))
                score.append(csr_matrix(cues_utterance[test]))
            elif name == "echo_vocabulary":
                tfidf = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, min_df=2)
                tfidf.fit([reply_cues[i][1] for i in train])
                fit.append(tfidf.transform([reply_cues[i][1] for i in train]))
                score.append(tfidf.transform([utterance_cues[i][1] for i in test]))
            else:
                values = position if name == "position" else previous_reply
                fit.append(csr_matrix(values[train]))
                score.append(csr_matrix(values[owner[test]]))
        return hstack(fit, format="csr"), hstack(score, format="csr")

    def context_logits(family: tuple[str, ...], c: float, weighting: str | None) -> np.ndarray:
        logits = np.zeros_like(oof.logits)
        for fold in np.unique(folds):
            train = np.flatnonzero(folds != fold)
            test = np.flatnonzero(folds[owner] == fold)
            fit, score = blocks(family, train, test)
            model = LogisticRegression(C=c, class_weight=weighting, max_iter=3000)
            model.fit(fit, labels[train])
            logits[test] = model.decision_function(score)
        return logits

    fused: dict[tuple, np.ndarray] = {}
    lines = [
        "| context (train dialogues, out of fold) | alone | best weight | fused at it "
        "(optimistic) |",
        "|---|---|---|---|",
        f"| none (the shipped features) | | | {_fmt(_aucs(labels, base))} |",
    ]
    for family, (c, weighting) in product(FAMILIES, REGULARISATION):
        context = context_logits(family, c, weighting)
        for weight in WEIGHTS:
            fused[(family, c, weighting, weight)] = _pooled(oof.logits + weight * context, owner, n)
        best = max(
            WEIGHTS,
            key=lambda w, key=(family, c, weighting): _aucs(labels, fused[(*key, w)])[0],
        )
        lines.append(
            f"| {' + '.join(family)} (C {c}, {weighting or 'unweighted'}) | "
            f"{_fmt(_aucs(labels, _pooled(context, owner, n)))} | {best} | "
            f"{_fmt(_aucs(labels, fused[(family, c, weighting, best)]))} |"
        )
    lines += ["", "| nested (chosen on four folds, applied to the fifth) | AUC | change, 95% |"]
    lines.append("|---|---|---|")
    for label, keep in (
        ("seeker cues only", lambda key: key[0] == ("seeker_cues",)),
        ("every family", lambda key: True),
    ):
        nested = _nested(fused, keep, labels, folds)
        lines.append(
            f"| {label} | {_fmt(_aucs(labels, nested))} | {_change(base, nested, labels, groups)} |"
        )
    lines.append("")
    lines.append(f"seeker cues: {cue_seconds * 1e6:.1f} CPU microseconds per text (pure Python)")
    return "\n".join(lines) + "\n"


def _nested(
    fused: dict[tuple, np.ndarray], keep: Callable[[tuple], bool], labels, folds
) -> np.ndarray:
    keys = [key for key in fused if keep(key)]
    nested = np.zeros_like(next(iter(fused.values())))
    for fold in np.unique(folds):
        inner = np.flatnonzero(folds != fold)
        best = max(keys, key=lambda key: _aucs(labels, fused[key], inner)[0])
        nested[folds == fold] = fused[best][folds == fold]
    return nested


def _change(base: np.ndarray, other: np.ndarray, labels, groups) -> str:
    """Paired change of the three AUCs with a dialogue-bootstrap 95% interval."""
    rng = np.random.default_rng(13)
    ids = np.unique(groups)
    rows_of = [np.flatnonzero(groups == g) for g in ids]
    changes = []
    for _ in range(BOOTSTRAPS):
        rows = np.concatenate([rows_of[i] for i in rng.integers(0, len(ids), len(ids))])
        changes.append(_aucs(labels, other, rows) - _aucs(labels, base, rows))
    low, high = np.percentile(changes, [2.5, 97.5], axis=0)
    point = _aucs(labels, other) - _aucs(labels, base)
    return "; ".join(
        f"{p:+.3f} ({lo:+.3f} to {hi:+.3f})" for p, lo, hi in zip(point, low, high, strict=True)
    )


def _fmt(values: np.ndarray) -> str:
    return " / ".join(f"{v:.3f}" for v in values)


def main() -> None:
    from evaluation.realdata import realdata_root
    from python_models.embeddings.backends import get_embedder

    train, _ = split_replies(realdata_root())  # the held-out part is dropped unread
    print(screen(train, get_embedder("static")))


if __name__ == "__main__":
    main()
