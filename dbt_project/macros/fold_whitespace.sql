{#-
    Fold every run of whitespace (ASCII and Unicode separators: RE2's [\s\p{Z}]) to one space and
    trim. The regexp_replace is costly, so it runs only on text that has something to fold: a
    cheap match for any whitespace other than a single space (a superset of what the replace
    changes, so the result is identical to folding everything; measured 5x faster on 1M
    conversations). The replace matches only what changes (a run of two or more, or one
    whitespace character other than a space), not every single space between two words: the same
    result as replacing every run `[\s\p{Z}]+` with a space (a run of one space is left as it
    is), about 5x faster on the text that has something to fold (docs/benchmarks.md, issue 20,
    session 9; tests/macros/test_sql_macros.py checks both against each other). The second
    alternative lists [\s\p{Z}] but the space, code point by code point. `guard`, when given,
    is a condition that is true for every text with something to fold: false skips the scan.
-#}
{% macro fold_whitespace(expr, guard=none) -%}
    trim(
        case
            when {% if guard %}{{ guard }} and {% endif %}regexp_matches(
                {{ expr }},
                '[\t\n\v\f\r\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]|  '
            )
                then regexp_replace(
                    {{ expr }},
                    '[\s\p{Z}]{2,}|[\t\n\f\r\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]',
                    ' ',
                    'g'
                )
            else {{ expr }}
        end
    )
{%- endmacro %}
