{#-
    Record-level accounting: every input record (file, line) ends in exactly one of exported
    conversations, exported preference pairs (curated from sources; built pairs are not input
    records), quarantine, exact duplicates or filtered. Returns records with no outcome or more
    than one.
-#}
with

records as (

    select
        source_dataset,
        source_file,
        source_line
    from {{ ref('stg_lake__records') }}

),

outcomes as (

    select
        source_file,
        source_line,
        'exported' as outcome
    from {{ ref('conversations') }}
    union all
    select
        source_file,
        source_line,
        'exported' as outcome
    from {{ ref('preference_pairs') }}
    where pair_origin = 'source'
    union all
    select
        source_file,
        source_line,
        'quarantined' as outcome
    from {{ ref('quarantine') }}
    union all
    select
        source_file,
        source_line,
        'exact_duplicate' as outcome
    from {{ ref('exact_duplicates') }}
    union all
    select
        source_file,
        source_line,
        'near_duplicate' as outcome
    from {{ ref('near_duplicates') }}
    union all
    select
        source_file,
        source_line,
        'filtered' as outcome
    from {{ ref('filtered') }}
    where record_kind in ('conversation', 'preference_pair')

),

outcomes_per_record as (

    select
        records.source_dataset,
        records.source_file,
        records.source_line,
        count(outcomes.outcome) as outcome_count

    from records
    left join outcomes
        on records.source_file = outcomes.source_file
            and records.source_line = outcomes.source_line
    group by all

)

select * from outcomes_per_record
where outcome_count <> 1
