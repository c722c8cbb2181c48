{#- Exported records per split: conversations, preference pairs and both together. -#}
with

conversations as (

    select * from {{ ref('conversations') }}

),

pairs as (

    select * from {{ ref('preference_pairs') }}

),

exported as (

    select
        'conversation' as record_kind,
        split
    from conversations

    union all

    select
        'preference_pair' as record_kind,
        split
    from pairs

),

records_per_split as (

    select
        split,
        count(*) as records,
        count(*) filter (where record_kind = 'conversation') as conversations,
        count(*) filter (where record_kind = 'preference_pair') as preference_pairs

    from exported
    group by split

)

select * from records_per_split
