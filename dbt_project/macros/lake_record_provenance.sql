{#-
    Where a lake record came from, in the order every model lists it: the registry dataset, its
    format, the file and line, and how the file was stored. `relation` prefixes each column
    (e.g. `records`) where a join makes the bare names ambiguous.
-#}
{% macro lake_record_provenance(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- for column in [
        'source_dataset',
        'record_format',
        'source_file',
        'source_line',
        'container',
        'compression',
        'raw_bytes',
    ] -%}
        {{ prefix }}{{ column }}{{ ',' if not loop.last }}
    {% endfor -%}
{%- endmacro %}
