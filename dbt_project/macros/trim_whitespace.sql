{#-
    Trim every kind of leading/trailing whitespace (newlines, tabs, Unicode spaces) and the
    invisible zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM, Mongolian vowel
    separator), not just ' '. The replace runs only when the first or the last character is one
    of them (otherwise it changes nothing), so most text is not scanned end to end: two anchored
    matches (`^[...]`, `[...]$`: RE2 reads one character at the start, and the end-anchored one
    runs backwards from the end), 2x cheaper than matching `left(expr, 1) || right(expr, 1)`,
    which counts the characters of the whole text to find the last one (docs/benchmarks.md,
    issue 20, session 9). `expr` is repeated: pass a column.
-#}
{% macro trim_whitespace(expr) -%}
    case
        when regexp_matches({{ expr }}, '^[\s\p{Z}\x{200b}-\x{200d}\x{2060}\x{feff}\x{180e}]')
            or regexp_matches({{ expr }}, '[\s\p{Z}\x{200b}-\x{200d}\x{2060}\x{feff}\x{180e}]$')
            then regexp_replace(
                {{ expr }},
                '^[\s\p{Z}\x{200b}-\x{200d}\x{2060}\x{feff}\x{180e}]+|[\s\p{Z}\x{200b}-\x{200d}\x{2060}\x{feff}\x{180e}]+$',
                '', 'g'
            )
        else {{ expr }}
    end
{%- endmacro %}
