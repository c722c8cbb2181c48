"""Compose an export of a target size: the stage mix from config, tier weights within a stage.

`apply_composition` replaces, for the rest of one export connection, the warehouse's
`conversations` and `preference_pairs` with temporary tables that hold the sample, so the shard
writer and every count read the sample without knowing about it.

Allocation (documented in docs/curriculum.md):
1. Each stage's quota is `target_samples * target_share`, rounded by largest remainder so the
   quotas add up to the target.
2. A stage with fewer records than its quota gives all it has; its shortfall is offered to the
   stages that still have records, in proportion to their target shares (largest remainder,
   capped by what they have), repeated until the shortfall is placed or nothing is left.
3. Within a stage, records are drawn without replacement with probability proportional to their
   tier weight (Efraimidis-Spirakis: keep the smallest `-ln(u) / weight`, where `u` comes from
   sha256(id || ':' || seed || ':sample')), so the draw is the same for the same seed.
The safety_dpo stage draws from its conversations and the preference pairs together.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from typing import Any

import duckdb

from exports.errors import ExportError
from pixel_config import settings
from pixel_config.values import quote_identifier, quote_string


@dataclass(slots=True)
class StageAllocation:
    stage: str
    target_share: float
    available: int
    quota: int = 0
    selected: int = 0
    shortfall: int = 0
    received_from_shortfall: int = 0
    selected_by_tier: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "target_share": self.target_share,
            "available": self.available,
            "target": self.quota,
            "selected": self.selected,
            "shortfall": self.shortfall,
            "received_from_shortfall": self.received_from_shortfall,
            "selected_by_tier": dict(sorted(self.selected_by_tier.items())),
        }


def largest_remainder(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split `total` into integers proportional to `weights`, summing exactly to `total`."""
    weight_sum = sum(weights.values())
    if total <= 0 or weight_sum <= 0:
        return dict.fromkeys(weights, 0)
    raw = {key: total * weight / weight_sum for key, weight in weights.items()}
    shares = {key: math.floor(value) for key, value in raw.items()}
    left = total - sum(shares.values())
    for key in sorted(raw, key=lambda k: (-(raw[k] - shares[k]), k))[:left]:
        shares[key] += 1
    return shares


def allocate(
    target_samples: int, shares: dict[str, float], available: dict[str, int]
) -> list[StageAllocation]:
    """Quota per stage, with shortfalls redistributed to stages that have records to spare."""
    allocations = {
        stage: StageAllocation(stage, share, available.get(stage, 0))
        for stage, share in shares.items()
    }
    for stage, quota in largest_remainder(target_samples, shares).items():
        allocations[stage].quota = quota
        allocations[stage].selected = min(quota, allocations[stage].available)
        allocations[stage].shortfall = quota - allocations[stage].selected
    unplaced = sum(a.shortfall for a in allocations.values())
    while unplaced > 0:
        spare = {s: a.target_share for s, a in allocations.items() if a.available > a.selected}
        if not spare:
            break
        offer = largest_remainder(unplaced, spare)
        placed = 0
        for stage, amount in offer.items():
            allocation = allocations[stage]
            taken = min(amount, allocation.available - allocation.selected)
            allocation.selected += taken
            allocation.received_from_shortfall += taken
            placed += taken
        if placed == 0:
            break
        unplaced -= placed
    return list(allocations.values())


