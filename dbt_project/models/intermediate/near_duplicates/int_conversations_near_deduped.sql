{#-
    One row per near-duplicate cluster: its representative (chosen in
    int_conversations_clustered: an edge case if the cluster has one, then the best tier,
    then the earliest file and line), with the cluster id that becomes the split key. Protective
    flags are inherited from every member, as exact dedup does: a cluster holding a hard-holdout
    record is holdout (so it goes wholly to test and nothing near it reaches train), and a
    cluster holding an edge case keeps the edge-case flag.
    A view: its one reader (int_conversations_routed, itself a view) is materialized by
    int_conversations_split, so the wide rows are copied once; its key tests read narrow columns.
-#}
{{ config(materialized='view') }}
with

conversations as (

    select * from {{ ref('int_conversations_deduped') }}

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
        conversations.* exclude (is_holdout, is_training_edge_case),
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
