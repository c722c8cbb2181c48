with

{#
    `not materialized`: read twice (the join and changed_files); a CTE read twice is materialized
    by DuckDB, which copied every raw line of the lake once more. Each reader scans the table.
#}
records as not materialized (

    select * from {{ ref('stg_lake__records') }}

),

registry as (

    select * from {{ ref('source_registry') }}

),

records_with_format as (

    select
        records.source_dataset,
        registry.format as record_format,
        registry.field_map,
        records.source_file,
        records.source_line,
        records.container,
        records.compression,
        records.raw_bytes,
        records.load_error,
        records.at_unterminated_eof,
        records.raw_record

    from records
    inner join registry
        on records.source_dataset = registry.dataset

),

changed_files as (

    {#- a file whose bytes stopped matching its listing mid-read is quarantined whole #}
    select distinct source_file
    from records
    where load_error = 'object_changed'

),

json_checked as (

    select
        records_with_format.*,
        changed_files.source_file is not null as is_in_changed_file,
        {#- one parse: the type of valid JSON, null for invalid JSON (or no record) -#}
        try(json_type(records_with_format.raw_record)) as json_type

    from records_with_format
    left join changed_files
        on records_with_format.source_file = changed_files.source_file

),

record_errors as (

    select
        source_dataset,
        record_format,
        field_map,
        source_file,
        source_line,
        container,
        compression,
        raw_bytes,
        case
            when is_in_changed_file then 'object_changed'
            when load_error is not null then load_error
            when json_type is null and at_unterminated_eof then 'truncated_record'
            when json_type is null then 'malformed_json'
            {#- one conversation per file (a list mapped to `$`): the record may be the list itself #}
            when
                json_type = 'ARRAY'
                and starts_with(
                    ltrim(coalesce(field_map ->> '$.messages', field_map ->> '$.turns', '')), '$'
                )
                then null
            when json_type <> 'OBJECT' then 'not_an_object'
        end as record_error,
        raw_record

    from json_checked

)

select * from record_errors
