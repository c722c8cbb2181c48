{{ config(materialized='view') }}

{#-
    Deterministic 90/5/5 split from a stable hash of the split key and the seed (never random()).
    Hard-holdout families go wholly to test. The split key is the near-duplicate cluster id (the
    conversation id itself when it has no near-duplicate), so a cluster never straddles splits;
    a cluster holding a holdout record is holdout, so it goes wholly to test.
-#}
with

conversations as (

    select * from {{ ref('int_conversations_routed') }}

),

split_assigned as (

    select
        *,
        cluster_id as split_key,
        {{ assign_split('cluster_id', 'is_holdout') }} as split

    from conversations

)

select * from split_assigned
