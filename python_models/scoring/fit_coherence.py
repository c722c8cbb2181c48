"""Refit the relevance calibration of the coherence scorer, deterministically.

    python -m python_models.scoring.fit_coherence

Counsel Chat (MIT, ../shared/realdata/counsel-chat), questions of its own `train` split: the
cosine of each (question, therapist answer) pair and of the same answers shifted onto other
questions (a fixed derangement). Their medians become the 0 and 1 of the relevance scale.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from python_models.scoring.coherence import WEIGHTS
from python_models.scoring.evaluation.realdata import counsel_chat_questions, realdata_root


def question_answer_pairs(split: str) -> tuple[list[str], list[str]]:
    questions, answers = [], []
    for question in counsel_chat_questions(realdata_root()):
        if question.split != split:
            continue
        for answer in question.answers:
            questions.append(f"{question.title}\n{question.text}".strip())
            answers.append(answer)
    return questions, answers


def pair_cosines(questions: list[str], answers: list[str], embedder) -> tuple[np.ndarray, ...]:
    """Cosines of real pairs and of answers moved onto an unrelated question."""
    q = embedder.encode(questions)
    a = embedder.encode(answers)
    related = np.einsum("ij,ij->i", q, a)
    # shift by half the list: a fixed derangement that never pairs a question with its own answer
    shift = len(answers) // 2
    unrelated = np.einsum("ij,ij->i", q, np.roll(a, shift, axis=0))
    same = np.array(
        [questions[i] == questions[(i - shift) % len(questions)] for i in range(len(q))]
    )
    return related, unrelated[~same]


def main() -> None:
    from python_models.embeddings import get_embedder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--embedder", default="static")
    args = parser.parse_args()
    embedder = get_embedder(args.embedder)
    questions, answers = question_answer_pairs("train")
    related, unrelated = pair_cosines(questions, answers, embedder)
    data = {
        "unrelated_cosine": round(float(np.median(unrelated)), 4),
        "related_cosine": round(float(np.median(related)), 4),
        "embedding_model": embedder.model_id,
        "fitted_on": "Counsel Chat (MIT) 20200325_counsel_chat.csv, split == train: "
        f"{len(related)} question/answer pairs and {len(unrelated)} shuffled pairs",
    }
    args.out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(data, indent=2))


if __name__ == "__main__":
    main()
