"""Tier 3, source family `community`: ShareGPT conversations and Context/Response CSV."""

from __future__ import annotations

from sample_lake.content.edge_cases import PII_PLANTS
from sample_lake.content.templates import (
    TOPICS,
)
from sample_lake.lake import FilePlan, Lake
from sample_lake.records import Message, disguise, dumps, near_copy, sharegpt


def write_community_sharegpt(lake: Lake, n: int) -> None:
    """Tier 3 ShareGPT: JSON array files and .json files that hold JSONL; five conversations
    copy tier-1 ones with human/gpt roles, padded whitespace and NFD accents."""
    dataset = "community_sharegpt"
    content = lake.content(dataset)
    copies = lake.originals

    def record(messages: list[Message]) -> str:
        return dumps(sharegpt(messages))

    def copy(i: int) -> str:
        _key, messages = copies[i]
        return record([(r, disguise(c, nfd=i < 2)) for r, c in messages])

    def conversations(size: int) -> list[str]:
        return [record(content.conversation(system_rate=0.05)) for _ in range(size)]

    for i, size in enumerate(lake.shards(n - n // 2)):
        plan = FilePlan(dataset, f"community/sharegpt/sharegpt_part_{i + 1:03d}.json", [])
        plan.good = conversations(size)
        if i == 0:
            for j in range(3):
                plan.plant(copy(j), at=(j + 1) / 4, duplicate_of=copies[j][0])
            plan.plant("42", "not_an_object", at=0.6)
        lake.write_json_array("sharegpt", plan)
    for i, size in enumerate(lake.shards(n // 2)):
        plan = FilePlan(dataset, f"community/sharegpt/sharegpt_stream_{i + 1:03d}.json", [])
        plan.good = conversations(size)
        if i == 0:
            for j in (3, 4):
                plan.plant(copy(j), at=(j - 2) / 3, duplicate_of=copies[j][0])
            plan.plant(dumps({"conversations": []}), "empty_conversation", at=0.4)
            lonely = [("user", content.opener(TOPICS[1])), ("user", "Hello?")]
            plan.plant(record(lonely), "no_assistant_turn", at=0.8)
            for key, messages, kind in lake.near_plants.get(dataset, []):
                copy = near_copy(messages, kind) if kind else messages
                plan.plant(record(copy), at=0.6, key=key)
            for key, (dialogue, kinds) in PII_PLANTS.items():
                plan.plant(record(list(dialogue)), at=0.7, key=key)
                lake.pii_keys[key] = kinds
        lake.write_jsonl("sharegpt", plan)


def write_empathy_context_response(lake: Lake, n: int) -> None:
    """Tier 3 CSV Context,Response with quoted commas and newlines; one row has a third field."""
    dataset = "empathy_context_response"
    content = lake.content(dataset)
    rng = content.rng

    def row() -> list[str]:
        topic = rng.choice(TOPICS)
        context = content.opener(topic)
        if rng.random() < 0.3:
            context += "\n\n" + rng.choice(topic.followups)
        return [context, content.reply(rng.choice(topic.replies))]

    for i, size in enumerate(lake.shards(n)):
        plan = FilePlan(dataset, f"community/empathy/empathy_{i + 1:03d}.csv", [])
        plan.good = [row() for _ in range(size)]
        if i == 0:
            plan.plant([*row(), "extra, unquoted column"], "malformed_csv_row", at=0.5)
        lake.write_csv("context_response", plan, ("Context", "Response"))
