{#- Every input record that could not be read, parsed or normalized, with where it came from and why. -#}
with

conversations as (

    select * from {{ ref('int_conversations_normalized') }}
    where quarantine_reason is not null

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
