"""What a generated lake holds, and what the warehouse must find in it: ``LakeSummary``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

FAULT_REASONS = (
    "invalid_utf8",
    "malformed_json",
    "truncated_record",
    "record_too_large",
    "not_an_object",
    "missing_messages",
    "empty_conversation",
    "missing_role",
    "unknown_role",
    "empty_content",
    "no_assistant_turn",
    "missing_field",
    "malformed_csv_row",
    "invalid_timestamp",
    "no_text_layer",
)
EXACT_DUPLICATE = "exact_duplicate"


class PlantedRecord(BaseModel):
    """One planted fault or losing duplicate copy, where the warehouse should find it.

    ``record_number`` is the 1-based ordinal of the record inside its file as the warehouse
    counts records: non-blank JSONL lines, JSON array elements, CSV data rows, Parquet rows.
    """

    dataset: str
    path: str
    record_number: int
    reason: str
    duplicate_of: str | None = None


class PlantedNearDuplicate(BaseModel):
    """A planted near-copy pair: the record near-dup detection must remove and the one it keeps.

    ``kind`` says how the copy differs (typo, greeting, truncated). Which twin loses follows the
    warehouse's rule: an edge case is kept over a non-edge case, then the better tier, then the
    earlier file and line.
    """

    dataset: str
    path: str
    record_number: int
    kind: str
    kept_dataset: str
    kept_path: str
    kept_record_number: int


class DatasetSummary(BaseModel):
    """What one registered dataset holds: records in, faults by reason, duplicates that lose."""

    dataset: str
    format: str
    files: list[str]
    input_records: int
    valid_records: int
    faults: dict[str, int]
    exact_duplicates: int
    # planted near-duplicates of this dataset that lose to their twin (see LakeSummary)
    near_duplicates: int = 0
    unique_records: int
    # transcripts and sessions (sample_lake/families/transcripts.py): input records that became part
    # of a session beyond its first row, and conversations beyond the first that one document or
    # session became; unique_records = valid - exact_duplicates - merged + derived
    merged_into_session: int = 0
    derived_records: int = 0


class PlantedRecordRef(BaseModel):
    """A named record the warehouse must treat in a known way (sample_lake/content/edge_cases.py):
    a graphic edge case that must be exported, or a conversation whose PII must be redacted."""

    key: str
    dataset: str
    path: str
    record_number: int
    pii_kinds: list[str] = Field(default_factory=list)


class LakeSummary(BaseModel):
    """What ``generate_lake`` wrote; the warehouse's row accounting must agree with it."""

    seed: int
    records: int
    datasets: dict[str, DatasetSummary]
    unregistered_files: list[str]
    total_bytes: int
    planted: list[PlantedRecord] = Field(default_factory=list)
    near_duplicates: list[PlantedNearDuplicate] = Field(default_factory=list)
    graphic_edge_cases: list[PlantedRecordRef] = Field(default_factory=list)
    pii_records: list[PlantedRecordRef] = Field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
