{#- Records a curation or quality gate kept out of the export, per gate. -#}
with

filtered as (

    select * from {{ ref('filtered') }}

),

records_per_gate as (

    select
        gate,
        count(*) as records

    from filtered
    group by gate

)

select * from records_per_gate
