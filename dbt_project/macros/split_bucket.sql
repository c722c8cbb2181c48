{#-
    A stable bucket in [0, 10000) from a key and the split seed: the first 60 bits of
    sha256(key || ':' || seed), modulo 10000. Reproducible outside DuckDB with hashlib.
-#}
{% macro split_bucket(key, seed=var('split_seed')) -%}
    (('0x' || left(sha256({{ key }} || ':' || '{{ seed }}'), 15))::ubigint % 10000)
{%- endmacro %}
