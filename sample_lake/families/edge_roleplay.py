"""Tier 2, source family `edge_roleplay`: crisis role-play and the graphic edge cases."""

from __future__ import annotations

import json

from sample_lake.content.edge_cases import GRAPHIC_EDGE_CASES
from sample_lake.content.templates import (
    CRISIS_TOPIC,
)
from sample_lake.lake import FilePlan, Lake
from sample_lake.records import Message, chatml, dumps


def write_crisis_edge_roleplay(lake: Lake, n: int) -> None:
    """Tier 2 chatml edge cases: acute distress met by validation, a direct safety question and
    crisis resources. No method details."""
    dataset = "crisis_edge_roleplay"
    content = lake.content(dataset)
    ids = iter(range(1, 10**9))

    def conversation() -> list[Message]:
        return content.conversation((CRISIS_TOPIC,), exchanges=(2, 4), system_rate=0.2)

    def record(messages: list[Message]) -> str:
        return dumps(chatml(messages, content.roles(), f"crisis-{next(ids):07d}"))

    for i, size in enumerate(lake.shards(n)):
        plan = FilePlan(dataset, f"edge_cases/crisis_{i + 1:03d}.jsonl", [])
        plan.good = [record(conversation()) for _ in range(size)]
        if i == 0:
            unlabelled = json.loads(record(content.conversation((CRISIS_TOPIC,), exchanges=(2, 2))))
            del unlabelled["messages"][1]["role"]
            plan.plant(dumps(unlabelled), "missing_role", at=0.5)
            for key, messages, _kind in lake.near_plants.get(dataset, []):
                plan.plant(record(messages), at=0.6, key=key)
        lake.write_jsonl("chatml", plan)
    # hand-written graphic dialogues (content/edge_cases.py): every one must reach the export
    plan = FilePlan(dataset, "edge_cases/graphic_001.jsonl", [])
    for key, dialogue in GRAPHIC_EDGE_CASES.items():
        plan.plant(dumps(chatml(list(dialogue), content.roles(), key)), at=1.0, key=key)
        lake.graphic_keys.append(key)
    lake.write_jsonl("chatml", plan)
