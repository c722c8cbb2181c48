{#-
    Message content given as JSON (a string, or OpenAI-style parts), read once per message by
    the caller: `content` is the JSON value (null when the key is absent), `content_type` its
    json_type and `parts` its elements when it is an array (null otherwise), so no macro here
    parses the content again. `message_content_text` is the text (string parts and
    `{"type": "text", "text": ...}` parts joined by a newline; other parts such as images
    dropped), `message_content_error` why it cannot be content (`missing_field` when the key is
    absent, `invalid_content_type` for a number, boolean, object or a part that is neither text
    nor a typed object), `message_content_dropped_parts` how many non-text parts were dropped.
-#}
{% macro message_content_text(content, content_type, parts) -%}
    case {{ content_type }}
        when 'VARCHAR' then {{ content }} ->> '$'
        when 'ARRAY' then array_to_string(
            list_filter(
                list_transform(
                    {{ parts }},
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

{% macro message_content_error(content, content_type, parts) -%}
    case
        when {{ content }} is null then 'missing_field'
        when {{ content_type }} in ('VARCHAR', 'NULL') then null
        when {{ content_type }} = 'ARRAY'
            and coalesce(list_bool_and(list_transform(
                {{ parts }},
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

{% macro message_content_dropped_parts(content_type, parts) -%}
    case when {{ content_type }} = 'ARRAY' then
        len(list_filter(
            {{ parts }},
            part -> json_type(part) = 'OBJECT' and coalesce(part ->> '$.type', '') <> 'text'
        ))
    else 0 end
{%- endmacro %}
