{#-
    The empathy gate on built preference pairs, per failure mode and overall: how many pairs were
    built and kept, and the distribution of the margin (chosen minus rejected empathy, in [-1, 1]).
-#}
with

built as (

    select * from {{ ref('int_preference_pairs_gated') }}

),

per_mode as (

    select
        coalesce(failure_mode, 'all') as failure_mode,
        count(*) as pairs_built,
        count(*) filter (where is_gate_passed) as pairs_kept,
        count(*) filter (where is_gate_passed) / count(*) as kept_share,
        min(empathy_margin) as margin_min,
        quantile_cont(empathy_margin, 0.10) as margin_p10,
        quantile_cont(empathy_margin, 0.25) as margin_p25,
        quantile_cont(empathy_margin, 0.50) as margin_median,
        quantile_cont(empathy_margin, 0.75) as margin_p75,
        quantile_cont(empathy_margin, 0.90) as margin_p90,
        max(empathy_margin) as margin_max,
        avg(empathy_margin) as margin_mean

    from built
    group by rollup(failure_mode)

)

select * from per_mode
