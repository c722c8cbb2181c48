{#-
    The JSON path of a canonical field in a raw record: the registry's field_map may rename it
    (e.g. {"question": "questionText"}); otherwise the file uses `default` (the canonical name).
-#}
{% macro field_path(canonical_name, default=none, field_map='field_map') -%}
    '$."' || coalesce(json_extract_string({{ field_map }}, '$.{{ canonical_name }}'), '{{ default or canonical_name }}') || '"'
{%- endmacro %}
