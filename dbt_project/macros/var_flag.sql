{#-
    A boolean var as a SQL literal (`true`/`false`), read as pixel_config.values.flag reads it:
    true, 1, yes or on (any case) is true. A model guards work a switch turned off with it.
-#}
{% macro var_flag(name) -%}
    {{- 'true' if (var(name) | string | trim | lower) in ['true', '1', 'yes', 'on'] else 'false' -}}
{%- endmacro %}
