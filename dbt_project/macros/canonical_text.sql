{#-
    The canonical form hashed for exact dedup: canonical role, a unit separator, the content with
    every run of whitespace (Unicode separators included) folded to one space and trimmed; turns
    joined by a record separator. Content is already NFC at this point. `cleaning`, when given,
    is the list of needs_text_cleaning answers on the raw texts these messages were normalized
    from (same order): a message it marks false has nothing to fold and skips the scan.
-#}
{% macro canonical_text(messages, cleaning=none) -%}
    array_to_string(
        list_transform(
            {{ messages }},
            {% if cleaning -%}
            (m, i) -> m.role || chr(31) || {{ fold_whitespace('m.content', guard=cleaning ~ '[i]') }}
            {%- else -%}
            m -> m.role || chr(31) || {{ fold_whitespace('m.content') }}
            {%- endif %}
        ),
        chr(30)
    )
{%- endmacro %}
