{#-
    The preference_pairs mart takes its text from int_preference_pairs_redacted with an inner
    join: a pair missing there would vanish from the export without a trace. Returns every
    curated pair and every built pair that passed its gate but has no redacted row.
-#}
with

expected as (

    select
        'source' as pair_origin,
        pair_id
    from {{ ref('int_preference_pairs_split') }}
    union all
    select
        'built' as pair_origin,
        pair_id
    from {{ ref('int_preference_pairs_gated') }}
    where is_gate_passed

),

redacted as (

    select * from {{ ref('int_preference_pairs_redacted') }}

),

missing as (

    select expected.*

    from expected
    left join redacted
        on expected.pair_origin = redacted.pair_origin
            and expected.pair_id = redacted.pair_id
    where redacted.pair_id is null

)

select * from missing
