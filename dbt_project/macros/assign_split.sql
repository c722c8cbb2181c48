{#- 90/5/5 (from vars) by stable bucket; hard-holdout rows always go to test. -#}
{% macro assign_split(key, is_holdout) -%}
    case
        when {{ is_holdout }} then 'test'
        when {{ split_bucket(key) }} < {{ var('split_train_pct') * 100 }} then 'train'
        when {{ split_bucket(key) }} < {{ (var('split_train_pct') + var('split_val_pct')) * 100 }} then 'val'
        else 'test'
    end
{%- endmacro %}
