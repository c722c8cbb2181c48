{#-
    One row per content hash. The copy from the best (lowest) tier wins; ties go to the earliest
    file and line, so reruns agree. Protective flags are inherited from every copy: if any copy
    is a hard holdout or an edge case, the kept row is too (a holdout record must not reach
    train through its duplicate, and an edge case must not lose its safety-filter bypass).
    The ranking runs on the narrow key columns only; the wide rows are joined back once.
-#}
with

conversations as (

    select * from {{ ref('int_conversations_hashed') }}

),

ranked_copies as (

    select
        content_hash,
        source_file,
        source_line,
        count(*) over per_hash - 1 as duplicates_replaced,
        bool_or(is_holdout) over per_hash as any_copy_holdout,
        bool_or(is_edge_case) over per_hash as any_copy_edge_case

    from conversations

    window per_hash as (partition by content_hash)

    qualify row_number() over (
            partition by content_hash
            order by tier, source_file, source_line
        ) = 1

),

kept as (

    select
        conversations.content_hash as conversation_id,
        conversations.* exclude (is_holdout, is_edge_case),  -- noqa: RF02
        ranked_copies.duplicates_replaced,
        ranked_copies.any_copy_holdout as is_holdout,
        ranked_copies.any_copy_edge_case as is_training_edge_case

    from conversations
    inner join ranked_copies
        on conversations.source_file = ranked_copies.source_file
            and conversations.source_line = ranked_copies.source_line

)

select * from kept
