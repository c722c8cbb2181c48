"""The scoring speed-ups of issue 15 (session 11) give the answers of the code they replace, bit
for bit: the behaviour scorer reading each distinct utterance once (`score` against
`score_reference`), its per-reply means of whole runs of rows, the utterance block written in
place, and coherence read from the projected rows instead of a per-conversation turn matrix.
"""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest

from python_models.scoring.behaviour import BehaviourScorer, segment_means
from python_models.scoring.coherence import (
    RelevanceReferences,
    clear_of,
    coherence,
    coherence_of_rows,
)
from python_models.scoring.empathy import gathered_pair_features, pair_features

SENTENCES = [
    "How does that make you feel?",
    "It sounds like you've been carrying this for a long time.",
    "Would it help if I suggested something?",
    "Tell me more about your week",
    "Can I share what has helped others?",
    "I'm sorry you're going through this.",
    "Have you talked to a doctor?",
    "You should try to sleep more.",
    "What do you think is behind that?",
    "That sounds really hard!",
    "Ok.",
    "naïve café — ÉCOLE, is it?",
    "我想死",
    "",
    "  \n  ",
]


def _unit_vectors(texts: list[str], dim: int) -> np.ndarray:
    """A fixed unit vector per text (a stand-in for the embedder: the same text, the same
    vector, whatever the batch)."""
    out = np.empty((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
        out[row] = np.random.default_rng(seed).standard_normal(dim)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _replies(rng: random.Random, count: int) -> list[str]:
    """Replies of 1-12 sentences drawn from a few: many repeat a sentence, some repeat whole."""
    replies = []
    for _ in range(count):
        if replies and rng.random() < 0.2:
            replies.append(rng.choice(replies))
            continue
        joiner = rng.choice([" ", "\n", "  "])
        replies.append(joiner.join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 12))))
    return replies


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_behaviour_reads_each_distinct_utterance_once_and_answers_as_before(seed: int) -> None:
    scorer = BehaviourScorer()
    dim = scorer.model.embedding_dim // 2
    rng = random.Random(seed)
    replies = _replies(rng, 300)
    seekers = _unit_vectors([f"seeker {rng.randrange(40)}" for _ in replies], dim)
    calls: list[int] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return _unit_vectors(texts, dim)

    fast = scorer.score(replies, seekers, embed)
    reference = scorer.score_reference(replies, seekers, embed)
    assert fast == reference  # every probability, count, kind and flag, exactly
    assert calls[0] < calls[1]  # the fast path embedded the distinct utterances only
    assert scorer.score([], seekers[:0], embed) == []


def test_segment_means_are_numpys_means_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        lengths = rng.integers(1, 70, size=int(rng.integers(1, 120)))
        rows = rng.random((int(lengths.sum()), 8)).astype(np.float32)
        rows /= rows.sum(axis=1, keepdims=True)
        starts = np.cumsum(lengths) - lengths
        expected = np.stack(
            [rows[s : s + n].mean(axis=0) for s, n in zip(starts, lengths, strict=True)]
        )
        got = segment_means(rows, lengths)
        assert got.dtype == expected.dtype
        assert np.array_equal(got, expected)


def test_the_utterance_block_written_in_place_is_pair_features() -> None:
    rng = np.random.default_rng(4)
    seekers = rng.standard_normal((30, 256)).astype(np.float32)
    responses = rng.standard_normal((50, 256)).astype(np.float32)
    seeker_rows = rng.integers(0, 30, size=400)
    response_rows = rng.integers(0, 50, size=400)
    expected = pair_features(seekers[seeker_rows], responses[response_rows])
    got = gathered_pair_features(seekers, seeker_rows, responses, response_rows)
    assert got.dtype == expected.dtype == np.float32
    assert np.array_equal(got, expected)
    # float64 seekers take the plain path (their product is not a float32 product)
    wide = seekers.astype(np.float64)
    assert np.array_equal(
        gathered_pair_features(wide, seeker_rows, responses, response_rows),
        pair_features(wide[seeker_rows], responses[response_rows]),
    )


def _conversation(rng: random.Random, texts: list[str]) -> list[dict[str, str]]:
    roles = rng.choice(
        [
            ["user", "assistant"] * rng.randint(1, 5),
            ["system", "user", "assistant", "user", "assistant"],
            ["assistant", "user", "user", "assistant", "assistant"],
            ["user", "user"],
            ["assistant"],
        ]
    )
    return [{"role": role, "content": rng.choice(texts)} for role in roles]


