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
        source_dataset,
        coalesce(category, 'uncategorized') as category,
        stage,
        split
    from conversations

    union all

    select
        'preference_pair' as record_kind,
        source_dataset,
        coalesce(category, 'uncategorized') as category,
        stage,
        split
    from pairs

),

breakdown as (

    select
        record_kind,
        source_dataset,
        category,
        stage,
        split,
        count(*) as records

    from exported
    group by all

)

select * from breakdown
