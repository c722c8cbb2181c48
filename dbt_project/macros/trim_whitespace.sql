{#- Trim every kind of leading/trailing whitespace (newlines, tabs, Unicode spaces) and the invisible zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM, Mongolian vowel separator), not just ' '. -#}
{% macro trim_whitespace(expr) -%}
    regexp_replace({{ expr }}, '^[\s\p{Z}\x{200b}-\x{200d}\x{2060}\x{feff}\x{180e}]+|[\s\p{Z}\x{200b}-\x{200d}\x{2060}\x{feff}\x{180e}]+$', '', 'g')
{%- endmacro %}