@pytest.mark.parametrize("batch_size", [200, 12])  # 12: too few references, the fallback
def test_coherence_from_the_projected_rows_is_coherence_of_the_turn_matrix(
    batch_size: int,
) -> None:
    rng = random.Random(batch_size)
    texts = [f"turn {i} " + "word " * rng.randint(0, 9) for i in range(batch_size)] + ["", " "]
    conversations = [_conversation(rng, texts) for _ in range(150)]
    index: dict[str, int] = {}
    for messages in conversations:
        for message in messages:
            if message["role"] in ("user", "assistant"):
                index.setdefault(message["content"], len(index))
    distinct = list(index)
    raw = _unit_vectors(distinct, 32)
    mix = np.random.default_rng(5).standard_normal((32, 32)).astype(np.float32)
    user_vectors = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    reply_vectors = raw @ mix
    reply_vectors /= np.linalg.norm(reply_vectors, axis=1, keepdims=True)
    # the batch's references: up to 40 non-blank texts a side (a batch of 12 has too few)
    chosen = [row for row, text in enumerate(distinct) if text.strip()][:40]
    references = RelevanceReferences(user_vectors[chosen], reply_vectors[chosen], "test", "batch")
    fallback = RelevanceReferences(user_vectors[:5], reply_vectors[:5], "test", "shipped")
    clear = (
        clear_of(user_vectors, references.users),
        clear_of(reply_vectors, references.replies),
    )
    compared = 0
    for messages in conversations:
        rows = [
            index.get(m["content"]) if m["role"] in ("user", "assistant") else None
            for m in messages
        ]
        turn_vectors = np.zeros((len(messages), 32), dtype=np.float32)
        for position, row in enumerate(rows):
            if messages[position]["role"] == "user":
                turn_vectors[position] = user_vectors[row]
            elif messages[position]["role"] == "assistant":
                turn_vectors[position] = reply_vectors[row]
        expected = coherence(messages, turn_vectors, references, fallback)
        plain = coherence_of_rows(messages, user_vectors, reply_vectors, rows, references, fallback)
        cleared = coherence_of_rows(
            messages, user_vectors, reply_vectors, rows, references, fallback, *clear
        )
        assert plain == cleared == expected
        compared += expected.relevance is not None
    assert compared > 50  # most conversations were ranked, not structure alone
    # the references are the batch's own texts: some turns have a copy among them, some not
    assert 0 < clear[0].sum() < len(clear[0])


def test_a_near_copy_is_never_clear_and_a_far_one_always() -> None:
    rng = np.random.default_rng(6)
    references = rng.standard_normal((64, 256)).astype(np.float32)
    references /= np.linalg.norm(references, axis=1, keepdims=True)
    nudged = references[:8] + np.float32(1e-4) * rng.standard_normal((8, 256)).astype(np.float32)
    nudged /= np.linalg.norm(nudged, axis=1, keepdims=True)
    others = rng.standard_normal((8, 256)).astype(np.float32)
    others /= np.linalg.norm(others, axis=1, keepdims=True)
    assert not clear_of(references[:8], references).any()  # copies
    assert not clear_of(nudged, references).any()  # within the margin: decided exactly
    assert clear_of(others, references).all()
    assert clear_of(others[:0], references).shape == (0,)


def test_a_sentence_end_read_from_the_end_is_the_patterns_answer() -> None:
    from python_models.scoring.completeness import _SENTENCE_END, _ends_at_sentence_end

    alphabet = [*"ab .!?\u2026\u3002\"')]*_:-`\n\t\u00a0", "\u201d", "\U0001f600", "\u2615"]
    rng = random.Random(7)
    checked = ends = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))).strip()
        if not text:
            continue
        expected = bool(_SENTENCE_END.search(text))
        assert _ends_at_sentence_end(text) == expected, repr(text)
        checked += 1
        ends += expected
    assert checked > 15_000 and 0.1 < ends / checked < 0.9


def test_the_placeholder_scan_finds_what_the_ignorecase_pattern_finds() -> None:
    from python_models.scoring.completeness import _PLACEHOLDER_SEARCH, PLACEHOLDER

    texts = [
        "TODO: fill this in",
        "ToDo later",
        "[Insert answer here]",
        "see {{name}} below",
        "<placeholder>",
        "Lorem Ipsum dolor",
        "The Answer Goes Here",
        "a todolist is fine",
        "FIXME",
        "tbd.",
        "\u212aelvin [INSERT x]",  # non-ASCII: the original pattern decides
        "nothing to see",
    ]
    for text in texts:
        assert _PLACEHOLDER_SEARCH(text) == bool(PLACEHOLDER.search(text)), text
    assert sum(_PLACEHOLDER_SEARCH(t) for t in texts) == 10
