{#- Trim every kind of leading/trailing whitespace (newlines, tabs, Unicode spaces), not just ' '. -#}
{% macro trim_whitespace(expr) -%}
    regexp_replace({{ expr }}, '^[\s\p{Z}]+|[\s\p{Z}]+$', '', 'g')
{%- endmacro %}
