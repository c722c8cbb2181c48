"""The short account of a build that the CLI prints: counts only, never record content.

Every figure is read as it is from a mart of the warehouse (`qa_*` reports, row_accounting).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

TOP_QUARANTINE_REASONS = 8


@dataclass(frozen=True, slots=True)
class DatasetCounts:
    """One registry dataset's row accounting: where its input records went."""

    dataset: str
    record_format: str
    files: int
    input_records: int
    exported: int
    quarantined: int
    duplicates: int  # exact and near
    filtered: int
    # passages and windows beyond the first of a document or session, less rows merged into one
    net_derived: int = 0


@dataclass(slots=True)
class BuildSummary:
    input_records: int = 0
    exported: int = 0
    quarantined: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    filtered: int = 0
    unbalanced_datasets: list[str] = field(default_factory=list)
    datasets_without_files: list[str] = field(default_factory=list)
    unregistered_files: int = 0
    by_split_stage: dict[tuple[str, str], int] = field(default_factory=dict)
    preference_pairs_by_split: dict[str, int] = field(default_factory=dict)
    top_quarantine_reasons: list[tuple[str, int]] = field(default_factory=list)
    by_dataset: list[DatasetCounts] = field(default_factory=list)


def summarize_warehouse(warehouse: Path) -> BuildSummary:
    """Read the marts of a built warehouse into a BuildSummary."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        summary = BuildSummary()
        (
            summary.input_records,
            summary.exported,
            summary.quarantined,
            summary.exact_duplicates,
            summary.near_duplicates,
            summary.filtered,
            summary.unregistered_files,
        ) = con.execute(
            "select input_records, exported, quarantined, exact_duplicates, near_duplicates,"
            " filtered, unregistered_files from qa_build_totals"
        ).fetchone()
        summary.unbalanced_datasets = [
            row[0]
            for row in con.execute(
                "select source_dataset from row_accounting where not is_balanced order by 1"
            ).fetchall()
        ]
        summary.datasets_without_files = [
            row[0]
            for row in con.execute(
                "select source_dataset from row_accounting where matched_no_files order by 1"
            ).fetchall()
        ]
        summary.by_split_stage = {
            (split, stage): count
            for split, stage, count in con.execute(
                "select split, stage, conversations from qa_stage_splits order by all"
            ).fetchall()
        }
        summary.preference_pairs_by_split = dict(
            con.execute(
                "select split, preference_pairs from qa_splits where preference_pairs > 0"
                " order by split"
            ).fetchall()
        )
        summary.top_quarantine_reasons = con.execute(
            "select reason, records from qa_quarantine_reasons order by records desc, reason"
            " limit ?",
            [TOP_QUARANTINE_REASONS],
        ).fetchall()
        summary.by_dataset = [
            DatasetCounts(*row)
            for row in con.execute(
                "select accounting.source_dataset, registry.format, accounting.files,"
                " accounting.input_records, accounting.exported, accounting.quarantined,"
                " accounting.exact_duplicates + accounting.near_duplicates, accounting.filtered,"
                " accounting.derived_records - accounting.merged_into_session"
                " from row_accounting as accounting"
                " inner join source_registry as registry"
                " on accounting.source_dataset = registry.dataset"
                " order by registry.format, accounting.source_dataset"
            ).fetchall()
        ]
        return summary
