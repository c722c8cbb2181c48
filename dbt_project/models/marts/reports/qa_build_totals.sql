{#- One row: the build's headline counts, summed over every source dataset. -#}
with

row_accounting as (

    select * from {{ ref('row_accounting') }}

),

conversations as (

    select * from {{ ref('conversations') }}

),

lake_files as (

    select * from {{ ref('lake_files') }}

),

ledger_totals as (

    select
        coalesce(sum(input_records), 0)::bigint as input_records,
        coalesce(sum(exported), 0)::bigint as exported,
        coalesce(sum(quarantined), 0)::bigint as quarantined,
        coalesce(sum(exact_duplicates), 0)::bigint as exact_duplicates,
        coalesce(sum(near_duplicates), 0)::bigint as near_duplicates,
        coalesce(sum(filtered), 0)::bigint as filtered

    from row_accounting

),

edge_case_totals as (

    select count(*) as edge_cases
    from conversations
    where is_training_edge_case

),

unregistered_file_totals as (

    select count(*) as unregistered_files
    from lake_files
    where not is_registered

),

totals as (

    select
        ledger_totals.*,
        edge_case_totals.edge_cases,
        unregistered_file_totals.unregistered_files

    from ledger_totals
    cross join edge_case_totals
    cross join unregistered_file_totals

)

select * from totals
