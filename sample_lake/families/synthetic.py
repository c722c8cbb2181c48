"""Source family `synthetic`: instruction JSONL in nested folders, chain-of-thought Parquet."""

from __future__ import annotations

import pyarrow as pa

from sample_lake.content import phrases
from sample_lake.content.templates import (
    COPING_TIPS,
    INSTRUCTION_TEMPLATES,
    TOPICS,
)
from sample_lake.lake import FilePlan, Lake
from sample_lake.records import dumps
from sample_lake.writers import JsonlOptions


def write_psych_instructions(lake: Lake, n: int) -> None:
    """Tier 4 instruction JSONL in nested folders (instructions/**/*.jsonl, zero or more levels)."""
    dataset = "psych_instructions"
    content = lake.content(dataset)
    rng = content.rng
    groups = (
        ("general", "instructions"),
        ("psychoeducation", "instructions/psychoeducation"),
        ("coping", "instructions/coping/skills"),
    )

    def record(group: str, drop: str | None = None) -> str:
        topic = rng.choice(TOPICS)
        slots = {**lake.details.take(), "phrase": topic.phrase}
        instruction = rng.choice(INSTRUCTION_TEMPLATES[group]).format(**slots)
        tips = " ".join(rng.sample(COPING_TIPS + phrases.COPING_TIPS_EXTRA, 3))
        body = {
            "instruction": instruction,
            "input": rng.choice(topic.problems).format(**slots) if rng.random() < 0.3 else "",
            "output": f"{topic.explanation} {tips}",
        }
        if drop:
            del body[drop]
        return dumps(body)

    per_group = [n // 3 + (i < n % 3) for i in range(3)]
    for g, (group, folder) in enumerate(groups):
        sizes = lake.shards(per_group[g])
        for i, size in enumerate(sizes):
            plan = FilePlan(dataset, f"{folder}/part-{i + 1:03d}.jsonl", [])
            plan.good = [record(group) for _ in range(size)]
            final_newline = True
            if g == 1 and i == 0:
                plan.plant(record(group, drop="output"), "missing_field", at=0.5)
            if g == 2 and i == len(sizes) - 1:
                plan.plant(record(group)[:40], "truncated_record", at=1.0)
                final_newline = False
            lake.write_jsonl("instruction", plan, JsonlOptions(final_newline=final_newline))


_COT_SCHEMA = pa.schema(
    [("question", pa.string()), ("reasoning", pa.string()), ("answer", pa.string())]
)


def write_clinical_reasoning_cot(lake: Lake, n: int) -> None:
    """Tier 3 Parquet question/reasoning/answer, zstd."""
    dataset = "clinical_reasoning_cot"
    content = lake.content(dataset)
    rng = content.rng

    def row() -> dict[str, str]:
        topic = rng.choice(TOPICS)
        slots = lake.details.take()
        said = content.opener(topic, slots=slots)
        explanation = topic.explanation
        steps = (
            rng.choice(phrases.RISK_STEPS),
            rng.choice(phrases.MAINTENANCE_STEPS).format(
                explanation=explanation, explanation_lower=explanation[0].lower() + explanation[1:]
            ),
            rng.choice(phrases.STEP_CHOICES),
        )
        lead = rng.choice(phrases.ANSWER_LEADS)
        step = (
            topic.next_step
            if lead.endswith(":")
            else topic.next_step[0].lower() + topic.next_step[1:]
        )
        tail = rng.choice(phrases.ANSWER_TAILS).format(relative=rng.choice(phrases.PEOPLE)[3:])
        return {
            "question": f'A client says: "{said}" What should the counsellor prioritise next?',
            "reasoning": (
                f"The client describes {topic.phrase} lasting about {slots['weeks']} weeks. "
                + " ".join(steps)
            ),
            "answer": f"{lead} {step} {tail}",
        }

    for i, size in enumerate(lake.shards(n)):
        plan = FilePlan(dataset, f"reasoning/cot_{i + 1:03d}.parquet", [row() for _ in range(size)])
        lake.write_parquet("cot", plan, _COT_SCHEMA)
