{#- Remove terminal escape sequences (ESC [ ... colour codes) and control characters (C0 but tab, newline and carriage return; DEL; C1) from text: they are never content. -#}
{% macro strip_control_characters(expr) -%}
    regexp_replace(
        regexp_replace({{ expr }}, '\x1b\[[0-?]*[ -/]*[@-~]', '', 'g'),
        '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]', '', 'g'
    )
{%- endmacro %}
