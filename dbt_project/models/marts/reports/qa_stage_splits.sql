{#- Exported conversations per (stage, split); stages or splits without conversations have no row. -#}
with

conversations as (

    select * from {{ ref('conversations') }}

),

records_per_stage_and_split as (

    select
        stage,
        split,
        count(*) as conversations

    from conversations
    group by stage, split

)

select * from records_per_stage_and_split
