{#-
    Every conversation removed as a near-duplicate: which cluster it was in and which
    representative replaced it, with both texts so an analyst can read the pair. Exact copies of
    a removed conversation stay in exact_duplicates (each input record has one outcome).
    int_conversations_deduped is narrow: both texts are joined from int_conversations_normalized
    on source_file and source_line.
-#}
with

{# `not materialized`: read more than once below, DuckDB would copy every column #}
conversations as not materialized (

    select * from {{ ref('int_conversations_deduped') }}

),

near_duplicates as (

    select * from {{ ref('int_conversations_clustered') }}

),

{# `not materialized`: read twice below; each reader takes the texts of its own rows #}
texts as not materialized (

    select
        source_file,
        source_line,
        messages

    from {{ ref('int_conversations_normalized') }}

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
        removed_texts.messages,
        kept_texts.messages as kept_messages

    from near_duplicates
    inner join conversations as removed
        on near_duplicates.conversation_id = removed.conversation_id
    inner join conversations as kept
        on near_duplicates.representative_id = kept.conversation_id
    inner join texts as removed_texts
        on removed.source_file = removed_texts.source_file
            and removed.source_line = removed_texts.source_line
    inner join texts as kept_texts
        on kept.source_file = kept_texts.source_file
            and kept.source_line = kept_texts.source_line
    where not near_duplicates.is_representative

)

select * from removed
