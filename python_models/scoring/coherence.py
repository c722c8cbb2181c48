"""Coherence of a conversation in [0, 1]: turn structure and reply relevance.

structure = mean of four checks: roles alternate (share of adjacent user/assistant pairs that
switch role), turns are non-empty (share), the dialogue opens with the user (after any system
prompt), and it ends with an assistant reply (the user is answered).

relevance = mean over (user turn, assistant reply) pairs of a two-sided rank: the share of
reference replies that are less similar (cosine) to the user turn than its own reply, averaged
with the share of reference user turns that are less similar to the reply than its own user
turn (ties count half). The references are the other conversations' turns of the same scoring
batch (`batch_references`: up to 128 distinct texts a role, a sample fixed by sha256 of the
text), so a real answer beats most of them and a random one scores 0.5 on average, whatever
the domain or turn length (raw static-embedding cosines run from ~0.4 for short turns to ~0.8
for long answers: a fixed cosine scale fits only one of them). A side with fewer than 32
references left once the conversation's own turns are removed (a tiny file) is ranked against
the shipped set instead: 128 Counsel Chat (MIT) questions and answers picked by hash,
`weights/coherence_references.npz`, refit by `fit_coherence.py`. Its answers are long, so on
short turns that fallback still orders real above shuffled but reads low (docs/evaluation.md).

Similarity is the cosine after a learned projection of each side (`Projection`,
`weights/coherence_projection.npz`): user turns by one 256 x 256 matrix, replies by another,
fitted contrastively (InfoNCE, in-batch negatives) on the (seeker turn, supporter reply) pairs of
ESConv's train dialogues by `fit_coherence.py`, so that a reply sits nearer the turn it answers
than other turns do more often than with raw static vectors. Issue 13, session 7: per-reply real vs
shuffled AUC 0.683 -> 0.762 in 5-fold CV grouped by dialogue on the train dialogues (nested
0.758), 0.698 -> 0.766 on the held-out dialogues (docs/evaluation.md). Both sides are
projected the same way everywhere (the conversation's turns, the batch references, the shipped
fallback), so ranks stay comparable.

coherence = (structure + relevance) / 2, or structure alone when there is nothing to compare.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).parent / "weights" / "coherence.json"
REFERENCE_VECTORS = WEIGHTS.with_name("coherence_references.npz")
PROJECTION = WEIGHTS.with_name("coherence_projection.npz")
DIALOGUE_ROLES = ("user", "assistant")
MAX_REFERENCES = 128  # per role and batch; more moves the Counsel Chat AUC by < 0.005
MIN_REFERENCES = 32  # below this a side falls back to the shipped references
SAME_VECTOR = 1.0 - 1e-5  # cosine above which a reference is the conversation's own text


@dataclass(frozen=True)
class RelevanceReferences:
    """Unit vectors a (user turn, reply) pair is ranked against, one row per distinct text."""

    users: np.ndarray  # (n, dim) user turns
    replies: np.ndarray  # (m, dim) assistant replies
    embedding_model: str
    source: str  # "batch" or what the shipped set was fitted on


@dataclass(frozen=True, eq=False)  # hashed by identity: `load_references` caches on it
class Projection:
    """A learned map per side: a user turn's vector becomes unit(v @ users), a reply's
    unit(v @ replies)."""

    users: np.ndarray  # (dim, dim)
    replies: np.ndarray  # (dim, dim)

    def user_vectors(self, vectors: np.ndarray) -> np.ndarray:
        return _unit(np.asarray(vectors, dtype=np.float32) @ self.users)

    def reply_vectors(self, vectors: np.ndarray) -> np.ndarray:
        return _unit(np.asarray(vectors, dtype=np.float32) @ self.replies)

    def turn_vectors(self, roles: Sequence[str | None], vectors: np.ndarray) -> np.ndarray:
        """Each message's vector projected by its role's map (other roles left as they are)."""
        out = np.array(vectors, dtype=np.float32, copy=True)
        for role, project in (("user", self.user_vectors), ("assistant", self.reply_vectors)):
            rows = [i for i, r in enumerate(roles) if r == role]
            if rows:
                out[rows] = project(out[rows])
        return out


@cache
def load_projection(path: Path = PROJECTION) -> Projection:
    """The shipped projection (`fit_coherence.py`); a missing file is an error, not raw cosines."""
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: the coherence projection is missing (refit it with "
            "`pixel-data eval fit coherence`)"
        )
    with np.load(path, allow_pickle=False) as data:
        return Projection(data["users"].astype(np.float32), data["replies"].astype(np.float32))


@cache
def load_references(
    path: Path = WEIGHTS,
    vectors: Path = REFERENCE_VECTORS,
    projection: Projection | None = None,
) -> RelevanceReferences:
    """The shipped fallback set (`fit_coherence.py`), projected when `projection` is given."""
    meta = json.loads(path.read_text("utf-8"))
    with np.load(vectors, allow_pickle=False) as data:
        users, replies = (_unit(data[name].astype(np.float32)) for name in ("users", "replies"))
    if projection is not None:
        users, replies = projection.user_vectors(users), projection.reply_vectors(replies)
    return RelevanceReferences(users, replies, meta["embedding_model"], meta["fitted_on"])


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def reference_rows(
    texts: Sequence[str], rows: Iterable[int], limit: int = MAX_REFERENCES
) -> list[int]:
    """Up to `limit` rows of non-blank texts, those with the smallest sha256 of the text: the
    same batch always gives the same sample, whatever its order."""
    candidates = {row for row in rows if texts[row].strip()}
    ordered = sorted(candidates, key=lambda row: hashlib.sha256(texts[row].encode()).digest())
    return ordered[:limit]


def references_digest(user_texts: Iterable[str], reply_texts: Iterable[str]) -> str:
    """A SHA-256 hex digest of the references `batch_references` draws from a batch whose
    distinct user turns are `user_texts` and replies `reply_texts`: the same digest, the same
    reference texts (hence vectors, under one embedding model and projection), so a coherence
    computed against them can be cached under it (docs/incremental.md). It selects as
    `reference_rows` does: the non-blank distinct texts with the `MAX_REFERENCES` smallest
    sha256 digests per side."""
    digest = hashlib.sha256()
    for side, texts in ((b"users", user_texts), (b"replies", reply_texts)):
        chosen = sorted({hashlib.sha256(t.encode()).digest() for t in texts if t.strip()})
        digest.update(side + len(chosen[:MAX_REFERENCES]).to_bytes(4, "big"))
        for text_digest in chosen[:MAX_REFERENCES]:
            digest.update(text_digest)
    return digest.hexdigest()


def batch_references(
    texts: Sequence[str],
    vectors: np.ndarray,
    user_rows: Iterable[int],
    assistant_rows: Iterable[int],
    embedding_model: str,
    projection: Projection | None = None,
) -> RelevanceReferences:
    """References from a batch's own distinct turns (`vectors[i]` embeds `texts[i]`), each side
    projected when `projection` is given."""
    users = vectors[reference_rows(texts, user_rows)]
    replies = vectors[reference_rows(texts, assistant_rows)]
    if projection is not None:
        users, replies = projection.user_vectors(users), projection.reply_vectors(replies)
    return RelevanceReferences(users, replies, embedding_model, "batch")


@dataclass(frozen=True)
class CoherenceResult:
    structure: float
    relevance: float | None
    score: float


def structure_score(messages: Sequence[Mapping[str, str]]) -> float:
    dialogue = [m for m in messages if m.get("role") in DIALOGUE_ROLES]
    if not dialogue:
        return 0.0
    pairs = list(itertools.pairwise(dialogue))
    alternation = sum(1 for a, b in pairs if a["role"] != b["role"]) / len(pairs) if pairs else 0.0
    non_empty = sum(1 for m in dialogue if (m.get("content") or "").strip()) / len(dialogue)
    opens_with_user = 1.0 if dialogue[0]["role"] == "user" else 0.0
    answered = 1.0 if dialogue[-1]["role"] == "assistant" else 0.0
    return (alternation + non_empty + opens_with_user + answered) / 4.0


def answer_pairs(messages: Sequence[Mapping[str, str]]) -> list[tuple[int, int]]:
    """(user index, assistant index) for every assistant turn right after a user turn."""
    return [
        (i - 1, i)
        for i in range(1, len(messages))
        if messages[i].get("role") == "assistant" and messages[i - 1].get("role") == "user"
    ]


def _others(references: np.ndarray, own: np.ndarray) -> np.ndarray:
    """References that are not one of the conversation's own turns (nor a copy of one)."""
    if not len(references) or not len(own):
        return references
    return references[(references @ own.T).max(axis=1) < SAME_VECTOR]


