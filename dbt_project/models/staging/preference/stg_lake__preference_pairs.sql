{#-
    Preference records in three shapes: {"prompt", "chosen", "rejected"} (prompt a string or a
    message list; chosen/rejected strings, message lists or {content} objects), ShareGPT-style
    {"conversations": [{from, value}], "chosen": {from, value}, "rejected": {...}}, and hh-rlhf
    {"chosen", "rejected"} dialogue strings that share the prompt and differ in the last reply.
-#}
with

records as (

    select * from {{ ref('stg_lake__json_records') }}
    where record_format = 'preference'

),

raw_fields as (

    select
        *,
        {#- ShareGPT-style pairs keep the prompt turns under "conversations" -#}
        case
            when record_error is null
                then coalesce(
                        json_extract(raw_record, {{ field_path('prompt') }}),
                        json_extract(raw_record, {{ field_path('conversations') }})
                    )
        end as prompt_json,
        case when record_error is null then json_extract(raw_record, {{ field_path('chosen') }}) end as chosen_json,
        case when record_error is null then json_extract(raw_record, {{ field_path('rejected') }}) end as rejected_json,
        case when record_error is null then json_extract_string(raw_record, {{ field_path('category') }}) end as record_category

    from records

),

shaped as (

    select
        *,
        coalesce(
            prompt_json is null
            and {{ json_value_type('chosen_json') }} = 'VARCHAR'
            and {{ json_value_type('rejected_json') }} = 'VARCHAR',
            false
        ) as is_hh_dialogue

    from raw_fields

),

hh_turns as (

    select
        *,
        case when is_hh_dialogue then {{ hh_dialogue("chosen_json ->> '$'") }} end as chosen_turns,
        case when is_hh_dialogue then {{ hh_dialogue("rejected_json ->> '$'") }} end as rejected_turns

    from shaped

),

explicit_pairs as (

    select
        *,
        case {{ json_value_type('prompt_json') }}
            when 'VARCHAR' then [{ 'role': 'user', 'content': prompt_json ->> '$' }]
            when 'ARRAY' then list_transform(
                    prompt_json::json[],
                    m -> {
                        'role': coalesce(m ->> '$.role', m ->> '$.from'),
                        'content': coalesce(m ->> '$.content', m ->> '$.value')
                    }
                )
        end as explicit_prompt,
        {{ preference_reply('chosen_json') }} as explicit_chosen,
        {{ preference_reply('rejected_json') }} as explicit_rejected

    from hh_turns

),

pairs as (

    select
        {{ lake_record_provenance() }},
        case
            when record_error is not null then record_error
            when is_hh_dialogue and (
                    len(chosen_turns) < 2
                    or len(rejected_turns) < 2
                    or list_bool_or(list_transform(chosen_turns, t -> t.role is null))
                    or list_bool_or(list_transform(rejected_turns, t -> t.role is null))
                    or chosen_turns[-1].role <> 'Assistant'
                    or rejected_turns[-1].role <> 'Assistant'
                ) then 'unparseable_dialogue'
            when is_hh_dialogue
                and list_slice(chosen_turns, 1, len(chosen_turns) - 1)
                <> list_slice(rejected_turns, 1, len(rejected_turns) - 1)
                then 'preference_prompt_mismatch'
            {#- a blank reply is parsed; curation filters it (int_preference_pairs_normalized) -#}
            when not is_hh_dialogue and (
                    explicit_prompt is null
                    or explicit_chosen is null
                    or explicit_rejected is null
                ) then 'missing_field'
        end as parse_error,
        case
            when is_hh_dialogue then list_slice(chosen_turns, 1, len(chosen_turns) - 1)
            else explicit_prompt
        end as prompt_messages,
        case when is_hh_dialogue then chosen_turns[-1].content else explicit_chosen end as chosen,
        case when is_hh_dialogue then rejected_turns[-1].content else explicit_rejected end as rejected,
        record_category,
        raw_record

    from explicit_pairs

)

select * from pairs
