{#-
    Every input record that could not be read, parsed or normalized, with where it came from and
    why. A conversation record's raw line is read from stg_lake__json_records (the staging
    tables do not copy it; `raw_record_in_lake`), a voice record's from its own row.
-#}
with

normalized_rejects as (

    select * from {{ ref('int_conversations_normalized') }}
    where quarantine_reason is not null

),

lake_lines as (

    select
        source_file,
        source_line,
        raw_record

    from {{ ref('stg_lake__json_records') }}

),

conversations as (

    select
        normalized_rejects.* replace (
            case
                when normalized_rejects.raw_record_in_lake then lake_lines.raw_record
                else normalized_rejects.raw_record
            end as raw_record
        )

    {#- equalities only (a hash join; the flag in the join condition made it a nested loop);
        file and line are unique in stg_lake__json_records, so no row is repeated #}
    from normalized_rejects
    left join lake_lines
        on normalized_rejects.source_file = lake_lines.source_file
            and normalized_rejects.source_line = lake_lines.source_line

),

pairs as (

    select * from {{ ref('int_preference_pairs_normalized') }}
    where quarantine_reason is not null

),

all_rejects as (

    select
        {{ lake_record_provenance() }},
        quarantine_reason,
        raw_record
    from conversations

    union all

    select
        {{ lake_record_provenance() }},
        quarantine_reason,
        raw_record
    from pairs

),

final as (

    select
        md5(source_file || ':' || source_line || ':' || quarantine_reason) as quarantine_id,
        source_dataset,
        record_format,
        source_file,
        source_line,
        quarantine_reason as reason,
        container,
        compression,
        raw_bytes,
        {#- an excerpt for analysts in the warehouse; never logged -#}
        
        left(raw_record, 500) as raw_excerpt

    from all_rejects

)

select * from final
