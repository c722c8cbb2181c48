{#- No content hash (conversation or preference pair) is exported into more than one split. -#}
with

exported as (

    select
        conversation_id as content_hash,
        split
    from {{ ref('conversations') }}
    union all
    select
        pair_id,
        split
    from {{ ref('preference_pairs') }}

)

select
    content_hash,
    count(distinct split) as splits
from exported
group by content_hash
having count(distinct split) > 1
