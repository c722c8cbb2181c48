{#-
    Deterministic 90/5/5 split from a stable hash of the split key and the seed (never random()).
    Hard-holdout families go wholly to test. The split key is the near-duplicate cluster id (the
    conversation id itself when it has no near-duplicate), so a cluster never straddles splits;
    a cluster holding a holdout record is holdout, so it goes wholly to test. The windows of one
    long session (int_voice_conversations) take the session's key instead, so they share a split.
    Narrow, like every model between normalization and the mart: keys, flags, the split; no
    messages (a model that needs them joins int_conversations_normalized on source_file and
    source_line).
-#}
with

conversations as (

    select * from {{ ref('int_conversations_routed') }}

),

deduped as (

    select * from {{ ref('int_conversations_deduped') }}

),

{# the windows of one long session overlap: they share one split key, the session's #}
voice_split_groups as (

    select
        source_file,
        source_line,
        split_group
    from {{ ref('int_voice_conversations') }}
    where split_group is not null

),

with_split_key as (

    select
        deduped.* exclude (is_holdout, is_training_edge_case),  -- noqa: RF02
        conversations.cluster_id,
        conversations.near_duplicates_replaced,
        conversations.is_holdout,
        conversations.is_training_edge_case,
        conversations.stage,
        conversations.stage_number,
        coalesce(voice_split_groups.split_group, conversations.cluster_id) as split_key

    from conversations
    inner join deduped
        on conversations.conversation_id = deduped.conversation_id
    left join voice_split_groups
        on conversations.source_file = voice_split_groups.source_file
            and conversations.source_line = voice_split_groups.source_line

),

split_assigned as (

    select
        *,
        {{ assign_split('split_key', 'is_holdout') }} as split

    from with_split_key

)

select * from split_assigned
