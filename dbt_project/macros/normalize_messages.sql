{#- Canonical roles (via the role_aliases map), NFC text without control characters, trimmed content. -#}
{% macro normalize_messages(messages, role_map='role_map') -%}
    list_transform(
        {{ messages }},
        m -> {
            'role': {{ role_map }}[lower(trim(m.role))],
            'content': nfc_normalize({{ trim_whitespace(strip_control_characters('m.content')) }})
        }
    )
{%- endmacro %}
