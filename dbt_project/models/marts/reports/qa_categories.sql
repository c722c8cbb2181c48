{#-
    Exported records per category, after enrichment (conversations and preference pairs, the
    category they are exported with) and before it (conversations, their original category).
-#}
with

breakdown as (

    select * from {{ ref('qa_category_breakdown') }}

),

conversations as (

    select * from {{ ref('conversations') }}

),

after_enrichment as (

    select
        'after_enrichment' as enrichment,
        category,
        sum(records) as records

    from breakdown
    group by category

),

before_enrichment as (

    select
        'before_enrichment' as enrichment,
        coalesce(original_category, 'uncategorized') as category,
        count(*) as records

    from conversations
    group by coalesce(original_category, 'uncategorized')

),

categories as (

    select * from after_enrichment
    union all
    select * from before_enrichment

)

select * from categories
