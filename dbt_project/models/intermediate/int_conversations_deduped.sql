{#-
    One row per content hash. The copy from the best (lowest) tier wins; ties go to the earliest
    file and line, so reruns agree. Protective flags are inherited from every copy: if any copy
    is a hard holdout or an edge case, the kept row is too (a holdout record must not reach
    train through its duplicate, and an edge case must not lose its safety-filter bypass).
-#}
with

conversations as (

    select * from {{ ref('int_conversations_hashed') }}

),

best_copy_per_hash as (

    select
        conversations.*,
        count(*) over (partition by conversations.content_hash) - 1 as duplicates_replaced,
        bool_or(conversations.is_holdout) over (partition by conversations.content_hash) as any_copy_holdout,
        bool_or(conversations.is_edge_case) over (partition by conversations.content_hash) as any_copy_edge_case

    from conversations

    qualify row_number() over (
        partition by conversations.content_hash
        order by conversations.tier, conversations.source_file, conversations.source_line
    ) = 1

),

kept as (

    select
        content_hash as conversation_id,
        * exclude (is_holdout, is_edge_case, any_copy_holdout, any_copy_edge_case),
        any_copy_holdout as is_holdout,
        any_copy_edge_case as is_training_edge_case

    from best_copy_per_hash

)

select * from kept
