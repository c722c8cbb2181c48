{#-
    Message content given as JSON (a string, or OpenAI-style parts): `message_content_text` is
    the text (string parts and `{"type": "text", "text": ...}` parts joined by a newline; other
    parts such as images dropped), `message_content_error` why it cannot be content
    (`missing_field` when the key is absent, `invalid_content_type` for a number, boolean,
    object or a part that is neither text nor a typed object), `message_content_dropped_parts`
    how many non-text parts were dropped.
-#}
{% macro message_content_text(value) -%}
    case json_type({{ value }})
        when 'VARCHAR' then {{ value }} ->> '$'
        when 'ARRAY' then array_to_string(
            list_filter(
                list_transform(
                    {{ value }}::json[],
                    part -> case
                        when json_type(part) = 'VARCHAR' then part ->> '$'
                        when part ->> '$.type' = 'text' then part ->> '$.text'
                    end
                ),
                text_part -> text_part is not null
            ),
            chr(10)
        )
    end
{%- endmacro %}

{% macro message_content_error(value) -%}
    case
        when {{ value }} is null then 'missing_field'
        when json_type({{ value }}) in ('VARCHAR', 'NULL') then null
        when json_type({{ value }}) = 'ARRAY'
            and coalesce(list_bool_and(list_transform(
                {{ value }}::json[],
                part -> json_type(part) = 'VARCHAR'
                or (
                    json_type(part) = 'OBJECT'
                    and (
                        coalesce(part ->> '$.type', '') <> 'text'
                        or json_type(part -> '$.text') = 'VARCHAR'
                    )
                )
            )), true)
            then null
        else 'invalid_content_type'
    end
{%- endmacro %}

{% macro message_content_dropped_parts(value) -%}
    case when json_type({{ value }}) = 'ARRAY' then
        len(list_filter(
            {{ value }}::json[],
            part -> json_type(part) = 'OBJECT' and coalesce(part ->> '$.type', '') <> 'text'
        ))
    else 0 end
{%- endmacro %}
