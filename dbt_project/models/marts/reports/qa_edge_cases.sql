{#- Exported training edge cases per (source dataset, stage, split). -#}
with

conversations as (

    select * from {{ ref('conversations') }}
    where is_training_edge_case

),

edge_cases as (

    select
        source_dataset,
        stage,
        split,
        count(*) as records

    from conversations
    group by source_dataset, stage, split

)

select * from edge_cases
