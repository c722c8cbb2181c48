{#-
    The JSON path of a canonical field in a raw record: the registry's field_map may rename it
    (e.g. {"question": "questionText"}); otherwise the file uses `default` (the canonical name).
    A mapped value that starts with `$` is a JSON path already (`$` is the record itself,
    `$.dialog` a member of it): one conversation per file (ingestion/record_shapes.py).
-#}
{% macro field_path(canonical_name, default=none, field_map='field_map') -%}
    {%- set mapped = "json_extract_string(" ~ field_map ~ ", '$." ~ canonical_name ~ "')" -%}
    case
        when starts_with(ltrim(coalesce({{ mapped }}, '')), '$') then trim({{ mapped }})
        else '$."' || coalesce({{ mapped }}, '{{ default or canonical_name }}') || '"'
    end
{%- endmacro %}
