"""Tier 2, source family `counsel_chat`: Counsel Chat CSV, HTML and plain answers."""

from __future__ import annotations

from typing import Any

from sample_lake.content.templates import (
    GENERIC_REPLIES,
    QUESTION_ASKS,
    THERAPISTS,
    TOPICS,
)
from sample_lake.lake import FilePlan, Lake
from sample_lake.records import html_answer

_QA_HEADER = (
    "questionID", "questionTitle", "questionText", "topic", "therapistInfo", "answerText",
    "upvotes",
)  # fmt: skip


def write_counsel_qa(lake: Lake, n: int) -> None:
    """Tier 2 Counsel Chat CSV: 1-4 answers per question; HTML answers in one file, plain in
    the other; one empty answer and one row with an extra field."""
    dataset = "counsel_qa"
    content = lake.content(dataset)
    rng = content.rng
    question_ids = iter(range(1, 10**9))

    def question_rows(rendered: bool, limit: int) -> list[list[Any]]:
        topic = rng.choice(TOPICS)
        text = f"{content.opener(topic)} {rng.choice(QUESTION_ASKS)}"
        cores = rng.sample(topic.replies + GENERIC_REPLIES, min(limit, rng.randint(1, 4)))
        answers = [content.reply(core) for core in cores]
        qid = next(question_ids)
        title = rng.choice(topic.titles)
        return [
            [
                qid,
                title,
                text,
                topic.label,
                rng.choice(THERAPISTS),
                html_answer(answer, rng) if rendered else answer,
                rng.randint(0, 12),
            ]
            for answer in answers
        ]

    def rows(rendered: bool, size: int) -> list[list[Any]]:
        out: list[list[Any]] = []
        while len(out) < size:
            out.extend(question_rows(rendered, size - len(out)))
        return out

    for style, rendered, total in (("html", True, n // 2), ("plain", False, n - n // 2)):
        for i, size in enumerate(lake.shards(total)):
            suffix = "" if i == 0 else f"_{i + 1:03d}"
            plan = FilePlan(dataset, f"qa/counsel_chat_{style}{suffix}.csv", rows(rendered, size))
            if i == 0 and rendered:
                unanswered = question_rows(rendered, 1)[0]
                unanswered[5] = ""
                plan.plant(unanswered, "missing_field", at=0.5)
            if i == 0 and not rendered:
                plan.plant([*question_rows(rendered, 1)[0], "spam"], "malformed_csv_row", at=0.5)
            lake.write_csv("qa_csv", plan, _QA_HEADER)
