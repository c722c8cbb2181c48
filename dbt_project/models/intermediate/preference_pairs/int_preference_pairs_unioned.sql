{#-
    The text of every preference pair that may be exported, before PII redaction: curated pairs
    (`source`) and built pairs that passed the empathy-margin gate (`built`).
-#}
with

source_pairs as (

    select * from {{ ref('int_preference_pairs_split') }}

),

built_pairs as (

    select * from {{ ref('int_preference_pairs_gated') }}
    where is_gate_passed

),

unioned as (

    select
        'source' as pair_origin,
        pair_id,
        prompt_messages,
        chosen,
        rejected

    from source_pairs

    union all

    select
        'built' as pair_origin,
        pair_id,
        prompt_messages,
        chosen,
        rejected

    from built_pairs

)

select * from unioned
