{#-
    on-run-start / on-run-end: the state of the last build in the warehouse table `build_state`,
    one row written by one statement (atomic): `started` when a build begins (so a build killed
    midway leaves `started`), `passed` or `failed` when it ends. The export refuses anything but
    a finished, passed, full `dbt build` of the lake `build_metadata` names. `dbt test` changes
    no data: it leaves the state alone, except that a failed gate marks it `failed`.
-#}
{% macro record_build_state(phase, results=none) %}
    {%- if execute -%}
        {%- set args = invocation_args_dict -%}
        {%- set command = args.get('which') -%}
        {%- set selection = [] -%}
        {%- for key in ['select', 'exclude', 'selector', 'resource_types', 'exclude_resource_types'] -%}
            {%- if args.get(key) -%}{%- do selection.append(key ~ '=' ~ tojson(args.get(key))) -%}{%- endif -%}
        {%- endfor -%}
        {%- set failed = [] -%}
        {%- set failed_gates = [] -%}
        {%- for result in (results or []) if result.status not in ['success', 'pass', 'warn'] -%}
            {%- do failed.append(result.node.name) -%}
            {%- if result.node.resource_type in ['test', 'unit_test'] -%}{%- do failed_gates.append(result.node.name) -%}{%- endif -%}
        {%- endfor -%}
        {%- if command in ['build', 'run', 'seed', 'snapshot'] -%}
            {%- if phase == 'start' %}
        create or replace table main.build_state as
        select
            '{{ invocation_id }}' as invocation_id,
            '{{ command }}' as command,
            '{{ selection | join(' ') | replace("'", "''") }}' as selection,
            '{{ var("lake_root") | replace("'", "''") }}' as lake_root,
            {{ var('split_seed') }}::integer as split_seed,
            '{{ tojson(args.get("vars") or {}, sort_keys=true) | replace("'", "''") }}' as dbt_vars,
            '{{ run_started_at.isoformat() }}' as started_at,
            null::varchar as finished_at,
            'started' as status,
            null::integer as failed_nodes,
            null::integer as failed_gates;
            {%- else %}
        create or replace table main.build_state as
        select
            * exclude (finished_at, status, failed_nodes, failed_gates),
            '{{ modules.datetime.datetime.utcnow().isoformat() }}' as finished_at,
            '{{ "failed" if failed else "passed" }}' as status,
            {{ failed | length }}::integer as failed_nodes,
            {{ failed_gates | length }}::integer as failed_gates
        from main.build_state
        where invocation_id = '{{ invocation_id }}';
            {%- endif -%}
        {%- elif command == 'test' and phase == 'end' and failed_gates
            and adapter.get_relation(database=target.database, schema='main', identifier='build_state') %}
        create or replace table main.build_state as
        select
            * exclude (status, failed_gates),
            'failed' as status,
            coalesce(failed_gates, 0) + {{ failed_gates | length }} as failed_gates
        from main.build_state;
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
