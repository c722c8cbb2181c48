"""Tier 1, source family `curated`: the priority dialogues, where most ChatML faults, the
originals of the exact duplicates and the planted near-duplicate pairs live."""

from __future__ import annotations

from sample_lake.content.templates import (
    CRISIS_TOPIC,
    FAMILY_TOPIC,
    TOPICS,
)
from sample_lake.lake import FilePlan, Lake
from sample_lake.records import Message, chatml, dumps, near_copy
from sample_lake.writers import JsonlOptions


def write_priority_curated(lake: Lake, n: int) -> None:
    """Tier 1 chatml: a BOM, blank lines, most chatml faults, a 0-byte file and the originals
    of the duplicates planted here (later file) and in community_sharegpt (tier 3)."""
    dataset = "priority_curated_dialogues"
    content = lake.content(dataset)
    sizes = lake.shards(n, min_files=3)
    counter = iter(range(1, 10**9))

    def record(messages: list[Message], roles: dict[str, str] | None = None) -> str:
        return dumps(chatml(messages, roles or content.roles(), f"pc-{next(counter):07d}"))

    plans = [
        FilePlan(
            dataset,
            f"curated/priority_{i + 1:03d}.jsonl",
            [record(content.conversation(system_rate=0.1)) for _ in range(size)],
        )
        for i, size in enumerate(sizes)
    ]
    first, second, last = plans[0], plans[1], plans[-1]
    originals: list[tuple[str, list[Message]]] = []
    for i in range(7):
        slots = lake.details.take_non_ascii() if i < 2 else None
        messages = content.conversation(exchanges=(2, 3), slots=slots)
        key = f"priority-original-{i}"
        originals.append((key, messages))
        first.plant(record(messages), at=(i + 1) / 9, key=key)

    conv = content.conversation
    bad = record(conv()).encode().replace(b'"content": "', b'"content": "\xff\xfe', 1)
    first.plant(bad, "invalid_utf8", at=0.2)
    first.plant("[1, 2, 3]", "not_an_object", at=0.4)
    first.plant("42", "not_an_object", at=0.6)
    first.plant(dumps({"id": "pc-missing", "text": conv()[0][1]}), "missing_messages", at=0.8)

    broken = record(conv()).replace('", "content"', '" "content"', 1)
    second.plant(broken, "malformed_json", at=0.2)
    second.plant(dumps({"messages": [], "id": "pc-empty"}), "empty_conversation", at=0.4)
    unlabelled = chatml(conv(exchanges=(2, 2)), content.roles(), "pc-no-role")
    del unlabelled["messages"][2]["role"]
    second.plant(dumps(unlabelled), "missing_role", at=0.6)
    narrated = chatml(conv(exchanges=(2, 2)), content.roles(), "pc-narrator")
    narrated["messages"].insert(2, {"role": "narrator", "content": "A long pause follows."})
    second.plant(dumps(narrated), "unknown_role", at=0.8)

    for blank, at in (("", 0.25), ("  \n ", 0.5)):
        empty = chatml(conv(exchanges=(2, 2)), content.roles(), f"pc-blank-{at}")
        empty["messages"][2]["content"] = blank
        last.plant(dumps(empty), "empty_content", at=at)
    user_only = [("user", content.opener(TOPICS[0])), ("user", "Are you still there?")]
    last.plant(record(user_only), "no_assistant_turn", at=0.75)
    for i, (key, messages) in enumerate(originals[5:]):
        drifted = {"system": "system", "user": "client", "assistant": "counselor"}
        last.plant(record(messages, drifted), at=0.3 + 0.3 * i, duplicate_of=key)
    last.plant(record(conv())[:57], "truncated_record", at=1.0)

    # near-duplicates: three originals here with near-copies here and in two other datasets, and
    # near-copies here of an edge case and of a hard-holdout record planted in their datasets
    near = []
    for i in range(3):
        messages = conv(exchanges=(2, 3))
        near.append(messages)
        first.plant(record(messages), at=0.15 + 0.2 * i, key=f"near-original-{i}")
    last.plant(record(near_copy(near[0], "typo")), at=0.45, key="near-copy-typo")
    lake.near_plants["community_sharegpt"] = [("near-copy-greeting", near[1], "greeting")]
    lake.near_plants["professional_sessions"] = [("near-copy-truncated", near[2], "truncated")]
    crisis = conv((CRISIS_TOPIC,), exchanges=(2, 3))
    lake.near_plants["crisis_edge_roleplay"] = [("near-original-crisis", crisis, None)]
    last.plant(record(near_copy(crisis, "typo")), at=0.55, key="near-copy-crisis")
    family = conv((FAMILY_TOPIC,), exchanges=(2, 3))
    lake.near_plants["heldout_family_dialogues"] = [("near-original-holdout", family, None)]
    second.plant(record(near_copy(family, "greeting")), at=0.5, key="near-copy-holdout")
    lake.near_pairs += [
        ("near-copy-typo", "near-original-0", "typo"),  # same tier: the earlier file wins
        ("near-copy-greeting", "near-original-1", "greeting"),  # tier 1 over tier 3
        ("near-copy-truncated", "near-original-2", "truncated"),  # tier 1 over tier 2
        ("near-copy-crisis", "near-original-crisis", "typo"),  # an edge case is never removed
        ("near-original-holdout", "near-copy-holdout", "greeting"),  # tier 1 wins, goes to test
    ]

    for plan in plans:
        options = JsonlOptions(
            bom=plan is first, blank_lines=plan is second, final_newline=plan is not last
        )
        lake.write_jsonl("chatml", plan, options)
    lake.write_jsonl("chatml", FilePlan(dataset, "curated/priority_empty.jsonl", []))
    lake.originals = originals[:5]
