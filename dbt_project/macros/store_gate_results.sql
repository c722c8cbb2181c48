{#-
    on-run-end: keep the outcome of every data test and unit test of this run in the warehouse
    (`gate_results`), so the QA report and analysts see which gates passed without dbt's logs.
-#}
{% macro store_gate_results(results) %}
    {%- if execute -%}
        {%- set rows = [] -%}
        {%- for result in results if result.node.resource_type in ['test', 'unit_test'] -%}
            {%- do rows.append(
                "('" ~ result.node.name | replace("'", "''") ~ "', '"
                ~ result.node.resource_type ~ "', '"
                ~ result.status ~ "', "
                ~ (result.failures or 0) ~ ", '"
                ~ (result.node.attached_node or '') | replace("'", "''") ~ "')"
            ) -%}
        {%- endfor -%}
        create or replace table main.gate_results (
            gate varchar, gate_kind varchar, status varchar, failures bigint, attached_node varchar,
            run_started_at varchar
        );
        {%- if rows %}
        insert into main.gate_results
        select *, '{{ run_started_at.isoformat() }}'
        from (values {{ rows | join(', ') }});
        {%- endif %}
    {%- endif -%}
{% endmacro %}
