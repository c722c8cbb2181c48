with

conversations as (

    select
        *,
        {#- one scan per raw text for both the control-character and the whitespace checks #}
        list_transform(messages, m -> {{ needs_text_cleaning('m.content') }}) as needs_cleaning

    from {{ ref('int_conversations_unioned') }}

),

role_aliases as (

    select map(list(role_alias), list(canonical_role)) as role_map
    from {{ ref('role_aliases') }}

),

normalized as (

    select
        conversations.* exclude (messages),
        conversations.messages as raw_messages,
        {{
            normalize_messages(
                'conversations.messages', 'role_aliases.role_map', cleaning='conversations.needs_cleaning'
            )
        }} as messages

    from conversations
    cross join role_aliases

),

validated as (

    select
        *,
        case
            when parse_error is not null then parse_error
            when list_bool_or(list_transform(raw_messages, m -> coalesce(trim(m.role), '') = ''))
                then 'missing_role'
            when list_bool_or(list_transform(messages, m -> m.role is null)) then 'unknown_role'
            when list_bool_or(list_transform(messages, m -> coalesce(m.content, '') = ''))
                then 'empty_content'
            when not list_contains(list_transform(messages, m -> m.role), 'assistant') then 'no_assistant_turn'
            when not list_contains(list_transform(messages, m -> m.role), 'user') then 'no_user_turn'
        end as quarantine_reason

    from normalized

),

final as (

    select
        * exclude (raw_messages, raw_record, needs_cleaning),
        -- the raw line is shown only by quarantine: kept rows do not copy it on
        case when quarantine_reason is not null then raw_record end as raw_record,
        -- computed once here, on the row already in hand (int_conversations_hashed is a view)
        case
            when quarantine_reason is null then sha256({{ canonical_text('messages', cleaning='needs_cleaning') }})
        end as content_hash,
        -- here too: a reader of the turn count then does not scan the messages
        len(messages) as num_turns

    from validated

)

select * from final
