"""Tier 2, source family `heldout_clinic`: held-out family dialogues, the oversized record."""

from __future__ import annotations

from sample_lake.content.templates import (
    FAMILY_TOPIC,
    LONG_FILLER,
    TOPICS,
)
from sample_lake.lake import FilePlan, Lake
from sample_lake.records import Message, chatml, dumps

# The warehouse quarantines records above 2,000,000 bytes; the planted one is well above it.
OVERSIZED_RECORD_BYTES = 3_000_000


def write_heldout_family_dialogues(lake: Lake, n: int) -> None:
    """Tier 2 held-out chatml about family life; carries the ~3 MB record and a broken line."""
    dataset = "heldout_family_dialogues"
    content = lake.content(dataset)
    ids = iter(range(1, 10**9))
    topics = (FAMILY_TOPIC, TOPICS[8], TOPICS[3])  # family, parenting, relationships

    def record(messages: list[Message]) -> str:
        return dumps(chatml(messages, content.roles(), f"holdout-{next(ids):07d}"))

    for i, size in enumerate(lake.shards(n)):
        plan = FilePlan(dataset, f"holdout/family_{i + 1:03d}.jsonl", [])
        plan.good = [record(content.conversation(topics)) for _ in range(size)]
        if i == 0:
            repeats = OVERSIZED_RECORD_BYTES // len(LONG_FILLER) + 1
            huge = content.conversation(topics, exchanges=(1, 1))
            huge[0] = ("user", huge[0][1] + " " + LONG_FILLER * repeats)
            plan.plant(record(huge), "record_too_large", at=0.4)
            # a missing colon: invalid for every JSON parser (DuckDB tolerates trailing commas)
            broken = record(content.conversation(topics)).replace('"id": ', '"id" ', 1)
            plan.plant(broken, "malformed_json", at=0.7)
            for key, messages, _kind in lake.near_plants.get(dataset, []):
                plan.plant(record(messages), at=0.6, key=key)
        lake.write_jsonl("chatml", plan)
