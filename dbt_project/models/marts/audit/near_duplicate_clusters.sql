{#-
    One row per near-duplicate cluster with more than one member: its representative, size,
    sources, how alike its members are, and the split the whole cluster went to.
-#}
with

conversations as (

    select * from {{ ref('int_conversations_deduped') }}

),

near_duplicates as (

    select * from {{ ref('int_conversations_clustered') }}

),

split as (

    select * from {{ ref('int_conversations_split') }}

),

members as (

    select
        near_duplicates.cluster_id,
        near_duplicates.representative_id,
        near_duplicates.is_representative,
        near_duplicates.similarity_to_representative,
        near_duplicates.embedding_model,
        conversations.source_dataset,
        conversations.is_holdout,
        conversations.is_training_edge_case

    from near_duplicates
    inner join conversations
        on near_duplicates.conversation_id = conversations.conversation_id
    where near_duplicates.cluster_size > 1

),

clusters as (

    select
        cluster_id,
        any_value(representative_id) as representative_id,
        any_value(source_dataset) filter (where is_representative) as representative_dataset,
        count(*) as members,
        count(*) - 1 as removed,
        list_sort(list_distinct(list(source_dataset))) as source_datasets,
        min(similarity_to_representative) as min_similarity_to_representative,
        avg(similarity_to_representative) filter (where not is_representative)
            as mean_similarity_to_representative,
        bool_or(is_holdout) as has_holdout_member,
        bool_or(is_training_edge_case) as has_edge_case_member,
        any_value(embedding_model) as embedding_model

    from members
    group by cluster_id

),

final as (

    select
        clusters.*,
        split.split,
        split.stage

    from clusters
    left join split
        on clusters.cluster_id = split.cluster_id

)

select * from final
