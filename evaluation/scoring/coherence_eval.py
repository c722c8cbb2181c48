"""Reply relevance on real data, conversations scored in mixed batches as the pipeline does.

Three datasets: Counsel Chat val + test (long questions and answers; the shipped references are
train questions only), EPITOME Reddit (short seeker posts and replies) and the generated sample
lake's ChatML files (short synthetic multi-turn dialogues). Each real conversation is paired
with a shuffled one, its replies moved onto another conversation's user turns (a fixed
derangement); real and shuffled are mixed in a hashed order and scored in batches of 256, so a
batch's references are those of many conversations. A second pass scores each conversation
alone, as `pixel-data score` does a one-record file: the shipped-reference fallback.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pixel_config import settings
from python_models.scoring.coherence import (
    CoherenceResult,
    RelevanceReferences,
    batch_references,
    coherence,
    load_projection,
    load_references,
)

BATCH_SIZE = 256
Conversation = list[dict[str, str]]


@dataclass(frozen=True)
class CoherenceRow:
    dataset: str
    batching: str  # "batches of 256" or "alone (shipped references)"
    real: int  # conversations with a relevance
    shuffled: int
    auc: float  # relevance, real vs shuffled
    auc_interval: tuple[float, float]  # 95% bootstrap (real and shuffled resampled apart)
    median_real: float
    median_shuffled: float
    below_half_real: float  # share of conversations with relevance < 0.5
    below_half_shuffled: float
    mean_coherence_real: float
    mean_coherence_shuffled: float


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(score of a random positive > a random negative), ties count half."""
    scores = np.concatenate([positive, negative])
    ranks = scores.argsort().argsort() + 1.0
    # average ranks for ties
    order = np.argsort(scores)
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts, strict=True):
        if count > 1:
            ranks[order[start : start + count]] = start + (count + 1) / 2.0
    rank_sum = ranks[: len(positive)].sum()
    return float(
        (rank_sum - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative))
    )


