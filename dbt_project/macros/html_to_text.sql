{#- Strip HTML tags and unescape entities, but only in text that looks like HTML. -#}
{% macro html_to_text(expr) -%}
    case
        when regexp_matches({{ expr }}, '<[a-zA-Z/][^>]*>|&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);')
            then trim(
                replace(
                    replace(replace(replace(replace(replace(replace(
                        list_reduce(
                            regexp_extract_all(
                                regexp_replace(
                                    regexp_replace({{ expr }}, '(?i)<br\s*/?>|</p>|</div>|</li>|</h[1-6]>', chr(10), 'g'),
                                    '<[^>]*>', '', 'g'
                                ),
                                '&#([0-9]+);', 1
                            ),
                            (acc, code) -> replace(acc, '&#' || code || ';', chr(code::integer)),
                            regexp_replace(
                                regexp_replace({{ expr }}, '(?i)<br\s*/?>|</p>|</div>|</li>|</h[1-6]>', chr(10), 'g'),
                                '<[^>]*>', '', 'g'
                            )
                        ),
                    '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#x27;', ''''), '&apos;', ''''),
                    '&amp;', '&'
                )
            )
        else {{ expr }}
    end
{%- endmacro %}
