{#-
    Multi-turn input/output lists, the fine-tuning shape of many Chinese-language counselling
    corpora: {"conversation": [{"system"?, "input", "output"}, ...]}. Each pair is a user turn
    then an assistant turn; the first non-blank system text (on the record, or on any pair)
    becomes the system message. field_map renames `turns` (default `conversation`; `$` when a
    file is the list itself), `system`, `input` and `output`. The raw line is not copied (it
    stays in stg_lake__json_records, where quarantine reads it).
-#}
with

records as (

    select * from {{ ref('stg_lake__json_records') }}
    where record_format = 'turn_pairs'

),

field_paths as (

    select
        *,
        {{ field_path('turns', 'conversation') }} as turns_path,
        {{ field_path('system') }} as system_path,
        {{ field_path('input') }} as input_path,
        {{ field_path('output') }} as output_path,
        {{ field_path('category') }} as category_path

    from records

),

turn_arrays as (

    select
        *,
        case when record_error is null then json_extract(raw_record, turns_path) end as turns_json

    from field_paths

),

turn_lists as (

    select
        *,
        case
            when turns_json is not null and {{ json_value_type('turns_json') }} = 'ARRAY' then turns_json::json[]
        end as turns

    from turn_arrays

),

system_texts as (

    select
        *,
        list_filter(
            list_concat(
                [
                    case
                        when json_type(raw_record::json) = 'OBJECT'
                            then json_extract_string(raw_record, system_path)
                    end
                ],
                list_transform(turns, t -> json_extract_string(t, system_path))
            ),
            s -> coalesce({{ trim_whitespace('s') }}, '') <> ''
        )[1] as system_text

    from turn_lists

),

conversations as (

    select
        {{ lake_record_provenance() }},
        case
            when record_error is not null then record_error
            when turns is null then 'missing_messages'
            when len(turns) = 0 then 'empty_conversation'
        end as parse_error,
        list_concat(
            list_filter([{ 'role': 'system', 'content': system_text }], m -> m.content is not null),
            flatten(
                list_transform(
                    turns,
                    t -> [
                        { 'role': 'user', 'content': json_extract_string(t, input_path) },
                        { 'role': 'assistant', 'content': json_extract_string(t, output_path) }
                    ]
                )
            )
        ) as messages,
        case
            when record_error is null and json_type(raw_record::json) = 'OBJECT'
                then json_extract_string(raw_record, category_path)
        end as record_category

    from system_texts

)

select * from conversations
