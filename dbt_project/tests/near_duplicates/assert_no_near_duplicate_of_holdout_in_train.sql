{#-
    A near-duplicate of a hard-holdout record never reaches train (or val): every input copy from
    a holdout family, through exact dedup and its near-duplicate cluster, lands in a test row; and
    every conversation confirmed as a near-duplicate of a holdout record is in test too.
-#}
with

registry as (

    select * from {{ ref('source_registry') }}

),

copies as (

    select * from {{ ref('int_conversations_hashed') }}

),

near_duplicates as (

    select * from {{ ref('int_conversations_clustered') }}

),

split as (

    select * from {{ ref('int_conversations_split') }}

),

holdout_families as (

    select distinct source_family from registry
    where is_holdout

),

holdout_conversations as (

    select distinct copies.content_hash as conversation_id
    from copies
    where copies.is_holdout
        or copies.source_family in (select holdout_families.source_family from holdout_families)

),

cluster_splits as (

    select
        near_duplicates.conversation_id,
        split.split

    from near_duplicates
    left join split
        on near_duplicates.cluster_id = split.cluster_id

),

neighbours_of_holdouts as (

    select unnest(near_duplicates.neighbour_ids) as conversation_id
    from near_duplicates
    inner join holdout_conversations
        on near_duplicates.conversation_id = holdout_conversations.conversation_id

),

violations as (

    select
        holdout_conversations.conversation_id,
        cluster_splits.split,
        'holdout record whose cluster is not in test' as problem

    from holdout_conversations
    left join cluster_splits
        on holdout_conversations.conversation_id = cluster_splits.conversation_id
    where cluster_splits.split is distinct from 'test'

    union all

    select
        neighbours_of_holdouts.conversation_id,
        cluster_splits.split,
        'near-duplicate of a holdout record outside test' as problem

    from neighbours_of_holdouts
    inner join cluster_splits
        on neighbours_of_holdouts.conversation_id = cluster_splits.conversation_id
    where cluster_splits.split is distinct from 'test'

)

select * from violations
