{#- With at least 10k non-holdout conversations, each split is within 1 point of its target share. -#}
with

conversations as (

    select split from {{ ref('conversations') }}
    where not is_holdout

),

shares as (

    select
        split,
        count(*) / sum(count(*)) over () * 100 as actual_pct,
        sum(count(*)) over () as total

    from conversations
    group by split

),

targets as (

    select
        'train' as split,
        {{ var('split_train_pct') }} as target_pct
    union all
    select
        'val' as split,
        {{ var('split_val_pct') }} as target_pct
    union all
    select
        'test' as split,
        {{ 100 - var('split_train_pct') - var('split_val_pct') }} as target_pct

)

select
    targets.split,
    targets.target_pct,
    shares.actual_pct,
    shares.total
from targets
left join shares on targets.split = shares.split
where (select count(*) from conversations) >= 10000
    and abs(coalesce(shares.actual_pct, 0) - targets.target_pct) > 1
