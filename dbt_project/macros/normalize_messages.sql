{#-
    Canonical roles (via the role_aliases map), NFC text without control characters, trimmed
    content. Two passes over the list so each guarded step reads its input once. `cleaning`,
    when given, is a list with one needs_text_cleaning answer per message (same order): a
    message it marks false skips the control-character scan.
-#}
{% macro normalize_messages(messages, role_map='role_map', cleaning=none) -%}
    list_transform(
        list_transform(
            {{ messages }},
            {% if cleaning -%}
            (m, i) -> {
                'role': {{ role_map }}[lower(trim(m.role))],
                'content': {{ strip_control_characters('m.content', guard=cleaning ~ '[i]') }}
            }
            {%- else -%}
            m -> {
                'role': {{ role_map }}[lower(trim(m.role))],
                'content': {{ strip_control_characters('m.content') }}
            }
            {%- endif %}
        ),
        m -> {'role': m.role, 'content': nfc_normalize({{ trim_whitespace('m.content') }})}
    )
{%- endmacro %}
