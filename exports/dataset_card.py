"""The export's README.md: a dataset card whose YAML header Hugging Face `datasets` reads.

One config per curriculum stage (data_files per split, Parquet) plus one for preference pairs,
then sources and licenses, counts, the curation steps and gates, limitations and the edge-case
policy. Everything comes from the manifest and the warehouse; no record text.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from exports.contract import stages

CARD_NAME = "README.md"
STAGE_TRAINING = {
    "foundation": "stage 1: foundation counselling skills",
    "reasoning": "stage 2: clinical reasoning (chain of thought kept in <think> blocks)",
    "edge_cases": "stage 3: edge cases (crisis, abuse disclosure); disturbing by design",
    "voice": "stage 4: voice and personality",
    "safety_dpo": "stage 5: safety / preference optimisation",
}


def card_configs(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """`configs:` entries per stage and for preference pairs: the splits with Parquet files."""
    splits_per_config: dict[str, dict[str, str]] = defaultdict(dict)
    for entry in manifest["files"]:
        if entry["format"] != "parquet":
            continue
        if entry["kind"] == "preference_pairs":
            config, pattern = "preference_pairs", f"preference_pairs/{entry['split']}/*.parquet"
        else:
            config = entry["stage"]
            pattern = f"data/{entry['split']}/{entry['stage']}/*.parquet"
        splits_per_config[config][entry["split"]] = pattern
    order = [*stages(), "preference_pairs"]
    configs = []
    for config in sorted(splits_per_config, key=lambda c: order.index(c) if c in order else 99):
        splits = splits_per_config[config]
        configs.append(
            {
                "config_name": config,
                "data_files": [
                    {"split": split, "path": splits[split]}
                    for split in ("train", "val", "test")
                    if split in splits
                ],
            }
        )
    return configs


def card_languages(manifest: dict[str, Any]) -> list[str]:
    """The languages of the exported conversations, most records first (from the manifest's
    `counts.by_language`); `en` for a manifest written before languages were counted."""
    by_language = manifest.get("counts", {}).get("by_language")
    if not by_language:
        return ["en"]
    known = {code: n for code, n in by_language.items() if code not in ("none", "und") and n}
    return sorted(known, key=lambda code: (-known[code], code)) or ["en"]


def render_card(manifest: dict[str, Any], sources: list[dict[str, Any]]) -> str:
    """The README.md text for an export."""
    configs = card_configs(manifest)
    header = ["---", "pretty_name: pixel-data counselling curriculum", "license: other"]
    header += ["language:", *(f"- {code}" for code in card_languages(manifest))]
    header += ["tags:", "- mental-health", "- counselling", "- chatml"]
    header.append("configs:")
    for config in configs:
        header.append(f"- config_name: {config['config_name']}")
        header.append("  data_files:")
        for data_file in config["data_files"]:
            header.append(f"  - split: {data_file['split']}")
            header.append(f"    path: {data_file['path']}")
    header.append("---")

    counts = manifest.get("counts", {})
    lock = manifest.get("config_lock", {})
    quality = manifest.get("quality_summary", {})
    by_split_stage = counts.get("by_split_stage", {})
    lines = [
        "\n".join(header),
        "",
        f"# pixel-data export {manifest.get('version')}",
        "",
        "Counselling conversations curated for a five-stage training curriculum: normalized to "
        "ChatML, exact-deduplicated, routed to stages and split 90/5/5 with hard-holdout "
        "families in test. Every file is listed with its SHA-256 in `manifest.json`; "
        "`pixel-data verify` rechecks them.",
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        "# splits: train, val, test",
        'foundation = load_dataset("path/to/this/export", "foundation")',
        'pairs = load_dataset("path/to/this/export", "preference_pairs")',
        "```",
        "",
        "Each record has `messages` (a list of `{role, content}`) and its provenance and routing "
        "fields as columns (Parquet) or under `metadata` (the JSONL twins). The schema is in "
        "the project's `docs/dataset_contract.md`.",
        "",
        "## Counts",
        "",
        "| stage | " + " | ".join(("train", "val", "test")) + " |",
        "|---|---|---|---|",
    ]
    for stage in stages():
        row = [str(_nested(by_split_stage, split, stage)) for split in ("train", "val", "test")]
        lines.append(f"| {stage} | " + " | ".join(row) + " |")
    pairs = counts.get("preference_pairs", {}).get("by_split", {})
    lines.append(
        "| preference pairs | "
        + " | ".join(str(pairs.get(s, 0)) for s in ("train", "val", "test"))
        + " |"
    )
    lines += [
        "",
        f"Conversations: {quality.get('conversations', 0):,}; preference pairs: "
        f"{quality.get('preference_pairs', 0):,}; edge cases: {quality.get('edge_cases', 0):,}; "
        f"hard-holdout records (all in test): {quality.get('holdout_records', 0):,}.",
        "",
        "## Sources and licenses",
        "",
        "| dataset | family | tier | license | exported |",
        "|---|---|---|---|---|",
    ]
    for source in sources:
        lines.append(
            f"| {source['dataset']} | {source['source_family']} | {source['tier']} | "
            f"{source['license']} | {source['exported']:,} |"
        )
    lines += [
        "",
        "Licenses differ per source; some are non-commercial. Use each part under its terms.",
        "",
        "## Curation",
        "",
        "1. Every lake file is read whatever its container (JSONL, JSON array, CSV, Parquet, "
        "gzip); records that cannot be read or normalized are quarantined with file, line and "
        "reason, never dropped silently.",
        "2. Normalization: canonical roles (system/user/assistant), NFC text, trimmed whitespace.",
        "3. Exact dedup on SHA-256 of the canonical form; the best tier wins.",
        "4. Routing: edge cases to stage 3 only; reddit safety data to stage 5 only; curated "
        "data to stage 1 only; then each source's stage policy.",
        "5. Splits: a stable hash of the id and the seed; hard-holdout families go wholly to test.",
        "6. Gates: dbt tests (row accounting balances per source, no id in two splits, holdouts "
        "only in test, split ratios within 1 point, policy routing) must all pass before export.",
        "",
        "Per source, `input = exported + quarantined + duplicates + filtered`; the figures are in "
        "`manifest.json` (`row_accounting`) and `qa_report.html`.",
        "",
        "## Edge-case policy",
        "",
        "Records flagged `is_training_edge_case` (crisis, self-harm, abuse disclosures and the "
        "counsellor's replies to them) are meant to be disturbing: they teach the model to "
        "respond safely. They bypass every safety filter, are never dropped for their content, "
        "and go to the edge_cases stage only. They still pass format and coherence checks.",
        "",
        "## Known limitations",
        "",
        "- Near-duplicate detection, scoring and gates beyond the structural ones are applied "
        "only when the warehouse ran them (see the manifest's `row_accounting` columns).",
        "- Categories come from the sources; records without one are `uncategorized`.",
        "- Text is checked for structure, not for clinical correctness.",
        "",
        "## Reproducibility",
        "",
        f"- git commit: `{lock.get('git_commit')}` (dirty: {lock.get('git_dirty')})",
        f"- seed: {lock.get('seed')}; registry sha256: `{lock.get('registry_sha256')}`",
        f"- dbt vars: `{json.dumps(lock.get('dbt_vars'), sort_keys=True)}`",
        f"- manifest content sha256: `{manifest.get('content_sha256')}`",
        "",
    ]
    return "\n".join(lines)


def read_sources(warehouse: Path) -> list[dict[str, Any]]:
    """Per registered dataset: family, tier, license and exported records."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()
        }
        if not {"source_registry", "row_accounting"} <= tables:
            return []
        result = con.execute(
            "select registry.dataset, registry.source_family, registry.tier, registry.license,"
            " coalesce(accounting.exported, 0) as exported"
            " from source_registry as registry left join row_accounting as accounting"
            " on registry.dataset = accounting.source_dataset order by registry.dataset"
        )
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def write_card(export_dir: Path, warehouse: Path, manifest: dict[str, Any]) -> Path:
    path = export_dir / CARD_NAME
    path.write_text(render_card(manifest, read_sources(warehouse)), encoding="utf-8")
    return path


def _nested(table: dict[str, Any], split: str, stage: str) -> int:
    value = table.get(split, {})
    return int(value.get(stage, 0)) if isinstance(value, dict) else 0
