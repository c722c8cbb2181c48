{#-
    Staging body for formats that hold one exchange as named fields (context/response,
    instruction/output, question/answer, question/reasoning/answer). `fields` lists the
    canonical field names to extract (renamable through field_map); `required` those that must
    be non-blank; `user_expr` / `assistant_expr` build the two turns from the extracted fields.
    The raw line is not copied (it stays in stg_lake__json_records, where quarantine reads it).
-#}
{% macro two_turn_conversation(record_format, fields, required, user_expr, assistant_expr) -%}
with

records as (

    select * from {{ ref('stg_lake__json_records') }}
    where record_format = '{{ record_format }}'

),

extracted_fields as (

    select
        *,
        {%- for name in fields %}
        case when record_error is null then json_extract_string(raw_record, {{ field_path(name) }}) end as field_{{ name }},
        {%- endfor %}
        case when record_error is null then json_extract_string(raw_record, {{ field_path('category') }}) end as record_category

    from records

),

conversations as (

    select
        {{ lake_record_provenance() }},
        case
            when record_error is not null then record_error
            {%- for name in required %}
            when json_type(raw_record, {{ field_path(name) }}) not in ('VARCHAR', 'NULL')
                then 'invalid_content_type'
            {%- endfor %}
            {%- for name in required %}
            when coalesce({{ trim_whitespace('field_' ~ name) }}, '') = '' then 'missing_field'
            {%- endfor %}
        end as parse_error,
        [
            {'role': 'user', 'content': {{ user_expr }}},
            {'role': 'assistant', 'content': {{ assistant_expr }}}
        ] as messages,
        record_category

    from extracted_fields

)

select * from conversations
{%- endmacro %}
