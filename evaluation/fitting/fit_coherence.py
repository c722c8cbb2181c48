"""Refit the shipped relevance references of the coherence scorer, deterministically.

    pixel-data eval fit coherence

Counsel Chat (MIT, ../shared/realdata/counsel-chat), questions of its own `train` split: the
MAX_REFERENCES questions with the smallest sha256 of their questionID, and for each its answer
with the smallest sha256. Their vectors (float16) go to `weights/coherence_references.npz`, what
they are to `weights/coherence.json`. `coherence()` ranks a pair against them only when its
batch has too few turns of its own (`MIN_REFERENCES`).

The projection (`weights/coherence_projection.npz`, `coherence.Projection`): one 256 x 256 map for
user turns and one for replies, fitted with a symmetric InfoNCE loss (in-batch negatives,
temperature TEMPERATURE) on the (seeker turn, supporter reply) pairs of ESConv's train dialogues
(`fit_behaviour.esconv_split`; CC BY-NC 4.0, as the behaviour weights), both maps starting at
the identity and pulled back to it (PULL x squared distance), EPOCHS passes of batches of
BATCH. Deterministic: one torch thread, a fixed seed. The settings were chosen by 5-fold CV
grouped by dialogue on the train dialogues (docs/evaluation.md, issue 13 session 7).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import numpy as np

from evaluation.fitting.fit_behaviour import esconv_split
from evaluation.realdata import counsel_chat_questions, esconv_dialogue_turns, realdata_root
from python_models.scoring.coherence import (
    MAX_REFERENCES,
    PROJECTION,
    REFERENCE_VECTORS,
    WEIGHTS,
)

EPOCHS = 40
BATCH = 256
TEMPERATURE = 0.05
PULL = 0.1
LEARNING_RATE = 0.01
SEED = 0


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def question_answer_pairs(split: str, root: Path | None = None) -> tuple[list[str], list[str]]:
    """Every (question, answer) pair of a Counsel Chat split, a question once per answer."""
    questions, answers = [], []
    for question in counsel_chat_questions(root or realdata_root()):
        if question.split != split:
            continue
        for answer in question.answers:
            questions.append(f"{question.title}\n{question.text}".strip())
            answers.append(answer)
    return questions, answers


def reference_texts(limit: int = MAX_REFERENCES) -> tuple[list[str], list[str], str]:
    """(questions, answers, description) of the shipped reference set."""
    chosen = sorted(
        (q for q in counsel_chat_questions(realdata_root()) if q.split == "train" and q.answers),
        key=lambda q: _sha(q.question_id),
    )[:limit]
    questions = [f"{q.title}\n{q.text}".strip() for q in chosen]
    answers = [min(q.answers, key=_sha) for q in chosen]
    description = (
        "Counsel Chat (MIT) 20200325_counsel_chat.csv, split == train: the "
        f"{len(chosen)} questions with the smallest sha256(questionID), one answer each "
        "(smallest sha256 of the text)"
    )
    return questions, answers, description


def esconv_conversations(root: Path, split: str | None = None) -> list[list[dict[str, str]]]:
    """ESConv dialogues (all, or one split of `fit_behaviour.esconv_split`) as ChatML turns:
    seeker -> user, supporter -> assistant, consecutive turns of one speaker joined. The coherence
    projection is fitted on the train dialogues, so only the "test" split is held out from it."""
    conversations: list[list[dict[str, str]]] = []
    for dialogue in esconv_dialogue_turns(root):
        if not dialogue or (split is not None and esconv_split(dialogue) != split):
            continue
        conversation: list[dict[str, str]] = []
        for turn in dialogue:
            role = "user" if turn.speaker == "seeker" else "assistant"
            if conversation and conversation[-1]["role"] == role:
                conversation[-1]["content"] += " " + turn.text
            else:
                conversation.append({"role": role, "content": turn.text})
        if any(m["role"] == "assistant" for m in conversation):
            conversations.append(conversation)
    return conversations


def esconv_turn_pairs(
    root: Path | None = None, split: str | None = "train"
) -> tuple[list[str], list[str]]:
    """(seeker turn, supporter reply) of ESConv's dialogues (by default the train split, which the
    projection is fitted on), consecutive turns joined."""
    users, replies = [], []
    for conversation in esconv_conversations(root or realdata_root(), split=split):
        for user, reply in itertools.pairwise(conversation):
            if user["role"] == "user" and reply["role"] == "assistant":
                users.append(user["content"])
                replies.append(reply["content"])
    return users, replies


def fit_projection(users: np.ndarray, replies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two maps (users, replies) from paired unit vectors, by symmetric InfoNCE."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        generator = torch.Generator().manual_seed(SEED)
        x, y = torch.tensor(users, dtype=torch.float32), torch.tensor(replies, dtype=torch.float32)
        identity = torch.eye(x.shape[1])
        maps = [torch.nn.Parameter(identity.clone()) for _ in range(2)]
        optimiser = torch.optim.Adam(maps, lr=LEARNING_RATE)
        normalise = torch.nn.functional.normalize
        for _ in range(EPOCHS):
            order = torch.randperm(len(x), generator=generator)
            for start in range(0, len(x), BATCH):
                rows = order[start : start + BATCH]
                logits = normalise(x[rows] @ maps[0], dim=1) @ normalise(y[rows] @ maps[1], dim=1).T
                target = torch.arange(len(rows))
                cross = torch.nn.functional.cross_entropy
                logits = logits / TEMPERATURE
                loss = (cross(logits, target) + cross(logits.T, target)) / 2
                loss = loss + PULL * sum(((m - identity) ** 2).sum() for m in maps)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return maps[0].detach().numpy(), maps[1].detach().numpy()
    finally:
        torch.set_num_threads(threads)


def refit(out: Path = WEIGHTS, embedder_name: str = "static") -> None:
    """Refit and write the weights (`pixel-data eval fit coherence`)."""
    from python_models.embeddings.backends import get_embedder

    embedder = get_embedder(embedder_name)
    questions, answers, description = reference_texts()
    vectors = out.with_name(REFERENCE_VECTORS.name)
    np.savez_compressed(
        vectors,
        users=embedder.encode(questions).astype(np.float16),
        replies=embedder.encode(answers).astype(np.float16),
    )
    data = {
        "embedding_model": embedder.model_id,
        "vectors": vectors.name,
        "references": len(questions),
        "fitted_on": description,
        "used_when": "a batch has fewer than MIN_REFERENCES distinct turns of a role left once "
        "the conversation's own are removed (coherence.py)",
    }
    users, replies = esconv_turn_pairs()
    user_map, reply_map = fit_projection(embedder.encode(users), embedder.encode(replies))
    projection = out.with_name(PROJECTION.name)
    np.savez_compressed(
        projection, users=user_map.astype(np.float32), replies=reply_map.astype(np.float32)
    )
    data["projection"] = {
        "vectors": projection.name,
        "fitted_on": "ESConv (Liu et al. 2021, CC BY-NC 4.0: non-commercial research use), "
        f"train dialogues (fit_behaviour.esconv_split): {len(users)} (seeker turn, supporter "
        f"reply) pairs; symmetric InfoNCE, {EPOCHS} epochs, batch {BATCH}, temperature "
        f"{TEMPERATURE}, pull to identity {PULL}, seed {SEED}",
        "license": "non-commercial research use (ESConv CC BY-NC 4.0)",
    }
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(data, indent=2))
