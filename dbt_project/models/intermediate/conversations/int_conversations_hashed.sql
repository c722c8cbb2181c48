with

conversations as (

    select * from {{ ref('int_conversations_normalized') }}
    where quarantine_reason is null

),

hashed as (

    select
        sha256({{ canonical_text('messages') }}) as content_hash,
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
        len(conversations.messages) as num_turns

    from conversations

)

select * from hashed
