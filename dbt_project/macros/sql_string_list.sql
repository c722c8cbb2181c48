{#- Render a Jinja list of strings as a SQL tuple: ('a', 'b'); an empty list never matches. -#}
{% macro sql_string_list(values) -%}
    {%- if values | length == 0 -%}
        (null)
    {%- else -%}
        ({%- for value in values -%}'{{ value | replace("'", "''") }}'{{ ', ' if not loop.last }}{%- endfor -%})
    {%- endif -%}
{%- endmacro %}
