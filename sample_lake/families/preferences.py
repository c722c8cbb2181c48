"""Preference pairs: source families `reddit_safety` (prompt/chosen/rejected) and `hh_rlhf`
(transcripts sharing a prompt prefix, gzipped)."""

from __future__ import annotations

from sample_lake.content.templates import (
    REJECTED_REPLIES,
    TOPICS,
)
from sample_lake.lake import FilePlan, Lake
from sample_lake.records import dumps
from sample_lake.writers import JsonlOptions


def write_reddit_safety_preferences(lake: Lake, n: int) -> None:
    """Tier 3 prompt/chosen/rejected JSONL; one pair appears twice, one lacks rejected."""
    dataset = "reddit_safety_preferences"
    content = lake.content(dataset)
    rng = content.rng

    def pair() -> dict[str, str]:
        topic = rng.choice(TOPICS)
        prompt = f"{content.opener(topic)} {rng.choice(topic.followups)}"
        return {
            "prompt": prompt,
            "chosen": rng.choice(topic.replies),
            "rejected": rng.choice(REJECTED_REPLIES),
        }

    sizes = lake.shards(n)
    plans = []
    for i, size in enumerate(sizes):
        plan = FilePlan(dataset, f"safety/reddit_{i + 1:03d}.jsonl", [])
        plan.good = [dumps(pair()) for _ in range(size)]
        plans.append(plan)
    original = dumps(pair())
    plans[0].plant(original, at=0.2, key="reddit-original")
    plans[-1].plant(original, at=0.9, duplicate_of="reddit-original")
    incomplete = pair()
    del incomplete["rejected"]
    plans[0].plant(dumps(incomplete), "missing_field", at=0.5)
    for plan in plans:
        lake.write_jsonl("preference", plan)


def write_harmless_hh_preferences(lake: Lake, n: int) -> None:
    """Tier 4 hh-rlhf style chosen/rejected transcripts sharing a prompt prefix, gzipped."""
    dataset = "harmless_hh_preferences"
    content = lake.content(dataset)
    rng = content.rng

    def pair() -> dict[str, str]:
        messages = content.conversation(exchanges=(1, 3))
        prefix = "".join(
            f"\n\n{'Human' if r == 'user' else 'Assistant'}: {c}" for r, c in messages[:-1]
        )
        return {
            "chosen": f"{prefix}\n\nAssistant: {messages[-1][1]}",
            "rejected": f"{prefix}\n\nAssistant: {rng.choice(REJECTED_REPLIES)}",
        }

    for i, size in enumerate(lake.shards(n)):
        plan = FilePlan(dataset, f"safety/hh/hh_{i + 1:03d}.jsonl.gz", [])
        plan.good = [dumps(pair()) for _ in range(size)]
        if i == 0:
            incomplete = pair()
            del incomplete["rejected"]
            plan.plant(dumps(incomplete), "missing_field", at=0.5)
        lake.write_jsonl("preference", plan, JsonlOptions(gzip=True))
