with

conversations as (

    select * from {{ ref('int_conversations_split') }}

),

final as (

    select
        conversation_id,
        messages,
        source_dataset,
        source_family,
        tier,
        category,
        stage,
        stage_number,
        split,
        is_training_edge_case,
        is_holdout,
        license,
        record_format,
        source_file,
        source_line,
        num_turns,
        duplicates_replaced,
        cluster_id,
        near_duplicates_replaced

    from conversations

)

select * from final
