{#- Every record of a hard-holdout family (and every record flagged holdout through a duplicate) is in test. -#}
with

registry as (

    select * from {{ ref('source_registry') }}

),

holdout_families as (

    select distinct source_family from registry
    where is_holdout

),

exported as (

    select
        source_family,
        is_holdout,
        split
    from {{ ref('conversations') }}
    union all
    select
        source_family,
        is_holdout,
        split
    from {{ ref('preference_pairs') }}

)

select exported.*
from exported
where exported.split <> 'test'
    and (
        exported.is_holdout
        or exported.source_family in (select holdout_families.source_family from holdout_families)
    )
