{#-
    Built preference pairs with the provenance of the conversation they were built from, their
    pair id (same hash as curated pairs) and that conversation's split, so a prompt never sits
    in one split as a conversation and in another as a pair. `gate_passed` says whether the
    chosen reply outscored the rejected one on the empathy scorer.
-#}
with

built as (

    select * from {{ ref('int_preference_pairs_built') }}

),

conversations as (

    select * from {{ ref('int_conversations_split') }}

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
        built.empathy_margin,
        built.gate_passed,
        built.gate_reason

    from built
    inner join conversations
        on built.conversation_id = conversations.conversation_id

)

select * from with_provenance
