"""The export manifest: what was exported, how to check it, and what produced it.

`content_sha256` is the sha256 of the manifest's canonical JSON (sorted keys, no whitespace,
UTF-8) with `created_at` and `content_sha256` removed, so two exports of the same warehouse
with the same code carry the same hash. The default `version` is derived from the same canonical
JSON minus `version` as well, so it cannot depend on itself.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from exports.layout import FileFormat, Kind, is_safe_relative_path

FORMAT_VERSION = 1
# Keys left out of the content hash: they change on every run or are the hash itself.
UNHASHED_KEYS = frozenset({"created_at", "content_sha256"})


class FileEntry(BaseModel):
    """One data file of the export and the facts a verifier recomputes."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Relative posix path inside the export directory.")
    sha256: str
    bytes: int
    records: int
    kind: Kind
    format: FileFormat
    split: str
    stage: str | None = Field(
        description="Curriculum stage; null for preference pairs, which are not split by stage."
    )

    @field_validator("path")
    @classmethod
    def _path_stays_inside_export(cls, value: str) -> str:
        if not is_safe_relative_path(value):
            raise ValueError(f"not a relative path inside the export: {value!r}")
        return value


class PreferencePairCounts(BaseModel):
    """Preference pairs per split and per source dataset."""

    by_split: dict[str, int]
    by_source: dict[str, int]


class Counts(BaseModel):
    """Conversation counts by split, stage, source, split x stage and language, plus pairs."""

    by_split: dict[str, int]
    by_stage: dict[str, int]
    by_source: dict[str, int]
    by_split_stage: dict[str, dict[str, int]]
    preference_pairs: PreferencePairCounts
    by_language: dict[str, int] = {}  # ISO 639-1 -> conversations; `none`: no letters


class ConfigLock(BaseModel):
    """Everything needed to rebuild the same export: code, seed, variables, registry."""

    git_commit: str | None
    git_dirty: bool | None
    seed: int | None
    dbt_vars: dict[str, Any]
    registry_sha256: str | None
    lake_root: str | None
    package_versions: dict[str, str | None]


class QualitySummary(BaseModel):
    """Headline numbers; later stages add their own keys (scores, near-duplicates)."""

    model_config = ConfigDict(extra="allow")

    conversations: int
    preference_pairs: int
    edge_cases: int
    holdout_records: int


class Manifest(BaseModel):
    """The `manifest.json` at the root of an export."""

    format_version: int = FORMAT_VERSION
    version: str
    created_at: str
    content_sha256: str
    files: list[FileEntry]
    counts: Counts
    row_accounting: list[dict[str, Any]]
    config_lock: ConfigLock
    quality_summary: QualitySummary
    composition: dict[str, Any] | None = None

    def to_json(self) -> str:
        """Pretty, key-sorted JSON as written to `manifest.json`."""
        return pretty_json(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        """Parse `manifest.json` text."""
        return cls.model_validate_json(text)


def canonical_json(document: Any) -> bytes:
    """The one byte form of a JSON document that hashes are taken over."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def pretty_json(document: Any) -> str:
    """Human-readable, key-sorted JSON with a trailing newline; stable across runs."""
    return (
        json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    )


def content_sha256(document: dict[str, Any]) -> str:
    """sha256 of a manifest document without the keys that change on every run."""
    hashed = {key: value for key, value in document.items() if key not in UNHASHED_KEYS}
    return hashlib.sha256(canonical_json(hashed)).hexdigest()


def default_version(document: dict[str, Any]) -> str:
    """`v` + 12 hex of the content hash taken without `version`, so equal content, equal name."""
    without_version = {key: value for key, value in document.items() if key != "version"}
    return "v" + content_sha256(without_version)[:12]


def utc_now() -> str:
    """Current time as ISO 8601 UTC with a `Z`, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def finalize_manifest(
    body: dict[str, Any], *, version: str | None, created_at: str | None = None
) -> Manifest:
    """Add `version`, `content_sha256` and `created_at` to a manifest body and validate it.

    `body` holds every other key; it is JSON-ready (plain dicts, lists, str, int, float, bool).
    """
    document = {**body, "format_version": FORMAT_VERSION}
    document["version"] = version if version is not None else default_version(document)
    document["content_sha256"] = content_sha256(document)
    document["created_at"] = created_at or utc_now()
    manifest = Manifest.model_validate(document)
    # The model must write back exactly what was hashed, or verification would fail later.
    if content_sha256(manifest.model_dump(mode="json")) != document["content_sha256"]:
        raise ValueError("manifest does not round-trip through its model; check the body types")
    return manifest
