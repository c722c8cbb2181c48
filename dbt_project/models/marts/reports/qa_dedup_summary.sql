{#- Per source dataset: what dedup removed from it and what its kept rows replaced elsewhere. -#}
with

registry as (

    select * from {{ ref('source_registry') }}

),

duplicates as (

    select * from {{ ref('exact_duplicates') }}

),

removed_per_dataset as (

    select
        source_dataset,
        count(*) as exact_duplicates_removed,
        count(*) filter (where kept_source_dataset = source_dataset) as removed_within_dataset,
        count(*) filter (where kept_source_dataset <> source_dataset) as removed_for_other_dataset

    from duplicates
    group by source_dataset

),

replaced_per_dataset as (

    select
        kept_source_dataset as source_dataset,
        count(*) as copies_replaced_elsewhere

    from duplicates
    where kept_source_dataset <> source_dataset
    group by kept_source_dataset

),

summary as (

    select
        registry.dataset as source_dataset,
        registry.tier,
        coalesce(removed_per_dataset.exact_duplicates_removed, 0) as exact_duplicates_removed,
        coalesce(removed_per_dataset.removed_within_dataset, 0) as removed_within_dataset,
        coalesce(removed_per_dataset.removed_for_other_dataset, 0) as removed_for_other_dataset,
        coalesce(replaced_per_dataset.copies_replaced_elsewhere, 0) as copies_replaced_elsewhere

    from registry
    left join removed_per_dataset
        on registry.dataset = removed_per_dataset.source_dataset
    left join replaced_per_dataset
        on registry.dataset = replaced_per_dataset.source_dataset

)

select * from summary
