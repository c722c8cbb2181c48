{#- Crisis-flagged exported conversations per stage and evidence kind: counts only, never text. -#}
with

conversations as (

    select * from {{ ref('conversations') }}
    where crisis_flag

),

flags as (

    select
        stage,
        coalesce(crisis_evidence, 'none') as evidence,
        count(*) as records,
        count(*) filter (where is_training_edge_case) as edge_cases

    from conversations
    group by stage, coalesce(crisis_evidence, 'none')

)

select * from flags
