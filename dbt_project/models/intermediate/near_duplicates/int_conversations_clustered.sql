{#-
    One row per kept conversation: its near-duplicate cluster and the member kept for it. The
    components come from int_conversations_linked (Python: embeddings, neighbour pairs); the
    rules are here. The cluster id is the smallest conversation id in the component, so it does
    not move when tiers or the tie-break change. The representative is an edge case if the
    cluster has one (an edge case is never removed in favour of a non-edge case), then the best
    tier, then the earliest file and line.
-#}
with

linked as (

    select * from {{ ref('int_conversations_linked') }}

),

conversations as (

    select * from {{ ref('int_conversations_deduped') }}

),

members as (

    select
        linked.*,
        conversations.is_training_edge_case,
        conversations.tier,
        conversations.source_file,
        conversations.source_line,
        min(linked.conversation_id) over (partition by linked.component) as cluster_id,
        count(*) over (partition by linked.component) as cluster_size

    from linked
    inner join conversations
        on linked.conversation_id = conversations.conversation_id

),

representatives as (

    select
        cluster_id,
        conversation_id as representative_id,
        embedding as representative_embedding

    from members

    {# an edge case first, then the best tier, then the earliest file and line #}
    qualify row_number() over (
            partition by cluster_id
            order by
                is_training_edge_case desc,
                tier asc,
                source_file asc,
                source_line asc,
                conversation_id asc
        ) = 1

),

clustered as (

    select
        members.conversation_id,
        members.cluster_id,
        representatives.representative_id,
        members.conversation_id = representatives.representative_id as is_representative,
        members.cluster_size,
        case
            when members.conversation_id = representatives.representative_id then 1.0
            else least(greatest(list_inner_product(
                    members.embedding, representatives.representative_embedding
                ), -1.0), 1.0)
        end::double as similarity_to_representative,
        members.neighbour_ids,
        members.nearest_id,
        members.nearest_similarity,
        members.embedding_model,
        members.similarity_threshold

    from members
    inner join representatives
        on members.cluster_id = representatives.cluster_id

)

select * from clustered