NEAR_MARGIN = 1e-3
"""A cosine this far below SAME_VECTOR cannot reach it by rounding: float32 products of unit
vectors of 256 dimensions are off by at most 256 * 2**-24 (1.5e-5) however they are summed."""


def clear_of(vectors: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Per row of `vectors`: True when no reference is (nearly) a copy of it, so `_others`
    would keep every reference for a conversation whose turns are all clear. One product over
    a batch's distinct turns instead of one per conversation; a turn within `NEAR_MARGIN` of
    the line is not clear, and its conversation takes `_others` as before."""
    if not len(vectors) or not len(references):
        return np.ones(len(vectors), dtype=bool)
    return (vectors @ references.T).max(axis=1) < SAME_VECTOR - NEAR_MARGIN


def _share_below(
    anchors: np.ndarray, own_cosines: np.ndarray, references: np.ndarray
) -> np.ndarray:
    """Per anchor: share of references less similar to it than its own partner, ties half."""
    cosines = anchors @ references.T
    below = (cosines < own_cosines[:, None]).mean(axis=1)
    return below + 0.5 * (cosines == own_cosines[:, None]).mean(axis=1)


def coherence(
    messages: Sequence[Mapping[str, str]],
    turn_embeddings: np.ndarray | None,
    references: RelevanceReferences | None,
    fallback: RelevanceReferences | None = None,
    projection: Projection | None = None,
) -> CoherenceResult:
    """`turn_embeddings[i]` is message i's unit vector (rows of other roles are ignored);
    with `projection` each turn is projected by its role's map, and the references must have
    been projected by the same one (`batch_references`, `load_references`).

    Each side is ranked against `references` (the batch's) when at least MIN_REFERENCES remain
    once this conversation's own turns are left out, else against `fallback`; relevance is None
    (structure alone) when a side has neither.
    """
    structure = round(structure_score(messages), 4)
    pairs = answer_pairs(messages)
    if turn_embeddings is None or not pairs:
        return CoherenceResult(structure, None, structure)
    roles = [m.get("role") for m in messages]
    if projection is not None:
        turn_embeddings = projection.turn_vectors(roles, turn_embeddings)
    own_users = turn_embeddings[[i for i, role in enumerate(roles) if role == "user"]]
    own_replies = turn_embeddings[[i for i, role in enumerate(roles) if role == "assistant"]]
    users = turn_embeddings[[u for u, _ in pairs]]
    replies = turn_embeddings[[a for _, a in pairs]]
    return _ranked(structure, own_users, own_replies, users, replies, references, fallback)


def coherence_of_rows(
    messages: Sequence[Mapping[str, str]],
    user_vectors: np.ndarray,
    reply_vectors: np.ndarray,
    rows: Sequence[int | None],
    references: RelevanceReferences | None,
    fallback: RelevanceReferences | None = None,
    clear_users: np.ndarray | None = None,
    clear_replies: np.ndarray | None = None,
) -> CoherenceResult:
    """`coherence(messages, turn_vectors, references, fallback)` where message i's (projected)
    vector is `user_vectors[rows[i]]` for a user turn and `reply_vectors[rows[i]]` for an
    assistant turn, read straight from them: the same rows, the same products, the same
    answer, without building the conversation's turn matrix first. `clear_users[row]`
    (`clear_of(user_vectors, references.users)`) and `clear_replies[row]` say which rows no
    batch reference copies: a side whose turns are all clear ranks against the whole batch
    side without the per-conversation product that would have kept every row of it."""
    structure = round(structure_score(messages), 4)
    pairs = answer_pairs(messages)
    if not pairs:
        return CoherenceResult(structure, None, structure)
    roles = [m.get("role") for m in messages]
    user_rows = [rows[i] for i, role in enumerate(roles) if role == "user"]
    reply_rows = [rows[i] for i, role in enumerate(roles) if role == "assistant"]
    users = user_vectors[[rows[u] for u, _ in pairs]]
    replies = reply_vectors[[rows[a] for _, a in pairs]]
    return _ranked(
        structure,
        user_vectors[user_rows],
        reply_vectors[reply_rows],
        users,
        replies,
        references,
        fallback,
        users_clear=clear_users is not None and all(clear_users[user_rows]),
        replies_clear=clear_replies is not None and all(clear_replies[reply_rows]),
    )


def _ranked(
    structure: float,
    own_users: np.ndarray,
    own_replies: np.ndarray,
    users: np.ndarray,
    replies: np.ndarray,
    references: RelevanceReferences | None,
    fallback: RelevanceReferences | None,
    *,
    users_clear: bool = False,
    replies_clear: bool = False,
) -> CoherenceResult:
    """The relevance of the (user, reply) pairs `users[k]`, `replies[k]` of a conversation
    whose own turns are `own_users` and `own_replies`, and the coherence it gives; a side
    `..._clear` (no batch reference copies any of its turns) keeps every batch reference."""
    chosen = []
    for side, own, clear in (
        ("replies", own_replies, replies_clear),
        ("users", own_users, users_clear),
    ):
        batch = None
        if references is not None:
            batch = getattr(references, side) if clear else _others(getattr(references, side), own)
        if batch is not None and len(batch) >= MIN_REFERENCES:
            chosen.append(batch)
        elif fallback is not None and len(kept := _others(getattr(fallback, side), own)):
            chosen.append(kept)
        else:
            return CoherenceResult(structure, None, structure)
    reference_replies, reference_users = chosen
    cosines = np.einsum("ij,ij->i", users, replies)
    ranks = (
        _share_below(users, cosines, reference_replies)
        + _share_below(replies, cosines, reference_users)
    ) / 2.0
    relevance = round(float(ranks.mean()), 4)
    return CoherenceResult(structure, relevance, round((structure + relevance) / 2.0, 4))
