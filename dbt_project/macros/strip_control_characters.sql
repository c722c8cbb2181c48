{#-
    Remove terminal escape sequences (ESC [ ... colour codes) and control characters (C0 but tab,
    newline and carriage return; DEL; C1) from text: they are never content. The two replaces run
    only on text that holds a control character (ESC is one), so the result is the same and
    clean text is scanned once, not rewritten twice. `expr` is repeated: pass a column.
    `guard`, when given, is a condition that is true for every text holding a control character
    (needs_text_cleaning's answer on the same text): false skips the scan.
-#}
{% macro strip_control_characters(expr, guard=none) -%}
    case
        when {% if guard %}{{ guard }} and {% endif %}regexp_matches({{ expr }}, '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]')
            then regexp_replace(
                regexp_replace({{ expr }}, '\x1b\[[0-?]*[ -/]*[@-~]', '', 'g'),
                '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]', '', 'g'
            )
        else {{ expr }}
    end
{%- endmacro %}
