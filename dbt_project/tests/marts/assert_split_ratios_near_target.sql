{#-
    Each split holds its target share of the split units, within binomial noise, at any size.

    The unit is what the split is assigned to (int_conversations_split.split_key: the near-duplicate
    cluster, or the long session a window belongs to), so units, not rows, are counted. Units that
    hold a hard-holdout record go wholly to test by rule and are left out. With n units and target
    share p, a split's unit count k is binomial(n, p): the gate fails when
    |k - n p| > z * sqrt(n p (1 - p)) + slack (vars split_ratio_tolerance_z, split_ratio_slack_units).
-#}
with

conversations as (

    select * from {{ ref('conversations') }}

),

split_keys as (

    select
        conversation_id,
        split_key
    from {{ ref('int_conversations_split') }}

),

split_units as (

    select
        split_keys.split_key,
        conversations.split,
        bool_or(conversations.is_holdout) as has_holdout_record

    from conversations
    inner join split_keys
        on conversations.conversation_id = split_keys.conversation_id
    group by split_keys.split_key, conversations.split

),

units_per_split as (

    select
        split,
        count(*) as units

    from split_units
    where not has_holdout_record
    group by split

),

all_units as (

    select coalesce(sum(units), 0) as units
    from units_per_split

),

targets as (

    select
        'train' as split,
        {{ var('split_train_pct') }} / 100 as target_share
    union all
    select
        'val' as split,
        {{ var('split_val_pct') }} / 100 as target_share
    union all
    select
        'test' as split,
        {{ 100 - var('split_train_pct') - var('split_val_pct') }} / 100 as target_share

),

observed_vs_expected as (

    select
        targets.split,
        targets.target_share,
        all_units.units as all_units,
        coalesce(units_per_split.units, 0) as observed_units,
        all_units.units * targets.target_share as expected_units,
        {{ var('split_ratio_tolerance_z') }}
        * sqrt(all_units.units * targets.target_share * (1 - targets.target_share))
        + {{ var('split_ratio_slack_units') }} as tolerance_units

    from targets
    cross join all_units
    left join units_per_split
        on targets.split = units_per_split.split

)

select *
from observed_vs_expected
where abs(observed_units - expected_units) > tolerance_units
