"""Tier 4, source family `persona`: voice-persona dialogues as Parquet list<struct>."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from sample_lake.content.templates import (
    VOICE_INTROS,
    VOICE_PERSONAS,
)
from sample_lake.lake import FilePlan, Lake
from sample_lake.records import Message

_VOICE_SCHEMA = pa.schema(
    [
        (
            "messages",
            pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())])),
        ),
        ("speaker", pa.string()),
    ]
)


def write_voice_persona_dialogues(lake: Lake, n: int) -> None:
    """Tier 4 Parquet with messages list<struct<role, content>> and a persona column."""
    dataset = "voice_persona_dialogues"
    content = lake.content(dataset)
    rng = content.rng

    def row(messages: list[Message] | None = None) -> dict[str, Any]:
        messages = messages or content.conversation(intros=VOICE_INTROS, exchanges=(1, 3))
        return {
            "messages": [{"role": r, "content": c} for r, c in messages],
            "speaker": rng.choice(VOICE_PERSONAS),
        }

    for i, size in enumerate(lake.shards(n)):
        plan = FilePlan(dataset, f"voice/persona_{i + 1:03d}.parquet", [row() for _ in range(size)])
        if i == 0:
            plan.plant({"messages": [], "speaker": VOICE_PERSONAS[0]}, "empty_conversation", at=0.3)
            silent = row(content.conversation(intros=VOICE_INTROS, exchanges=(2, 2)))
            silent["messages"][1]["content"] = " "
            plan.plant(silent, "empty_content", at=0.7)
        lake.write_parquet("chatml", plan, _VOICE_SCHEMA)
