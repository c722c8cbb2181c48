"""`curriculum.json`: what a five-stage training run consumes, stage by stage, from one export.

Per stage: its files per split (Parquet and JSONL), record counts, and the training settings of
the plan (objective, epochs, learning rate), each stage resuming from the previous stage's
checkpoint. Settings come from the warehouse's `stage_policy` seed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

CURRICULUM_NAME = "curriculum.json"


def build_curriculum(manifest: dict[str, Any], settings: list[dict[str, Any]]) -> dict[str, Any]:
    files: dict[str, dict[str, dict[str, list[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    records: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in manifest["files"]:
        stage = "safety_dpo" if entry["kind"] == "preference_pairs" else entry["stage"]
        group = "preference_pairs" if entry["kind"] == "preference_pairs" else "conversations"
        files[stage][entry["split"]][f"{group}_{entry['format']}"].append(entry["path"])
        if entry["format"] == "parquet":
            records[stage][entry["split"]] += entry["records"]
    stages = []
    previous = None
    for row in sorted(settings, key=lambda r: r["stage_number"]):
        stage = row["stage"]
        stages.append(
            {
                "stage": stage,
                "stage_number": row["stage_number"],
                "objective": row["objective"],
                "epochs": row["epochs"],
                "max_epochs": row["max_epochs"],
                "learning_rate": row["learning_rate"],
                "resume_from": f"checkpoint of stage {previous}" if previous else "base model",
                "records": {s: records[stage].get(s, 0) for s in ("train", "val", "test")},
                "files": {
                    split: {kind: sorted(paths) for kind, paths in sorted(by_kind.items())}
                    for split, by_kind in sorted(files[stage].items())
                },
            }
        )
        previous = stage
    return {
        "export_version": manifest.get("version"),
        "manifest_content_sha256": manifest.get("content_sha256"),
        "composition": manifest.get("composition"),
        "stages": stages,
    }


def read_stage_settings(warehouse: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = {
            row[0]
            for row in con.execute(
                "select column_name from duckdb_columns() where table_name = 'stage_policy'"
            ).fetchall()
        }
        if not {"stage", "stage_number", "objective", "epochs"} <= columns:
            return []
        result = con.execute(
            "select stage, stage_number, objective, epochs, max_epochs, learning_rate"
            " from stage_policy order by stage_number"
        )
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def write_curriculum(export_dir: Path, warehouse: Path, manifest: dict[str, Any]) -> Path | None:
    settings = read_stage_settings(warehouse)
    if not settings:
        return None
    path = export_dir / CURRICULUM_NAME
    document = build_curriculum(manifest, settings)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
