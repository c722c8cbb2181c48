"""The short account of a build that the CLI prints: counts only, never record content."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb


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
        ) = con.execute(
            "select coalesce(sum(input_records), 0), coalesce(sum(exported), 0),"
            " coalesce(sum(quarantined), 0), coalesce(sum(exact_duplicates), 0),"
            " coalesce(sum(near_duplicates), 0),"
            " coalesce(sum(filtered), 0) from row_accounting"
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
        summary.unregistered_files = con.execute(
            "select count(*) from lake_files where not is_registered"
        ).fetchone()[0]
        summary.by_split_stage = {
            (split, stage): count
            for split, stage, count in con.execute(
                "select split, stage, count(*) from conversations group by all order by all"
            ).fetchall()
        }
        summary.preference_pairs_by_split = dict(
            con.execute(
                "select split, count(*) from preference_pairs group by all order by all"
            ).fetchall()
        )
        summary.top_quarantine_reasons = con.execute(
            "select reason, count(*) as n from quarantine group by reason order by n desc, reason"
            " limit 8"
        ).fetchall()
        return summary
