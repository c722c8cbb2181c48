"""Scoring clusters on labelled pairs: ground truth, pair precision and recall, false positives."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evaluation.neardup.documents import EvalDoc


def pair_key(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return lo.astype(np.int64) * n + hi


@dataclass
class Labels:
    """Ground truth over a corpus: positive pairs and pairs not to score."""

    n: int
    groups: np.ndarray  # group index per doc
    positives: np.ndarray  # sorted pair keys
    ignored: np.ndarray  # sorted pair keys (ambiguous)
    positive_kind: dict[int, str]  # pair key -> the perturbation / real kind it tests
    calibration_half: np.ndarray  # bool per doc: its group is in the calibration half

    @classmethod
    def from_docs(cls, docs: Sequence[EvalDoc]) -> Labels:
        n = len(docs)
        group_index: dict[str, int] = {}
        groups = np.array([group_index.setdefault(d.group, len(group_index)) for d in docs])
        members: dict[int, list[int]] = defaultdict(list)
        for i, g in enumerate(groups):
            members[int(g)].append(i)
        positives: list[int] = []
        kind: dict[int, str] = {}
        for rows in members.values():
            for a in range(len(rows)):
                for b in range(a + 1, len(rows)):
                    key = int(pair_key(np.array(rows[a]), np.array(rows[b]), n))
                    positives.append(key)
                    kinds = {docs[rows[a]].kind, docs[rows[b]].kind} - {"original"}
                    kind[key] = kinds.pop() if len(kinds) == 1 else "two_copies_of_one_original"
        ambiguous: dict[str, list[int]] = defaultdict(list)
        for i, d in enumerate(docs):
            if d.ambiguity_key:
                ambiguous[d.ambiguity_key].append(i)
        ignored = [
            int(pair_key(np.array(rows[a]), np.array(rows[b]), n))
            for rows in ambiguous.values()
            if len(rows) > 1
            for a in range(len(rows))
            for b in range(a + 1, len(rows))
            if groups[rows[a]] != groups[rows[b]]
        ]
        half = np.array(
            [int(hashlib.sha256(d.group.encode()).hexdigest()[:8], 16) % 2 == 0 for d in docs]
        )
        return cls(
            n,
            groups,
            np.unique(np.array(positives, dtype=np.int64)),
            np.unique(np.array(ignored, dtype=np.int64)),
            kind,
            half,
        )


def cluster_pairs(labels_of_docs: np.ndarray) -> np.ndarray:
    """Every pair inside each predicted cluster, as sorted pair keys."""
    n = len(labels_of_docs)
    members: dict[int, list[int]] = defaultdict(list)
    for i, c in enumerate(labels_of_docs):
        members[int(c)].append(i)
    keys: list[np.ndarray] = []
    for rows in members.values():
        if len(rows) < 2:
            continue
        idx = np.array(rows)
        a, b = np.triu_indices(len(idx), k=1)
        keys.append(pair_key(idx[a], idx[b], n))
    return np.unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)


@dataclass
class Score:
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    false_negatives: int
    recall_by_kind: dict[str, float]

    def as_dict(self) -> dict[str, object]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "recall_by_kind": {k: round(v, 4) for k, v in sorted(self.recall_by_kind.items())},
        }


def score(clusters: np.ndarray, labels: Labels, docs_mask: np.ndarray | None = None) -> Score:
    """Pair precision and recall of predicted clusters (a label per doc), from counts.

    Predicted pairs are all pairs inside a cluster; counting them from the cluster x group
    contingency table keeps a giant cluster from being enumerated. ``docs_mask`` keeps pairs
    with both ends in it (the held-out half); ambiguous pairs count neither way.
    """
    n = labels.n
    mask = np.ones(n, dtype=bool) if docs_mask is None else docs_mask
    idx = np.flatnonzero(mask)
    c, g = clusters[idx], labels.groups[idx]

    def pairs(counts: np.ndarray) -> int:
        return int((counts * (counts - 1) // 2).sum())

    _, cluster_sizes = np.unique(c, return_counts=True)
    joint = c.astype(np.int64) * (int(g.max()) + 1 if len(g) else 1) + g
    _, joint_sizes = np.unique(joint, return_counts=True)
    predicted, tp = pairs(cluster_sizes), pairs(joint_sizes)
    ignored = labels.ignored
    ig_a, ig_b = ignored // n, ignored % n
    ig_in = mask[ig_a] & mask[ig_b] & (clusters[ig_a] == clusters[ig_b])
    fp = predicted - tp - int(ig_in.sum())
    positives = labels.positives
    pa, pb = positives // n, positives % n
    in_mask = mask[pa] & mask[pb]
    found = clusters[pa] == clusters[pb]
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for key, ok in zip(positives[in_mask].tolist(), found[in_mask].tolist(), strict=True):
        by_kind[labels.positive_kind[key]].append(ok)
    total = int(in_mask.sum())
    return Score(
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / total if total else 1.0,
        true_positives=tp,
        false_positives=fp,
        false_negatives=total - tp,
        recall_by_kind={k: float(np.mean(v)) for k, v in by_kind.items()},
    )


def false_positive_overlap(
    clusters: np.ndarray, labels: Labels, texts: Sequence[str], max_cluster: int = 50
) -> dict[str, int]:
    """False-positive pairs by word overlap: a high overlap suggests an unlabelled duplicate.

    Pairs are enumerated only inside clusters of at most ``max_cluster`` members.
    """
    n = labels.n
    _, inverse, sizes = np.unique(clusters, return_inverse=True, return_counts=True)
    small = cluster_pairs(np.where(sizes[inverse] <= max_cluster, clusters, -1 - np.arange(n)))
    fp = small[~np.isin(small, labels.positives) & ~np.isin(small, labels.ignored)]
    bands: Counter = Counter()
    for key in fp.tolist():
        a = set(texts[key // n].lower().split())
        b = set(texts[key % n].lower().split())
        jaccard = len(a & b) / max(1, len(a | b))
        bands["word_jaccard>=0.8" if jaccard >= 0.8 else "word_jaccard<0.8"] += 1
    bands["clusters_over_max_size"] = int((sizes > max_cluster).sum())
    return dict(bands)
