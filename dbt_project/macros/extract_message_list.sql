{#-
    Staging body shared by the message-list formats (chatml, sharegpt): read a list of
    {role, content} objects from the record, with field names from the registry's field_map.
    The raw line is not copied (it stays in stg_lake__json_records, where quarantine reads it).
-#}
{% macro extract_message_list(record_format, messages_key, role_key, content_key) -%}
with

records as (

    select * from {{ ref('stg_lake__json_records') }}
    where record_format = '{{ record_format }}'

),

field_paths as (

    select
        *,
        {{ field_path('messages', messages_key) }} as messages_path,
        {{ field_path('role', role_key) }} as role_path,
        {{ field_path('content', content_key) }} as content_path,
        {{ field_path('category') }} as category_path

    from records

),

message_arrays as (

    select
        *,
        case
            when record_error is not null then null
            {#- `$` on an object (one conversation per file): its first list of objects #}
            when messages_path = '$' and json_type(raw_record::json) = 'OBJECT' then json_extract(
                raw_record,
                '$."' || list_filter(
                    json_keys(raw_record), k -> json_type(raw_record, '$."' || k || '"[0]') = 'OBJECT'
                )[1] || '"'
            )
            else json_extract(raw_record, messages_path)
        end as messages_json

    from field_paths

),

message_items as (

    {#-
        the list is parsed once here; every message once in message_fields (json_value_type:
        json_extract's output is typed by its first character, not parsed again)
    #}
    select
        *,
        case when {{ json_value_type('messages_json') }} = 'ARRAY' then messages_json::json[] end as message_items

    from message_arrays

),

message_fields as (

    select
        *,
        list_transform(
            message_items,
            m -> {
                'is_object': {{ json_value_type('m') }} = 'OBJECT',
                'role': json_extract_string(m, role_path),
                'content': json_extract(m, content_path)
            }
        ) as message_fields

    from message_items

),

typed_messages as (

    select
        *,
        list_transform(
            message_fields,
            f -> {
                'is_object': f.is_object,
                'role': f.role,
                'content': f.content,
                'content_type': {{ json_value_type('f.content') }}
            }
        ) as typed_messages

    from message_fields

),

message_contents as (

    select
        *,
        list_transform(
            typed_messages,
            t -> {
                'is_object': t.is_object,
                'role': t.role,
                'content': t.content,
                'content_type': t.content_type,
                'parts': case when t.content_type = 'ARRAY' then t.content::json[] end
            }
        ) as message_contents

    from typed_messages

),

conversations as (

    select
        {{ lake_record_provenance() }},
        case
            when record_error is not null then record_error
            when message_items is null then 'missing_messages'
            when len(message_items) = 0 then 'empty_conversation'
            {#- a message object whose content key is absent (renamed), or is not text #}
            else list_reduce(
                list_transform(
                    message_contents,
                    c -> case when c.is_object then
                        {{ message_content_error('c.content', 'c.content_type', 'c.parts') }}
                    end
                ),
                (first_error, next_error) -> coalesce(first_error, next_error)
            )
        end as parse_error,
        case when message_items is not null then
            list_transform(
                message_contents,
                c -> {
                    'role': c.role,
                    'content': {{ message_content_text('c.content', 'c.content_type', 'c.parts') }}
                }
            )
        end as messages,
        case when message_items is not null then
            list_sum(list_transform(
                message_contents,
                c -> {{ message_content_dropped_parts('c.content_type', 'c.parts') }}
            ))
        end as dropped_content_parts,
        case when record_error is null then json_extract_string(raw_record, category_path) end as record_category

    from message_contents

)

select * from conversations
{%- endmacro %}
