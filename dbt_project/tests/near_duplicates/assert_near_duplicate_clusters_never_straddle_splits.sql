{#-
    SPEC item 10: no near-duplicate cluster straddles two splits. Every cluster keeps exactly one
    row (its representative) in the split model; every member, removed or kept, takes the split
    of that row; and the two ends of every confirmed near-duplicate pair share a cluster, so
    share a split. Returns each violation with what went wrong.
-#}
with

near_duplicates as (

    select * from {{ ref('int_conversations_clustered') }}

),

split as (

    select * from {{ ref('int_conversations_split') }}

),

kept_per_cluster as (

    select
        cluster_id,
        count(*) as kept_rows,
        count(distinct split) as splits,
        any_value(split) as split

    from split
    group by cluster_id

),

member_splits as (

    select
        near_duplicates.conversation_id,
        near_duplicates.cluster_id,
        kept_per_cluster.split

    from near_duplicates
    left join kept_per_cluster
        on near_duplicates.cluster_id = kept_per_cluster.cluster_id

),

confirmed_pairs as (

    select
        conversation_id,
        unnest(neighbour_ids) as neighbour_id

    from near_duplicates

),

violations as (

    select
        cluster_id,
        null as conversation_id,
        'cluster kept more than once or in two splits' as problem

    from kept_per_cluster
    where kept_rows > 1 or splits > 1

    union all

    select
        cluster_id,
        conversation_id,
        'member whose cluster has no kept row' as problem

    from member_splits
    where split is null

    union all

    select
        one_end.cluster_id,
        confirmed_pairs.conversation_id,
        'near-duplicate pair in two clusters or two splits' as problem

    from confirmed_pairs
    inner join member_splits as one_end
        on confirmed_pairs.conversation_id = one_end.conversation_id
    inner join member_splits as other_end
        on confirmed_pairs.neighbour_id = other_end.conversation_id
    where one_end.cluster_id <> other_end.cluster_id
        or one_end.split is distinct from other_end.split

)

select * from violations
