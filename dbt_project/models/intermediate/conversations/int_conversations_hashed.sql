{#-
    A view: the usable rows of int_conversations_normalized, which computes content_hash (the
    SHA-256 of the canonical text) while it has the row, so the messages are not copied again.
-#}
{{ config(materialized='view') }}
with

conversations as (

    select * from {{ ref('int_conversations_normalized') }}
    where quarantine_reason is null

),

hashed as (

    select
        conversations.content_hash,
        conversations.source_dataset,
        conversations.source_family,
        conversations.record_format,
        conversations.tier,
        conversations.category,
        conversations.stage_policy,
        conversations.is_edge_case,
        conversations.is_holdout,
        conversations.license,
        conversations.source_file,
        conversations.source_line,
        conversations.container,
        conversations.compression,
        conversations.messages,
        conversations.num_turns

    from conversations

)

select * from hashed