def apply_composition(
    con: duckdb.DuckDBPyConnection,
    *,
    target_samples: int,
    seed: int,
    tier_weights: dict[int, float] | None = None,
) -> dict[str, Any]:
    """Shadow `conversations` and `preference_pairs` with a sample; return the report."""
    if target_samples < 1:
        raise ExportError(f"--target-samples must be at least 1, got {target_samples}")
    catalog = con.execute("select current_database()").fetchone()[0]
    database = quote_identifier(catalog)
    source = {name: f"{database}.main.{name}" for name in ("conversations", "preference_pairs")}
    weights = tier_weights or _tier_weights(con, catalog)
    shares = dict(
        con.execute(
            f"select stage, target_share from {database}.main.stage_policy order by stage_number"
        ).fetchall()
    )
    con.execute(
        "create or replace temp table tier_weight as"
        " select * from (values " + ", ".join(f"({t}, {w!r})" for t, w in weights.items()) + ")"
        " as t(tier, weight)"
    )
    con.execute(
        f"""
        create or replace temp table sample_pool as
        with pool as (
            select conversation_id as record_id, 'conversation' as record_kind, stage, tier
            from {source["conversations"]}
            union all
            select pair_id, 'preference_pair', stage, tier from {source["preference_pairs"]}
        )
        select
            pool.*,
            -ln(
                ((('0x' || left(sha256(pool.record_id || ':{int(seed)}:sample'), 13))::ubigint
                    + 0.5) / 4503599627370496)
            ) / coalesce(tier_weight.weight, 0.01) as sample_key
        from pool
        left join tier_weight on pool.tier = tier_weight.tier
        """
    )
    available = dict(
        con.execute("select stage, count(*) from sample_pool group by stage").fetchall()
    )
    allocations = allocate(target_samples, shares, available)
    quotas = ", ".join(f"({quote_string(a.stage)}, {a.selected})" for a in allocations)
    con.execute(
        f"""
        create or replace temp table sample_selected as
        with quotas as (select * from (values {quotas}) as q(stage, selected)),
        ranked as (
            select
                sample_pool.*,
                row_number() over (
                    partition by sample_pool.stage
                    order by sample_pool.sample_key, sample_pool.record_id
                ) as draw_rank
            from sample_pool
        )
        select ranked.* from ranked
        inner join quotas on ranked.stage = quotas.stage
        where ranked.draw_rank <= quotas.selected
        """
    )
    con.execute(
        f"create or replace temp table conversations as select * from {source['conversations']}"
        " where conversation_id in (select record_id from sample_selected"
        " where record_kind = 'conversation')"
    )
    con.execute(
        "create or replace temp table preference_pairs as select * from"
        f" {source['preference_pairs']} where pair_id in (select record_id from sample_selected"
        " where record_kind = 'preference_pair')"
    )
    by_tier = con.execute(
        "select stage, tier, count(*) from sample_selected group by all order by all"
    ).fetchall()
    for allocation in allocations:
        allocation.selected_by_tier = {
            str(tier): count for stage, tier, count in by_tier if stage == allocation.stage
        }
    selected = sum(a.selected for a in allocations)
    return {
        "target_samples": target_samples,
        "available": sum(a.available for a in allocations),
        "selected": selected,
        "seed": seed,
        "tier_weights": {str(t): w for t, w in sorted(weights.items())},
        "shortfall_unplaced": target_samples - selected,
        "stages": [a.as_dict() for a in allocations],
        "rule": "largest-remainder quotas; shortfall redistributed by target share to stages"
        " with records to spare; tier-weighted draw without replacement (Efraimidis-Spirakis)",
    }


def _tier_weights(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[int, float]:
    has_seed = con.execute(
        "select count(*) from duckdb_tables()"
        " where database_name = ? and table_name = 'tier_weights'",
        [catalog],
    ).fetchone()[0]
    if not has_seed:  # a warehouse built before the seed existed: the seed file is the rule
        return tier_weights_from_seed()
    return {
        int(tier): float(weight)
        for tier, weight in con.execute(
            f"select tier, weight from {quote_identifier(catalog)}.main.tier_weights order by tier"
        ).fetchall()
    }


def tier_weights_from_seed() -> dict[int, float]:
    """``seeds/tier_weights.csv``, the one definition of the tier weights."""
    with (settings.SEEDS_DIR / "tier_weights.csv").open(newline="", encoding="utf-8") as handle:
        return {int(row["tier"]): float(row["weight"]) for row in csv.DictReader(handle)}
