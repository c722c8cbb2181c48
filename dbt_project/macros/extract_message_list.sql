{#-
    Staging body shared by the message-list formats (chatml, sharegpt): read a list of
    {role, content} objects from the record, with field names from the registry's field_map.
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

conversations as (

    select
        source_dataset,
        record_format,
        source_file,
        source_line,
        container,
        compression,
        raw_bytes,
        case
            when record_error is not null then record_error
            when messages_json is null or json_type(messages_json) <> 'ARRAY' then 'missing_messages'
            when json_array_length(messages_json) = 0 then 'empty_conversation'
            {#- a message object whose content key is absent (renamed), or is not text #}
            else list_reduce(
                list_transform(
                    messages_json::json[],
                    m -> case when json_type(m) = 'OBJECT' then
                        {{ message_content_error('json_extract(m, content_path)') }}
                    end
                ),
                (first_error, next_error) -> coalesce(first_error, next_error)
            )
        end as parse_error,
        case when messages_json is not null and json_type(messages_json) = 'ARRAY' then
            list_transform(
                messages_json::json[],
                m -> {
                    'role': json_extract_string(m, role_path),
                    'content': {{ message_content_text('json_extract(m, content_path)') }}
                }
            )
        end as messages,
        case when messages_json is not null and json_type(messages_json) = 'ARRAY' then
            list_sum(list_transform(
                messages_json::json[],
                m -> {{ message_content_dropped_parts('json_extract(m, content_path)') }}
            ))
        end as dropped_content_parts,
        case when record_error is null then json_extract_string(raw_record, category_path) end as record_category,
        raw_record

    from message_arrays

)

select * from conversations
{%- endmacro %}
