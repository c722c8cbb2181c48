{#-
    The canonical form hashed for exact dedup: canonical role, a unit separator, the content with
    every run of whitespace (Unicode separators included) folded to one space and trimmed; turns
    joined by a record separator. Content is already NFC at this point.
-#}
{% macro canonical_text(messages) -%}
    array_to_string(
        list_transform(
            {{ messages }},
            m -> m.role || chr(31) || {{ fold_whitespace('m.content') }}
        ),
        chr(30)
    )
{%- endmacro %}
