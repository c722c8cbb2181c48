{#-
    One row per content hash. The copy from the best (lowest) tier wins; ties go to the earliest
    file and line, so reruns agree. Protective flags are inherited from every copy: if any copy
    is a hard holdout or an edge case, the kept row is too (a holdout record must not reach
    train through its duplicate, and an edge case must not lose its safety-filter bypass).
    The winner is picked on the narrow key columns by one hash aggregate (arg_min over the
    ranking tier, file, line: the same row a `qualify row_number()` ordered by them keeps, since
    file and line are unique, without sorting every copy).
    Narrow: no messages. The messages stay in int_conversations_normalized, the one table that
    holds them before redaction; a model that needs them joins them back on source_file and
    source_line (one row there per input record), so the chain does not write them again.
-#}
with

copy_keys as (

    select
        content_hash,
        source_file,
        source_line,
        is_holdout,
        is_edge_case,
        {#- the best tier wins (a missing tier last), then the earliest file and line #}
        {
            'tier_missing': tier is null,
            'tier': coalesce(tier, 0),
            'source_file': source_file,
            'source_line': source_line
        } as copy_rank

    from {{ ref('int_conversations_hashed') }}

),

best_copy_per_hash as (

    select
        content_hash,
        arg_min(source_file, copy_rank) as kept_source_file,
        arg_min(source_line, copy_rank) as kept_source_line,
        count(*) - 1 as duplicates_replaced,
        bool_or(is_holdout) as any_copy_holdout,
        bool_or(is_edge_case) as any_copy_edge_case

    from copy_keys
    group by content_hash

),

conversations as (

    select * from {{ ref('int_conversations_hashed') }}

),

kept as (

    select
        conversations.content_hash as conversation_id,
        conversations.* exclude (is_holdout, is_edge_case, messages),  -- noqa: RF02
        best_copy_per_hash.duplicates_replaced,
        best_copy_per_hash.any_copy_holdout as is_holdout,
        best_copy_per_hash.any_copy_edge_case as is_training_edge_case

    from conversations
    inner join best_copy_per_hash
        on conversations.source_file = best_copy_per_hash.kept_source_file
            and conversations.source_line = best_copy_per_hash.kept_source_line

)

select * from kept
