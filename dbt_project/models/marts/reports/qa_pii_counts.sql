{#-
    PII replacements in exported conversations, one row per PII type (and `total`). The types are
    the `pii_*` columns of the conversations mart's contract.
-#}
{%- set pii_columns = [] -%}
{%- if execute -%}
    {%- for column in graph.nodes['model.pixel.conversations'].columns.values() -%}
        {%- if column.name.startswith('pii_') -%}
            {%- do pii_columns.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}
with

{# `not materialized`: read once per type below; DuckDB would copy every column (the messages too) #}
conversations as not materialized (

    select * from {{ ref('conversations') }}

),

replacements_per_type as (

    {%- for name in pii_columns %}
        select
            '{{ name[4:] }}' as pii_type,
            coalesce(sum({{ name }}), 0)::bigint as replacements
        from conversations
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select * from replacements_per_type
