with

conversations as (

    select * from {{ ref('int_conversations_normalized') }}
    where quarantine_reason is null

),

hashed as (

    select
        sha256({{ canonical_text('messages') }}) as content_hash,
        source_dataset,
        source_family,
        record_format,
        tier,
        category,
        stage_policy,
        is_edge_case,
        is_holdout,
        license,
        source_file,
        source_line,
        container,
        compression,
        messages,
        len(messages) as num_turns

    from conversations

)

select * from hashed
