{#-
    Exported preference pairs: curated pairs from preference sources (`pair_origin = 'source'`)
    and pairs built from edge-case and roleplay conversations that passed the empathy gate
    (`'built'`, with the failure mode of their rejected reply and the conversation they came from).
    Their text is PII-redacted (int_preference_pairs_redacted).
-#}
with

redacted as (

    select * from {{ ref('int_preference_pairs_redacted') }}

),

source_pairs as (

    select * from {{ ref('int_preference_pairs_split') }}

),

built_pairs as (

    select * from {{ ref('int_preference_pairs_gated') }}
    where is_gate_passed

),

columns_of_source_pairs as (

    {#- the split is narrow: the text of every pair comes from redacted, in final #}
    select
        pair_id,
        null::struct(role varchar, content varchar)[] as prompt_messages,
        null::varchar as chosen,
        null::varchar as rejected,
        source_dataset,
        source_family,
        tier,
        category,
        stage,
        stage_number,
        split,
        is_training_edge_case,
        is_holdout,
        license,
        record_format,
        source_file,
        source_line,
        duplicates_replaced,
        'source' as pair_origin,
        null::varchar as failure_mode,
        null::varchar as rejected_origin,
        null::varchar as built_from_conversation_id,
        null::integer as built_from_turn,
        null::float as chosen_empathy,
        null::float as rejected_empathy,
        null::float as empathy_margin

    from source_pairs

),

columns_of_built_pairs as (

    select
        pair_id,
        prompt_messages,
        chosen,
        rejected,
        source_dataset,
        source_family,
        tier,
        category,
        stage,
        stage_number,
        split,
        is_training_edge_case,
        is_holdout,
        license,
        record_format,
        source_file,
        source_line,
        duplicates_replaced,
        pair_origin,
        failure_mode,
        rejected_origin,
        built_from_conversation_id,
        built_from_turn,
        chosen_empathy,
        rejected_empathy,
        empathy_margin

    from built_pairs

),

unioned as (

    select * from columns_of_source_pairs
    union all
    select * from columns_of_built_pairs

),

final as (

    select
        unioned.* replace (
            redacted.prompt_messages as prompt_messages,
            redacted.chosen as chosen,
            redacted.rejected as rejected
        ),
        redacted.pii_total

    from unioned
    inner join redacted
        on unioned.pair_origin = redacted.pair_origin
            and unioned.pair_id = redacted.pair_id

)

select * from final
