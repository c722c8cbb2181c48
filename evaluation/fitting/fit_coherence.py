"""Refit the shipped relevance references of the coherence scorer, deterministically.

    pixel-data eval fit coherence

Counsel Chat (MIT, ../shared/realdata/counsel-chat), questions of its own `train` split: the
MAX_REFERENCES questions with the smallest sha256 of their questionID, and for each its answer
with the smallest sha256. Their vectors (float16) go to `weights/coherence_references.npz`, what
they are to `weights/coherence.json`. `coherence()` ranks a pair against them only when its
batch has too few turns of its own (`MIN_REFERENCES`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from evaluation.realdata import counsel_chat_questions, realdata_root
from python_models.scoring.coherence import MAX_REFERENCES, REFERENCE_VECTORS, WEIGHTS


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
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(data, indent=2))
