{#-
    A view: the usable, unfiltered rows of int_preference_pairs_normalized, which computes
    pair_hash (SHA-256 over the canonical prompt, chosen and rejected) while it has the row.
    Narrow: no text (int_preference_pairs_unioned joins it back from the normalized rows on
    source_file and source_line), so the pair text is not copied again.
-#}
{{ config(materialized='view') }}
with

pairs as (

    select * from {{ ref('int_preference_pairs_normalized') }}
    where quarantine_reason is null and filter_reason is null

),

hashed as (

    select
        pair_hash,
        source_dataset,
        source_family,
        record_format,
        tier,
        category,
        is_edge_case,
        is_holdout,
        license,
        source_file,
        source_line

    from pairs

)

select * from hashed
