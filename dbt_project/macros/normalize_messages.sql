{#-
    Canonical roles (via the role_aliases map), NFC text without control characters, trimmed
    content. Two passes over the list so each guarded step reads its input once.
-#}
{% macro normalize_messages(messages, role_map='role_map') -%}
    list_transform(
        list_transform(
            {{ messages }},
            m -> {
                'role': {{ role_map }}[lower(trim(m.role))],
                'content': {{ strip_control_characters('m.content') }}
            }
        ),
        m -> {'role': m.role, 'content': nfc_normalize({{ trim_whitespace('m.content') }})}
    )
{%- endmacro %}
