{#-
    Built preference pairs with the provenance of the conversation they were built from, their
    pair id (same hash as curated pairs) and that conversation's split, so a prompt never sits
    in one split as a conversation and in another as a pair, and the empathy-margin gate: a pair
    passes when its chosen reply's empathy exceeds its rejected reply's by more than the
    `above` threshold of seeds/quality_thresholds.csv (stage safety_dpo, metric empathy_margin).
    A pair with an unscored reply fails. A pair built from a training edge case that fails the
    margin is not a valid preference pair either: it fails with its own reason,
    `edge_case_chosen_not_better`, so the audit tells it apart; the edge-case conversation itself
    is judged on its own and still exported (edge cases are never dropped for being disturbing).
-#}
with

built as (

    select * from {{ ref('int_preference_pairs_built') }}

),

{# `not materialized`: read more than once below, DuckDB would copy every column (the text too) #}
conversations as not materialized (

    select * from {{ ref('int_conversations_split') }}

),

margin_thresholds as (

    select * from {{ ref('quality_thresholds') }}
    where stage = 'safety_dpo' and metric = 'empathy_margin' and comparison = 'above'

),

margins as (

    select
        built.*,
        round(built.chosen_empathy::double - built.rejected_empathy::double, 4) as margin,
        margin_thresholds.threshold as gate_threshold

    from built
    left join margin_thresholds on true

),

edge_case_conversations as (

    select conversation_id from conversations
    where is_training_edge_case

),

verdicts as (

    select
        margins.*,
        case
            when margins.chosen_empathy is null or margins.rejected_empathy is null
                then 'empathy_unscored'
            when coalesce(margins.margin > margins.gate_threshold, false) then null
            when edge_case_conversations.conversation_id is not null
                then 'edge_case_chosen_not_better'
            else 'chosen_not_more_empathic'
        end as gate_reason

    from margins
    left join edge_case_conversations
        on margins.conversation_id = edge_case_conversations.conversation_id

),

with_provenance as (

    select
        sha256(
            {{ canonical_text('built.prompt_messages') }}
            || chr(29) || {{ fold_whitespace('built.chosen') }}
            || chr(29) || {{ fold_whitespace('built.rejected') }}
        ) as pair_id,
        built.prompt_messages,
        built.chosen,
        built.rejected,
        conversations.source_dataset,
        conversations.source_family,
        conversations.tier,
        conversations.category,
        'safety_dpo' as stage,
        5 as stage_number,
        conversations.split,
        conversations.is_training_edge_case,
        conversations.is_holdout,
        conversations.license,
        conversations.record_format,
        conversations.source_file,
        conversations.source_line,
        0::bigint as duplicates_replaced,
        'built' as pair_origin,
        built.failure_mode,
        built.pair_origin as rejected_origin,
        built.conversation_id as built_from_conversation_id,
        built.turn_index as built_from_turn,
        built.chosen_empathy,
        built.rejected_empathy,
        built.margin::float as empathy_margin,
        built.gate_threshold,
        built.gate_reason is null as is_gate_passed,
        built.gate_reason

    from verdicts as built
    inner join conversations
        on built.conversation_id = conversations.conversation_id

)

select * from with_provenance
