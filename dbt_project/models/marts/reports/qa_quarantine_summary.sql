{#- Per source dataset and reason: how many records were quarantined, in how many files, and one place to look. -#}
with

quarantine as (

    select * from {{ ref('quarantine') }}

),

summary as (

    select
        source_dataset,
        reason,
        count(*) as records,
        count(distinct source_file) as files,
        min(source_file || ':' || source_line) as example_location

    from quarantine
    group by source_dataset, reason

)

select * from summary
