with

pairs as (

    select * from {{ ref('int_preference_pairs_split') }}

),

final as (

    select
        pair_id,
        prompt_messages,
        chosen,
        rejected,
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
        duplicates_replaced

    from pairs

)

select * from final
