{#-
    One row per near-duplicate cluster: its representative (chosen in
    int_conversations_clustered: an edge case if the cluster has one, then the best tier,
    then the earliest file and line), with the cluster id that becomes the split key. Protective
    flags are inherited from every member, as exact dedup does: a cluster holding a hard-holdout
    record is holdout (so it goes wholly to test and nothing near it reaches train), and a
    cluster holding an edge case keeps the edge-case flag.
    A narrow table (keys, inherited flags and what routing reads; no messages): its key tests
    read a table, and no model after normalization copies the messages.
-#}
with

conversations as (

    {#- read twice below: the narrow columns only, so the shared CTE holds no messages #}
    select
        conversation_id,
        source_family,
        stage_policy,
        record_format,
        source_file,
        source_line,
        is_holdout,
        is_training_edge_case

    from {{ ref('int_conversations_deduped') }}

),

near_duplicates as (

    select * from {{ ref('int_conversations_clustered') }}

),

clusters as (

    select
        near_duplicates.cluster_id,
        count(*) - 1 as near_duplicates_replaced,
        bool_or(conversations.is_holdout) as any_member_holdout,
        bool_or(conversations.is_training_edge_case) as any_member_edge_case

    from near_duplicates
    inner join conversations
        on near_duplicates.conversation_id = conversations.conversation_id
    group by near_duplicates.cluster_id

),

representatives as (

    select
        conversations.conversation_id,
        conversations.source_family,
        conversations.stage_policy,
        conversations.record_format,
        conversations.source_file,
        conversations.source_line,
        near_duplicates.cluster_id,
        clusters.near_duplicates_replaced,
        clusters.any_member_holdout as is_holdout,
        clusters.any_member_edge_case as is_training_edge_case

    from conversations
    inner join near_duplicates
        on conversations.conversation_id = near_duplicates.conversation_id
    inner join clusters
        on near_duplicates.cluster_id = clusters.cluster_id
    where near_duplicates.is_representative

)

select * from representatives
