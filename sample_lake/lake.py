"""The lake being written: file plans (good records plus planted ones), the per-dataset RNG and
unique details, the books every writer keeps, and the ``LakeSummary`` they add up to."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from sample_lake import writers
from sample_lake.records import Content, Message, UniqueDetails
from sample_lake.summary import (
    EXACT_DUPLICATE,
    DatasetSummary,
    LakeSummary,
    PlantedNearDuplicate,
    PlantedRecord,
    PlantedRecordRef,
)
from sample_lake.writers import JsonlOptions

MAX_RECORDS_PER_FILE = 100_000
MIN_RECORDS_PER_DATASET = 20
# Planted records per file never exceed this, so a shard stays within max_records_per_file.
PLANTED_SLACK = 16

# Share of the good records per dataset; every dataset gets at least MIN_RECORDS_PER_DATASET.
DATASET_WEIGHTS: dict[str, float] = {
    "priority_curated_dialogues": 0.15,
    "professional_sessions": 0.10,
    "community_sharegpt": 0.11,
    "empathy_context_response": 0.07,
    "psych_instructions": 0.082,
    "counsel_qa": 0.08,
    "clinical_reasoning_cot": 0.08,
    "voice_persona_dialogues": 0.04,
    "crisis_edge_roleplay": 0.05,
    "reddit_safety_preferences": 0.06,
    "harmless_hh_preferences": 0.06,
    "heldout_family_dialogues": 0.05,
    # stage 4 from transcripts (sample_lake/families/transcripts.py): passages, session windows
    "trauma_talks": 0.013,
    "session_utterances": 0.007,
    # the shapes public datasets and books come in (sample_lake/families/real_world.py)
    "dialogue_files": 0.009,
    "turn_pair_dialogues": 0.009,
    "turn_pair_files": 0.007,
    "wide_feature_responses": 0.008,
    "psychology_books": 0.008,
    "video_transcripts": 0.007,
}


@dataclass
class Planted:
    position: int
    payload: Any
    reason: str | None
    duplicate_of: str | None  # key of the original, resolved to path#record at the end
    key: str | None  # name for this record, so a later copy can point at it


@dataclass
class FilePlan:
    """One file: good payloads in order, plus records planted before given positions."""

    dataset: str
    path: str
    good: list[Any]
    planted: list[Planted] = field(default_factory=list)

    def plant(
        self,
        payload: Any,
        reason: str | None = None,
        *,
        at: float = 0.5,
        duplicate_of: str | None = None,
        key: str | None = None,
    ) -> None:
        """Plant a record at a fraction of the file (1.0 = after the last good record)."""
        position = min(len(self.good), int(len(self.good) * at))
        self.planted.append(Planted(position, payload, reason, duplicate_of, key))

    def records(self) -> tuple[list[Any], list[tuple[int, Planted]]]:
        """Payloads in file order and the planted ones with their 1-based record numbers."""
        by_position: dict[int, list[Planted]] = {}
        for item in self.planted:
            by_position.setdefault(item.position, []).append(item)
        merged: list[Any] = []
        notes: list[tuple[int, Planted]] = []
        for position in range(len(self.good) + 1):
            for item in by_position.get(position, ()):
                merged.append(item.payload)
                notes.append((len(merged), item))
            if position < len(self.good):
                merged.append(self.good[position])
        return merged, notes


class Lake:
    """Writes file plans under the lake root and keeps the books for the summary."""

    def __init__(self, root: Path, seed: int, records: int, max_per_file: int) -> None:
        self.root = root
        self.seed = seed
        self.records = records
        self.max_per_file = max_per_file
        self.details = UniqueDetails(seed)
        self.datasets: dict[str, dict[str, Any]] = {}
        self.planted: list[tuple[str, str, int, Planted]] = []
        self.locations: dict[str, str] = {}
        self.unregistered: list[str] = []
        # tier-1 conversations that community_sharegpt copies (key, messages)
        self.originals: list[tuple[str, list[Message]]] = []
        # planted near-duplicates: the conversations other datasets plant (dataset -> key,
        # messages, how to alter them or None for the original itself), and the pairs as
        # (key of the record that loses, key of the record kept, kind)
        self.near_plants: dict[str, list[tuple[str, list[Message], str | None]]] = {}
        self.near_pairs: list[tuple[str, str, str]] = []
        self.key_datasets: dict[str, str] = {}
        # named records: graphic edge cases and PII plants (key -> PII kinds)
        self.graphic_keys: list[str] = []
        self.pii_keys: dict[str, tuple[str, ...]] = {}

    # ---- bookkeeping ---------------------------------------------------------------------

    def content(self, dataset: str) -> Content:
        return Content(random.Random(f"{self.seed}:{dataset}"), self.details)

    def target(self, dataset: str) -> int:
        """Good records ``dataset`` should hold: its share of the lake, at least the minimum."""
        return max(MIN_RECORDS_PER_DATASET, round(self.records * DATASET_WEIGHTS[dataset]))

    def shards(self, total: int, min_files: int = 1) -> list[int]:
        """Split a record count into files that stay within max_per_file with planted records."""
        files = max(min_files, math.ceil(total / (self.max_per_file - PLANTED_SLACK)))
        return [total // files + (i < total % files) for i in range(files)]

    def path(self, relpath: str) -> Path:
        """Where ``relpath`` lands under the lake root, its folders made."""
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def book(self, fmt: str, plan: FilePlan, count: int, notes: list[tuple[int, Planted]]) -> None:
        """Book a written file: its records and, per planted record, its place and reason."""
        entry = self.datasets.setdefault(
            plan.dataset, {"format": fmt, "files": [], "input": 0, "faults": Counter(), "dups": 0}
        )
        entry["files"].append(plan.path)
        entry["input"] += count
        for number, item in notes:
            if item.key:
                self.locations[item.key] = f"{plan.path}#{number}"
                self.key_datasets[item.key] = plan.dataset
            if item.reason or item.duplicate_of:
                self.planted.append((plan.dataset, plan.path, number, item))
            if item.reason:
                entry["faults"][item.reason] += 1
            elif item.duplicate_of:
                entry["dups"] += 1

    # ---- writers: serialise a plan, then book it ------------------------------------------

    def write_jsonl(self, fmt: str, plan: FilePlan, options: JsonlOptions | None = None) -> None:
        merged, notes = plan.records()
        writers.write_jsonl(self.path(plan.path), merged, options or JsonlOptions())
        self.book(fmt, plan, len(merged), notes)

    def write_json_array(self, fmt: str, plan: FilePlan) -> None:
        merged, notes = plan.records()
        writers.write_json_array(self.path(plan.path), merged)
        self.book(fmt, plan, len(merged), notes)

    def write_csv(self, fmt: str, plan: FilePlan, header: Sequence[str]) -> None:
        merged, notes = plan.records()
        writers.write_csv(self.path(plan.path), merged, header)
        self.book(fmt, plan, len(merged), notes)

    def write_parquet(self, fmt: str, plan: FilePlan, schema: pa.Schema) -> None:
        merged, notes = plan.records()
        writers.write_parquet(self.path(plan.path), merged, schema)
        self.book(fmt, plan, len(merged), notes)

    def write_unregistered(self, relpath: str, data: bytes) -> None:
        self.path(relpath).write_bytes(data)
        self.unregistered.append(relpath)

    # ---- summary -------------------------------------------------------------------------

    def summary(self) -> LakeSummary:
        datasets = {}
        for name in sorted(self.datasets):
            entry = self.datasets[name]
            faults = dict(sorted(entry["faults"].items()))
            valid = entry["input"] - sum(faults.values())
            datasets[name] = DatasetSummary(
                dataset=name,
                format=entry["format"],
                files=sorted(entry["files"]),
                input_records=entry["input"],
                valid_records=valid,
                faults=faults,
                exact_duplicates=entry["dups"],
                unique_records=valid
                - entry["dups"]
                - entry.get("merged", 0)
                + entry.get("derived", 0),
                merged_into_session=entry.get("merged", 0),
                derived_records=entry.get("derived", 0),
            )
        near_duplicates = []
        for loser, keeper, kind in self.near_pairs:
            path, number = self.locations[loser].rsplit("#", 1)
            kept_path, kept_number = self.locations[keeper].rsplit("#", 1)
            near_duplicates.append(
                PlantedNearDuplicate(
                    dataset=self.key_datasets[loser],
                    path=path,
                    record_number=int(number),
                    kind=kind,
                    kept_dataset=self.key_datasets[keeper],
                    kept_path=kept_path,
                    kept_record_number=int(kept_number),
                )
            )
            datasets[self.key_datasets[loser]].near_duplicates += 1
        planted = [
            PlantedRecord(
                dataset=dataset,
                path=path,
                record_number=number,
                reason=item.reason or EXACT_DUPLICATE,
                duplicate_of=self.locations[item.duplicate_of] if item.duplicate_of else None,
            )
            for dataset, path, number, item in sorted(
                self.planted, key=lambda p: (p[0], p[1], p[2])
            )
        ]
        total_bytes = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())

        def ref(key: str, kinds: Sequence[str] = ()) -> PlantedRecordRef:
            path, number = self.locations[key].rsplit("#", 1)
            return PlantedRecordRef(
                key=key,
                dataset=self.key_datasets[key],
                path=path,
                record_number=int(number),
                pii_kinds=list(kinds),
            )

        return LakeSummary(
            seed=self.seed,
            records=self.records,
            datasets=datasets,
            unregistered_files=sorted(self.unregistered),
            total_bytes=total_bytes,
            planted=planted,
            near_duplicates=sorted(
                near_duplicates, key=lambda p: (p.dataset, p.path, p.record_number)
            ),
            graphic_edge_cases=[ref(key) for key in self.graphic_keys],
            pii_records=[ref(key, kinds) for key, kinds in self.pii_keys.items()],
        )
