"""Tier 2, source family `professional`: therapy sessions behind a field_map, gzipped."""

from __future__ import annotations

import json
from typing import Any

from sample_lake.content.templates import (
    INTROS,
    SESSION_INTROS,
)
from sample_lake.lake import FilePlan, Lake
from sample_lake.records import Message, dumps, near_copy
from sample_lake.writers import JsonlOptions


def write_professional_sessions(lake: Lake, n: int) -> None:
    """Tier 2 chatml behind a field_map (dialog/speaker/text), gzipped; later files drift."""
    dataset = "professional_sessions"
    content = lake.content(dataset)
    session = iter(range(1, 10**9))

    def record(messages: list[Message], drift: bool) -> str:
        roles = {"system": "system", "user": "client", "assistant": "therapist"}
        if content.rng.random() < 0.2:
            roles = {"system": "system", "user": "patient", "assistant": "counselor"}
        body: dict[str, Any] = {"dialog": [{"speaker": roles[r], "text": c} for r, c in messages]}
        number = next(session)
        if drift:
            body["duration_min"] = 30 + number % 31
            body["modality"] = content.rng.choice(("video", "in_person", "phone"))
        else:
            body["session_id"] = f"ps-{number:07d}"
        return dumps(body)

    def session_conversation() -> list[Message]:
        return content.conversation(intros=INTROS + SESSION_INTROS, exchanges=(2, 4))

    for i, size in enumerate(lake.shards(n, min_files=2)):
        drift = i > 0
        plan = FilePlan(
            dataset,
            f"professional/sessions/sessions_{i + 1:03d}.jsonl.gz",
            [record(session_conversation(), drift) for _ in range(size)],
        )
        if i == 0:
            narrated = json.loads(record(session_conversation(), drift))
            narrated["dialog"].insert(1, {"speaker": "narrator", "text": "The client looks away."})
            plan.plant(dumps(narrated), "unknown_role", at=0.5)
            for key, messages, kind in lake.near_plants.get(dataset, []):
                copy = near_copy(messages, kind) if kind else messages
                plan.plant(record(copy, drift), at=0.6, key=key)
        if i == 1:
            notes = {"duration_min": 50, "modality": "video", "notes": "Session cancelled."}
            plan.plant(dumps(notes), "missing_messages", at=0.5)
        lake.write_jsonl("chatml", plan, JsonlOptions(gzip=True))
