"""Refit the shipped fallback category model (Counsel Chat topics), deterministically.

    pixel-data eval fit category

In the warehouse the category model is fitted on the build's own categorized conversations;
this one is the fallback `pixel-data score` uses when a file carries too few categorized records
to learn from. Counsel Chat (MIT) questions of its own `train` split, text = title + question +
first answer (the shape of a conversation's text), label = topic.
"""

from __future__ import annotations

from pathlib import Path

from evaluation.realdata import CounselQuestion, counsel_chat_questions
from python_models.scoring.category import COUNSEL_CHAT_WEIGHTS, fit_category_model


def conversation_like_text(question: CounselQuestion) -> str:
    """Question and first answer, one per line, as `conversation_text` joins turns."""
    turns = [f"{question.title}\n\n{question.text}".strip()]
    if question.answers:
        turns.append(question.answers[0])
    return "\n".join(" ".join(turn.split()) for turn in turns)


def refit(out: Path = COUNSEL_CHAT_WEIGHTS, embedder_name: str = "static") -> None:
    """Refit and write the weights (`pixel-data eval fit category`)."""
    from evaluation.realdata import realdata_root
    from python_models.embeddings.backends import get_embedder

    embedder = get_embedder(embedder_name)
    train = [q for q in counsel_chat_questions(realdata_root()) if q.split == "train"]
    vectors = embedder.encode([conversation_like_text(q) for q in train])
    model = fit_category_model([q.question_id for q in train], vectors, [q.topic for q in train])
    assert model is not None
    model.metadata.update(
        embedding_model=embedder.model_id,
        fitted_on="Counsel Chat (MIT) 20200325_counsel_chat.csv, split == train, label = topic",
    )
    model.save(out)
    print(
        f"{len(model.categories)} categories from {len(train)} questions, min confidence "
        f"{model.min_confidence:.3f} -> {out} ({out.stat().st_size:,} B)"
    )
