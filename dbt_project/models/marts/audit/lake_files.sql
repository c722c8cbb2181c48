{#- The coverage view of the lake: every object, the dataset it feeds (or none), and what came of it. -#}
with

files as (

    select * from {{ ref('stg_lake__files') }}

),

records as (

    select * from {{ ref('stg_lake__records') }}

),

quarantine as (

    select * from {{ ref('quarantine') }}

),

records_per_file as (

    select
        source_file,
        count(*) as input_records,
        any_value(container) as container,
        any_value(compression) as compression

    from records
    group by source_file

),

quarantined_per_file as (

    select
        source_file,
        count(*) as quarantined
    from quarantine
    group by source_file

),

final as (

    select
        files.uri as source_file,
        files.relpath,
        files.lake_root,
        files.bytes,
        files.source_dataset,
        files.matched_datasets,
        files.listing_error,
        files.source_dataset is not null as is_registered,
        len(files.matched_datasets) > 1 as is_ambiguous,
        records_per_file.container,
        records_per_file.compression,
        coalesce(records_per_file.input_records, 0) as input_records,
        coalesce(quarantined_per_file.quarantined, 0) as quarantined

    from files
    left join records_per_file on files.uri = records_per_file.source_file
    left join quarantined_per_file on files.uri = quarantined_per_file.source_file

)

select * from final
