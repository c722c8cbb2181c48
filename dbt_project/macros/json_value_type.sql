{#-
    json_type() of a JSON value that DuckDB wrote itself (what json_extract returns, an element
    of a `::json[]` cast): such text is compact, so its first character names its type, and the
    value is not parsed again. A number (the first character a digit or '-') is still typed by
    json_type, which tells UBIGINT, BIGINT and DOUBLE apart; null stays null. Not for text read
    from the lake (a raw record may start with whitespace): json_type parses that.
    tests/macros/test_sql_macros.py holds it equal to json_type on values of every type.
-#}
{% macro json_value_type(expr) -%}
    case left({{ expr }}, 1)
        when '"' then 'VARCHAR'
        when '[' then 'ARRAY'
        when '{' then 'OBJECT'
        when 'n' then 'NULL'
        when 't' then 'BOOLEAN'
        when 'f' then 'BOOLEAN'
        else json_type({{ expr }})
    end
{%- endmacro %}
