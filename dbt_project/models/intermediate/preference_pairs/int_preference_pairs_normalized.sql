with

pairs as (

    select
        * replace (
            {{ strip_control_characters('chosen') }} as chosen,
            {{ strip_control_characters('rejected') }} as rejected
        )
    from {{ ref('stg_lake__preference_pairs') }}

),

registry as (

    select * from {{ ref('source_registry') }}

),

role_aliases as (

    select map(list(role_alias), list(canonical_role)) as role_map
    from {{ ref('role_aliases') }}

),

normalized as (

    select
        pairs.* exclude (prompt_messages, chosen, rejected),
        pairs.prompt_messages as raw_prompt_messages,
        {{ normalize_messages('pairs.prompt_messages', 'role_aliases.role_map') }} as prompt_messages,
        nfc_normalize({{ trim_whitespace('pairs.chosen') }}) as chosen,
        nfc_normalize({{ trim_whitespace('pairs.rejected') }}) as rejected,
        registry.source_family,
        registry.tier,
        coalesce(nullif(trim(pairs.record_category), ''), registry.category) as category,
        registry.is_edge_case,
        registry.is_holdout,
        registry.license

    from pairs
    inner join registry
        on pairs.source_dataset = registry.dataset
    cross join role_aliases

),

folded as (

    {#- each reply's whitespace folded once: the curation rules and pair_hash below read these -#}
    select
        *,
        {{ fold_whitespace('chosen') }} as folded_chosen,
        {{ fold_whitespace('rejected') }} as folded_rejected

    from normalized

),

validated as (

    select
        *,
        case
            when parse_error is not null then parse_error
            when list_bool_or(list_transform(raw_prompt_messages, m -> coalesce(trim(m.role), '') = ''))
                then 'missing_role'
            when list_bool_or(list_transform(prompt_messages, m -> m.role is null)) then 'unknown_role'
            when list_bool_or(list_transform(prompt_messages, m -> coalesce(m.content, '') = ''))
                then 'empty_content'
            when not list_contains(list_transform(prompt_messages, m -> m.role), 'user') then 'no_user_turn'
        end as quarantine_reason,
        {#- curation: a pair that teaches nothing is filtered (kept in `filtered`, with the reason) -#}
        case
            when coalesce(folded_chosen, '') = '' then 'empty_chosen'
            when coalesce(folded_rejected, '') = '' then 'empty_rejected'
            when folded_chosen = folded_rejected then 'identical_replies'
        end as filter_reason

    from folded

),

final as (

    select
        * exclude (raw_prompt_messages, raw_record, folded_chosen, folded_rejected),
        -- the raw line is shown only by quarantine: kept rows do not copy it on
        case when quarantine_reason is not null then raw_record end as raw_record,
        -- computed once here, on the row already in hand (int_preference_pairs_hashed is a view);
        -- the replies as folded for curation (the fold is not run twice)
        case when quarantine_reason is null and filter_reason is null then
                sha256(
                    {{ canonical_text('prompt_messages') }}
                    || chr(29) || folded_chosen
                    || chr(29) || folded_rejected
                )
        end as pair_hash

    from validated

)

select * from final
