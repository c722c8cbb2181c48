{{ config(materialized='view') }}

{#-
    Deterministic 90/5/5 split from a stable hash of the split key and the seed (never random()).
    Hard-holdout families go wholly to test. The split key is the conversation id today; near-
    duplicate clustering replaces it with the cluster id so a cluster never straddles splits.
-#}
with

conversations as (

    select * from {{ ref('int_conversations_routed') }}

),

split_assigned as (

    select
        *,
        conversation_id as split_key,
        {{ assign_split('conversation_id', 'is_holdout') }} as split

    from conversations

)

select * from split_assigned
