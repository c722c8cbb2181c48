{#- Quarantined records per reason, over every source dataset. -#}
with

quarantine as (

    select * from {{ ref('quarantine') }}

),

records_per_reason as (

    select
        reason,
        count(*) as records

    from quarantine
    group by reason

)

select * from records_per_reason
