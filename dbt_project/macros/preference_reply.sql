{#- The reply text of a chosen/rejected JSON value: a string, the last message of a list, or an object's content. -#}
{% macro preference_reply(value) -%}
    case {{ json_value_type(value) }}
        when 'VARCHAR' then {{ value }} ->> '$'
        when 'ARRAY' then coalesce({{ value }} ->> '$[#-1].content', {{ value }} ->> '$[#-1].value')
        when 'OBJECT' then coalesce({{ value }} ->> '$.content', {{ value }} ->> '$.value')
    end
{%- endmacro %}
