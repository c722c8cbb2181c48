"""Composing an export to a target size: stage mix, shortfall, tier weights, curriculum.json."""

from __future__ import annotations

import json

import duckdb
import pytest

from exports import export_warehouse
from exports.composition import _tier_weights, allocate, largest_remainder, tier_weights_from_seed

SHARES = {"foundation": 0.4, "reasoning": 0.2, "edge_cases": 0.2, "voice": 0.15, "safety_dpo": 0.05}


def test_largest_remainder_sums_exactly():
    assert sum(largest_remainder(1001, SHARES).values()) == 1001
    assert largest_remainder(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}


def test_quotas_follow_the_shares_when_supply_allows():
    plenty = dict.fromkeys(SHARES, 10_000)
    selected = {a.stage: a.selected for a in allocate(1000, SHARES, plenty)}
    assert selected == {
        "foundation": 400, "reasoning": 200, "edge_cases": 200, "voice": 150, "safety_dpo": 50
    }  # fmt: skip


def test_a_short_stage_gives_all_it_has_and_the_rest_moves_by_share():
    supply = {**dict.fromkeys(SHARES, 10_000), "edge_cases": 80}
    allocations = {a.stage: a for a in allocate(1000, SHARES, supply)}
    assert allocations["edge_cases"].selected == 80
    assert allocations["edge_cases"].shortfall == 120
    received = {s: a.received_from_shortfall for s, a in allocations.items()}
    assert sum(received.values()) == 120 and received["edge_cases"] == 0
    # redistributed in proportion to the other stages' shares (0.4 : 0.2 : 0.15 : 0.05)
    assert received == {
        "foundation": 60, "reasoning": 30, "edge_cases": 0, "voice": 22, "safety_dpo": 8
    }  # fmt: skip
    assert sum(a.selected for a in allocations.values()) == 1000


def test_not_enough_records_anywhere_exports_everything():
    supply = dict.fromkeys(SHARES, 10)
    allocations = allocate(1000, SHARES, supply)
    assert [a.selected for a in allocations] == [10] * 5


def test_tier_weights_come_from_the_seed_when_the_warehouse_has_no_table():
    weights = tier_weights_from_seed()
    assert weights[1] == 1.0 and list(weights) == sorted(weights)
    values = list(weights.values())
    assert values == sorted(values, reverse=True)  # a better tier never weighs less
    with duckdb.connect() as con:
        assert _tier_weights(con, "memory") == weights


@pytest.fixture(scope="module")
def composed(built_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("composed")
    small = export_warehouse(built_warehouse.warehouse, out / "small", target_samples=500)
    again = export_warehouse(built_warehouse.warehouse, out / "again", target_samples=500)
    short = export_warehouse(built_warehouse.warehouse, out / "short", target_samples=1000)
    return built_warehouse, out, small, again, short


def test_mix_within_one_point_of_target_when_supply_allows(composed):
    _, _, small, _, _ = composed
    counts = small.counts.by_stage
    total = sum(counts.values()) + small.quality_summary.preference_pairs
    assert total == 500
    safety = counts.get("safety_dpo", 0) + small.quality_summary.preference_pairs
    actual = {**counts, "safety_dpo": safety}
    for stage, share in SHARES.items():
        assert abs(actual.get(stage, 0) / total - share) <= 0.01, stage


def test_shortfall_is_reported_in_manifest_qa_report_and_curriculum(composed):
    built, out, _, _, short = composed
    edge = next(s for s in short.composition["stages"] if s["stage"] == "edge_cases")
    # every edge case the warehouse kept (near-duplicates of other edge cases are removed)
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        (planted_edge,) = con.execute(
            "select count(*) from conversations where is_training_edge_case"
        ).fetchone()
    assert edge["target"] == 200 and edge["selected"] == planted_edge and edge["shortfall"] > 0
    assert short.composition["selected"] == 1000
    qa = json.loads((out / "short" / "qa_report.json").read_text())
    assert qa["composition"]["stages"] == short.composition["stages"]
    assert "Composition: target vs actual" in (out / "short" / "qa_report.html").read_text()
    curriculum = json.loads((out / "short" / "curriculum.json").read_text())
    assert curriculum["composition"]["target_samples"] == 1000


def test_the_export_draws_with_the_seeded_tier_weights(composed):
    _, _, small, _, _ = composed
    assert small.composition["tier_weights"] == {
        str(tier): weight for tier, weight in tier_weights_from_seed().items()
    }


def test_same_seed_same_sample(composed):
    _, _, small, again, _ = composed
    assert [f.sha256 for f in small.files] == [f.sha256 for f in again.files]


def test_higher_tiers_are_preferred_within_a_stage(composed):
    built, _, small, _, _ = composed
    foundation = next(s for s in small.composition["stages"] if s["stage"] == "foundation")
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        pool = dict(
            con.execute(
                "select tier, count(*) from conversations where stage = 'foundation' group by tier"
            ).fetchall()
        )
    pool_share_tier1 = pool[1] / sum(pool.values())
    sample_share_tier1 = foundation["selected_by_tier"]["1"] / foundation["selected"]
    pool_share_tier4 = pool[4] / sum(pool.values())
    sample_share_tier4 = foundation["selected_by_tier"].get("4", 0) / foundation["selected"]
    assert sample_share_tier1 > pool_share_tier1 and sample_share_tier4 < pool_share_tier4


def test_curriculum_lists_each_stage_with_the_plan_settings(composed):
    _, out, small, _, _ = composed
    curriculum = json.loads((out / "small" / "curriculum.json").read_text())
    settings = {
        s["stage"]: (s["epochs"], s["learning_rate"], s["objective"]) for s in curriculum["stages"]
    }
    assert settings == {
        "foundation": (3, 2e-4, "sft"),
        "reasoning": (2, 1e-4, "sft"),
        "edge_cases": (2, 1e-4, "sft"),
        "voice": (2, 5e-5, "sft"),
        "safety_dpo": (1, 5e-5, "dpo"),
    }
    assert curriculum["stages"][1]["resume_from"] == "checkpoint of stage foundation"
    listed = {
        path
        for stage in curriculum["stages"]
        for by_kind in stage["files"].values()
        for paths in by_kind.values()
        for path in paths
    }
    assert listed == {f.path for f in small.files}
    assert sum(sum(s["records"].values()) for s in curriculum["stages"]) == 500
