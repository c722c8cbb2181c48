{#- Every record removed by exact dedup, with the kept copy that replaced it. -#}
with

conversation_copies as (

    select * from {{ ref('int_conversations_hashed') }}

),

kept_conversations as (

    select * from {{ ref('int_conversations_deduped') }}

),

pair_copies as (

    select * from {{ ref('int_preference_pairs_hashed') }}

),

kept_pairs as (

    select * from {{ ref('int_preference_pairs_deduped') }}

),

removed_conversations as (

    select
        'conversation' as record_kind,
        copies.content_hash,
        copies.source_dataset,
        copies.tier,
        copies.source_file,
        copies.source_line,
        kept.conversation_id as kept_id,
        kept.source_dataset as kept_source_dataset,
        kept.tier as kept_tier,
        kept.source_file as kept_source_file,
        kept.source_line as kept_source_line

    from conversation_copies as copies
    inner join kept_conversations as kept
        on copies.content_hash = kept.conversation_id
    where not (copies.source_file = kept.source_file and copies.source_line = kept.source_line)

),

removed_pairs as (

    select
        'preference_pair' as record_kind,
        copies.pair_hash as content_hash,
        copies.source_dataset,
        copies.tier,
        copies.source_file,
        copies.source_line,
        kept.pair_id as kept_id,
        kept.source_dataset as kept_source_dataset,
        kept.tier as kept_tier,
        kept.source_file as kept_source_file,
        kept.source_line as kept_source_line

    from pair_copies as copies
    inner join kept_pairs as kept
        on copies.pair_hash = kept.pair_id
    where not (copies.source_file = kept.source_file and copies.source_line = kept.source_line)

),

all_removed as (

    select * from removed_conversations
    union all
    select * from removed_pairs

),

final as (

    select
        md5(source_file || ':' || source_line) as duplicate_id,
        *

    from all_removed

)

select * from final
