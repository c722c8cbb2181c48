{#-
    One row per pair hash (prompt, chosen, rejected in canonical form); best tier wins, then
    earliest file and line. Narrow: no text (int_preference_pairs_unioned joins it back from
    int_preference_pairs_normalized on source_file and source_line).
-#}
with

hashed as (

    select * from {{ ref('int_preference_pairs_hashed') }}

),

best_copy_per_hash as (

    select
        hashed.*,
        count(*) over (partition by hashed.pair_hash) - 1 as duplicates_replaced,
        bool_or(hashed.is_holdout) over (partition by hashed.pair_hash) as any_copy_holdout,
        bool_or(hashed.is_edge_case) over (partition by hashed.pair_hash) as any_copy_edge_case

    from hashed

    qualify row_number() over (
            partition by hashed.pair_hash
            order by hashed.tier, hashed.source_file, hashed.source_line
        ) = 1

),

kept as (

    select
        pair_hash as pair_id,
        source_dataset,
        source_family,
        record_format,
        tier,
        category,
        any_copy_edge_case as is_training_edge_case,
        any_copy_holdout as is_holdout,
        license,
        source_file,
        source_line,
        duplicates_replaced

    from best_copy_per_hash

)

select * from kept
