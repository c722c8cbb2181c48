{#-
    The text of every preference pair that may be exported, before PII redaction: curated pairs
    (`source`) and built pairs that passed the empathy-margin gate (`built`).
-#}
with

source_pairs as (

    {#- the split is narrow: the text of a curated pair is its normalized record's #}
    select
        split.pair_id,
        normalized.prompt_messages,
        normalized.chosen,
        normalized.rejected

    from {{ ref('int_preference_pairs_split') }} as split
    inner join {{ ref('int_preference_pairs_normalized') }} as normalized
        on split.source_file = normalized.source_file
            and split.source_line = normalized.source_line

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
