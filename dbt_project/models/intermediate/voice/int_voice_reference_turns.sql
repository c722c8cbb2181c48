{#-
    The reference of many voices that voice consistency z-scores its features against: a
    deterministic sample (by md5 of the text) of up to `voice_reference_size` assistant turns of
    each of the chatml and ShareGPT datasets, read from staging so that it never depends on the
    voice records it judges. Roles are canonical by the role_aliases seed.
-#}
with

chatml_conversations as (

    select * from {{ ref('stg_lake__chatml_conversations') }}
    where parse_error is null

),

sharegpt_conversations as (

    select * from {{ ref('stg_lake__sharegpt_conversations') }}
    where parse_error is null

),

assistant_aliases as (

    select * from {{ ref('role_aliases') }}
    where canonical_role = 'assistant'

),

all_turns as (

    select
        'chatml' as reference_source,
        unnest(messages) as message
    from chatml_conversations

    union all

    select
        'sharegpt' as reference_source,
        unnest(messages) as message
    from sharegpt_conversations

),

assistant_turns as (

    select
        all_turns.reference_source,
        struct_extract(all_turns.message, 'content') as content

    from all_turns
    inner join assistant_aliases
        on lower(trim(struct_extract(all_turns.message, 'role'))) = assistant_aliases.role_alias
    where coalesce(trim(struct_extract(all_turns.message, 'content')), '') <> ''

),

sampled as (

    {# the turns with the smallest md5 per source, kept in a bounded heap (no sort of every turn) #}
    select
        reference_source,
        min_by(content, md5(content), {{ var('voice_reference_size') }}) as contents

    from assistant_turns
    group by reference_source

),

sampled_turns as (

    select
        reference_source,
        generate_subscripts(contents, 1) as turn_rank,
        unnest(contents) as content

    from sampled

)

select * from sampled_turns
