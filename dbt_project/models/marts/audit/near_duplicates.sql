{#-
    Every conversation removed as a near-duplicate: which cluster it was in and which
    representative replaced it, with both texts so an analyst can read the pair. Exact copies of
    a removed conversation stay in exact_duplicates (each input record has one outcome).
-#}
with

{# `not materialized`: read more than once below, DuckDB would copy every column (the text too) #}
conversations as not materialized (

    select * from {{ ref('int_conversations_deduped') }}

),

near_duplicates as (

    select * from {{ ref('int_conversations_clustered') }}

),

removed as (

    select
        md5(removed.source_file || ':' || removed.source_line) as near_duplicate_id,
        removed.conversation_id,
        removed.source_dataset,
        removed.tier,
        removed.is_training_edge_case,
        removed.is_holdout,
        removed.source_file,
        removed.source_line,
        near_duplicates.cluster_id,
        near_duplicates.similarity_to_representative,
        near_duplicates.embedding_model,
        near_duplicates.similarity_threshold,
        kept.conversation_id as kept_id,
        kept.source_dataset as kept_source_dataset,
        kept.tier as kept_tier,
        kept.is_training_edge_case as kept_is_edge_case,
        kept.source_file as kept_source_file,
        kept.source_line as kept_source_line,
        removed.messages,
        kept.messages as kept_messages

    from near_duplicates
    inner join conversations as removed
        on near_duplicates.conversation_id = removed.conversation_id
    inner join conversations as kept
        on near_duplicates.representative_id = kept.conversation_id
    where not near_duplicates.is_representative

)

select * from removed
