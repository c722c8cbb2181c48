{#-
    Whether a raw message text holds anything that strip_control_characters removes or that
    fold_whitespace (after trim_whitespace and NFC) folds: one scan for both checks, so the clean
    text (nine in ten messages on the sample lake) is read once instead of twice. Its pattern is
    the two checks' patterns joined, so it matches exactly when one of them does. After the
    strip, the trim and NFC, a text it did not match has nothing to fold either: nothing was
    removed in its middle, and no character's NFC form is whitespace that is not one already
    (tests/macros/test_sql_macros.py checks every code point). `expr` is a raw content column.
-#}
{% macro needs_text_cleaning(expr) -%}
    regexp_matches(
        {{ expr }},
        '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]'
        || '|[\t\n\v\f\r\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]|  '
    )
{%- endmacro %}