def bootstrap_auc(
    positive: np.ndarray, negative: np.ndarray, resamples: int = 1000, seed: int = 13
) -> tuple[float, float]:
    """95% percentile interval of `auc`, resampling each side with replacement."""
    rng = np.random.default_rng(seed)
    values = [
        auc(rng.choice(positive, len(positive)), rng.choice(negative, len(negative)))
        for _ in range(resamples)
    ]
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def _two_turn(questions: Sequence[str], answers: Sequence[str]) -> list[Conversation]:
    return [
        [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        for q, a in zip(questions, answers, strict=True)
    ]


def _deranged(questions: list[str], answers: list[str]) -> tuple[list[Conversation], ...]:
    """Real pairs, and each question with the answer half the list away (never its own)."""
    shift = len(answers) // 2
    keep = [i for i in range(len(questions)) if questions[i] != questions[i - shift]]
    return (
        _two_turn(questions, answers),
        _two_turn([questions[i] for i in keep], [answers[i - shift] for i in keep]),
    )


def counsel_chat(root: Path) -> tuple[list[Conversation], list[Conversation]]:
    """Val then test pairs, in the order the earlier evaluation used (the file is grouped by
    topic, so this order decides how often a shuffled answer comes from another topic)."""
    from evaluation.fitting.fit_coherence import question_answer_pairs

    questions, answers = [], []
    for split in ("val", "test"):
        split_questions, split_answers = question_answer_pairs(split, root)
        questions += split_questions
        answers += split_answers
    return _deranged(questions, answers)


def epitome(root: Path) -> tuple[list[Conversation], list[Conversation]]:
    from evaluation.realdata import epitome_pairs

    pairs = epitome_pairs(root)
    return _deranged([p.seeker for p in pairs], [p.response for p in pairs])


def esconv_conversations(root: Path, split: str | None = None) -> list[Conversation]:
    from evaluation.fitting.fit_coherence import esconv_conversations as conversations

    return conversations(root, split)


def esconv(root: Path, split: str | None = None) -> tuple[list[Conversation], list[Conversation]]:
    """ESConv dialogues (all, or one split), and each with its supporter replies taken from the
    dialogue half the list away."""
    return _with_replies_moved(esconv_conversations(root, split))


def esconv_pairs(
    root: Path, split: str | None = None
) -> tuple[list[Conversation], list[Conversation]]:
    """The same dialogues cut into (seeker turn, supporter reply) pairs: one reply judged
    alone, the hardest case."""
    from evaluation.fitting.fit_coherence import esconv_turn_pairs

    return _deranged(*esconv_turn_pairs(root, split))


def _with_replies_moved(
    conversations: list[Conversation],
) -> tuple[list[Conversation], list[Conversation]]:
    """Each conversation, and a shuffled copy: every reply taken, in order, from the
    conversation half the list away."""
    shift = len(conversations) // 2
    shuffled = []
    for i, conversation in enumerate(conversations):
        replies = [m["content"] for m in conversations[i - shift] if m["role"] == "assistant"]
        taken = itertools.count()
        shuffled.append(
            [
                {**m, "content": replies[next(taken) % len(replies)]}
                if m["role"] == "assistant"
                else m
                for m in conversation
            ]
        )
    return conversations, shuffled


def sample_lake() -> tuple[list[Conversation], list[Conversation]]:
    """The generated lake's ChatML files under curated/ and edge_cases/ (malformed lines and
    records without an assistant turn skipped); shuffled: every reply taken, in order, from
    the conversation half the list away."""
    from sample_lake import generate_lake

    with (settings.DBT_PROJECT_DIR / "seeds" / "role_aliases.csv").open(newline="") as f:
        role_aliases = {row["role_alias"]: row["canonical_role"] for row in csv.DictReader(f)}

    conversations: list[Conversation] = []
    with tempfile.TemporaryDirectory() as tmp:
        lake = Path(tmp) / "lake"
        generate_lake(lake)
        files = sorted((lake / "curated").rglob("*.jsonl")) + sorted(
            (lake / "edge_cases").rglob("*.jsonl")
        )
        for path in files:
            for line in path.read_text("utf-8-sig", errors="replace").splitlines():
                try:
                    messages = json.loads(line).get("messages")
                except (json.JSONDecodeError, AttributeError):
                    continue
                if not isinstance(messages, list):
                    continue
                conversation = [
                    {"role": role_aliases.get(str(m.get("role")), "other"), "content": m["content"]}
                    for m in messages
                    if isinstance(m, dict) and isinstance(m.get("content"), str)
                ]
                if any(m["role"] == "assistant" for m in conversation):
                    conversations.append(conversation)
    return _with_replies_moved(conversations)


def score_conversations(
    conversations: Sequence[Conversation],
    embedder,
    batch_size: int = BATCH_SIZE,
    fallback: RelevanceReferences | None = None,
    projected: bool = True,
) -> list[CoherenceResult]:
    """`Scorers.score`'s coherence step alone: each batch's distinct turns embedded once.
    `projected=False`: raw static-vector cosines, the scorer before issue 13 session 7."""
    projection = load_projection() if projected else None
    fallback = fallback if fallback is not None else load_references(projection=projection)
    results = []
    for start in range(0, len(conversations), batch_size):
        batch = conversations[start : start + batch_size]
        index: dict[str, int] = {}
        for messages in batch:
            for m in messages:
                if m["role"] in ("user", "assistant"):
                    index.setdefault(m["content"], len(index))
        texts = list(index)
        vectors = embedder.encode(texts) if texts else np.zeros((0, embedder.dim), np.float32)
        rows = {
            role: {index[m["content"]] for c in batch for m in c if m["role"] == role}
            for role in ("user", "assistant")
        }
        references = batch_references(
            texts, vectors, rows["user"], rows["assistant"], embedder.model_id, projection
        )
        for messages in batch:
            turn_vectors = np.zeros((len(messages), vectors.shape[1]), dtype=np.float32)
            for position, m in enumerate(messages):
                if m["role"] in ("user", "assistant"):
                    turn_vectors[position] = vectors[index[m["content"]]]
            results.append(coherence(messages, turn_vectors, references, fallback, projection))
    return results


def compare(
    dataset: str,
    real: list[Conversation],
    shuffled: list[Conversation],
    embedder,
    batch_size: int = BATCH_SIZE,
    projected: bool = True,
) -> CoherenceRow:
    """Real and shuffled conversations mixed in a hashed order, scored, then told apart."""
    mixed = [(True, c) for c in real] + [(False, c) for c in shuffled]
    order = sorted(range(len(mixed)), key=lambda i: hashlib.sha256(str(i).encode()).digest())
    mixed = [mixed[i] for i in order]
    results = score_conversations([c for _, c in mixed], embedder, batch_size, projected=projected)
    scored = [(is_real, r) for (is_real, _), r in zip(mixed, results, strict=True)]
    relevance = {
        side: np.array(
            [r.relevance for is_real, r in scored if is_real is side and r.relevance is not None]
        )
        for side in (True, False)
    }
    score = {
        side: np.mean([r.score for is_real, r in scored if is_real is side])
        for side in (True, False)
    }
    return CoherenceRow(
        dataset=dataset,
        batching=f"batches of {batch_size}" if batch_size > 1 else "alone (shipped references)",
        real=len(relevance[True]),
        shuffled=len(relevance[False]),
        auc=auc(relevance[True], relevance[False]),
        auc_interval=bootstrap_auc(relevance[True], relevance[False]),
        median_real=float(np.median(relevance[True])),
        median_shuffled=float(np.median(relevance[False])),
        below_half_real=float(np.mean(relevance[True] < 0.5)),
        below_half_shuffled=float(np.mean(relevance[False] < 0.5)),
        mean_coherence_real=float(score[True]),
        mean_coherence_shuffled=float(score[False]),
    )


def evaluate_coherence(root: Path, embedder) -> list[CoherenceRow]:
    """Every dataset in batches, then alone (the fallback)."""
    datasets = {
        "Counsel Chat val+test": counsel_chat(root),
        "EPITOME Reddit": epitome(root),
        # the projection is fitted on ESConv's train dialogues: only the held-out ones are scored
        "ESConv dialogues (held-out)": esconv(root, "test"),
        "ESConv reply pairs (held-out)": esconv_pairs(root, "test"),
        "sample lake (ChatML)": sample_lake(),
    }
    return [
        compare(name, real, shuffled, embedder, batch_size)
        for batch_size in (BATCH_SIZE, 1)
        for name, (real, shuffled) in datasets.items()
    ]
