{#-
    The conversations preference pairs are built from: every edge case, and every conversation
    of a roleplay family (var preference_roleplay_families), with its split already assigned.
    None with scoring_enabled false: a built pair's rejected reply is retrieved and gated by
    empathy, so without the scorers no pair is built (docs/curriculum.md).
-#}
with

conversations as (

    select * from {{ ref('int_conversations_split') }}

),

build_sources as (

    select
        conversation_id,
        messages,
        category,
        is_training_edge_case

    from conversations
    where
        {{ var_flag('scoring_enabled') }}
        and (
            is_training_edge_case
            or source_family in {{ sql_string_list(var('preference_roleplay_families')) }}
        )

)

select * from build_sources
