{#-
    The conversations preference pairs are built from: every edge case, and every conversation
    of a roleplay family (var preference_roleplay_families), with its split already assigned.
    None with scoring_enabled false: a built pair's rejected reply is retrieved and gated by
    empathy, so without the scorers no pair is built (docs/curriculum.md).
    int_conversations_split is narrow: the messages are joined from int_conversations_normalized
    on source_file and source_line.
-#}
with

conversations as (

    select * from {{ ref('int_conversations_split') }}

),

normalized as (

    select * from {{ ref('int_conversations_normalized') }}

),

build_sources as (

    select
        conversations.conversation_id,
        normalized.messages,
        conversations.category,
        conversations.is_training_edge_case

    from conversations
    inner join normalized
        on conversations.source_file = normalized.source_file
            and conversations.source_line = normalized.source_line
    where
        {{ var_flag('scoring_enabled') }}
        and (
            conversations.is_training_edge_case
            or conversations.source_family in {{ sql_string_list(var('preference_roleplay_families')) }}
        )

)

select * from build_sources
